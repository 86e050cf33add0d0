"""Reading runs back as pandas frames: `nbtrack.runs()` and `nbtrack.history()`."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ._liveness import effective_state
from .store import RunRecord, Series, Store, open_store

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["runs", "history", "run_records", "flatten"]

RUN_COLUMNS = ["id", "name", "project", "state", "created_at", "runtime", "tags", "group", "job_type",
               "notes", "sweep_id"]


def flatten(d: Mapping[str, Any], prefix: str = "", sep: str = ".") -> dict[str, Any]:
    """Flatten nested dicts into dotted keys (`{"opt": {"lr": 1}}` -> `{"opt.lr": 1}`)."""
    out: dict[str, Any] = {}
    for k, v in d.items():
        if isinstance(v, Mapping) and v:
            out.update(flatten(v, f"{prefix}{k}{sep}", sep))
        else:
            out[f"{prefix}{k}"] = v
    return out


def run_records(project: str | None = None, *, store: Store | None = None, sweep_id: str | None = None,
                ids: Sequence[str] | None = None) -> list[RunRecord]:
    """Stored runs with crashed ones recognised (as read here: a read never writes the store)."""
    st = store or open_store()
    out = []
    for rec in st.list_runs(project, sweep_id=sweep_id, ids=ids):
        state = effective_state(rec)
        if state != rec.state:
            from dataclasses import replace

            rec = replace(rec, state=state, finished_at=rec.heartbeat_at)
        out.append(rec)
    return out


def _runtime(rec: RunRecord) -> float:
    end = rec.finished_at if rec.finished_at is not None else rec.heartbeat_at
    return max(0.0, end - rec.created_at)


def runs(project: str | None = None, filters: Mapping[str, Any] | None = None, *,
         store: Store | None = None) -> pd.DataFrame:
    """One row per run: identity, state, labels, then `config.<key>` and `summary.<key>` columns."""
    import pandas as pd

    records = run_records(project, store=store)
    rows = []
    for rec in records:
        row = {
            "id": rec.id, "name": rec.name, "project": rec.project, "state": rec.state,
            "created_at": rec.created_at, "runtime": _runtime(rec), "tags": list(rec.tags),
            "group": rec.group, "job_type": rec.job_type, "notes": rec.notes, "sweep_id": rec.sweep_id,
        }
        row.update({f"config.{k}": v for k, v in flatten(rec.config).items()})
        row.update({f"summary.{k}": v for k, v in rec.summary.items()})
        rows.append(row)
    frame = pd.DataFrame(rows, columns=None if rows else RUN_COLUMNS)
    config_cols = sorted(c for c in frame.columns if c.startswith("config."))
    summary_cols = sorted(c for c in frame.columns if c.startswith("summary."))
    frame = frame[RUN_COLUMNS + config_cols + summary_cols]
    frame["created_at"] = pd.to_datetime(frame["created_at"], unit="s", utc=True)
    frame["runtime"] = frame["runtime"].astype(float)
    if filters:
        frame = _apply_filters(frame, filters)
    return frame.reset_index(drop=True)


_OPS = {
    "$eq": lambda s, v: s == v, "$ne": lambda s, v: s != v, "$gt": lambda s, v: s > v,
    "$gte": lambda s, v: s >= v, "$lt": lambda s, v: s < v, "$lte": lambda s, v: s <= v,
    "$in": lambda s, v: s.isin(list(v)), "$nin": lambda s, v: ~s.isin(list(v)),
}


def _apply_filters(frame: pd.DataFrame, filters: Mapping[str, Any]) -> pd.DataFrame:
    """W&B-style (MongoDB-like) filters: {"state": "finished", "config.lr": {"$lt": 0.1}, "tags": "x"}."""
    return frame[_mask(frame, filters)]


def _mask(frame: pd.DataFrame, filters: Mapping[str, Any]) -> Any:
    import pandas as pd

    mask = pd.Series(True, index=frame.index)
    for key, cond in filters.items():
        if key in ("$and", "$or"):
            parts = [_mask(frame, f) for f in cond]
            combined = parts[0]
            for p in parts[1:]:
                combined = (combined & p) if key == "$and" else (combined | p)
            mask &= combined
            continue
        if key not in frame.columns:
            raise KeyError(f"runs: unknown filter key {key!r} (columns: id, name, state, tags, config.*, summary.*)")
        col = frame[key]
        if key == "tags":
            wanted = cond.get("$in", []) if isinstance(cond, Mapping) else [cond]
            mask &= col.map(lambda tags: any(t in tags for t in wanted))
            continue
        conds = cond.items() if isinstance(cond, Mapping) else [("$eq", cond)]
        for op, value in conds:
            if op not in _OPS:
                raise ValueError(f"runs: unknown filter operator {op!r} for {key!r} (use {', '.join(_OPS)})")
            mask &= _OPS[op](col, value).fillna(False).astype(bool)
    return mask


def _run_ids(runs_arg: Any, st: Store) -> list[str]:
    """Accept a Run, an id, a list of those, a runs() frame or a project name."""
    import pandas as pd

    if isinstance(runs_arg, pd.DataFrame):
        if "id" not in runs_arg.columns:
            raise ValueError("history: a DataFrame argument needs an 'id' column (as nbtrack.runs() returns)")
        return [str(i) for i in runs_arg["id"]]
    if isinstance(runs_arg, str):
        if st.get_run(runs_arg) is not None:
            return [runs_arg]
        found = [r.id for r in st.list_runs(runs_arg)]
        if not found:
            raise KeyError(f"history: {runs_arg!r} is neither a run id nor a project in {st.url}")
        return found
    if hasattr(runs_arg, "id") and not isinstance(runs_arg, (list, tuple)):
        return [str(runs_arg.id)]
    if isinstance(runs_arg, (list, tuple, pd.Series)):
        return [rid for item in runs_arg for rid in _run_ids(item, st)]
    raise TypeError(f"history: cannot read runs from a {type(runs_arg).__name__}")


def history(runs: Any, keys: Sequence[str] | str | None = None, *, store: Store | None = None) -> pd.DataFrame:
    """Logged points as one frame: `run_id, _step, _timestamp` and a column per key (NaN where absent)."""
    import numpy as np
    import pandas as pd

    st = store or open_store()
    ids = list(dict.fromkeys(_run_ids(runs, st)))
    key_list = [keys] if isinstance(keys, str) else (list(keys) if keys is not None else None)
    _flush_active(ids)
    data = st.read_history(ids, key_list)
    all_keys = key_list if key_list is not None else sorted({k for per in data.values() for k in per})
    parts: dict[str, list[Any]] = {"run_id": [], "_step": [], "_timestamp": [], **{k: [] for k in all_keys}}
    for rid in ids:
        per = data.get(rid) or {}
        if not per:
            continue
        steps, times, columns = _align(per)
        n = len(steps)
        parts["run_id"].append(np.full(n, rid, dtype=object))
        parts["_step"].append(steps)
        parts["_timestamp"].append(times)
        for k in all_keys:
            col = columns.get(k)
            parts[k].append(col if col is not None else np.full(n, math.nan))
    if not parts["run_id"]:
        return pd.DataFrame({c: [] for c in parts}).astype({"_step": "int64", "_timestamp": "float64"})
    return pd.DataFrame({c: np.concatenate(v) if len(v) > 1 else v[0] for c, v in parts.items()}, copy=False)


def _flush_active(ids: list[str]) -> None:
    """Write this process's buffered points of the requested runs, so a read sees all of them."""
    from . import _current

    wanted = set(ids)
    for run in list(_current.active):
        if run.id in wanted:
            run.flush()


def _align(per: dict[str, Series]) -> tuple[Any, Any, dict[str, Any]]:
    """Put every key of one run on a common sorted step axis (last value wins on a repeated step)."""
    import numpy as np

    series = list(per.values())
    first = series[0].steps
    if all(s.steps is first or np.array_equal(s.steps, first) for s in series) and (
        len(first) < 2 or bool(np.all(first[1:] > first[:-1]))
    ):
        return first, series[0].times, {k: s.values for k, s in per.items()}
    steps = np.unique(np.concatenate([s.steps for s in series]))
    times = np.full(len(steps), np.nan)
    columns = {}
    for key, s in per.items():
        # last occurrence of each step: unique on the reversed array
        uniq, rev_idx = np.unique(s.steps[::-1], return_index=True)
        idx = len(s.steps) - 1 - rev_idx
        pos = np.searchsorted(steps, uniq)
        values = s.values
        col = np.full(len(steps), np.nan, dtype=values.dtype if values.dtype != object else object)
        col[pos] = values[idx]
        columns[key] = col
        fill = np.isnan(times[pos])
        times[pos[fill]] = s.times[idx][fill]
    return steps, times, columns
