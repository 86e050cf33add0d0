"""References: files an artifact records by URI instead of copying. A `file://` reference is hashed
when logged (so a version still names exact content) and copied from its place, verified, on download."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import unquote, urlparse
from urllib.request import url2pathname

from ..errors import ArtifactError
from ._names import check_member
from ._paths import walk_dir

__all__ = ["reference_members", "local_target"]


def local_target(uri: str) -> Path | None:
    """The local path a `file://` URI names; None for other schemes."""
    parsed = urlparse(uri)
    if parsed.scheme != "file":
        return None
    if parsed.netloc not in ("", "localhost"):
        raise ArtifactError(f"reference {uri!r}: only local file:// URIs (no host) can be read")
    return Path(url2pathname(unquote(parsed.path)))


def reference_members(artifact: str, uri: str, name: str | None) -> list[tuple[str, str, Path | None]]:
    """(member, URI, local file) for each entry a reference adds: one per file under a `file://` directory,
    else one entry for the URI (named `name`, default its last path part)."""
    if not isinstance(uri, str) or not urlparse(uri).scheme or "\0" in uri:
        raise ArtifactError(f"artifact {artifact!r}: add_reference needs a URI with a scheme, not {uri!r}")
    target = local_target(uri)
    if target is not None and target.is_dir():
        prefix = "" if name in (None, "") else check_member(artifact, name) + "/"
        base = uri.rstrip("/")
        return [(check_member(artifact, prefix + rel), f"{base}/{rel}", src) for rel, src in walk_dir(artifact, target)]
    if target is not None and not target.is_file():
        raise ArtifactError(f"artifact {artifact!r}: add_reference: {os.fspath(target)!r} does not exist")
    if name is None:
        parsed = urlparse(uri)
        name = parsed.path.rstrip("/").rsplit("/", 1)[-1] or parsed.netloc
    return [(check_member(artifact, name), uri, target)]
