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
from typing import IO, Any

from ..errors import ArtifactError
from ..store import RunRecord, Store
from ..store._records import ArtifactFileRecord, ArtifactRecord
from ._blobs import BlobStore, blob_dir, hash_file, known_digest
from ._download import write_files
from ._entry import ArtifactEntry
from ._names import check_alias, check_member, check_name
from ._paths import download_root, walk_dir
from ._references import reference_members

__all__ = ["Artifact", "ArtifactCollection", "manifest_digest"]


@dataclass(frozen=True)
class ArtifactCollection:
    """W&B's `ArtifactCollection` as far as an artifact names it: the artifact name or registry
    collection its versions are numbered in, and their type."""

    name: str
    type: str


@dataclass(frozen=True)
class _Entry:
    """A file waiting to be logged: a local path to read at log time, or a reference URI (with the local
    file it names, for a `file://` reference hashed at log time)."""

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
    A logged version's files are fixed; its `description`, `metadata`, `aliases` and `tags`
    may be changed and written with `save()`, as in W&B.
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
        self._aliases: list[str] = []
        self._tags: list[str] = []
        self._link: tuple[str, int] | None = None  # (registry collection, version) when fetched through the registry
        self._label: str | None = None  # the `vN` or alias `name` shows: set by wait() or when fetched, as W&B
        self._deleted = False

    @classmethod
    def _from_record(cls, store: Store, record: ArtifactRecord, label: str | None = None) -> Artifact:
        """The logged version `record` of `store`, named `NAME:label` (the alias it was asked by; `vN` if none)."""
        art = cls.__new__(cls)
        Artifact.__init__(art, record.name, record.type, record.description, record.metadata)
        art._store, art._record = store, record
        art._aliases, art._tags = list(record.aliases), list(record.tags)
        art._label = label or f"v{record.version}"
        return art

    # -- identity ------------------------------------------------------------
    @property
    def name(self) -> str:
        """W&B's `{collection}:{version or alias}`: `data:v0` once waited for or fetched (`data:latest` when
        fetched as that), the bare name before; through the registry, the collection's (`source_name` is
        the artifact's own)."""
        return self._name if self._label is None else f"{self.collection.name}:{self._label}"

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
        if value is not None and not isinstance(value, str):
            raise ArtifactError(f"artifact {self._name!r}: description must be a string, not {value!r}")
        self._description = value

    @property
    def metadata(self) -> dict[str, Any]:
        """User metadata (a dict; on a logged version, changes are stored by `save()`)."""
        return self._metadata

    @metadata.setter
    def metadata(self, value: Mapping[str, Any]) -> None:
        if not isinstance(value, Mapping):
            raise ArtifactError(f"artifact {self._name!r}: metadata must be a dict, not {value.__class__.__name__}")
        self._metadata = dict(value)

    @property
    def version(self) -> str | None:
        """`v0`, `v1`, ... once logged; None before. Fetched through the registry, the collection's version."""
        if self._link is not None:
            return f"v{self._link[1]}"
        return None if self._record is None else f"v{self._record.version}"

    @property
    def qualified_name(self) -> str:
        """`name:vN` once logged, the bare name before; fetched through the registry, `collection:vN`."""
        if self._link is not None:
            return f"{self._link[0]}:v{self._link[1]}"
        return self._name if self._record is None else f"{self._name}:v{self._record.version}"

    @property
    def is_link(self) -> bool:
        """Whether this was fetched through (or returned by linking into) a registry collection, as W&B's flag."""
        return self._link is not None

    @property
    def source_name(self) -> str:
        """The artifact version itself, `name:vN` (the bare name until waited for or fetched, as W&B), also
        for a linked one."""
        return self._name if self._label is None or self._record is None else f"{self._name}:v{self._record.version}"

    @property
    def source_version(self) -> str | None:
        """The artifact version's own `vN` (None before logging), also for a linked one."""
        return None if self._record is None else f"v{self._record.version}"

    @property
    def collection(self) -> ArtifactCollection:
        """The collection this was fetched from: the registry collection for a link, else the artifact's own."""
        return ArtifactCollection(self._link[0] if self._link is not None else self._name, self._type)

    @property
    def source_collection(self) -> ArtifactCollection:
        """The artifact the version was logged as (W&B's source collection)."""
        return ArtifactCollection(self._name, self._type)

    @property
    def source_artifact(self) -> Artifact:
        """The version as logged, not through a link (itself when it is no link), as W&B's."""
        if self._link is None or self._store is None or self._record is None:
            return self
        return Artifact._from_record(self._store, self._record)

    @property
    def aliases(self) -> list[str]:
        """The version's aliases (`latest` first), a list to edit then `save()`; on a draft, added when logged.
        Fetched through the registry, the link's aliases in its collection (moved there by `save()`)."""
        return self._aliases

    @aliases.setter
    def aliases(self, value: list[str]) -> None:
        self._aliases = self._checked_aliases(value)

    def _checked_aliases(self, value: Any) -> list[str]:
        if isinstance(value, str) or not isinstance(value, (list, tuple)):
            raise ArtifactError(f"artifact {self._name!r}: aliases must be a list of strings, not {value!r}")
        return list(dict.fromkeys(a if a == "latest" else check_alias(self._name, a) for a in value))

    @property
    def tags(self) -> list[str]:
        """The version's tags, a list to edit then `save()`; on a draft, stored when logged."""
        return self._tags

    @tags.setter
    def tags(self, value: list[str]) -> None:
        self._tags = self._checked_tags(value)

    def _checked_tags(self, value: Any) -> list[str]:
        if isinstance(value, str) or not isinstance(value, (list, tuple)):
            raise ArtifactError(f"artifact {self._name!r}: tags must be a list of strings, not {value!r}")
        for tag in value:
            if not isinstance(tag, str) or not tag.strip() or len(tag) > 128 or "\0" in tag:
                raise ArtifactError(f"artifact {self._name!r}: invalid tag {tag!r} (1-128 characters)")
        return list(dict.fromkeys(value))

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
        return sum(f.size or 0 for f in self._manifest() if f.ref is None)

    @property
    def digest(self) -> str:
        """The manifest digest: equal digests mean identical content (hashes the files of a draft)."""
        return self._record.digest if self._record is not None else manifest_digest(self._manifest())

    # -- building ------------------------------------------------------------
    def _check_draft(self, action: str) -> None:
        if self._deleted:
            raise ArtifactError(f"cannot {action} artifact {self._name!r}: this version was deleted")
        if self._record is not None:
            raise ArtifactError(
                f"cannot {action} artifact {self.qualified_name}: it is already logged; "
                f"create a new nbtrack.Artifact({self._name!r}, {self._type!r}) for the next version"
            )

    def _add(self, members: dict[str, _Entry], *, overwrite: bool = False) -> None:
        """Add entries; a name already held is kept when it holds the same content (W&B), else refused."""
        fresh = {}
        for member, entry in members.items():
            held = self._entries.get(member)
            if held is None or overwrite:
                fresh[member] = entry
            elif not self._same(member, held, entry):
                raise ArtifactError(f"artifact {self._name!r}: it already has a different file named {member!r} "
                                    "(pass overwrite=True to add_file to replace it)")
        self._entries.update(fresh)

    def _same(self, member: str, held: _Entry, new: _Entry) -> bool:
        if held.ref != new.ref:
            return False
        if held.source == new.source or held.source is None or new.source is None:
            return held.source == new.source
        return self._hash(member, held.source) == self._hash(member, new.source)

    def add_file(self, local_path: str | os.PathLike[str], name: str | None = None, is_tmp: bool | None = False,
                 skip_cache: bool | None = False, policy: str | None = "mutable", overwrite: bool = False) -> str:
        """Add a local file (as `name`, default its base name); returns the name inside the artifact.

        The same name again with the same content is accepted once; different content needs
        `overwrite=True`. (`is_tmp`, `skip_cache`, `policy` are W&B upload options; files are
        always read when the artifact is logged.)
        """
        self._check_draft("add a file to")
        path = Path(local_path)
        if not path.is_file():
            raise ArtifactError(f"artifact {self._name!r}: add_file: {os.fspath(path)!r} is not a file")
        member = check_member(self._name, path.name if name is None else name)
        self._add({member: _Entry(source=path.resolve())}, overwrite=overwrite)
        return member

    def add_dir(self, local_path: str | os.PathLike[str], name: str | None = None, skip_cache: bool | None = False,
                policy: str | None = "mutable", merge: bool = False) -> None:
        """Add every file under a directory (under the prefix `name`); links leaving it are refused.

        Files already added with the same content are kept; `merge=True` replaces different ones.
        """
        self._check_draft("add a directory to")
        prefix = "" if name in (None, "") else check_member(self._name, name) + "/"
        found = walk_dir(self._name, Path(local_path))
        self._add({check_member(self._name, prefix + rel): _Entry(source=src) for rel, src in found}, overwrite=merge)

    def add_reference(self, uri: str, name: str | None = None, checksum: bool = True,
                      max_objects: int | None = None) -> list[ArtifactEntry]:
        """Record a URI (`file://...`, `s3://...`, `https://...`) without copying what it points to.

        A `file://` file or directory (one entry per file) is hashed when the artifact is logged
        (unless `checksum=False`), and `download()` copies it from there, verified. Other schemes
        are recorded only: nbtrack reads no network.
        """
        self._check_draft("add a reference to")
        found = reference_members(self._name, uri, name)
        if max_objects is not None and len(found) > max_objects:
            raise ArtifactError(f"artifact {self._name!r}: add_reference {uri!r} holds {len(found)} files, "
                                f"more than max_objects={max_objects}")
        self._add({member: _Entry(source=src if checksum else None, ref=ref) for member, ref, src in found})
        return [e for e in self._entries_of([member for member, _, _ in found])]

    def _entries_of(self, members: list[str]) -> list[ArtifactEntry]:
        wanted = set(members)
        return [ArtifactEntry(self, f) for f in self._manifest() if f.path in wanted]

    @contextmanager
    def new_file(self, name: str, mode: str = "x", encoding: str | None = None,
                 policy: str = "mutable", *, overwrite: bool = False) -> Iterator[IO[Any]]:
        """Open a new file inside the artifact for writing (`mode` "w"/"x" text or "wb"/"xb" binary)."""
        self._check_draft("add a file to")
        member = check_member(self._name, name)
        if member in self._entries and not overwrite:
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
        self._add({member: _Entry(source=Path(tmp))}, overwrite=overwrite)

    def _staging_dir(self) -> Path:
        if self._staging is None:
            self._staging = Path(tempfile.mkdtemp(prefix=f"nbtrack-artifact-{self._name[:40]}-"))
            self._cleanup = weakref.finalize(self, shutil.rmtree, str(self._staging), True)
        return self._staging

    # -- contents ------------------------------------------------------------
    def files(self, names: list[str] | None = None, per_page: int = 50) -> list[ArtifactEntry]:
        """The files and references (path, digest, size, ref; each can `download()`), by path (of `names` only)."""
        found = self._manifest()
        if names is not None:
            wanted = set(names)
            found = [f for f in found if f.path in wanted]
        return [ArtifactEntry(self, f) for f in found]

    def get_entry(self, name: str | os.PathLike[str]) -> ArtifactEntry:
        """The file `name` of this artifact (KeyError naming what it holds when absent)."""
        member = os.fspath(name).replace(os.sep, "/")
        for f in self._manifest():
            if f.path == member:
                return ArtifactEntry(self, f)
        raise KeyError(f"artifact {self.qualified_name} has no file {member!r}")

    def get_path(self, name: str | os.PathLike[str]) -> ArtifactEntry:
        """W&B's older name for `get_entry`."""
        return self.get_entry(name)

    def add(self, obj: Any, name: str, overwrite: bool = False) -> ArtifactEntry:
        """Add an nbtrack media object (a Table, an Image, ...) as `name` (W&B's `artifact.add(table, "preds")`)."""
        from ._objects import add_object

        self._check_draft("add an object to")
        return self.get_entry(add_object(self, obj, name, overwrite=overwrite))

    def get(self, name: str) -> Any:
        """The media object added as `name` (W&B's `artifact.get("preds")`); None when there is none."""
        from ._objects import get_object

        return get_object(self, name)

    def _manifest(self) -> list[ArtifactFileRecord]:
        """The stored files of a logged version, or a draft's entries hashed now, ordered by path."""
        if self._record is not None:
            if self._files is None:
                assert self._store is not None
                self._files = self._store.artifact_files(self._record.id)
            return list(self._files)
        out = []
        for member, entry in sorted(self._entries.items()):
            if entry.source is None:
                out.append(ArtifactFileRecord(path=member, ref=entry.ref))
            else:
                digest, size = self._hash(member, entry.source)
                out.append(ArtifactFileRecord(path=member, digest=digest, size=size, ref=entry.ref))
        return out

    def _hash(self, member: str, source: Path) -> tuple[str, int]:
        try:
            return known_digest(source) or hash_file(source)
        except OSError as exc:
            raise ArtifactError(f"artifact {self._name!r}: cannot read file {member!r} from {source}: {exc}") from exc

    def _commit(self, store: Store, *, aliases: list[str], run_id: str | None, now: float) -> bool:
        """Store the files and the version (or find the identical one); returns whether it is new."""
        if self._deleted:
            raise ArtifactError(f"cannot log artifact {self._name!r}: this version was deleted")
        try:
            metadata = json.loads(json.dumps(dict(self._metadata), default=_json_default))
        except (TypeError, ValueError) as exc:
            raise ArtifactError(f"artifact {self._name!r}: metadata must be JSON serialisable: {exc}") from exc
        if self._record is not None:
            if self._store is not store:
                owner = self._store.url if self._store is not None else "?"
                raise ArtifactError(f"artifact {self.qualified_name} belongs to another store ({owner})")
            files, digest = self._manifest(), self._record.digest
        else:
            blobs = BlobStore(blob_dir(store))
            files = []
            for member, entry in sorted(self._entries.items()):
                if entry.ref is not None:
                    files.append(self._reference_record(member, entry))
                    continue
                try:
                    digest, size = blobs.put(entry.source)  # type: ignore[arg-type]
                except OSError as exc:
                    raise ArtifactError(f"artifact {self._name!r}: cannot store file {member!r} from "
                                        f"{entry.source}: {exc}") from exc
                files.append(ArtifactFileRecord(path=member, digest=digest, size=size))
            digest = manifest_digest(files)
        if self._record is None:  # a draft's own aliases join those given (a logged version's are saved by save())
            aliases = list(dict.fromkeys([*aliases, *self._aliases]))
        try:
            record, created = store.put_artifact(
                self._name, self._type, digest, files, description=self._description, metadata=metadata,
                aliases=aliases, run_id=run_id, created_at=now,
            )
            if self._record is None:
                self._restore_collected(store, files)
            if self._tags and not set(self._tags) <= set(record.tags):
                record = store.update_artifact(record.id, tags=[*record.tags, *self._tags])
        except ValueError as exc:
            raise ArtifactError(str(exc)) from None
        self._store, self._record, self._files = store, record, None
        self._description, self._metadata = record.description, dict(record.metadata)
        self._aliases, self._tags = list(record.aliases), list(record.tags)
        self._entries.clear()
        if self._cleanup is not None:
            self._cleanup()
        return created

    def _reference_record(self, member: str, entry: _Entry) -> ArtifactFileRecord:
        if entry.source is None:
            return ArtifactFileRecord(path=member, ref=entry.ref)
        digest, size = self._hash(member, entry.source)
        return ArtifactFileRecord(path=member, digest=digest, size=size, ref=entry.ref)

    def _restore_collected(self, store: Store, files: list[ArtifactFileRecord]) -> None:
        """Put back any blob a concurrent `delete()` collected between storing it and recording this version."""
        blobs = BlobStore(blob_dir(store))
        for f in files:
            entry = self._entries[f.path]
            if f.ref is None and entry.source is not None and not blobs.has(f.digest or "", f.size or 0):
                blobs.put(entry.source)

    def download(self, root: str | os.PathLike[str] | None = None, allow_missing_references: bool = False,
                 skip_cache: bool | None = None, path_prefix: str | None = None) -> str:
        """Write the files under `root` (default `./artifacts/NAME:vN`), verifying each digest; returns root.

        `file://` references are copied from where they point (verified when logged with a
        checksum); references of other schemes are not fetched (nbtrack reads no network).
        """
        files = [f for f in self._manifest() if path_prefix is None or f.path.startswith(path_prefix)]
        self._download_files(files, root, allow_missing_references=allow_missing_references)
        return os.fspath(self._root(root))

    def _root(self, root: str | os.PathLike[str] | None) -> Path:
        if self._record is None or self._store is None:
            raise ArtifactError(f"cannot download artifact {self._name!r}: log it first (run.log_artifact)")
        if root is not None:
            return Path(root)
        if self._link is not None:  # as W&B: ./artifacts/COLLECTION:vN for a version fetched through the registry
            return download_root(*self._link)
        return download_root(self._name, self._record.version)

    def _download_files(self, files: list[ArtifactFileRecord], root: str | os.PathLike[str] | None, *,
                        allow_missing_references: bool = False) -> list[str]:
        """Write `files` under the download root, verified; returns where each went."""
        assert self._store is not None
        return write_files(self._store, self.qualified_name, files, self._root(root),
                           allow_missing_references=allow_missing_references)

    # -- changing a logged version ---------------------------------------------
    def save(self, project: str | None = None, settings: Any = None) -> None:
        """Store changes: a draft is logged (by the current run, else without a producer); a logged
        version's description, metadata, aliases and tags are written."""
        from ._manage import save

        save(self)

    def wait(self, timeout: int | None = None) -> Artifact:
        """W&B waits for an upload; logging here is synchronous, so a logged version is ready at once."""
        if self._record is None:
            raise ArtifactError(f"artifact {self._name!r} is not logged yet: call run.log_artifact() or save()")
        if self._label is None:  # as W&B: `name` becomes `NAME:vN` once the logged version is waited for
            self._label = f"v{self._record.version}"
        return self

    def is_draft(self) -> bool:
        """Whether the artifact is not logged yet."""
        return self._record is None

    def delete(self, delete_aliases: bool = False) -> None:
        """Delete this version (its blobs go when no other version holds them); fetched through the
        registry, only the link goes, as in W&B. A version with aliases needs `delete_aliases=True`."""
        from ._manage import delete

        delete(self, delete_aliases=delete_aliases)

    def link(self, target_path: str, aliases: list[str] | None = None) -> Artifact:
        """Link this version into a registry collection (`"wandb-registry-model/NAME"`, `"model-registry/NAME"`
        or `"NAME"`): a new collection version, `latest` and `aliases` moved to it."""
        from ._registry import link_artifact

        return link_artifact(self, target_path, aliases=aliases, run_id=None)

    def unlink(self) -> None:
        """Remove the registry link this artifact was fetched through (the version itself stays)."""
        from ._manage import unlink

        unlink(self)

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
        shown = self._aliases if self._link is not None else self._record.aliases  # a link's: its collection's
        aliases = f" aliases={','.join(shown)}" if shown else ""
        source = f" linking {self.source_name}" if self._link is not None else ""
        return (f"<nbtrack.Artifact {self.qualified_name}{source} ({self._type}, {self._record.file_count} files, "
                f"{self._record.size} bytes){aliases}>")
