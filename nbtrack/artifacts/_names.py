"""Validation of artifact names, aliases and member file names, parsing of `name:alias` references, and
the error for a reference to a missing version."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from ..errors import ArtifactError, ArtifactNotFoundError

__all__ = ["check_name", "check_alias", "check_member", "parse_ref", "ref_label", "version_number", "no_such_version",
           "MAX_NAME"]

MAX_NAME = 128
_NAME = re.compile(r"^[A-Za-z0-9_.-]+$")
_VERSION = re.compile(r"^v(0|[1-9][0-9]*)$")
_DRIVE = re.compile(r"^[A-Za-z]:")


def check_name(name: object) -> str:
    """An artifact name: 1-128 of `A-Z a-z 0-9 _ . -`, not only dots."""
    if not isinstance(name, str) or not _NAME.match(name) or len(name) > MAX_NAME or not name.strip("."):
        raise ArtifactError(
            f"invalid artifact name {name!r}: use 1-{MAX_NAME} letters, digits, '_', '.' or '-' (not only dots)"
        )
    return name


def check_alias(name: str, alias: object) -> str:
    """An alias a user may assign: like a name, and not of the reserved version form `v<N>`."""
    if not isinstance(alias, str) or not _NAME.match(alias) or len(alias) > MAX_NAME or not alias.strip("."):
        raise ArtifactError(f"artifact {name!r}: invalid alias {alias!r} (letters, digits, '_', '.', '-')")
    if _VERSION.match(alias):
        raise ArtifactError(f"artifact {name!r}: alias {alias!r} is reserved (versions are numbered v0, v1, ...)")
    return alias


def check_member(artifact: str, path: object) -> str:
    """A file name inside an artifact: relative, '/'-separated, no '.', '..' or empty parts, no backslash."""
    problem = None
    if not isinstance(path, str) or not path:
        problem = "it must be a non-empty string"
    elif "\0" in path or "\\" in path:
        problem = "it must not contain backslashes or NUL characters"
    elif path.startswith("/") or _DRIVE.match(path):
        problem = "it must be relative, not absolute"
    elif any(part in ("", ".", "..") for part in path.split("/")):
        problem = "it must not contain '.', '..' or empty path components"
    elif len(path) > 4096:
        problem = "it is longer than 4096 characters"
    if problem is not None:
        raise ArtifactError(f"artifact {artifact!r}: invalid file name {path!r}: {problem}")
    return path


def parse_ref(ref: str) -> tuple[str, str]:
    """`name:alias` -> (name, alias); a bare name means `latest`; a W&B `entity/project/` prefix is ignored."""
    if not isinstance(ref, str) or not ref:
        raise ArtifactError(f"artifact reference must be a string like 'name:v3' or 'name:latest', not {ref!r}")
    base = ref.rsplit("/", 1)[-1]
    name, sep, alias = base.partition(":")
    check_name(name)
    if not sep:
        alias = "latest"
    elif not alias or not _NAME.match(alias):
        raise ArtifactError(f"invalid artifact reference {ref!r}: expected 'name:v3', 'name:latest' or 'name:ALIAS'")
    return name, alias


def ref_label(ref: str) -> str | None:
    """The `vN` or alias a reference names its version by (`"data:latest"` -> `latest`), None for a bare name:
    what W&B shows after the collection in the fetched artifact's `name`."""
    alias = ref.rsplit("/", 1)[-1].partition(":")[2]
    return alias or None


def version_number(alias: str) -> int | None:
    """The number of a `v<N>` reference, or None for an alias."""
    match = _VERSION.match(alias)
    return int(match.group(1)) if match else None


def no_such_version(what: str, alias: str, versions: Sequence[Any]) -> ArtifactNotFoundError:
    """The error for `what` (an artifact or a registry collection) lacking `alias`, naming what it has."""
    aliases = sorted({a for v in versions for a in v.aliases})
    return ArtifactNotFoundError(f"{what} has no version {alias!r}: it has v0..v{versions[-1].version}"
                                 + (f" and the aliases {', '.join(aliases)}" if aliases else ""))
