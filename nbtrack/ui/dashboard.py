"""`nbtrack.dashboard()`: a project's runs table, overlaid curves, parameter charts and compare view.

Every value shown is computed here from the runs and history frames (the figure
builders of :mod:`nbtrack.ui.charts`); the front ends only draw. Metrics are charted as
W&B's default workspace does: a panel per key, in a section per key prefix
(:mod:`nbtrack.ui.curve_sections`). Only the
selected runs' history is read. Once displayed, a background thread polls
``Store.activity()`` (one tiny query) every couple of seconds and re-reads when
it changed; ``close()`` stops it. Displayed, it shows its snapshot under the view
(:mod:`nbtrack.ui.snapshot`): what a saved, shared or exported notebook shows.
"""

from __future__ import annotations

import html
import threading
import time
import weakref
from collections.abc import Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, Literal

import ipywidgets as widgets
import pandas as pd
import plotly.graph_objects as go

from .._liveness import HEARTBEAT_TIMEOUT
from .._query import history as read_history
from .._query import runs as read_runs
from ..store import Store, open_store
from . import static
from ._brush import Selection, brushed_ids, selection_from_brush, with_brush
from ._importance import importance_table
from ._runs_table import RunsTable, recent_ids, static_table_html
from ._sweep_charts_view import SweepCharts
from ._metric_picker import MetricPicker
from ._poller import POLL_INTERVAL, Poller
from .charts import (DEFAULT_GROUP, Parallel, XAxis, column_label, group_keys, importance_table_figure, line_figure,
                     metric_curves, parallel_data, parallel_figure, param_columns, scatter_figure, scatter_points)
from .comments_box import CommentsBox
from .curve_sections import CurveSections
from .compare import MAX_COMPARED, captured_source, compare_html
from .plotly_view import PlotlyView
from .registry import registry_html
from .snapshot import WidgetSnapshot

__all__ = ["Dashboard", "analysis_figure", "curves_figure", "dashboard", "default_metrics", "metric_columns",
           "metric_goal"]

View = Literal["parallel", "scatter", "importance"]
Goal = Literal["minimize", "maximize"]

DEFAULT_METRICS = 30  # at most this many metric panels when the dashboard opens (W&B: a panel per key)
MAX_CURVE_RUNS = 50  # curves are drawn for at most this many selected runs
_UNSELECTED = "#c7c7c7"
_MAXIMIZED = ("acc", "auc", "f1", "precision", "recall", "score", "reward", "return", "map", "iou")
_polling: weakref.WeakValueDictionary[tuple[str, str | None], Dashboard] = weakref.WeakValueDictionary()


def dashboard(project: str | None = None, *, store: Store | None = None,
              poll_interval: float = POLL_INTERVAL) -> Dashboard:
    """The dashboard of a project (of every project when None); display it to see it and keep it fresh."""
    return Dashboard(project, store=store, poll_interval=poll_interval)


# -- trait values -----------------------------------------------------------------


def metric_columns(runs: pd.DataFrame) -> list[str]:
    """The ``summary.*`` columns holding numbers, in panel order (plain keys first, system last)."""
    numeric = [column_label(c) for c in runs.columns
               if c.startswith("summary.") and pd.to_numeric(runs[c], errors="coerce").notna().any()]
    return [f"summary.{key}" for keys in group_keys(numeric).values() for key in keys]


def default_metrics(keys: Sequence[str], logged: Collection[str] = ()) -> list[str]:
    """The metric keys charted at first: every logged key, grouped by prefix, at most DEFAULT_METRICS.

    Keys in ``logged`` (those with history) are charted; only when none has history, the summary's keys.
    """
    groups = group_keys([k for k in keys if k in logged] or keys)
    return [key for members in groups.values() for key in members][:DEFAULT_METRICS]


def metric_goal(metric: str) -> Goal:
    """Whether a metric is better high (accuracy, score, reward, ...) or low (loss, error, ...)."""
    name = column_label(metric).lower()
    return "maximize" if any(word in name for word in _MAXIMIZED) else "minimize"


def curves_figure(history: pd.DataFrame, metrics: Sequence[str], *, x: XAxis = "step", smoothing: float = 0.0,
                  names: Mapping[str, str] | None = None, colors: Mapping[str, str] | None = None) -> go.Figure:
    """One panel per metric key with one (smoothed, thinned) curve per run; non-numeric points are skipped."""
    history = history.assign(**{key: pd.to_numeric(history[key], errors="coerce") for key in metrics
                                if key in history and history[key].dtype == object})
    panels = {key: metric_curves(history, key, x=x, smoothing=smoothing, names=names) for key in metrics}
    return line_figure(panels, x=x, colors=colors)


def analysis_figure(runs: pd.DataFrame, view: View, *, metric: str, param: str = "",
                    colors: Mapping[str, str] | None = None) -> go.Figure:
    """The parallel-coordinates, scatter or importance chart of the runs for a ``summary.*`` metric."""
    if view == "parallel":
        names = runs["name"].where(runs["name"].notna(), runs["id"])
        return parallel_figure(parallel_data(runs, metric), names=dict(zip(runs["id"], names)))
    if view == "scatter":
        return scatter_figure(scatter_points(runs, param, metric), param=param, metric=metric, colors=colors)
    return importance_table_figure(importance_table(runs, metric, goal=metric_goal(metric)), metric=metric)


# -- the widget -------------------------------------------------------------------


class Dashboard(widgets.VBox):
    """Runs table, curves of the selected runs, parameter charts and the compare view of a project."""

    def __init__(self, project: str | None = None, *, store: Store | None = None,
                 poll_interval: float = POLL_INTERVAL) -> None:
        self.project = project
        self.store = store if store is not None else open_store()
        self.poll_interval = poll_interval
        self._lock = threading.RLock()
        self._poller = Poller(self, Dashboard.refresh, name="nbtrack-dashboard", interval=poll_interval,
                              after=Dashboard._after_poll)
        self.figures: dict[View, PlotlyView] = {}  # one per parameter view, made when first shown
        self._pending: set[str] | None = None
        self._history: dict[str, pd.DataFrame] = {}
        self._sources: dict[str, str | None] = {}
        self._auto_ids: list[str] = []
        self._analysis_inputs: tuple[Any, pd.DataFrame] | None = None
        self.brush: Selection = {}  # parallel-coordinates brush, in the data's units (survives refreshes)
        self._status = ""
        self._snapshot: WidgetSnapshot | None = None  # the static twin under the displayed view
        self._token = self.store.activity(project)
        self._read_at = time.monotonic()
        self.runs = read_runs(project, store=self.store)

        self.header = widgets.HTML()
        self.table = RunsTable(lock=self._lock)
        self.metrics = MetricPicker()
        self.x_axis = widgets.ToggleButtons(options=[("step", "step"), ("wall time", "wall"),
                                                     ("relative time", "relative")],
                                            style={"button_width": "auto"})
        self.smoothing = widgets.FloatSlider(0.0, min=0.0, max=0.99, step=0.01, description="smoothing",
                                             continuous_update=False)
        self.curves = CurveSections(on_toggle=self._section_toggled)
        self.view = widgets.ToggleButtons(options=[("parallel coordinates", "parallel"), ("scatter", "scatter"),
                                                   ("importance", "importance")], style={"button_width": "auto"})
        self.metric = widgets.Dropdown(description="metric")
        self.param = widgets.Dropdown(description="parameter")
        self._analysis = widgets.Box()
        self.compare = widgets.HTML()
        self.baseline = widgets.Dropdown(description="baseline", layout=widgets.Layout(width="360px"))
        self._drawing_compare = False
        self.sweep_charts = SweepCharts(self.store)  # Pareto fronts, PBT lineage and schedules
        self.comments = CommentsBox(self.store, self.table)
        super().__init__([
            self.header, self.table, self.metrics, widgets.HBox([self.x_axis, self.smoothing]), self.curves,
            widgets.HBox([self.view, self.metric, self.param]), self._analysis, self.baseline, self.compare,
            self.comments,
            self.sweep_charts,
        ])
        self.add_class("nbtrack-dashboard")
        self.table.observe(self._on_select, "selected")
        self.table.observe(lambda _: self._request("analysis"), "order")
        self.table.observe(self._on_brushed, "brushed")
        for control in (self.metrics, self.x_axis, self.smoothing):
            control.observe(lambda _: self._request("curves"), "value")
        for control in (self.view, self.metric, self.param):
            control.observe(lambda _: self._request("analysis"), "value")
        self.baseline.observe(lambda _: None if self._drawing_compare else self._request("compare"), "value")
        with self._batch():
            self._load(auto_select=True)
            for part in ("curves", "analysis", "compare"):
                self._request(part)

    # -- reading --------------------------------------------------------------

    def refresh(self, *, force: bool = False) -> bool:
        """Re-read the runs if the store reports activity (or force); whether it re-read."""
        token = self.store.activity(self.project)
        running = set(self.runs.loc[self.runs["state"] == "running", "id"])
        overdue = bool(running) and time.monotonic() - self._read_at > HEARTBEAT_TIMEOUT  # crashed?
        if token == self._token and not (force or overdue):
            return False
        with self._batch():
            auto = self.table.selected == self._auto_ids
            self._token, self._read_at = token, time.monotonic()
            self.runs = read_runs(self.project, store=self.store)
            running |= set(self.runs.loc[self.runs["state"] == "running", "id"])
            for run_id in running:
                self._history.pop(run_id, None)
            self._load(auto_select=auto)
            if running & set(self.table.selected):
                self._request("curves")
            self._request("analysis")
            self._request("compare")
        return True

    def _load(self, *, auto_select: bool) -> None:
        """Push self.runs into the table and pickers, keeping the user's choices that still exist."""
        metrics = metric_columns(self.runs)
        keys = [column_label(c) for c in metrics]
        self.table.set_runs(self.runs)
        if auto_select:
            self._auto_ids = recent_ids(self.runs)
            self.table.selected = list(self._auto_ids)
        chosen = [k for k in self.metrics.value if k in keys]
        if not chosen:
            logged = {k for run_id in self.table.selected for k in self.store.history_keys(run_id)}
            chosen = default_metrics(keys, logged)
        if self.metrics.allowed_tags != keys:  # the value must stay within the allowed tags
            self.metrics.value = [k for k in self.metrics.value if k in keys]
            self.metrics.allowed_tags = keys
        self.metrics.value = chosen
        first = f"summary.{chosen[0]}" if chosen else None
        _set_options(self.metric, [(column_label(c), c) for c in metrics], first)
        self.sweep_charts.update(self.runs)
        params = param_columns(self.runs)
        _set_options(self.param, [(column_label(c), c) for c in params], params[0] if params else None)
        self._request("header")

    def _history_of(self, run_ids: Sequence[str], keys: Sequence[str]) -> pd.DataFrame:
        """History of keys for these runs; only runs not cached with those keys are read."""
        missing = [i for i in run_ids if i not in self._history or not set(keys) <= set(self._history[i].columns)]
        if missing:
            fresh = read_history(missing, list(keys), store=self.store)
            for run_id in missing:
                self._history[run_id] = fresh.iloc[:0]
            for run_id, frame in fresh.groupby("run_id", sort=False):
                self._history[str(run_id)] = frame
        self._history = {i: self._history[i] for i in run_ids}
        frames = [self._history[i] for i in run_ids]
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["run_id", *keys])

    # -- drawing --------------------------------------------------------------

    @contextmanager
    def _batch(self) -> Iterator[None]:
        """Hold the lock, collect redraw requests and draw each requested part once at the end."""
        with self._lock:
            if self._pending is not None:
                yield
                return
            self._pending = set()
            try:
                yield
            finally:
                pending, self._pending = self._pending, None
                for part in ("curves", "analysis", "compare", "header"):
                    if part in pending:
                        self._request(part)

    def _request(self, part: str) -> None:
        """Redraw one part now, or at the end of the current batch."""
        with self._lock:
            if self._pending is not None:
                self._pending.add(part)
                return
            {"curves": self._draw_curves, "analysis": self._draw_analysis,
             "compare": self._draw_compare, "header": self._draw_header}[part]()
            if self._snapshot is not None:
                self._snapshot.changed()

    def _on_select(self, change: Mapping[str, Any]) -> None:
        """The selection changed (in the table or from Python): redraw what depends on it."""
        with self._batch():
            for part in ("curves", "compare", "header"):
                self._request(part)
            if self.view.value == "scatter":
                self._request("analysis")

    def _draw_curves(self) -> None:
        """Overlay the chosen metrics of the selected runs: a section per key prefix, a panel per key."""
        inside = None if self.table.brushed is None else set(self.table.brushed)
        ids = [i for i in self.table.selected if inside is None or i in inside][:MAX_CURVE_RUNS]
        keys = list(self.metrics.value)
        names = dict(zip(self.runs["id"], self.runs["name"]))
        history = self._history_of(ids, keys)
        groups = group_keys(keys) or {DEFAULT_GROUP: []}  # with no metric: one section saying so
        self.curves.show({group: (curves_figure(history, members, x=self.x_axis.value, smoothing=self.smoothing.value,
                                                names=names, colors=self.table.colors), len(members))
                          for group, members in groups.items()})

    def _section_toggled(self, change: Mapping[str, Any]) -> None:
        """A section was opened or closed: the snapshot keeps it so."""
        if self._snapshot is not None:
            self._snapshot.changed()

    def _draw_analysis(self) -> None:
        """Draw the chosen parameter chart over the runs the table shows, unless its inputs are unchanged."""
        view, metric, param = self.view.value, self.metric.value or "summary.metric", self.param.value or ""
        visible = self.runs[self.runs["id"].isin(self.table.unbrushed)]  # the brush greys lines, keeps them
        brushed = self._apply_brush()
        colors = {}
        if view == "scatter":
            colors = {**dict.fromkeys(visible["id"], _UNSELECTED), **self.table.colors}
        inputs = visible[["id", *[c for c in visible.columns if c.startswith("config.")],
                          *([metric] if metric in visible else [])]]
        key, last = (view, metric, param, tuple(colors.items())), self._analysis_inputs
        widget = self.figures.get(view)
        if widget is None:
            widget = self.figures[view] = PlotlyView()
            if view == "parallel":
                widget.observe(self._on_brush, "brush")
        elif last is not None and last[0] == key and last[1].equals(inputs):
            return
        self._analysis_inputs = (key, inputs)
        fig = analysis_figure(visible, view, metric=metric, param=param, colors=colors)
        widget.show(with_brush(fig, brushed, self.brush) if view == "parallel" and brushed is not None else fig)
        self._analysis.children = (widget,)

    # -- brushing the parallel coordinates ------------------------------------------

    def _parallel_now(self) -> Parallel:
        """The parallel-coordinates data of the runs the filters pass (brushed or not), for the chosen metric."""
        visible = self.runs[self.runs["id"].isin(self.table.unbrushed)]
        return parallel_data(visible, self.metric.value or "summary.metric")

    def _apply_brush(self) -> Parallel | None:
        """Keep the table (and so the curves) to the runs inside every brushed range; the data brushed, if any."""
        data = self._parallel_now() if self.brush else None
        self.table.brushed = None if data is None else brushed_ids(data, self.brush)
        return data

    def _on_brush(self, change: Mapping[str, Any]) -> None:
        """The user brushed an axis in the browser: keep the ranges in the data's units and filter."""
        self.set_brush(selection_from_brush(self._parallel_now(), change["new"] or {}))

    def set_brush(self, selection: Selection) -> None:
        """Brush the parallel coordinates from Python ({column: {"ranges": [[lo, hi]]} or {"categories": [...]}})."""
        with self._batch():
            self.brush = dict(selection)
            data = self._apply_brush()
            view = self.figures.get("parallel")
            if view is not None and view.current.data:  # the saved snapshot shows the brush
                view.show(with_brush(view.current, data or self._parallel_now(), self.brush))

    def _on_brushed(self, change: Mapping[str, Any]) -> None:
        """The runs inside the brush changed: redraw the curves and the header."""
        with self._batch():
            self._request("curves")
            self._request("header")

    def _draw_compare(self) -> None:
        """Compare the selected runs with the baseline the user picked (at first the oldest selected run)."""
        ids = list(self.table.selected)[:MAX_COMPARED]
        for run_id in ids:
            if self._sources.get(run_id) is None:
                self._sources[run_id] = captured_source(self.store.get_capture(run_id) or {})
        chosen = self.runs.set_index("id", drop=False).reindex(ids).dropna(subset=["id"])
        oldest = str(chosen.sort_values("created_at", kind="stable")["id"].iloc[0]) if len(chosen) else None
        self._drawing_compare = True
        try:
            _set_options(self.baseline, [(f"{name} ({run_id})", run_id)
                                         for run_id, name in zip(chosen["id"], chosen["name"])], oldest)
        finally:
            self._drawing_compare = False
        self.baseline.layout.display = "" if len(chosen) > 1 else "none"
        base = self.baseline.value
        if base in set(chosen["id"]):
            chosen = pd.concat([chosen.loc[[base]], chosen.drop(index=base)])
        self.compare.value = compare_html(chosen, self._sources)

    def _draw_header(self) -> None:
        """Project, counts and the refresh status."""
        self.header.value = self._header_html()

    def _header_html(self) -> str:
        """The header line as HTML."""
        states = self.runs["state"].value_counts()
        title = html.escape(self.project) if self.project is not None else "all projects"
        status = html.escape(self._status) if self._status else time.strftime("updated %H:%M:%S")
        cut = len(self.table.selected) > MAX_CURVE_RUNS
        note = f" · curves show the first {MAX_CURVE_RUNS}" if cut else ""
        if self.table.brushed is not None:
            note += f" · {len(self.table.brushed)} runs in the brushed ranges"
        return (f"<div class='nbtrack-dashboard-header' style='font-family:sans-serif;font-size:13px'>"
                f"<b>{title}</b> · {len(self.runs)} runs · {int(states.get('running', 0))} running · "
                f"{len(self.table.selected)} selected{note} <span style='color:#777'>{status}</span></div>"
                + registry_html(self.store))

    # -- display and lifecycle ------------------------------------------------

    def start(self) -> None:
        """Poll the store for new runs and points (done on display); an older dashboard of the project stops."""
        previous = _polling.get((self.store.url, self.project))
        if previous is not None and previous is not self:
            previous.stop()  # the cell was re-run: one poller per project is enough
        _polling[(self.store.url, self.project)] = self
        self._poller.start()

    def stop(self) -> None:
        """Stop polling; refresh() still works."""
        self._poller.stop()

    @property
    def polling(self) -> bool:
        """Whether the background refresh is running."""
        return self._poller.alive

    def _after_poll(self, error: Exception | None) -> None:
        """Show a failed background refresh in the header (and clear it once one works)."""
        status = "" if error is None else f"refresh failed: {error}"
        if status != self._status:
            self._status = status
            self._request("header")

    def close(self) -> None:
        """Stop polling and close every widget of the dashboard."""
        self.stop()
        if self._snapshot is not None:
            self._snapshot.close()
        for child in (*_descendants(self), *self.figures.values()):
            child.close()
        super().close()

    def static_bundle(self, *, interactive: bool = True) -> dict[str, Any]:
        """The saved-notebook form: header, static runs table, compare view and the current figures."""
        with self._lock:
            curves = self.curves.sections
            figures = [fig for _, _, fig, _ in curves]
            figures += [view.current for view in (*self._analysis.children, *self.sweep_charts.children)]
            header = self._header_html() + static_table_html(self.table) + self.compare.value
            snap = f" {self._snapshot.snapshot_class}" if self._snapshot is not None else ""
            return static.static_bundle(header_html=header, figures=figures, text=repr(self),
                                        interactive=interactive,
                                        root_class="nbtrack-dashboard-static" + snap,
                                        sections={i: (group, panels, shown)
                                                  for i, (group, panels, _, shown) in enumerate(curves)})

    def _ipython_display_(self) -> None:
        """Show the view and, under it, its snapshot (what a notebook without this kernel shows); start polling."""
        self.start()
        if self._snapshot is None:
            self._snapshot = WidgetSnapshot(self, lambda: self.static_bundle(interactive=False), kind="dashboard")
        self._snapshot.show()

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        """The widget view plus its static HTML and text forms; displaying starts the polling."""
        bundle = dict(super()._repr_mimebundle_(**kwargs) or {})
        self.start()
        bundle.update(self.static_bundle())
        return bundle

    def __repr__(self) -> str:
        where = f"project {self.project!r}" if self.project is not None else "all projects"
        running = int((self.runs["state"] == "running").sum())
        return (f"nbtrack dashboard of {where}: {len(self.runs)} runs ({running} running), "
                f"{len(self.table.selected)} selected")


def _set_options(dropdown: widgets.Dropdown, options: list[tuple[str, str]], default: str | None) -> None:
    """Replace a dropdown's options, keeping its value if still offered."""
    keep = dropdown.value if dropdown.value in [value for _, value in options] else default
    if list(dropdown.options) != options:
        dropdown.options = options
    dropdown.value = keep


def _descendants(widget: widgets.Widget) -> Iterator[widgets.Widget]:
    """Every widget inside a box, depth first."""
    for child in getattr(widget, "children", ()):
        yield child
        yield from _descendants(child)
