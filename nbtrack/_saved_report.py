"""`nbtrack.Report`: a report saved in the store, re-drawn from the current runs each time it is shown.

Edit it from Python (`add_markdown`, `add_panel`, `save`, `load`), render it to a standalone
offline page (`render`, or `nbtrack report NAME -o F.html`), or display it in a notebook, where it
re-draws its panels whenever the store reports activity (the dashboard's polling). Each panel is
drawn by the shared figure builders from `nbtrack.runs(project, filters=...)` at that moment.
"""

from __future__ import annotations

import html
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from ._query import history, runs as runs_frame
from ._report_spec import check_spec, load_spec, markdown_block, panel_block, save_spec
from ._report_page import (MAX_CURVE_RUNS, REPORT_POINTS, comments_section, lazy_figure, markdown_html,
                           runs_table_html, write_page)
from .store import Store, open_store
from .ui._importance import importance_table
from .ui.charts import (group_keys, importance_table_figure, line_figure, metric_curves, parallel_data,
                        parallel_figure, run_colors, scatter_figure, scatter_points)

if TYPE_CHECKING:
    import plotly.graph_objects as go

__all__ = ["Report", "Panel", "render_panel"]


@dataclass(frozen=True)
class Panel:
    """A panel drawn now: its heading, a note on its query, HTML (a table) and/or a figure."""

    title: str
    note: str
    html: str = ""
    figure: go.Figure | None = None


def _goal(metric: str) -> str:
    return "minimize" if any(word in metric.lower() for word in ("loss", "err")) else "maximize"


def _query_note(filters: Mapping[str, Any] | None, n: int) -> str:
    query = json.dumps(filters, default=str, sort_keys=True) if filters else "all runs"
    return f"{n} run{'s' if n != 1 else ''} · {query}"


def render_panel(block: Mapping[str, Any], project: str, store: Store) -> Panel:
    """Draw one panel block from the runs its query returns now (never raises for a query that fails)."""
    chart, metric, filters = block["chart"], block.get("metric"), block.get("filters")
    title = block.get("title") or (f"{chart} of {metric}" if metric else chart)
    try:
        frame = runs_frame(project, filters=filters, store=store)
    except (KeyError, ValueError, TypeError) as exc:
        return Panel(title, f"query failed: {exc}")
    note = _query_note(filters, len(frame))
    if frame.empty:
        return Panel(title, note, "<p class='note'>no runs match this query yet</p>")
    if chart == "runs":
        return Panel(title, note, runs_table_html(frame))
    if chart == "comments":
        return Panel(title, note, comments_section(frame, store, heading=False)
                     or "<p class='note'>no comments on these runs</p>")
    column = f"summary.{metric}" if metric else None
    if chart == "curves":
        return Panel(title, note, figure=_curves(frame, block, column, store, title))
    if chart == "parallel":
        return Panel(title, note, figure=parallel_figure(parallel_data(frame, str(column)), title=title))
    if chart == "importance":
        table = importance_table(frame, str(column), goal=_goal(str(metric)))  # type: ignore[arg-type]
        return Panel(title, note, figure=importance_table_figure(table, metric=str(column)))
    points = scatter_points(frame, f"config.{block['param']}", str(column))
    return Panel(title, note, figure=scatter_figure(points, param=f"config.{block['param']}", metric=str(column)))


def _curves(frame: pd.DataFrame, block: Mapping[str, Any], column: str | None, store: Store,
            title: str) -> go.Figure:
    chosen = frame
    if len(frame) > MAX_CURVE_RUNS:
        chosen = (frame.sort_values(column, ascending=_goal(column) == "minimize").head(MAX_CURVE_RUNS)
                  if column and column in frame else frame.tail(MAX_CURVE_RUNS))
    hist = history(list(chosen["id"]), keys=block.get("keys"), store=store)
    keys = block.get("keys") or [c for c in hist.columns if c not in ("run_id", "_step", "_timestamp")
                                 and pd.api.types.is_numeric_dtype(hist[c])]
    keys = [k for k in keys if k in hist.columns]
    names = dict(zip(frame["id"], frame["name"]))
    ordered = [k for group in group_keys(keys).values() for k in group]
    panels = {k: metric_curves(hist, k, names=names, max_points=REPORT_POINTS) for k in ordered}
    return line_figure(panels, title=title, colors=run_colors(frame["id"]))


class Report:
    """A saved report of a project: markdown sections and panels (charts over run queries)."""

    def __init__(self, name: str, project: str | None = None, *, title: str | None = None,
                 store: Store | str | None = None) -> None:
        self.name = name
        self.project = project or os.environ.get("NBTRACK_PROJECT") or os.environ.get("WANDB_PROJECT") \
            or "uncategorized"
        self.title = title
        self.store = store if isinstance(store, Store) else open_store(store)
        self.blocks: list[dict[str, Any]] = []

    # -- editing ---------------------------------------------------------------
    def add_markdown(self, text: str) -> Report:
        """Append a markdown section (raw HTML in it is shown as text)."""
        self.blocks.append(markdown_block(text))
        return self

    def add_panel(self, chart: str, *, filters: Mapping[str, Any] | None = None, title: str | None = None,
                  metric: str | None = None, keys: Sequence[str] | None = None,
                  param: str | None = None) -> Report:
        """Append a panel: `chart` (runs, curves, parallel, importance, scatter, comments) over
        `nbtrack.runs(project, filters=filters)` as it is when the report is drawn."""
        self.blocks.append(panel_block(chart, filters=filters, title=title, metric=metric, keys=keys, param=param))
        return self

    @property
    def spec(self) -> dict[str, Any]:
        """The report as stored: plain JSON data."""
        return check_spec({"title": self.title, "blocks": self.blocks})

    def save(self) -> Report:
        """Store the spec (replacing a saved report of this name in the project)."""
        save_spec(self.store, self.project, self.name, self.spec)
        return self

    @classmethod
    def load(cls, name: str, project: str | None = None, *, store: Store | str | None = None) -> Report:
        """The saved report `name` (of `project`, needed only when several projects have one of that name)."""
        st = store if isinstance(store, Store) else open_store(store)
        record = load_spec(st, name, project)
        report = cls(record.name, record.project, title=record.spec.get("title"), store=st)
        report.blocks = [dict(b) for b in check_spec(record.spec)["blocks"]]
        return report

    # -- drawing ---------------------------------------------------------------
    @property
    def heading(self) -> str:
        """The report's title (its name when it has none)."""
        return self.title or self.name

    def sections(self) -> list[str | Panel]:
        """Every block drawn from the current data: markdown as HTML, panels as `Panel`s."""
        return [markdown_html(b["text"]) if b["kind"] == "markdown" else render_panel(b, self.project, self.store)
                for b in self.blocks]

    def body(self) -> list[str]:
        """The page body: heading, then each section (figures as lazily drawn charts)."""
        out = [f"<h1>{html.escape(self.heading)}</h1><div class='meta'>report {html.escape(self.name)} · project "
               f"{html.escape(self.project)}</div>"]
        for part in self.sections():
            out.append(f"<section class='user'>{part}</section>" if isinstance(part, str) else panel_html(part))
        return out

    def render(self, path: str | os.PathLike[str] | None = None) -> Path:
        """Write the report, drawn from the current data, as a standalone offline HTML page."""
        return write_page(Path(path) if path is not None else Path(f"{self.name}.html"), self.heading, self.body())

    def widget(self, *, poll_interval: float | None = None) -> Any:
        """A notebook view of the report that re-draws its panels as runs arrive."""
        from .ui.report_view import ReportView

        return ReportView(self) if poll_interval is None else ReportView(self, poll_interval=poll_interval)

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget())

    def __repr__(self) -> str:
        panels = sum(b["kind"] == "panel" for b in self.blocks)
        return (f"nbtrack Report {self.name!r} of project {self.project!r}: {len(self.blocks)} blocks "
                f"({panels} panels)")


def panel_html(panel: Panel) -> str:
    """A drawn panel as a page section: heading, query note, table and/or lazily drawn figure."""
    figure = lazy_figure(panel.figure) if panel.figure is not None else ""
    return (f"<section class='panel'><h2>{html.escape(panel.title)}</h2><p class='note'>{html.escape(panel.note)}"
            f"</p>{panel.html}{figure}</section>")
