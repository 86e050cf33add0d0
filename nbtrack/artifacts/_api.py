"""Logging, using and fetching artifact versions: what `run.log_artifact`, `run.use_artifact` and
`nbtrack.artifact()` do."""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import ArtifactError, ArtifactNotFoundError, RunFinishedError
from ..store import Store, open_store
from ..store._records import ArtifactRecord
from ._artifact import Artifact
from ._names import check_alias, parse_ref

if TYPE_CHECKING:
    from .._run import Run

__all__ = ["artifact", "log_artifact", "use_artifact", "resolve", "default_store", "as_record"]


def default_store(store: Store | None = None) -> Store:
    """The store given, else the current run's, else the environment's default (`open_store()`)."""
    if store is not None:
        return store
    from .. import _current

    run = _current.get()
    return run.store if run is not None else open_store()


def resolve(store: Store, ref: str) -> ArtifactRecord:
    """The version `name:alias` (or `name:vN`, or a bare name for `latest`) names, or a clear error."""
    name, alias = parse_ref(ref)
    record = store.get_artifact(name, alias)
    if record is not None:
        return record
    versions = store.list_artifacts(name=name)
    if not versions:
        raise ArtifactNotFoundError(f"there is no artifact named {name!r} in {store.url}")
    aliases = sorted({a for v in versions for a in v.aliases})
    raise ArtifactNotFoundError(
        f"artifact {name!r} has no version {alias!r}: it has v0..v{versions[-1].version}"
        + (f" and the aliases {', '.join(aliases)}" if aliases else "")
    )


def _check_type(record: ArtifactRecord, type: str | None) -> None:
    if type is not None and record.type != type:
        raise ArtifactError(f"artifact {record.name}:v{record.version} is of type {record.type!r}, not {type!r}")


def artifact(name: str, *, type: str | None = None, store: Store | None = None) -> Artifact:
    """Fetch a logged version without a run: `nbtrack.artifact("data:v3")`, `"model:best"`, `"data"` (latest)."""
    st = default_store(store)
    record = resolve(st, name)
    _check_type(record, type)
    return Artifact._from_record(st, record)


def _aliases(name: str, aliases: Sequence[str] | str | None) -> list[str]:
    if aliases is None:
        given: list[str] = []
    elif isinstance(aliases, str):
        given = [aliases]
    else:
        given = list(aliases)
    return ["latest", *(check_alias(name, a) for a in given if a != "latest")]


def _require_running(run: Run, action: str) -> None:
    if run.finished:
        raise RunFinishedError(f"run {run.id} is {run.state}: cannot {action}; call nbtrack.init() to start a new run")


def log_artifact(run: Run, artifact: Artifact | str | os.PathLike[str], *,
                 aliases: Sequence[str] | str | None = None, name: str | None = None,
                 type: str | None = None) -> Artifact:
    """Store `artifact` as the run's output: the next version, or the identical one; `latest` moves to it.

    A path (file or directory) is wrapped in an Artifact named `name` (default the base name)
    of type `type` (default "unspecified"), as W&B does.
    """
    _require_running(run, "log an artifact")
    if not isinstance(artifact, Artifact):
        path = Path(artifact)
        art = Artifact(name or path.name, type or "unspecified")
        if path.is_dir():
            art.add_dir(path)
        else:
            art.add_file(path)
        artifact = art
    artifact._commit(run.store, aliases=_aliases(artifact.name, aliases), run_id=run.id, now=time.time())
    return artifact


def use_artifact(run: Run, artifact: Artifact | str, *, type: str | None = None) -> Artifact:
    """Record that the run consumes a version (a lineage edge) and return that version.

    `artifact` is `"name:v3"`, `"name:latest"`, `"name:ALIAS"`, a bare name (latest), a logged
    Artifact, or a draft Artifact (stored first, without a producer, as W&B does).
    """
    _require_running(run, "use an artifact")
    st = run.store
    if isinstance(artifact, Artifact):
        if artifact.id is None:
            artifact._commit(st, aliases=_aliases(artifact.name, None), run_id=None, now=time.time())
        art = artifact
    elif isinstance(artifact, str):
        art = Artifact._from_record(st, resolve(st, artifact))
    else:
        got = artifact.__class__.__name__
        raise TypeError(f"use_artifact: expected 'name:alias' or an nbtrack.Artifact, not {got}")
    assert art._record is not None
    _check_type(art._record, type)
    st.use_artifact(run.id, art._record.id, used_at=time.time())
    return art


def as_record(store: Store, ref: Artifact | str | Any) -> ArtifactRecord:
    """The stored version behind a reference string or a logged Artifact."""
    if isinstance(ref, Artifact):
        if ref._record is None:
            raise ArtifactError(f"artifact {ref.name!r} is not logged yet")
        return ref._record
    return resolve(store, ref)
