"""`nbtrack.Artifact`: a versioned set of files (a dataset, a model), built locally then logged by a run."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import weakref
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import IO, Any
from urllib.parse import urlparse

from ..errors import ArtifactError
from ..store import RunRecord, Store
from ..store._records import ArtifactFileRecord, ArtifactRecord
from ._blobs import BlobStore, blob_dir, hash_file, known_digest
from ._names import check_member, check_name
from ._paths import download_root, safe_destination, walk_dir

__all__ = ["Artifact", "manifest_digest"]


@dataclass(frozen=True)
class _Entry:
    """A file waiting to be logged: a local path to read at log time, or a reference URI."""

    source: Path | None = None
    ref: str | None = None


def manifest_digest(files: list[ArtifactFileRecord]) -> str:
    """The version's identity: sha256 over its sorted (path, digest, size, reference) entries."""
    h = hashlib.sha256(b"nbtrack-manifest-1\n")
    for f in sorted(files, key=lambda f: f.path):
        h.update(json.dumps([f.path, f.digest, f.size, f.ref]).encode() + b"\n")
    return h.hexdigest()


def _json_default(value: Any) -> Any:
    if hasattr(value, "item") and callable(value.item):  # numpy scalars
        return value.item()
    if hasattr(value, "tolist") and callable(value.tolist):  # numpy arrays
        return value.tolist()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


class Artifact:
    """A versioned set of files: add files, then `run.log_artifact(artifact, aliases=[...])`.

    File contents are read when the artifact is logged. Logging content identical to an
    existing version (same manifest digest) reuses that version; only aliases are added.
    """

    def __init__(self, name: str, type: str, description: str | None = None,
                 metadata: Mapping[str, Any] | None = None) -> None:
        self._name = check_name(name)
        if not isinstance(type, str) or not type.strip() or len(type) > 128 or "\0" in type:
            raise ArtifactError(f"artifact {name!r}: type must be a non-empty string such as 'dataset', not {type!r}")
        if metadata is not None and not isinstance(metadata, Mapping):
            raise ArtifactError(f"artifact {name!r}: metadata must be a dict, not {metadata.__class__.__name__}")
        self._type = type
        self._description = description
        self._metadata: dict[str, Any] = dict(metadata or {})
        self._entries: dict[str, _Entry] = {}
        self._staging: Path | None = None
        self._cleanup: weakref.finalize[Any, Any] | None = None
        self._store: Store | None = None
        self._record: ArtifactRecord | None = None
        self._files: list[ArtifactFileRecord] | None = None

    @classmethod
    def _from_record(cls, store: Store, record: ArtifactRecord) -> Artifact:
        """The logged version `record` of `store`."""
        art = cls.__new__(cls)
        Artifact.__init__(art, record.name, record.type, record.description, record.metadata)
        art._store, art._record = store, record
        return art

    # -- identity ------------------------------------------------------------
    @property
    def name(self) -> str:
        """The artifact's name (shared by all its versions)."""
        return self._name

    @property
    def type(self) -> str:
        """The artifact's type, e.g. `dataset` or `model`."""
        return self._type

    @property
    def description(self) -> str | None:
        """Free text describing the artifact."""
        return self._description

    @description.setter
    def description(self, value: str | None) -> None:
        self._check_draft("set the description of")
        self._description = value

    @property
    def metadata(self) -> dict[str, Any] | MappingProxyType[str, Any]:
        """User metadata: a dict before logging, read-only once logged."""
        return self._metadata if self._record is None else MappingProxyType(self._record.metadata)

    @property
    def version(self) -> str | None:
        """`v0`, `v1`, ... once logged; None before."""
        return None if self._record is None else f"v{self._record.version}"

    @property
    def qualified_name(self) -> str:
        """`name:vN` once logged, the bare name before."""
        return self._name if self._record is None else f"{self._name}:v{self._record.version}"

    @property
    def aliases(self) -> list[str]:
        """The aliases this version held when it was logged or fetched (`latest` first)."""
        return [] if self._record is None else list(self._record.aliases)

    @property
    def id(self) -> str | None:
        """The stored version's id; None before logging."""
        return None if self._record is None else self._record.id

    @property
    def state(self) -> str:
        """`PENDING` before logging, `COMMITTED` after (W&B's words)."""
        return "PENDING" if self._record is None else "COMMITTED"

    @property
    def created_at(self) -> float | None:
        """When the version was first logged (seconds since the epoch)."""
        return None if self._record is None else self._record.created_at

    @property
    def size(self) -> int:
        """Total bytes of the stored files (references not counted)."""
        if self._record is not None:
            return self._record.size
        return sum(f.size or 0 for f in self.files())

    @property
    def digest(self) -> str:
        """The manifest digest: equal digests mean identical content (hashes the files of a draft)."""
        return self._record.digest if self._record is not None else manifest_digest(self.files())

    # -- building ------------------------------------------------------------
    def _check_draft(self, action: str) -> None:
        if self._record is not None:
            raise ArtifactError(
                f"cannot {action} artifact {self.qualified_name}: it is already logged; "
                f"create a new nbtrack.Artifact({self._name!r}, {self._type!r}) for the next version"
            )

    def _add(self, members: dict[str, _Entry]) -> None:
        for member in members:
            if member in self._entries:
                raise ArtifactError(f"artifact {self._name!r}: it already has a file named {member!r}")
        self._entries.update(members)

    def add_file(self, local_path: str | os.PathLike[str], name: str | None = None) -> str:
        """Add a local file (as `name`, default its base name); returns the name inside the artifact."""
        self._check_draft("add a file to")
        path = Path(local_path)
        if not path.is_file():
            raise ArtifactError(f"artifact {self._name!r}: add_file: {os.fspath(path)!r} is not a file")
        member = check_member(self._name, path.name if name is None else name)
        self._add({member: _Entry(source=path.resolve())})
        return member

    def add_dir(self, local_path: str | os.PathLike[str], name: str | None = None) -> None:
        """Add every file under a directory (under the prefix `name`); links leaving it are refused."""
        self._check_draft("add a directory to")
        prefix = "" if name in (None, "") else check_member(self._name, name) + "/"
        found = walk_dir(self._name, Path(local_path))
        self._add({check_member(self._name, prefix + rel): _Entry(source=src) for rel, src in found})

    def add_reference(self, uri: str, name: str | None = None) -> str:
        """Record a URI (`s3://...`, `https://...`, `file://...`) without copying what it points to."""
        self._check_draft("add a reference to")
        if not isinstance(uri, str) or not urlparse(uri).scheme or "\0" in uri:
            raise ArtifactError(f"artifact {self._name!r}: add_reference needs a URI with a scheme, not {uri!r}")
        if name is None:
            name = urlparse(uri).path.rstrip("/").rsplit("/", 1)[-1] or urlparse(uri).netloc
        member = check_member(self._name, name)
        self._add({member: _Entry(ref=uri)})
        return member

    @contextmanager
    def new_file(self, name: str, mode: str = "w", encoding: str | None = None) -> Iterator[IO[Any]]:
        """Open a new file inside the artifact for writing (`mode` "w"/"x" text or "wb"/"xb" binary)."""
        self._check_draft("add a file to")
        member = check_member(self._name, name)
        if member in self._entries:
            raise ArtifactError(f"artifact {self._name!r}: it already has a file named {member!r}")
        if mode not in ("w", "x", "wb", "xb"):
            raise ArtifactError(f"artifact {self._name!r}: new_file mode must be 'w', 'x', 'wb' or 'xb', not {mode!r}")
        fd, tmp = tempfile.mkstemp(dir=self._staging_dir())
        os.close(fd)
        binary = "b" in mode
        try:
            with open(tmp, "wb" if binary else "w", encoding=None if binary else (encoding or "utf-8")) as f:
                yield f
        except BaseException:
            os.unlink(tmp)
            raise
        self._add({member: _Entry(source=Path(tmp))})

    def _staging_dir(self) -> Path:
        if self._staging is None:
            self._staging = Path(tempfile.mkdtemp(prefix=f"nbtrack-artifact-{self._name[:40]}-"))
            self._cleanup = weakref.finalize(self, shutil.rmtree, str(self._staging), True)
        return self._staging

    # -- contents ------------------------------------------------------------
    def files(self) -> list[ArtifactFileRecord]:
        """The files (path, sha256, size) and references (path, ref), ordered by path (hashes a draft's files)."""
        if self._record is not None:
            if self._files is None:
                assert self._store is not None
                self._files = self._store.artifact_files(self._record.id)
            return list(self._files)
        out = []
        for member, entry in sorted(self._entries.items()):
            if entry.ref is not None:
                out.append(ArtifactFileRecord(path=member, ref=entry.ref))
            else:
                digest, size = self._hash(member, entry.source)  # type: ignore[arg-type]
                out.append(ArtifactFileRecord(path=member, digest=digest, size=size))
        return out

    def _hash(self, member: str, source: Path) -> tuple[str, int]:
        try:
            return known_digest(source) or hash_file(source)
        except OSError as exc:
            raise ArtifactError(f"artifact {self._name!r}: cannot read file {member!r} from {source}: {exc}") from exc

    def _commit(self, store: Store, *, aliases: list[str], run_id: str | None, now: float) -> bool:
        """Store the files and the version (or find the identical one); returns whether it is new."""
        try:
            metadata = json.loads(json.dumps(dict(self._metadata), default=_json_default))
        except (TypeError, ValueError) as exc:
            raise ArtifactError(f"artifact {self._name!r}: metadata must be JSON serialisable: {exc}") from exc
        if self._record is not None:
            if self._store is not store:
                owner = self._store.url if self._store is not None else "?"
                raise ArtifactError(f"artifact {self.qualified_name} belongs to another store ({owner})")
            files, digest = self.files(), self._record.digest
        else:
            blobs = BlobStore(blob_dir(store))
            files = []
            for member, entry in sorted(self._entries.items()):
                if entry.ref is not None:
                    files.append(ArtifactFileRecord(path=member, ref=entry.ref))
                    continue
                try:
                    digest, size = blobs.put(entry.source)  # type: ignore[arg-type]
                except OSError as exc:
                    raise ArtifactError(f"artifact {self._name!r}: cannot store file {member!r} from "
                                        f"{entry.source}: {exc}") from exc
                files.append(ArtifactFileRecord(path=member, digest=digest, size=size))
            digest = manifest_digest(files)
        try:
            record, created = store.put_artifact(
                self._name, self._type, digest, files, description=self._description, metadata=metadata,
                aliases=aliases, run_id=run_id, created_at=now,
            )
        except ValueError as exc:
            raise ArtifactError(str(exc)) from None
        self._store, self._record, self._files = store, record, None
        self._description, self._metadata = record.description, dict(record.metadata)
        self._entries.clear()
        if self._cleanup is not None:
            self._cleanup()
        return created

    def download(self, root: str | os.PathLike[str] | None = None) -> str:
        """Write the files under `root` (default `./artifacts/NAME:vN`), verifying each digest; returns root."""
        if self._record is None or self._store is None:
            raise ArtifactError(f"cannot download artifact {self._name!r}: log it first (run.log_artifact)")
        dest_root = Path(root) if root is not None else download_root(self._name, self._record.version)
        dest_root.mkdir(parents=True, exist_ok=True)
        real_root = dest_root.resolve()
        blobs = BlobStore(blob_dir(self._store))
        for f in self.files():
            if f.ref is not None:
                continue
            label = f"artifact {self.qualified_name}: file {f.path!r}"
            dest = safe_destination(real_root, check_member(self._name, f.path), label=label)
            if (not dest.is_symlink() and dest.is_file() and dest.stat().st_size == f.size
                    and hash_file(dest)[0] == f.digest):
                continue
            blobs.materialize(f.digest or "", f.size or 0, dest, label=label)
        return os.fspath(dest_root)

    # -- lineage -------------------------------------------------------------
    def logged_by(self) -> RunRecord | None:
        """The run that first logged this version (None for a draft, or when that run is gone)."""
        if self._record is None or self._record.run_id is None or self._store is None:
            return None
        return self._store.get_run(self._record.run_id)

    def used_by(self) -> list[RunRecord]:
        """The runs that used this version, in the order they first used it."""
        if self._record is None or self._store is None:
            return []
        ids = [e.run_id for e in self._store.artifact_edges(artifact_ids=[self._record.id]) if e.direction == "input"]
        by_id = {r.id: r for r in self._store.list_runs(ids=ids)} if ids else {}
        return [by_id[i] for i in dict.fromkeys(ids) if i in by_id]

    def __repr__(self) -> str:
        if self._record is None:
            return f"<nbtrack.Artifact {self._name} ({self._type}, draft, {len(self._entries)} files)>"
        aliases = f" aliases={','.join(self._record.aliases)}" if self._record.aliases else ""
        return (f"<nbtrack.Artifact {self.qualified_name} ({self._type}, {self._record.file_count} files, "
                f"{self._record.size} bytes){aliases}>")
