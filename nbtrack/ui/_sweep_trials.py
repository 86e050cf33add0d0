"""What the sweep panel shows, computed: trial rows from the store's trials, runs and metric values.

Pure functions of the store's records (no widgets): the table's rows and HTML, the best trial,
the best-so-far curve's points, the best config as YAML, and a runs-like frame for the charts.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import yaml

from .._query import flatten
from ..store import RunRecord, TrialRecord
from ..sweeps._controller import TERMINAL
from ..sweeps._objective import best_metric
from .card import STATE_COLORS

__all__ = ["TrialRow", "parameter_names", "trial_rows", "best_row", "best_so_far", "best_config_yaml",
           "trials_frame", "trials_table_html"]


@dataclass(frozen=True)
class TrialRow:
    """One trial as the table shows it; `value` is the run's best metric (None when it has none)."""

    id: str
    name: str
    number: int
    state: str
    params: dict[str, Any]
    value: float | None
    runtime: float
    error: str | None = None
    config: dict[str, Any] = field(default_factory=dict)  # the run's whole config


def parameter_names(parameters: Mapping[str, Any], prefix: str = "") -> list[str]:
    """The dotted run-config keys of a normalised config's searched parameters (constants left out)."""
    out: list[str] = []
    for name, spec in parameters.items():
        if isinstance(spec, Mapping) and set(spec) == {"parameters"}:
            out += parameter_names(spec["parameters"], prefix=f"{prefix}{name}.")
        elif not (isinstance(spec, Mapping) and spec.get("distribution") == "constant"):
            out.append(f"{prefix}{name}")
    return out


def trial_rows(trials: Sequence[TrialRecord], records: Mapping[str, RunRecord],
               values: Mapping[str, Sequence[Any]], names: Sequence[str], goal: str = "minimize") -> list[TrialRow]:
    """The table's rows, in claim order (numbered from 1): each trial's run, its parameters and best metric."""
    rows = []
    for trial in trials:
        record = records.get(trial.run_id)
        if record is None:
            continue
        config = flatten(record.config)
        end = record.finished_at if record.finished_at is not None else record.heartbeat_at
        rows.append(TrialRow(
            id=record.id, name=record.name, number=trial.number + 1, state=record.state,
            params={name: config.get(name) for name in names},
            value=best_metric(values.get(record.id, ()), goal),  # type: ignore[arg-type]
            runtime=max(0.0, end - record.created_at), error=record.error, config=record.config,
        ))
    return rows


def best_row(rows: Sequence[TrialRow], goal: str = "minimize") -> TrialRow | None:
    """The trial with the best metric (the earliest of ties), or None."""
    scored = [r for r in rows if r.value is not None and math.isfinite(r.value)]
    if not scored:
        return None
    pick = max if goal == "maximize" else min
    return pick(scored, key=lambda r: r.value)  # type: ignore[arg-type,return-value]


def best_so_far(rows: Sequence[TrialRow], goal: str = "minimize") -> list[tuple[int, float, float]]:
    """(trial number, its value, best value up to it) for each ended trial with a value."""
    out: list[tuple[int, float, float]] = []
    best: float | None = None
    for row in sorted(rows, key=lambda r: r.number):
        if row.state not in TERMINAL or row.value is None or not math.isfinite(row.value):
            continue
        better = best is None or (row.value > best if goal == "maximize" else row.value < best)
        best = row.value if better else best
        out.append((row.number, row.value, best))  # type: ignore[arg-type]
    return out


def best_config_yaml(config: Mapping[str, Any], parameters: Mapping[str, Any], *, header: str = "") -> str:
    """The sweep's parameters as the best run set them, as YAML ready to paste (`yaml.safe_dump`)."""
    chosen = {name: config[name] for name in parameters if name in config}
    body = yaml.safe_dump(chosen, sort_keys=False, default_flow_style=False, allow_unicode=True)
    return f"# {header}\n{body}" if header else body


def trials_frame(rows: Sequence[TrialRow], names: Sequence[str], metric: str) -> pd.DataFrame:
    """Rows as a runs-like frame (``id, name, state, config.<param>..., <metric> (best)``) for the charts."""
    column = f"{metric} (best)"
    data = [{"id": r.id, "name": r.name, "state": r.state, **{f"config.{n}": r.params.get(n) for n in names},
             column: r.value if r.value is not None else math.nan} for r in rows]
    return pd.DataFrame(data, columns=["id", "name", "state", *(f"config.{n}" for n in names), column])



def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.4g}"
    return html.escape(str(value))


def trials_table_html(rows: Sequence[TrialRow], names: Sequence[str], metric: str | None,
                      best_id: str | None = None) -> str:
    """The trials table: one ``tr[data-run-id]`` per trial, the best one marked ``nbtrack-best``."""
    head = ["#", "name", "state", *names, *([f"{metric} (best)"] if metric else []), "runtime"]
    # names and states left, numbers right under a right-aligned header (front ends' CSS differ); one line a cell
    sides = ["right", "left", "left", *("right" if any(_number(r.params.get(n)) for r in rows) else "left"
                                        for n in names), *(["right"] if metric else []), "right"]
    out = ["<table class='nbtrack-sweep-trials' style='border-collapse:collapse;font-size:12px'><thead><tr>",
           *(f"<th style='padding:2px 8px;text-align:{side};white-space:nowrap;border-bottom:1px solid #ddd'>"
             f"{html.escape(h)}</th>" for h, side in zip(head, sides)), "</tr></thead><tbody>"]
    for r in rows:
        best = r.id == best_id
        color = STATE_COLORS.get(r.state, "#333")
        title = f" title='{html.escape(r.error.strip().splitlines()[-1], quote=True)}'" if r.error else ""
        cells = [str(r.number), html.escape(r.name),
                 f"<span class='nbtrack-state' style='color:{color}'{title}>{html.escape(r.state)}</span>",
                 *(_cell(r.params.get(n)) for n in names), *([_cell(r.value)] if metric else []), f"{r.runtime:.1f}s"]
        attrs = f"data-run-id='{html.escape(r.id, quote=True)}' data-state='{html.escape(r.state, quote=True)}'"
        attrs += " class='nbtrack-best' style='font-weight:bold'" if best else ""
        tds = (f"<td style='padding:2px 8px;text-align:{side};white-space:nowrap'>{c}</td>"
               for c, side in zip(cells, sides))
        out.append(f"<tr {attrs}>" + "".join(tds) + "</tr>")
    out.append("</tbody></table>")
    return "".join(out)

