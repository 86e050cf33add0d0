"""`ArtifactEntry`: one file of an artifact as W&B's manifest entry shows it (path, digest, size, reference)."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from ..errors import ArtifactError
from ..store._records import ArtifactFileRecord

if TYPE_CHECKING:
    from ._artifact import Artifact

__all__ = ["ArtifactEntry"]


class ArtifactEntry:
    """A file of an artifact: `path` inside it, sha256 `digest`, `size`, and `ref` (its URI) for a reference."""

    def __init__(self, artifact: Artifact, record: ArtifactFileRecord) -> None:
        self._artifact = artifact
        self._record = record

    @property
    def path(self) -> str:
        """The file's name inside the artifact ('/'-separated)."""
        return self._record.path

    name = path

    @property
    def digest(self) -> str | None:
        """The content's sha256 (None for a reference recorded without a checksum)."""
        return self._record.digest

    @property
    def size(self) -> int | None:
        """Bytes (None for a reference recorded without a checksum)."""
        return self._record.size

    @property
    def ref(self) -> str | None:
        """The URI of a reference; None for a stored file."""
        return self._record.ref

    def ref_target(self) -> str:
        """The URI a reference points to (W&B's name); an error for a stored file."""
        if self._record.ref is None:
            raise ArtifactError(f"{self._record.path!r} is a stored file, not a reference")
        return self._record.ref

    def download(self, root: str | os.PathLike[str] | None = None, skip_cache: bool | None = None) -> str:
        """Write this one file under `root` (default the artifact's download directory); returns its path."""
        return self._artifact._download_files([self._record], root)[0]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ArtifactEntry) and other._record == self._record

    def __hash__(self) -> int:
        return hash(self._record)

    def __repr__(self) -> str:
        what = f"ref={self._record.ref}" if self._record.ref else f"{self._record.size} bytes"
        return f"<ArtifactEntry {self._record.path} ({what})>"
