"""`nbtrack import mlflow PATH_OR_URI`: MLflow experiments and runs into the store.

Read through MLflow's own client (`MlflowClient(tracking_uri=...)`), so whatever MLflow can
read works: an `mlruns` directory (the file store), an `mlflow.db` / `sqlite:///...` database,
or a tracking server URI. Active experiments and runs only (deleted ones stay behind).

How an MLflow run maps onto an nbtrack run:

- experiment name -> project (or `project=` for all of them); run name -> name
  (`mlflow.runName` tag, else the first 8 characters of the run id).
- status FINISHED / FAILED / KILLED -> finished / failed / killed; RUNNING and SCHEDULED ->
  running (no nbtrack process beats for it, so it reads as crashed once its last activity is
  30 s old; importing again later brings its new points and final state).
  start / end time -> created_at / finished_at.
- params -> config. MLflow stores every param as the text `str(value)`; a param becomes a
  number, bool, None, list or dict exactly when Python's `str()` of the parsed literal gives
  back the stored text (`"3"` -> 3, `"1e-05"` -> 1e-05, `"True"` -> True, `"[1, 2]"` -> [1, 2],
  `"nan"` -> nan); anything else (`"1e-3"`, `"007"`, `"adam"`) stays text, since it cannot have
  been logged as that value. Tuples come back as lists.
- user tags -> tags as `key=value` (just `key` when the value is empty). System tags
  (`mlflow.*`) are not tags: `mlflow.note.content` -> notes, `mlflow.parentRunId` -> group (the
  parent's nbtrack id, so nested runs group under their parent), `mlflow.user` and the rest ->
  the run's capture (`nbtrack show`), under `mlflow_tags`.
- metrics -> history: the full history of each key (`get_metric_history`) with MLflow's steps
  and timestamps (milliseconds), ordered by step; a key logged twice at one step keeps both
  points. The latest value of each key -> summary.
- not imported: artifacts, logged models, datasets, traces.

The nbtrack id is derived from the MLflow run id, so a second import replaces the first.
"""

from __future__ import annotations

import ast
import contextlib
import math
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..store import RunRecord, Store, open_store
from ._common import ImportedRun, ImportResult, Point, require, save_run, stable_id

__all__ = ["import_mlflow", "parse_param", "tracking_uri"]

SOURCE = "mlflow"

_STATES = {"FINISHED": "finished", "FAILED": "failed", "KILLED": "killed", "RUNNING": "running",
           "SCHEDULED": "running"}
_SPECIAL_FLOATS = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}
_PAGE = 1000


def parse_param(text: str) -> Any:
    """An MLflow param's value: the Python literal whose `str()` is exactly `text`, else `text`."""
    if text in _SPECIAL_FLOATS:
        return _SPECIAL_FLOATS[text]
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return text
    if not _plain(value) or str(value) != text:
        return text
    return _lists(value)


def _plain(value: Any) -> bool:
    if value is None or isinstance(value, (bool, int, float, str)):
        return True
    if isinstance(value, (list, tuple)):
        return all(_plain(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _plain(v) for k, v in value.items())
    return False  # sets, bytes, complex: not JSON


def _lists(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return [_lists(v) for v in value]
    if isinstance(value, dict):
        return {k: _lists(v) for k, v in value.items()}
    return value


def tracking_uri(path_or_uri: str | os.PathLike[str]) -> str:
    """The MLflow tracking URI for a URI, an `mlruns` directory, a directory holding one, or a SQLite file."""
    text = os.fspath(path_or_uri)
    if "://" in text or text == "databricks":
        return text
    path = Path(text).expanduser()
    if not path.exists():
        raise FileNotFoundError(f"mlflow: no such file or directory: {text}")
    if path.is_file():  # an MLflow SQLite database such as mlflow.db
        return f"sqlite:///{path.resolve()}"
    if _is_file_store(path):
        return path.resolve().as_uri()
    if (path / "mlflow.db").is_file():
        return f"sqlite:///{(path / 'mlflow.db').resolve()}"
    if (path / "mlruns").is_dir():
        return (path / "mlruns").resolve().as_uri()
    raise ValueError(f"mlflow: {text} holds no MLflow data (expected an mlruns directory, "
                     "a directory with mlflow.db or mlruns/, or a tracking URI such as sqlite:///mlflow.db)")


def _is_file_store(path: Path) -> bool:
    """An `mlruns` directory: experiment folders, each with a meta.yaml."""
    return any(child.is_dir() and (child / "meta.yaml").is_file() for child in path.iterdir())


@contextlib.contextmanager
def _reading_env() -> Iterator[None]:
    """MLflow settings for the import only: open the (deprecated) file store, which MLflow 3 refuses
    unless told to, and send no usage telemetry (nbtrack makes no network requests of its own)."""
    settings = {"MLFLOW_ALLOW_FILE_STORE": "true", "MLFLOW_DISABLE_TELEMETRY": "true"}
    before = {name: os.environ.get(name) for name in settings}
    os.environ.update(settings)
    try:
        yield
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def import_mlflow(path_or_uri: str | os.PathLike[str], *, project: str | None = None,
                  store: Store | None = None) -> ImportResult:
    """Import every active MLflow run at `path_or_uri` (see the module docstring for the mapping)."""
    uri = tracking_uri(path_or_uri)
    st = store or open_store()
    imported: list[ImportedRun] = []
    with _reading_env():
        tracking = require("mlflow.tracking", "mlflow", "nbtrack import mlflow")
        entities = require("mlflow.entities", "mlflow", "nbtrack import mlflow")
        client = tracking.MlflowClient(tracking_uri=uri)
        for experiment in _pages(lambda token: client.search_experiments(
                view_type=entities.ViewType.ACTIVE_ONLY, max_results=_PAGE, page_token=token)):
            runs = _pages(lambda token, eid=experiment.experiment_id: client.search_runs(
                [eid], run_view_type=entities.ViewType.ACTIVE_ONLY, max_results=_PAGE,
                order_by=["attributes.start_time ASC"], page_token=token))
            for run in runs:
                imported.append(_import_run(client, st, run, project or experiment.name, uri, experiment))
    return ImportResult(source=SOURCE, location=uri, runs=tuple(imported))


def _pages(fetch: Any) -> Iterator[Any]:
    token = None
    while True:
        page = fetch(token)
        yield from page
        token = getattr(page, "token", None)
        if not token:
            return


def _import_run(client: Any, st: Store, run: Any, project: str, uri: str, experiment: Any) -> ImportedRun:
    info, data = run.info, run.data
    tags = dict(data.tags)
    history: dict[str, list[Point]] = {}
    for key in sorted(data.metrics):
        points = [(int(m.step), m.timestamp / 1000.0, float(m.value)) for m in client.get_metric_history(info.run_id, key)]
        points.sort(key=lambda p: p[0])  # stable: points logged at one step keep their order
        history[key] = points
    state = _STATES.get(str(info.status), "running")
    times = [p[1] for points in history.values() for p in points]
    created = info.start_time / 1000.0 if info.start_time else min(times, default=time.time())
    finished = info.end_time / 1000.0 if info.end_time and state != "running" else None
    heartbeat = max([created, *times, *([finished] if finished is not None else [])])
    parent = tags.get("mlflow.parentRunId")
    record = RunRecord(
        id=stable_id(SOURCE, info.run_id), project=project,
        name=getattr(info, "run_name", None) or tags.get("mlflow.runName") or info.run_id[:8], state=state,
        created_at=created, heartbeat_at=heartbeat,
        finished_at=finished, exit_code=0 if state == "finished" else None,
        notes=tags.get("mlflow.note.content") or None,
        group=stable_id(SOURCE, parent) if parent else None,
        tags=tuple(sorted(f"{k}={v}" if v != "" else k for k, v in tags.items() if not k.startswith("mlflow."))),
        config={k: parse_param(v) for k, v in sorted(data.params.items())},
        summary={k: float(v) for k, v in sorted(data.metrics.items())},
    )
    system = {k: v for k, v in sorted(tags.items()) if k.startswith("mlflow.")}
    capture: dict[str, Any] = {"mlflow_tags": system}
    if info.user_id or system.get("mlflow.user"):
        capture["user"] = info.user_id or system.get("mlflow.user")
    origin = {"source": SOURCE, "run_id": info.run_id, "uri": uri, "experiment_id": experiment.experiment_id,
              "experiment": experiment.name}
    return save_run(st, record, history, origin=origin, capture=capture)
