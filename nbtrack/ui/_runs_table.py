"""The dashboard's runs table: an anywidget whose rows, order and options are computed here.

The front end (``runs_table.js``) only draws and reports intent: a header click
sets ``sort_key`` / ``sort_dir``, the filter bar sets ``filter_text``,
``state_filter`` and ``tag_filter``, a checkbox edits ``selected``. Python turns
those into ``order``, the ids of the visible rows, so every rule is testable
without a browser.
"""

from __future__ import annotations

import html
import json
import math
import threading
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path
from typing import Any

import anywidget
import numpy as np
import pandas as pd
import traitlets

from .card import STATE_COLORS
from .charts import PALETTE, column_label

__all__ = ["DEFAULT_SELECTION", "RunsTable", "keep_colors", "recent_ids", "static_table_html",
           "table_columns", "table_rows", "visible_ids"]

DEFAULT_SELECTION = 5  # the newest runs selected when a table first shows runs

# Run columns shown always, then those shown only when some run has a value.
_FIXED = ("name", "state", "created_at", "runtime", "tags")
_OPTIONAL = ("group", "job_type", "sweep_id")
_LABELS = {"created_at": "created", "job_type": "job type", "sweep_id": "sweep"}
# What the text filter searches.
_SEARCHED = ("name", "id", "group", "job_type", "notes", "sweep_id")


class RunsTable(anywidget.AnyWidget):
    """Sortable, filterable, selectable table of runs (one row per run)."""

    _esm = Path(__file__).with_name("runs_table.js")
    _css = Path(__file__).with_name("runs_table.css")

    rows = traitlets.List(traitlets.Dict(), help="A JSON-able dict per run: id and the columns.").tag(sync=True)
    columns = traitlets.List(traitlets.Dict(), help="Shown columns: {key, label, kind}.").tag(sync=True)
    order = traitlets.List(traitlets.Unicode(), help="Ids of the rows passing the filters, sorted.").tag(sync=True)
    selected = traitlets.List(traitlets.Unicode(), help="Selected run ids, in selection order.").tag(sync=True)
    sort_key = traitlets.Unicode("created_at", help="Column the rows are sorted by.").tag(sync=True)
    sort_dir = traitlets.Enum(("asc", "desc"), "desc", help="Sort direction.").tag(sync=True)
    filter_text = traitlets.Unicode("", help="Text sought in name, id, tags, group, notes.").tag(sync=True)
    state_filter = traitlets.Unicode("", help="Only runs in this state ('' for all).").tag(sync=True)
    tag_filter = traitlets.Unicode("", help="Only runs with this tag ('' for all).").tag(sync=True)
    states = traitlets.List(traitlets.Unicode(), help="States present, for the state filter.").tag(sync=True)
    tags = traitlets.List(traitlets.Unicode(), help="Tags present, for the tag filter.").tag(sync=True)
    colors = traitlets.Dict(help="Curve colour of each selected run, shown as a swatch.").tag(sync=True)
    state_colors = traitlets.Dict(dict(STATE_COLORS), help="Colour of each run state.").tag(sync=True)
    brushed = traitlets.List(traitlets.Unicode(), default_value=None, allow_none=True,
                             help="Only these runs pass (a parallel-coordinates brush); None: no brush.").tag(sync=True)

    def __init__(self, *, lock: threading.RLock | None = None, **kwargs: Any) -> None:
        """An empty table; lock is shared with an owner that updates it from another thread."""
        self._lock = lock or threading.RLock()  # shared with an owner whose thread may call set_runs
        self._assigned: dict[str, str] = {}  # every run's colour once it has been selected
        self.unbrushed: list[str] = []  # ids passing the filters before the brush (what the parallel plot draws)
        super().__init__(**kwargs)

    def set_runs(self, runs: pd.DataFrame) -> None:
        """Show these runs (a ``nbtrack.runs()`` frame); selection of vanished runs is dropped."""
        rows = table_rows(runs)
        ids = {row["id"] for row in rows}
        with self._lock, self.hold_sync():
            self.columns = table_columns(runs)
            self.rows = rows
            self.states = sorted({str(row["state"]) for row in rows})
            self.tags = sorted({tag for row in rows for tag in row["tags"]})
            self.selected = [i for i in self.selected if i in ids]
            self._reorder()

    @traitlets.observe("selected")
    def _on_select(self, change: Mapping[str, Any]) -> None:
        """Give each selected run a swatch colour, the same for as long as the table lives."""
        self._assigned = keep_colors(self._assigned, self.selected, in_use=self.selected)
        self.colors = {run_id: self._assigned[run_id] for run_id in self.selected}

    @traitlets.observe("sort_key", "sort_dir", "filter_text", "state_filter", "tag_filter", "brushed")
    def _on_view_change(self, change: Mapping[str, Any]) -> None:
        """Recompute the visible order when the front end sorts or filters."""
        with self._lock:
            self._reorder()

    def _reorder(self) -> None:
        """Set ``order`` from the rows, sort and filters (``unbrushed``: the same before the brush)."""
        self.unbrushed = visible_ids(
            self.rows,
            sort_key=self.sort_key,
            descending=self.sort_dir == "desc",
            text=self.filter_text,
            state=self.state_filter,
            tag=self.tag_filter,
        )
        inside = None if self.brushed is None else set(self.brushed)
        self.order = self.unbrushed if inside is None else [i for i in self.unbrushed if i in inside]


def recent_ids(runs: pd.DataFrame, n: int = DEFAULT_SELECTION) -> list[str]:
    """The ids of the n most recently created runs, newest first."""
    newest = runs.sort_values("created_at", ascending=False, kind="stable")
    return [str(i) for i in newest["id"].head(n)]


def keep_colors(assigned: Mapping[str, str], run_ids: Sequence[str],
                in_use: Collection[str] = ()) -> dict[str, str]:
    """Every run's colour for the life of a view: `assigned` plus a colour for each new run in run_ids.

    A new run takes the first palette colour no run has had yet, else one no run in `in_use` shows,
    else the palette in turn: unticking or re-ticking runs never recolours another run.
    """
    colors = dict(assigned)
    for run_id in run_ids:
        if run_id in colors:
            continue
        taken, shown = set(colors.values()), {colors[i] for i in in_use if i in colors}
        fresh = [c for c in PALETTE if c not in taken] or [c for c in PALETTE if c not in shown]
        colors[run_id] = fresh[0] if fresh else PALETTE[len(colors) % len(PALETTE)]
    return colors


def table_columns(runs: pd.DataFrame) -> list[dict[str, str]]:
    """The columns to show: run fields, then every ``config.*`` and ``summary.*`` column."""
    keys = list(_FIXED) + [c for c in _OPTIONAL if c in runs and runs[c].notna().any()]
    columns = [{"key": key, "label": _LABELS.get(key, key), "kind": "run"} for key in keys]
    for kind in ("config", "summary"):
        columns.extend(
            {"key": c, "label": column_label(c), "kind": kind}
            for c in runs.columns
            if c.startswith(f"{kind}.") and not column_label(c).startswith("_")
        )
    return columns


def table_rows(runs: pd.DataFrame) -> list[dict[str, Any]]:
    """One dict per run of JSON-able values: numbers, strings, None, and tags as a list."""
    keys = [k for k in ["id", "notes", *[c["key"] for c in table_columns(runs)]] if k in runs]
    columns = [_column_values(runs[key]) for key in keys]
    rows = [dict(zip(keys, values)) for values in zip(*columns)]
    for row, tags in zip(rows, runs["tags"].tolist() if "tags" in runs else [[]] * len(rows)):
        row["tags"] = [str(t) for t in tags]
    return rows


def visible_ids(
    rows: Sequence[Mapping[str, Any]],
    *,
    sort_key: str = "created_at",
    descending: bool = True,
    text: str = "",
    state: str = "",
    tag: str = "",
) -> list[str]:
    """Ids of the rows that pass the filters, sorted by sort_key; missing values always last."""
    needle = text.strip().lower()
    kept = [
        row
        for row in rows
        if (not state or row.get("state") == state)
        and (not tag or tag in row.get("tags", ()))
        and (not needle or needle in _haystack(row))
    ]
    present = [row for row in kept if _missing(row.get(sort_key)) is False]
    missing = [row for row in kept if _missing(row.get(sort_key))]
    present.sort(key=lambda row: _sort_value(row[sort_key]), reverse=descending)
    return [str(row["id"]) for row in present + missing]


def static_table_html(table: RunsTable, *, limit: int = 50) -> str:
    """The table as plain HTML (visible rows in order, at most limit): the saved-notebook form."""
    esc = html.escape
    by_id = {row["id"]: row for row in table.rows}
    # one line a cell (names and dates never wrap), numbers right-aligned under a right-aligned header
    align = {c["key"]: "right" if any(isinstance(row.get(c["key"]), (int, float))
                                      and not isinstance(row.get(c["key"]), bool) for row in table.rows) else "left"
             for c in table.columns}
    head = "".join(f"<th style='padding:2px 8px;white-space:nowrap;text-align:{align[c['key']]}'>{esc(c['label'])}</th>"
                   for c in table.columns)
    body = []
    for run_id in table.order[:limit]:
        row, cells = by_id[run_id], []
        for column in table.columns:
            value = row.get(column["key"])
            style = f"padding:2px 8px;white-space:nowrap;text-align:{align[column['key']]}"
            if column["key"] == "state":
                style += f";color:{table.state_colors.get(str(value), '#333')};font-weight:bold"
            text = _text(value)[:19] if column["key"] == "created_at" else _text(value)
            cells.append(f"<td style='{style}'>{esc(text)}</td>")
        mark = "&#9632;" if run_id in table.selected else ""
        color = table.colors.get(run_id, "#999")
        body.append(f"<tr data-run-id='{esc(run_id)}'><td style='color:{color}'>{mark}</td>{''.join(cells)}</tr>")
    more = len(table.order) - limit
    note = f"<div style='color:#777'>… {more} more runs</div>" if more > 0 else ""
    return (
        "<table class='nbtrack-runs-static' style='border-collapse:collapse;font-size:12px'>"
        f"<thead><tr><th></th>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>{note}"
    )


def _text(value: Any) -> str:
    """A cell as text: 4 significant digits for floats, tags joined, '' for missing."""
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def _column_values(column: pd.Series) -> list[Any]:
    """A frame column as JSON values, converted a column at a time where the dtype allows."""
    if pd.api.types.is_datetime64_any_dtype(column):  # sortable to the microsecond, shown to the second
        return [_jsonable(v) for v in column.dt.strftime("%Y-%m-%d %H:%M:%S.%f").tolist()]
    kind = column.dtype.kind if isinstance(column.dtype, np.dtype) else "O"  # nullable dtypes hold pd.NA
    if kind == "f":
        return [v if math.isfinite(v) else _jsonable(v) for v in column.tolist()]
    if kind in "iub":
        return column.tolist()
    return [_jsonable(v) for v in column.tolist()]


def _jsonable(value: Any) -> Any:
    """A frame cell as a JSON value: NaN -> None, numpy -> Python, times -> ISO text, nests -> JSON."""
    if isinstance(value, (np.generic,)):
        value = value.item()
    if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, float) and math.isinf(value):
        return str(value)
    if isinstance(value, (bool, int, float, str)):
        return value
    return json.dumps(value, default=str, separators=(", ", ": "))


def _missing(value: Any) -> bool:
    """Whether a cell counts as empty for sorting."""
    return value is None or value == "" or value == []


def _sort_value(value: Any) -> tuple[int, Any]:
    """Numbers before text; text case-insensitively; tags by their joined text."""
    if isinstance(value, (int, float)):
        return (0, float(value))
    return (1, _text(value).lower())


def _haystack(row: Mapping[str, Any]) -> str:
    """The text the filter box searches in a row."""
    parts = [str(row.get(key) or "") for key in _SEARCHED]
    parts.extend(row.get("tags", ()))
    return " ".join(parts).lower()
