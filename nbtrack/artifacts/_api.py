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
from ._names import check_alias, no_such_version, parse_ref, ref_label

if TYPE_CHECKING:
    from .._run import Run

__all__ = ["artifact", "log_artifact", "use_artifact", "resolve", "default_store", "as_record", "fetch",
           "log_model", "use_model", "link_model"]


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
    raise no_such_version(f"artifact {name!r}", alias, versions)


def _check_type(record: ArtifactRecord, type: str | None) -> None:
    if type is not None and record.type != type:
        raise ArtifactError(f"artifact {record.name}:v{record.version} is of type {record.type!r}, not {type!r}")


def fetch(store: Store, ref: str, type: str | None = None) -> Artifact:
    """The version `ref` names: an artifact (`"data:v3"`), or a registry version in W&B's spelling
    (`"wandb-registry-model/NAME:production"`); a bare name no artifact holds is looked up in the registry."""
    from . import _registry

    if _registry.is_registry_path(ref):
        art = _registry.fetch(store, ref)
    else:
        try:
            art = Artifact._from_record(store, resolve(store, ref), ref_label(ref))
        except ArtifactNotFoundError:
            name = parse_ref(ref)[0]
            if not store.list_registry_versions(collection=name) or store.list_artifacts(name=name):
                raise
            art = _registry.fetch(store, ref)
    assert art._record is not None
    _check_type(art._record, type)
    return art


def artifact(name: str, *, type: str | None = None, store: Store | None = None) -> Artifact:
    """Fetch a logged version without a run: `nbtrack.artifact("data:v3")`, `"model:best"`, `"data"` (latest)."""
    return fetch(default_store(store), name, type)


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


def _from_path(run: Run, path_or_uri: str | os.PathLike[str], name: str | None, type: str | None) -> Artifact:
    """W&B's path form: a file, a directory or a URI (recorded as a reference), named `name`
    (default `run-<run id>-<base name>`) of type `type` (default "unspecified")."""
    text = os.fspath(path_or_uri)
    if "://" in text:
        base = text.rstrip("/").rsplit("/", 1)[-1]
        art = Artifact(name or f"run-{run.id}-{base}", type or "unspecified")
        art.add_reference(text)
        return art
    path = Path(text)
    if not path.exists():
        raise ArtifactError(f"log_artifact: {text!r} is neither a file, a directory nor a URI")
    art = Artifact(name or f"run-{run.id}-{path.resolve().name}", type or "unspecified")
    if path.is_dir():
        art.add_dir(path)
    else:
        art.add_file(path)
    return art


def log_artifact(run: Run, artifact_or_path: Artifact | str | os.PathLike[str], *,
                 aliases: Sequence[str] | str | None = None, name: str | None = None,
                 type: str | None = None, tags: Sequence[str] | None = None) -> Artifact:
    """Store an artifact as the run's output: the next version, or the identical one; `latest` moves to it.

    A path (file or directory) or URI is wrapped in an Artifact named `name` (default
    `run-<run id>-<base name>`) of type `type` (default "unspecified"), as W&B does.
    """
    _require_running(run, "log an artifact")
    art = artifact_or_path if isinstance(artifact_or_path, Artifact) else _from_path(run, artifact_or_path, name, type)
    if tags is not None:
        art.tags = [*art.tags, *art._checked_tags(list(tags))]
    art._commit(run.store, aliases=_aliases(art.source_collection.name, aliases), run_id=run.id, now=time.time())
    return art


def use_artifact(run: Run, artifact_or_name: Artifact | str, *, type: str | None = None,
                 aliases: Sequence[str] | str | None = None) -> Artifact:
    """Record that the run consumes a version (a lineage edge) and return that version.

    `artifact_or_name` is `"name:v3"`, `"name:latest"`, `"name:ALIAS"`, a bare name (latest), a
    registry path (`"wandb-registry-model/NAME:production"`), a logged Artifact, or a draft
    Artifact (stored first with `aliases`, without a producer, as W&B does).
    """
    _require_running(run, "use an artifact")
    st = run.store
    if isinstance(artifact_or_name, Artifact):
        art = artifact_or_name
        if art.id is None:
            art._commit(st, aliases=_aliases(art.source_collection.name, aliases), run_id=None, now=time.time())
            art.wait()  # as W&B, which waits for a draft it logs here: `name` becomes `NAME:vN`
        _check_type(art._record, type)  # type: ignore[arg-type]
    elif isinstance(artifact_or_name, str):
        art = fetch(st, artifact_or_name, type)
    else:
        got = artifact_or_name.__class__.__name__
        raise TypeError(f"use_artifact: expected 'name:alias' or an nbtrack.Artifact, not {got}")
    assert art._record is not None
    st.use_artifact(run.id, art._record.id, used_at=time.time())
    return art


def log_model(run: Run, path: str | os.PathLike[str], *, name: str | None = None,
              aliases: Sequence[str] | str | None = None) -> Artifact:
    """W&B's `run.log_model`: the file or directory as a version of a `model` artifact."""
    return log_artifact(run, path, name=name, type="model", aliases=aliases)


def use_model(run: Run, name: str) -> str:
    """W&B's `run.use_model`: use a model version (artifact or registry reference) and download it;
    returns the path of its one file, or of its directory."""
    art = use_artifact(run, name)
    if "model" not in art.type.lower():
        raise ArtifactError(f"use_model: {art.qualified_name} is of type {art.type!r}; "
                            "its type must contain 'model' (use run.use_artifact for other artifacts)")
    root = art.download()
    entries = os.listdir(root)
    return os.path.join(root, entries[0]) if len(entries) == 1 else root


def link_model(run: Run, path: str | os.PathLike[str], registered_model_name: str, *, name: str | None = None,
               aliases: Sequence[str] | str | None = None) -> Artifact:
    """W&B's `run.link_model`: log the model at `path` (as artifact `name`), link it into the
    registered model, and move `aliases` (and `latest`) to that link; returns the linked version."""
    from ._registry import link_artifact

    if "/" in registered_model_name:
        raise ArtifactError(f"link_model: give only the registered model's name, not the path "
                            f"{registered_model_name!r}")
    kind = "model"
    if name is not None and run.store.list_artifacts(name=name):
        kind = run.store.list_artifacts(name=name)[-1].type
        if "model" not in kind.lower():
            raise ArtifactError(f"link_model: artifact {name!r} is of type {kind!r}, not a model type")
    art = log_artifact(run, path, name=name, type=kind)
    return link_artifact(art, registered_model_name, aliases=aliases, run_id=run.id)


def as_record(store: Store, ref: Artifact | str | Any) -> ArtifactRecord:
    """The stored version behind a reference string or a logged Artifact."""
    if isinstance(ref, Artifact):
        if ref._record is None:
            raise ArtifactError(f"artifact {ref.name!r} is not logged yet")
        return ref._record
    found = fetch(store, ref)._record
    assert found is not None
    return found
