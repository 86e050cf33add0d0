"""The smaller objects W&B's public API hands out, over the local store: a run's files, projects (with
their artifact types and sweeps), an artifact collection, and artifact versions read page by page."""

from __future__ import annotations

import mimetypes
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from .store import Store

if TYPE_CHECKING:
    from ._api import ApiSweep
    from .artifacts import Artifact

__all__ = ["ApiArtifactCollection", "ApiArtifactType", "ApiFile", "ApiProject", "ArtifactPages", "Files",
           "run_files"]


class ApiFile:
    """A file a run kept (`run.save`, files written to `run.dir`), as W&B's `run.files()` lists it."""

    def __init__(self, path: Path, name: str) -> None:
        self._path = path
        self.name = name
        self.size = path.stat().st_size
        self.mimetype = mimetypes.guess_type(name)[0] or "application/octet-stream"
        self.url = self.direct_url = path.resolve().as_uri()
        self.path_uri = str(path.resolve())

    def download(self, root: str | os.PathLike[str] = ".", replace: bool = False, exist_ok: bool = False) -> Path:
        """Copy the file to `root/name` (its folders kept); an existing copy is kept if `exist_ok`, else refused
        unless `replace`."""
        dest = Path(root) / self.name
        if dest.exists() and not replace:
            if exist_ok:
                return dest
            raise ValueError(f"File {dest} already exists, pass replace=True to overwrite or exist_ok=True")
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(self._path, dest)
        return dest

    def __repr__(self) -> str:
        return f"<File {self.name} ({self.mimetype}) {self.size} bytes>"


class Files(list):  # type: ignore[type-arg]
    """A run's files (W&B's `Files`): a list of `ApiFile`."""


def run_files(store: Store, run_id: str, names: list[str] | None = None) -> Files:
    """The files under a run's directory, by path relative to it (only `names`, if given)."""
    from ._run import files_dir

    root = files_dir(store, run_id)
    found = sorted(p for p in root.rglob("*") if p.is_file()) if root.is_dir() else []
    files = [ApiFile(p, p.relative_to(root).as_posix()) for p in found]
    return Files(f for f in files if names is None or f.name in names)


class ApiArtifactType:
    """An artifact type used in a project (W&B's `project.artifacts_types()` items)."""

    def __init__(self, name: str, project: str) -> None:
        self.name, self.project = name, project

    def __repr__(self) -> str:
        return f"<ArtifactType {self.name}>"


class ApiProject(str):
    """A project name (it compares and prints as its name) with W&B's `Project` attributes."""

    _store: Store

    def __new__(cls, name: str, store: Store, entity: str = "local") -> ApiProject:
        project = super().__new__(cls, name)
        project._store = store
        return project

    def __init__(self, name: str, store: Store, entity: str = "local") -> None:
        self.entity = entity
        self.url = f"{store.url}#project={name}"
        self.is_benchmark = False

    @property
    def name(self) -> str:
        return str(self)

    @property
    def created_at(self) -> float | None:
        """When the project's first run started."""
        from ._query import run_records

        return min((r.created_at for r in run_records(str(self), store=self._store)), default=None)

    def artifacts_types(self, per_page: int = 50) -> list[ApiArtifactType]:
        """The types of the artifact versions this project's runs logged, sorted."""
        from ._query import run_records

        ids = {r.id for r in run_records(str(self), store=self._store)}
        types = {a.type for a in self._store.list_artifacts() if a.run_id in ids}
        return [ApiArtifactType(t, str(self)) for t in sorted(types)]

    def sweeps(self, per_page: int = 50) -> list[ApiSweep]:
        """The project's sweeps, oldest first."""
        from ._api import ApiSweep

        return [ApiSweep(s.id, self._store) for s in self._store.list_sweeps(str(self))]


class ApiArtifactCollection:
    """All versions of one artifact name (W&B's `Api().artifact_collection(type, name)`)."""

    def __init__(self, store: Store, name: str, type: str) -> None:
        if not store.list_artifacts(name=name, type=type):
            from .errors import ArtifactNotFoundError

            raise ArtifactNotFoundError(f"Api: no artifact collection {name!r} of type {type!r} in {store.url}")
        self._store, self.name, self.type = store, name, type

    def artifacts(self, per_page: int = 50) -> ArtifactPages:
        """The versions, newest first (as W&B lists them)."""
        from .artifacts import Artifact

        records = sorted(self._store.list_artifacts(name=self.name, type=self.type), key=lambda r: -r.version)
        return ArtifactPages([Artifact._from_record(self._store, r) for r in records], per_page)

    @property
    def aliases(self) -> list[str]:
        """The aliases held by any version."""
        return sorted({a for r in self._store.list_artifacts(name=self.name, type=self.type) for a in r.aliases})

    def __repr__(self) -> str:
        return f"<ArtifactCollection {self.name} ({self.type})>"


class ArtifactPages(list):  # type: ignore[type-arg]
    """Artifact versions as a list that iterates page by page, as W&B's paginator does: `cursor` is where
    the pages handed out so far end; pass it as `start=` to continue there later."""

    def __init__(self, items: list[Artifact], per_page: int = 50, start: str | None = None) -> None:
        if per_page < 1:
            raise ValueError(f"per_page must be at least 1, got {per_page}")
        if start is not None and not str(start).isdigit():
            raise ValueError(f"start must be a cursor this API returned, got {start!r}")
        offset = int(start or 0)
        super().__init__(items[offset:])
        self._offset, self.per_page = offset, per_page
        self.cursor: str | None = None

    def __iter__(self) -> Iterator[Artifact]:
        for i, item in enumerate(super().__iter__()):
            if i % self.per_page == 0:  # the next page is fetched
                self.cursor = str(self._offset + min(i + self.per_page, len(self)))
            yield item
