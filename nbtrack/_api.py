"""`nbtrack.Api`: W&B's public read API (`wandb.Api()`) over the local store."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ._query import _apply_filters, history, run_records
from .store import RunRecord, Store, open_store

if TYPE_CHECKING:
    import pandas as pd

    from ._api_objects import ApiArtifactCollection, ApiProject, ArtifactPages, Files
    from .artifacts import Artifact
    from .artifacts._registry import Registry

__all__ = ["Api", "ApiRun", "ApiSummary", "ApiSweep"]

# W&B filter keys -> the columns of nbtrack.runs()
_FILTER_ALIASES = {"display_name": "name", "sweep": "sweep_id", "jobType": "job_type"}


def _project_of(path: str | None) -> str | None:
    """'entity/project', 'project' or None -> the project name."""
    if not path:
        return None
    return path.strip("/").split("/")[-1]


def _filters(filters: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if not filters:
        return None
    out: dict[str, Any] = {}
    for key, value in filters.items():
        if key in ("$and", "$or"):
            out[key] = [_filters(f) for f in value]
            continue
        if key.startswith("summary_metrics."):
            key = "summary." + key[len("summary_metrics."):]
        out[_FILTER_ALIASES.get(key, key)] = value
    return out


class ApiSummary(dict):  # type: ignore[type-arg]
    """A run's summary as W&B's public API hands it out: edit it, then `update()` writes it back."""

    def __init__(self, data: Mapping[str, Any], run: ApiRun) -> None:
        super().__init__(data)
        self._run = run

    def update(self, *args: Any, **kwargs: Any) -> None:  # type: ignore[override]
        """`dict.update`, then store the whole summary (W&B's `run.summary.update()`)."""
        super().update(*args, **kwargs)
        self._run._store.flush(self._run.id, summary=dict(self))


class ApiRun:
    """A stored run as W&B's `Api().run(...)` shows it: config, summary, history; edits written by `update()`."""

    def __init__(self, record: RunRecord, store: Store) -> None:
        self._record = record
        self._store = store
        self.id = record.id
        self.name = record.name
        self.display_name = record.name
        self.project = record.project
        self.entity = record.entity or "local"
        self.state = record.state
        self.config: dict[str, Any] = dict(record.config)
        self.summary: ApiSummary = ApiSummary(record.summary, self)
        self.tags = list(record.tags)
        self.notes = record.notes
        self.group = record.group
        self.job_type = record.job_type
        self.sweep_id = record.sweep_id
        self.created_at = record.created_at

    def update(self) -> None:
        """Write back edits of `name` (or `display_name`), `notes`, `group`, `job_type`, `tags`, `config`, `summary`.

        The whole config and summary are replaced, as W&B does; a run still logging may later
        write its own summary over them.
        """
        name = self.display_name if self.display_name != self._record.name else self.name
        for what, value in (("name", name), ("notes", self.notes), ("group", self.group), ("job_type", self.job_type)):
            if value is not None and not isinstance(value, str):
                raise ValueError(f"Api run {self.id}: {what} must be a string, not {value!r}")
        if not name:
            raise ValueError(f"Api run {self.id}: the name must not be empty")
        self._store.update_run(self.id, name=name, notes=self.notes, group=self.group, job_type=self.job_type)
        self._store.set_tags(self.id, [str(t) for t in dict.fromkeys(self.tags)])
        self._store.flush(self.id, config=dict(self.config), summary=dict(self.summary))
        self.name = self.display_name = name
        found = self._store.get_run(self.id)
        if found is not None:
            self._record = found

    def files(self, names: list[str] | None = None, per_page: int = 50) -> Files:
        """The files the run kept (`run.save`, `run.dir`), by path within the run (W&B's `run.files()`)."""
        from ._api_objects import run_files

        return run_files(self._store, self.id, names)

    def logged_artifacts(self, per_page: int = 100) -> list[Artifact]:
        """The artifact versions this run logged (its outputs), in the order it logged them."""
        return self._artifacts("output")

    def used_artifacts(self, per_page: int = 100) -> list[Artifact]:
        """The artifact versions this run used (its inputs), in the order it used them."""
        return self._artifacts("input")

    def _artifacts(self, direction: str) -> list[Artifact]:
        from .artifacts import Artifact

        ids = [e.artifact_id for e in self._store.artifact_edges(run_ids=[self.id]) if e.direction == direction]
        found = {a.id: a for a in self._store.list_artifacts(ids=ids)} if ids else {}
        return [Artifact._from_record(self._store, found[i]) for i in dict.fromkeys(ids) if i in found]

    def delete(self, delete_artifacts: bool = False) -> None:
        """Delete the run and its history from the store; with `delete_artifacts`, the versions it logged too."""
        if delete_artifacts:
            from .artifacts import Artifact

            for record in self._store.list_artifacts():
                if record.run_id == self.id:
                    Artifact._from_record(self._store, record).delete(delete_aliases=True)
        self._store.delete_run(self.id)

    @property
    def path(self) -> list[str]:
        """[entity, project, id], as W&B."""
        return [self.entity, self.project, self.id]

    @property
    def url(self) -> str:
        return f"{self._store.url}#run={self.id}"

    @property
    def sweep(self) -> ApiSweep | None:
        sweep = self._store.get_sweep(self.sweep_id) if self.sweep_id else None
        return ApiSweep(sweep.id, self._store) if sweep is not None else None

    def history(self, samples: int | None = None, keys: Sequence[str] | None = None, x_axis: str = "_step",
                pandas: bool = True) -> pd.DataFrame | list[dict[str, Any]]:
        """Every logged row (W&B samples ~500 rows; nbtrack returns all unless `samples` is given)."""
        frame = history(self.id, keys=keys, store=self._store).drop(columns=["run_id"])
        if samples is not None and len(frame) > samples:
            step = len(frame) / samples
            frame = frame.iloc[[int(i * step) for i in range(samples)]].reset_index(drop=True)
        return frame if pandas else frame.to_dict("records")

    def scan_history(self, keys: Sequence[str] | None = None, page_size: int = 1000) -> Iterator[dict[str, Any]]:
        """Every logged row as a dict, in step order."""
        yield from history(self.id, keys=keys, store=self._store).drop(columns=["run_id"]).to_dict("records")

    def __repr__(self) -> str:
        return f"<Run {self.entity}/{self.project}/{self.id} ({self.state})>"


class ApiSweep:
    """A sweep as W&B's `Api().sweep(...)` shows it."""

    def __init__(self, sweep_id: str, store: Store) -> None:
        record = store.get_sweep(sweep_id)
        if record is None:
            raise ValueError(f"Api: no sweep {sweep_id!r} in {store.url}")
        self._store = store
        self.id = record.id
        self.config = record.config
        self.state = record.state.upper()
        self.project = record.project
        self.name = str(record.config.get("name") or record.id)

    @property
    def url(self) -> str:
        return f"{self._store.url}#sweep={self.id}"

    @property
    def runs(self) -> list[ApiRun]:
        return [ApiRun(r, self._store) for r in run_records(store=self._store, sweep_id=self.id)]

    def best_run(self, order: str | None = None) -> ApiRun | None:
        """The run with the best summary value of the sweep's metric (or of `order`, '-key' for max)."""
        from .sweeps._objective import objectives

        metric = (objectives(self.config) or [{}])[0]  # a multi-objective sweep: its first objective
        key, goal = metric.get("name"), metric.get("goal", "minimize")
        if order:
            key, goal = order.lstrip("+-").removeprefix("summary_metrics."), "maximize" if order.startswith("-") else "minimize"
        scored = [r for r in self.runs if isinstance(r.summary.get(key), (int, float))]
        if not scored:
            return None
        pick = max if goal == "maximize" else min
        return pick(scored, key=lambda r: r.summary[key])


class Api:
    """W&B's `wandb.Api()`: read runs and sweeps back (no network: the local or shared store)."""

    def __init__(self, overrides: Mapping[str, Any] | None = None, timeout: int | None = None,
                 api_key: str | None = None, *, store: Store | str | None = None) -> None:
        self._store = store if isinstance(store, Store) else open_store(store)

    def runs(self, path: str | None = None, filters: Mapping[str, Any] | None = None, order: str | None = None,
             per_page: int = 50, include_sweeps: bool = True) -> list[ApiRun]:
        """Runs of `entity/project` (or all), optionally filtered W&B-style (MongoDB-like)."""
        project = _project_of(path)
        records = run_records(project, store=self._store)
        wanted = _filters(filters)
        if wanted:
            from ._query import runs as runs_frame

            keep = set(_apply_filters(runs_frame(project, store=self._store), wanted)["id"])
            records = [r for r in records if r.id in keep]
        found = [ApiRun(r, self._store) for r in records]
        if order:
            key = order.lstrip("+-")
            reverse = order.startswith("-")
            if key in ("created_at", "createdAt"):
                found.sort(key=lambda r: r.created_at, reverse=reverse)
        return found

    def run(self, path: str) -> ApiRun:
        """One run by `entity/project/id`, `project/id` or `id`."""
        run_id = path.strip("/").split("/")[-1]
        found = run_records(store=self._store, ids=[run_id])
        if not found:
            raise ValueError(f"Api: no run {run_id!r} in {self._store.url}")
        return ApiRun(found[0], self._store)

    def sweep(self, path: str) -> ApiSweep:
        """One sweep by `entity/project/id` or `id`."""
        return ApiSweep(path.strip("/").split("/")[-1], self._store)

    def projects(self, entity: str | None = None, per_page: int = 200) -> list[ApiProject]:
        """The projects with runs (each a `str`, its name, with W&B's Project attributes and methods)."""
        from ._api_objects import ApiProject

        return [ApiProject(name, self._store) for name in self._store.projects()]

    def project(self, name: str, entity: str | None = None) -> ApiProject:
        """One project by name (W&B's `Api().project(name, entity)`)."""
        from ._api_objects import ApiProject

        return ApiProject(name, self._store)

    # -- artifacts and the registry -------------------------------------------
    def artifact(self, name: str, type: str | None = None) -> Artifact:
        """One artifact version: `"name:v3"`, `"entity/project/name:alias"`, or a registry path
        (`"wandb-registry-model/NAME:production"`)."""
        from .artifacts._api import fetch

        return fetch(self._store, name, type)

    def artifact_exists(self, name: str, type: str | None = None) -> bool:
        """Whether `artifact(name, type)` would find a version."""
        from .artifacts import ArtifactNotFoundError

        try:
            self.artifact(name, type)
        except ArtifactNotFoundError:
            return False
        return True

    def artifacts(self, type_name: str, name: str, per_page: int = 50, tags: Sequence[str] | str | None = None,
                  start: str | None = None) -> ArtifactPages:
        """The versions of artifact `name` (`"entity/project/name"` accepted) of type `type_name`, oldest first;
        a list read page by page whose `cursor`, passed back as `start`, continues after the pages read."""
        from ._api_objects import ArtifactPages
        from .artifacts import Artifact

        base = name.strip("/").split("/")[-1].split(":")[0]
        wanted = {tags} if isinstance(tags, str) else set(tags or ())
        found = [Artifact._from_record(self._store, r) for r in self._store.list_artifacts(name=base, type=type_name)
                 if wanted <= set(r.tags)]
        return ArtifactPages(found, per_page, start)

    def artifact_collection(self, type_name: str, name: str) -> ApiArtifactCollection:
        """All versions of artifact `name` (`"entity/project/name"` accepted) of type `type_name`."""
        from ._api_objects import ApiArtifactCollection

        return ApiArtifactCollection(self._store, name.strip("/").split("/")[-1].split(":")[0], type_name)

    @property
    def registry(self) -> Registry:
        """The model registry: collections, versions, aliases (`Api().registry.versions("fraud")`)."""
        from .artifacts._registry import Registry

        return Registry(self._store)
