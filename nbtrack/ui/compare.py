"""The compare view of two or more runs: config side by side, summary deltas, cell-source diffs.

Data first (:func:`config_rows`, :func:`summary_rows`, :func:`source_diff`), then
:func:`compare_html` draws them. The first run is the baseline every other run is
compared with (the dashboard lets the user pick it). Everything taken from a run is HTML-escaped.
"""

from __future__ import annotations

import difflib
import html
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from .charts import column_label

__all__ = ["MAX_COMPARED", "ConfigRow", "SummaryRow", "captured_source", "compare_html", "config_rows", "source_diff",
           "summary_rows"]

MAX_COMPARED = 8  # more columns than this are unreadable
_DIFFERS = "background:#fff3cd"
_LINE_STYLES = {"+": "background:#e6ffec;color:#116329", "-": "background:#ffebe9;color:#82071e",
                "@": "color:#6f42c1"}
_CELL = "padding:2px 8px;border-top:1px solid #eee;text-align:left;vertical-align:top"


@dataclass(frozen=True)
class ConfigRow:
    """One config key: its value in each run (None where absent) and whether they differ."""

    key: str
    values: tuple[Any, ...]
    differs: bool


@dataclass(frozen=True)
class SummaryRow:
    """One summary key: its value in each run and each run's delta from the baseline (or None)."""

    key: str
    values: tuple[Any, ...]
    deltas: tuple[float | None, ...]


def config_rows(runs: pd.DataFrame) -> list[ConfigRow]:
    """Every ``config.*`` key of the runs, the differing keys first (each group in key order)."""
    rows = []
    for column in (c for c in runs.columns if c.startswith("config.")):
        values = tuple(_value(v) for v in runs[column].tolist())
        if all(v is None for v in values):
            continue
        differs = len({json.dumps(v, sort_keys=True, default=str) for v in values}) > 1
        rows.append(ConfigRow(column_label(column), values, differs))
    return sorted(rows, key=lambda row: not row.differs)


def summary_rows(runs: pd.DataFrame) -> list[SummaryRow]:
    """Every ``summary.*`` key with each run's difference from the first run where both are numbers."""
    rows = []
    for column in (c for c in runs.columns if c.startswith("summary.")):
        values = tuple(_value(v) for v in runs[column].tolist())
        if all(v is None for v in values) or column_label(column).startswith("_"):
            continue
        base = values[0]
        deltas = tuple(v - base if _number(v) and _number(base) else None for v in values)
        rows.append(SummaryRow(column_label(column), values, deltas))
    return rows


def captured_source(capture: Mapping[str, Any]) -> str | None:
    """The code a run ran, as compared: a ``%%track`` cell with its magic line, an ``init()`` cell as it was."""
    source = capture.get("cell_source")
    if source is None:
        return None
    magic = capture.get("magic_line")
    return f"{magic}\n{source}" if magic else str(source)


def source_diff(before: str, after: str, *, before_name: str, after_name: str) -> list[str]:
    """Unified diff lines (difflib) from one cell source to another; empty when they are equal."""
    return list(
        difflib.unified_diff(
            before.splitlines(), after.splitlines(), fromfile=before_name, tofile=after_name, lineterm=""
        )
    )


def compare_html(runs: pd.DataFrame, sources: Mapping[str, str | None]) -> str:
    """The compare view of the runs (a ``nbtrack.runs()`` frame, baseline first) as an HTML fragment.

    ``sources`` maps run ids to the captured cell source (None when the run has none).
    Only the first MAX_COMPARED runs are shown.
    """
    if len(runs) < 2:
        return "<div class='nbtrack-compare' style='color:#777'>Select two or more runs to compare them.</div>"
    shown = runs.iloc[:MAX_COMPARED]
    names = [str(n) if isinstance(n, str) and n else str(i) for n, i in zip(shown["name"], shown["id"])]
    parts = ["<div class='nbtrack-compare' style='font-family:sans-serif;font-size:12px'>"]
    if len(runs) > MAX_COMPARED:
        parts.append(f"<div style='color:#777'>Showing the first {MAX_COMPARED} of {len(runs)} selected runs.</div>")
    config = config_rows(shown)
    differing = sum(row.differs for row in config)
    parts.append(f"<h4 style='margin:6px 0'>Config <span style='color:#777;font-weight:normal'>"
                 f"({differing} of {len(config)} keys differ)</span></h4>")
    parts.append(_table(names, [
        (row.key, [_fmt(v) for v in row.values], row.differs) for row in config
    ]))
    parts.append("<h4 style='margin:6px 0'>Summary <span style='color:#777;font-weight:normal'>"
                 f"(&Delta; from {html.escape(names[0])})</span></h4>")
    parts.append(_table(names, [
        (row.key, [_fmt(v) + _delta(d) for v, d in zip(row.values, row.deltas)], False)
        for row in summary_rows(shown)
    ]))
    parts.append("<h4 style='margin:6px 0'>Cell source</h4>")
    ids = [str(i) for i in shown["id"]]
    if all(sources.get(run_id) is None for run_id in ids):
        parts.append("<div style='color:#777'>No captured cell sources (runs of <code>%%track</code> cells "
                     "have them).</div>")
    for run_id, name in zip(ids[1:], names[1:]):
        if sources.get(run_id) is not None or sources.get(ids[0]) is not None:
            parts.append(_diff_html(sources.get(ids[0]), sources.get(run_id), names[0], name))
    parts.append("</div>")
    return "".join(parts)


def _table(names: list[str], rows: list[tuple[str, list[str], bool]]) -> str:
    """A key column plus one column per run; differing rows highlighted."""
    esc = html.escape
    head = "".join(f"<th style='{_CELL}'>{esc(name)}</th>" for name in names)
    body = []
    for key, cells, differs in rows:
        attrs = f" class='nbtrack-differs' style='{_DIFFERS}'" if differs else ""
        tds = "".join(f"<td style='{_CELL}'>{esc(cell)}</td>" for cell in cells)
        body.append(f"<tr{attrs}><td style='{_CELL};font-weight:600'>{esc(key)}</td>{tds}</tr>")
    if not body:
        body.append(f"<tr><td style='{_CELL};color:#777' colspan='{len(names) + 1}'>nothing recorded</td></tr>")
    return (f"<table style='border-collapse:collapse'><thead><tr><th style='{_CELL}'>key</th>{head}</tr>"
            f"</thead><tbody>{''.join(body)}</tbody></table>")


def _diff_html(before: str | None, after: str | None, before_name: str, after_name: str) -> str:
    """One run's cell-source diff against the baseline, or why there is none."""
    esc = html.escape
    title = f"<div style='margin-top:4px'><b>{esc(before_name)}</b> &rarr; <b>{esc(after_name)}</b>: "
    if before is None or after is None:
        return title + "<span style='color:#777'>no captured cell source</span></div>"
    lines = source_diff(before, after, before_name=before_name, after_name=after_name)
    if not lines:
        return title + "<span style='color:#777'>same cell source</span></div>"
    body = []
    for line in lines:
        style = "" if line.startswith(("+++", "---")) else _LINE_STYLES.get(line[:1], "")
        body.append(f"<span style='display:block;{style}'>{esc(line) or '&nbsp;'}</span>")
    return (title + "</div><pre class='nbtrack-diff' style='margin:2px 0;padding:4px;border:1px solid #eee;"
            f"font-family:monospace;font-size:12px;white-space:pre'>{''.join(body)}</pre>")


def _value(value: Any) -> Any:
    """A frame cell with NaN and NA turned into None."""
    if isinstance(value, (list, dict)):
        return value
    return None if pd.isna(value) else value


def _number(value: Any) -> bool:
    """Whether a value takes part in a delta (a real, finite number; not a bool)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _fmt(value: Any) -> str:
    """A value as text: 6 significant digits for floats, JSON for nested values, '—' when absent."""
    if value is None:
        return "\u2014"
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, (list, dict)):
        return json.dumps(value, default=str)
    return str(value)


def _delta(delta: float | None) -> str:
    """A non-zero delta as ' (+0.1)'."""
    if delta is None or delta == 0:
        return ""
    return f" ({delta:+.4g})"
