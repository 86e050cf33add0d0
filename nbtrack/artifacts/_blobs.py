"""Content-addressed file storage: sha256-named blobs, streamed in fixed-size chunks, never read whole.

Where blobs live (`blob_dir`): `NBTRACK_BLOBS` when set; else beside a SQLite store's file
(`<dir>/blobs`); else, for a PostgreSQL store, `NBTRACK_DIR/blobs` (default `./.nbtrack/blobs`).
The database holds only the manifests, so a team sharing a PostgreSQL store points
`NBTRACK_BLOBS` at a directory every machine mounts (NFS, SMB, a synced folder).
A blob is `sha256/<first two hex digits>/<digest>`, written to a temporary file under
`tmp/` in the same directory tree and renamed into place, so readers never see a partial blob and
concurrent writers of the same content are harmless. Runs of zero bytes are written as
holes, so sparse files stay sparse.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import time
from pathlib import Path
from typing import BinaryIO

from ..errors import ArtifactCorruptedError, ArtifactError
from ..store import Store

__all__ = ["BLOBS_ENV", "CHUNK", "blob_dir", "hash_file", "known_digest", "copy_verified", "BlobStore"]

BLOBS_ENV = "NBTRACK_BLOBS"
CHUNK = 1 << 20  # bytes read and written at a time: memory use does not grow with file size
_ZEROS = bytes(CHUNK)
_HEX = re.compile(r"^[0-9a-f]{64}$")
# Digests computed in this process, by file identity and state (as git's index does): logging an
# unchanged file again (a re-executed cell) does not read it again when its blob is present.
# Like git's "racy clean" rule, a file modified less than _SETTLED_NS before it was hashed is
# not remembered: file times are coarse, so a quick rewrite could keep the same mtime.
_KNOWN: dict[tuple[str, int, int, int, int], tuple[str, int]] = {}
_KNOWN_MAX = 100_000
_SETTLED_NS = 2_000_000_000


def _identity(path: str | os.PathLike[str]) -> tuple[str, int, int, int, int]:
    st = os.stat(path)
    return (os.path.realpath(path), st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


def known_digest(path: str | os.PathLike[str]) -> tuple[str, int] | None:
    """The (sha256, size) this process computed for the file as it is now, if any."""
    try:
        return _KNOWN.get(_identity(path))
    except OSError:
        return None


def _remember(path: str | os.PathLike[str], before: tuple[str, int, int, int, int], started_ns: int,
              found: tuple[str, int]) -> None:
    if before[4] > started_ns - _SETTLED_NS:
        return
    try:
        if _identity(path) != before:  # changed while being read: do not trust the digest for later
            return
    except OSError:
        return
    if len(_KNOWN) >= _KNOWN_MAX:
        _KNOWN.clear()
    _KNOWN[before] = found


def blob_dir(store: Store) -> Path:
    """The blob directory for `store` (see the module docstring)."""
    explicit = os.environ.get(BLOBS_ENV)
    if explicit:
        return Path(explicit).expanduser().resolve()
    url = store.url
    if url.startswith("sqlite:///") and not url.endswith(":memory:"):
        return Path(url[len("sqlite:///"):]).resolve().parent / "blobs"
    return Path(os.environ.get("NBTRACK_DIR", ".nbtrack")).resolve() / "blobs"


def _read_chunks(f: BinaryIO, buf: bytearray) -> int:
    return f.readinto(buf)  # type: ignore[attr-defined, no-any-return]


def hash_file(path: str | os.PathLike[str]) -> tuple[str, int]:
    """(sha256 hex digest, size in bytes) of a file, read in chunks."""
    started, before = time.time_ns(), _identity(path)
    h = hashlib.sha256()
    buf = bytearray(CHUNK)
    view = memoryview(buf)
    size = 0
    with open(path, "rb") as f:
        while n := _read_chunks(f, buf):
            h.update(view[:n])
            size += n
    _remember(path, before, started, (h.hexdigest(), size))
    return h.hexdigest(), size


def _copy_hashing(src: str | os.PathLike[str], dst_fd: int) -> tuple[str, int]:
    """Copy `src` into the open descriptor, keeping zero runs as holes; return its (sha256, size)."""
    h = hashlib.sha256()
    buf = bytearray(CHUNK)
    view = memoryview(buf)
    size = 0
    hole = False
    with open(src, "rb") as f:
        while n := _read_chunks(f, buf):
            chunk = view[:n]
            h.update(chunk)
            if n == CHUNK and buf == _ZEROS:
                os.lseek(dst_fd, n, os.SEEK_CUR)
                hole = True
            else:
                written = 0
                while written < n:
                    written += os.write(dst_fd, chunk[written:])
                hole = False
            size += n
    if hole:
        os.ftruncate(dst_fd, size)
    return h.hexdigest(), size


class BlobStore:
    """The blobs of one directory: put files in by content, get them out verified."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    def path(self, digest: str) -> Path:
        """Where the blob with this sha256 lives (the digest is checked, so no path can be formed from it)."""
        if not isinstance(digest, str) or not _HEX.match(digest):
            raise ArtifactError(f"invalid sha256 digest {digest!r}")
        return self.root / "sha256" / digest[:2] / digest

    def has(self, digest: str, size: int) -> bool:
        """Whether the blob is present with the expected size."""
        try:
            return self.path(digest).stat().st_size == size
        except FileNotFoundError:
            return False

    def put(self, src: str | os.PathLike[str]) -> tuple[str, int]:
        """Store a file by content (once per digest) in one read pass; return its (sha256, size).

        The file is copied to a temporary blob while it is hashed, then renamed into place, or
        dropped when that content is already stored. A file this process hashed before and that
        has not changed since (same inode, size and mtime) is not read again if its blob is present.
        """
        known = known_digest(src)
        if known is not None and self.has(*known):
            return known
        started, before = time.time_ns(), _identity(src)
        tmp_dir = self.root / "tmp"
        tmp_dir.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=tmp_dir, prefix="blob-")
        try:
            try:
                digest, size = _copy_hashing(src, fd)
                if not self.has(digest, size):
                    os.fsync(fd)
            finally:
                os.close(fd)
            if not self.has(digest, size):
                dest = self.path(digest)
                dest.parent.mkdir(parents=True, exist_ok=True)
                os.chmod(tmp, 0o444)
                os.replace(tmp, dest)
            _remember(src, before, started, (digest, size))
            return digest, size
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)

    def materialize(self, digest: str, size: int, dest: Path, *, label: str) -> None:
        """Copy a blob to `dest` (atomically), verifying its digest; `label` names the file in errors."""
        blob = self.path(digest)
        if not blob.is_file():
            raise ArtifactCorruptedError(
                f"{label}: its content (sha256 {digest[:12]}...) is missing from the blob directory {self.root}; "
                f"a PostgreSQL store keeps file contents in a directory: set {BLOBS_ENV} to one every machine shares"
            )
        copy_verified(blob, digest, size, dest, label=label, where="in the store")

    def collect(self, store: Store, digests: list[str]) -> list[str]:
        """Remove the blobs of `digests` that no artifact of `store` references any more; returns those removed.

        Each blob is first moved aside, the store asked again, and a blob some version took up in
        the meantime is moved back, so content logged concurrently is not lost.
        """
        moved: dict[str, Path] = {}
        for digest in digests:
            blob = self.path(digest)
            aside = blob.with_name(f".{digest}.collecting-{os.getpid()}")
            try:
                os.replace(blob, aside)
            except FileNotFoundError:
                continue
            moved[digest] = aside
        free = set(store.unreferenced_digests(list(moved))) if moved else set()
        for digest, aside in moved.items():
            if digest in free:
                aside.unlink()
            elif not self.path(digest).exists():
                os.replace(aside, self.path(digest))
            else:
                aside.unlink()
        return sorted(free)


def copy_verified(src: Path, digest: str, size: int, dest: Path, *, label: str, where: str) -> None:
    """Copy `src` to `dest` atomically, raising ArtifactCorruptedError when its content is not `digest`."""
    fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name[:40]}.tmp-")
    try:
        try:
            got, got_size = _copy_hashing(src, fd)
        finally:
            os.close(fd)
        if (got, got_size) != (digest, size):
            raise ArtifactCorruptedError(
                f"{label} is corrupted {where}: expected sha256 {digest} ({size} bytes), "
                f"found {got} ({got_size} bytes) in {src}"
            )
        os.replace(tmp, dest)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
