"""`nbtrack import wandb-offline DIR`: runs that W&B wrote to disk (`WANDB_MODE=offline`) into the store.

DIR is a `wandb/` directory of `offline-run-*/run-<id>.wandb` files, one run directory, a
single `.wandb` file, or a directory holding `wandb/`. Each file is W&B's transaction log
(see `_wandb_log`); its records are decoded with wandb's own protobuf classes, so the `wandb`
package must be installed. Online run directories (`run-*`) are read the same way. A run resumed
in offline mode (several files with one run id) becomes one run, its files read in order.

How a W&B run maps onto an nbtrack run (W&B and nbtrack share the vocabulary, so little changes):

- run id -> the nbtrack id is derived from it (a second import replaces the first);
  display name -> name (else the run id); project -> project (or `project=`; W&B's own default
  `uncategorized` when none); entity, notes, tags, group, job_type, host -> the same fields.
- config (the run's initial config and every later update) -> config, nested dicts kept; W&B's
  internal `_wandb` entry is left out.
- history rows -> history with their `_step` and `_timestamp`; nested dicts are flattened with
  `/` (as `run.log` does); numbers, bools and text are kept; nulls, lists and media
  (`{"_type": ...}`: images, tables, ... whose files stay in the W&B directory) are not, and the
  import report counts them.
- summary (final state of every update) -> summary, `_step` / `_runtime` / `_timestamp` /
  `_wandb` and media left out.
- exit record: exit code 0 -> finished, any other -> failed (the code is kept); no exit record
  (the process died, or still runs) -> running, which nbtrack shows as crashed once the last
  logged point is 30 s old. start time -> created_at, start + runtime (or the last point, if
  later) -> finished_at.
- not imported: media files, artifacts, system metrics, console output, W&B sweep membership
  (the W&B sweep id is kept in the capture).
"""

from __future__ import annotations

import json
import math
import os
import re
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..store import RunRecord, Store, open_store
from ._common import ImportedRun, ImportResult, Point, require, save_run, stable_id
from ._wandb_log import LogScan

__all__ = ["import_wandb_offline", "find_logs"]

SOURCE = "wandb"
_RESERVED = frozenset({"_step", "_timestamp", "_runtime", "_wandb"})
_RUN_FILE = re.compile(r"^run-(?P<id>.+)\.wandb$")


def find_logs(path: str | os.PathLike[str]) -> list[Path]:
    """The transaction logs under `path`: itself, its run directories, or those of its `wandb/`."""
    root = Path(path).expanduser()
    if not root.exists():
        raise FileNotFoundError(f"wandb-offline: no such file or directory: {os.fspath(path)}")
    if root.is_file():
        return [root]
    found: dict[Path, Path] = {}
    for pattern in ("*.wandb", "*/*.wandb", "wandb/*/*.wandb"):
        for f in root.glob(pattern):
            if f.is_file() and _RUN_FILE.match(f.name) and not f.parent.is_symlink():  # latest-run is a link
                found.setdefault(f.resolve(), f)
    if not found:
        raise ValueError(f"wandb-offline: no W&B run files (run-<id>.wandb) under {os.fspath(path)}")
    # run directories are named [offline-]run-YYYYMMDD_HHMMSS-<id>: their time orders a resumed run's files
    return sorted(found.values(), key=lambda f: (f.parent.name.removeprefix("offline-"), f.name))


@dataclass
class _Run:
    """What the records of one W&B run add up to."""

    run_id: str
    files: list[str] = field(default_factory=list)
    labels: dict[str, Any] = field(default_factory=dict)
    tags: tuple[str, ...] = ()
    created_at: float | None = None
    config: dict[str, Any] = field(default_factory=dict)
    summary: dict[str, Any] = field(default_factory=dict)
    history: dict[str, list[Point]] = field(default_factory=dict)
    last_time: float | None = None
    exit_code: int | None = None
    runtime: float = 0.0
    dropped: Counter[str] = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)


def import_wandb_offline(path: str | os.PathLike[str], *, project: str | None = None,
                         store: Store | None = None) -> ImportResult:
    """Import every W&B run logged under `path` (see the module docstring for the mapping)."""
    logs = find_logs(path)
    pb = require("wandb.proto.wandb_internal_pb2", "wandb", "nbtrack import wandb-offline")
    runs: dict[str, _Run] = {}
    for log in logs:
        match = _RUN_FILE.match(log.name)
        file_id = match.group("id") if match else log.stem
        _read(pb, log, runs, file_id)
    st = store or open_store()
    imported: list[ImportedRun] = []
    skipped: list[str] = []
    for run in runs.values():
        record = _record(run, project)
        origin = {"source": SOURCE, "run_id": run.run_id, "files": run.files}
        capture = {k: v for k, v in (("host", run.labels.get("host")),
                                     ("wandb_sweep_id", run.labels.get("sweep_id"))) if v}
        imported.append(save_run(st, record, run.history, origin=origin, capture=capture))
        if run.dropped:
            what = ", ".join(f"{n} {kind}" for kind, n in sorted(run.dropped.items()))
            skipped.append(f"run {run.run_id}: values not imported: {what}")
        skipped.extend(f"run {run.run_id}: {problem}" for problem in run.problems)
    return ImportResult(source="wandb-offline", location=os.fspath(path), runs=tuple(imported),
                        skipped=tuple(skipped))


def _read(pb: Any, log: Path, runs: dict[str, _Run], file_id: str) -> None:
    scan = LogScan(log)
    run: _Run | None = None
    for payload in scan:
        rec = pb.Record()
        try:
            rec.ParseFromString(payload)
        except Exception:  # protobuf's DecodeError; a payload this wandb cannot read
            scan.problem = f"undecodable record in {log.name}"
            break
        kind = rec.WhichOneof("record_type")
        if kind == "run":
            run = runs.setdefault(rec.run.run_id or file_id, _Run(rec.run.run_id or file_id))
            _on_run(run, rec.run)
        elif kind in ("history", "summary", "config", "exit"):
            if run is None:  # records before the run record: file named after the run
                run = runs.setdefault(file_id, _Run(file_id))
            if kind == "history":
                _on_history(run, rec.history)
            elif kind == "summary":
                _apply(run.summary, rec.summary.update, rec.summary.remove)
            elif kind == "config":
                _apply(run.config, rec.config.update, rec.config.remove)
            else:
                run.exit_code = int(rec.exit.exit_code)
                run.runtime = max(run.runtime, float(rec.exit.runtime))
    if run is None:
        raise ValueError(f"wandb-offline: {log} holds no run record")
    run.files.append(os.fspath(log))
    if scan.problem:
        run.problems.append(f"{log.name}: stopped reading at a {scan.problem} (later records lost)")


def _on_run(run: _Run, rec: Any) -> None:
    labels = {"project": rec.project, "entity": rec.entity, "name": rec.display_name, "notes": rec.notes,
              "group": rec.run_group, "job_type": rec.job_type, "host": rec.host, "sweep_id": rec.sweep_id}
    run.labels.update({k: v for k, v in labels.items() if v})
    if rec.tags:
        run.tags = tuple(rec.tags)
    if run.created_at is None and rec.HasField("start_time") and rec.start_time.seconds:
        run.created_at = rec.start_time.seconds + rec.start_time.nanos / 1e9
    _apply(run.config, rec.config.update, rec.config.remove)
    _apply(run.summary, rec.summary.update, ())


def _path(item: Any) -> tuple[str, ...]:
    return (item.key,) if item.key else tuple(item.nested_key)


def _apply(tree: dict[str, Any], updates: Any, removes: Any) -> None:
    """Set / delete the (nested) keys of config or summary items (JSON values)."""
    for item in updates:
        path = _path(item)
        if path:
            _set(tree, path, json.loads(item.value_json))
    for item in removes:
        path = _path(item)
        node: Any = tree
        for part in path[:-1]:
            node = node.get(part) if isinstance(node, dict) else None
        if isinstance(node, dict):
            node.pop(path[-1], None)


def _set(tree: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    node = tree
    for part in path[:-1]:
        child = node.get(part)
        if not isinstance(child, dict):
            child = node[part] = {}
        node = child
    node[path[-1]] = value


def _item_value(item: Any) -> Any:
    try:
        which = item.WhichOneof("value")  # typed values: newer wandb; older ones only have value_json
    except ValueError:
        which = None
    if which is None:
        return json.loads(item.value_json) if item.value_json else None
    if which == "none":
        return None
    if which == "json":
        return json.loads(item.json)
    return getattr(item, which)


def _on_history(run: _Run, rec: Any) -> None:
    row: dict[str, Any] = {}
    for item in rec.item:
        path = _path(item)
        if path:
            _set(row, path, _item_value(item))
    step = row.get("_step")
    step = int(step) if isinstance(step, (int, float)) and not isinstance(step, bool) else int(rec.step.num)
    when = row.get("_timestamp")
    if not isinstance(when, (int, float)) or isinstance(when, bool) or not math.isfinite(when):
        when = run.last_time if run.last_time is not None else (run.created_at or time.time())
    when = float(when)
    run.last_time = when if run.last_time is None else max(run.last_time, when)
    for key, value in _flat(row, run.dropped):
        run.history.setdefault(key, []).append((step, when, value))


def _flat(tree: dict[str, Any], dropped: Counter[str], prefix: str = "") -> Iterator[tuple[str, Any]]:
    """Storable (key, value) pairs of a history row or summary: nested dicts joined with '/'."""
    for key, value in tree.items():
        if not prefix and key in _RESERVED:
            continue
        name = prefix + key
        if isinstance(value, dict):
            if "_type" in value:
                dropped[f"media ({value['_type']})"] += 1
            else:
                yield from _flat(value, dropped, name + "/")
        elif isinstance(value, (bool, int, float, str)):
            yield name, value
        elif value is None:
            dropped["nulls"] += 1
        else:
            dropped["lists"] += 1


def _record(run: _Run, project: str | None) -> RunRecord:
    labels = run.labels
    times = [p[1] for points in run.history.values() for p in points]
    created = run.created_at if run.created_at is not None else min(times, default=time.time())
    last = max([created, *times])
    if run.exit_code is None:
        state, finished = "running", None
    else:
        state = "finished" if run.exit_code == 0 else "failed"
        finished = max(last, created + run.runtime)
    for points in run.history.values():
        points.sort(key=lambda p: p[0])  # stable: a step logged twice keeps its order
    return RunRecord(
        id=stable_id(SOURCE, run.run_id), project=project or labels.get("project") or "uncategorized",
        name=labels.get("name") or run.run_id, state=state, created_at=created,
        heartbeat_at=finished if finished is not None else last, finished_at=finished,
        entity=labels.get("entity"), host=labels.get("host"), exit_code=run.exit_code,
        notes=labels.get("notes"), group=labels.get("group"), job_type=labels.get("job_type"),
        tags=run.tags, config={k: v for k, v in run.config.items() if k not in _RESERVED},
        summary=dict(_flat(run.summary, Counter())),
    )
