"""`nbtrack.sweep_panel()`: edit a W&B sweep, run it in the background, watch it converge.

A thin shell over `nbtrack.sweep` / `nbtrack.agent`: Start validates the form by creating the
sweep (a SweepConfigError is shown, not raised) and runs the agent in a background thread, so
the buttons and charts stay responsive. Pause stops after the current trial (the sweep is
`paused` in the store; Start resumes it); Stop calls `nbtrack.stop_sweep`. What the panel shows
(trials table, best-so-far curve, parallel coordinates, parameter importance, the best config
as YAML) is computed by pure functions (`_sweep_trials`, `charts`) from the store's trials, runs
and metric history.
"""

from __future__ import annotations

import contextvars
import html
import logging
import os
import threading
import traceback
from collections.abc import Callable, Mapping
from typing import Any, Literal

import ipywidgets as widgets
import plotly.graph_objects as go
import yaml

from .. import _current
from .._notebook import live_views
from .._query import run_records
from ..errors import RunPruned, SweepConfigError
from ..store import Store, open_store
from ..sweeps._agent import agent, stop_sweep, sweep
from ..sweeps._controller import TERMINAL
from ..sweeps._grid import grid_points
from ._sweep_form import SweepForm, _descendants, config_from_form, form_from_config
from ._sweep_trials import (TrialRow, best_config_yaml, best_row, best_so_far, parameter_names, trial_rows,
                            trials_frame, trials_table_html)
from ._brush import Selection, brushed_ids, selection_from_brush, with_brush
from ._importance import importance_table
from ._sweep_extras import EXTRA_CHARTS, sweep_extra_figures
from .charts import Parallel, best_so_far_figure, importance_table_figure, parallel_data, parallel_figure
from .plotly_view import PlotlyView
from .snapshot import WidgetSnapshot
from .static import static_bundle

__all__ = ["SweepPanel", "TrialRow", "sweep_panel", "trial_rows", "best_row", "best_so_far",
           "best_so_far_figure", "best_config_yaml", "parameter_names", "trials_frame", "trials_table_html"]

Status = Literal["ready", "running", "pausing", "paused", "stopping", "stopped", "finished"]

MIN_TRIALS_FOR_IMPORTANCE = 5
MAX_FAILURES = 3  # trials failing in a row before the panel pauses the sweep
POLL_INTERVAL = 1.0  # seconds between refreshes while a trial runs
DEFAULT_CONFIG: dict[str, Any] = {
    "method": "random",
    "metric": {"name": "loss", "goal": "minimize"},
    "parameters": {"lr": {"distribution": "log_uniform_values", "min": 1.0e-4, "max": 0.1}},
}
DEFAULT_COUNT = 10  # trials, when the config bounds neither by run_cap nor by a grid
_log = logging.getLogger("nbtrack")


def sweep_panel(function: Callable[[], Any], config: Mapping[str, Any] | str | os.PathLike[str] | None = None,
                project: str | None = None, *, store: Store | str | None = None) -> SweepPanel:
    """A panel that edits a W&B sweep config (dict or YAML path) and runs `function` as its trials."""
    return SweepPanel(function, config, project, store=store)


# -- the panel -----------------------------------------------------------------------


class SweepPanel(widgets.VBox):
    """The sweep editor and monitor; `start()`, `pause()`, `stop()` are what its buttons call."""

    def __init__(self, function: Callable[[], Any], config: Mapping[str, Any] | str | os.PathLike[str] | None = None,
                 project: str | None = None, *, store: Store | str | None = None) -> None:
        if not callable(function):
            raise TypeError(f"sweep_panel: function must be callable, not {type(function).__name__}")
        self.function, self.project = function, project
        self.store = store if isinstance(store, Store) else open_store(store)
        self.sweep_id: str | None = None
        self.config: dict[str, Any] | None = None  # the started sweep's normalised config
        self.status: Status = "ready"
        self.rows: list[TrialRow] = []
        self.errors: dict[str, str] = {}  # run id -> traceback of the function's exception
        self._lock, self._halt, self._settled = threading.RLock(), threading.Event(), threading.Event()
        self._settled.set()  # no background trials in flight
        self._reason: str | None = None  # why the trials stop: pause | stop | failures
        self._count: int | None = None
        self._failures = 0
        self._ended: dict[str, list[Any]] = {}  # metric values of ended runs, read once
        self._drawn: Any = None
        self._snapshot: WidgetSnapshot | None = None  # the static twin under the displayed panel
        initial = _read_config(config)
        bounded = "run_cap" in initial or initial.get("method") == "grid"
        self.form = SweepForm(form_from_config(initial, count=None if bounded else DEFAULT_COUNT))
        self.start_button = _button("Start", "play", "success", "nbtrack-sweep-start", self._on(self.start))
        self.pause_button = _button("Pause", "pause", "warning", "nbtrack-sweep-pause", self._on(self.pause))
        self.stop_button = _button("Stop", "stop", "danger", "nbtrack-sweep-stop", self._on(self.stop))
        self.progress = widgets.IntProgress(value=0, min=0, max=1, layout=widgets.Layout(width="180px"))
        self.status_html, self.message, self.table, self.best = (widgets.HTML() for _ in range(4))
        self.charts = widgets.VBox([])
        self.views: dict[str, PlotlyView] = {}  # best | parallel | importance, made when first drawn
        self.chart_figures: dict[str, go.Figure] = {}
        self.brush: Selection = {}  # parallel-coordinates brush (data units): the trials table keeps runs inside
        self._parallel: Parallel | None = None  # the parallel data last drawn
        controls = [self.start_button, self.pause_button, self.stop_button, self.progress, self.status_html]
        super().__init__([self.form, widgets.HBox(controls, layout=widgets.Layout(align_items="center")),
                          self.message, self.charts, self.table, self.best])
        self.add_class("nbtrack-sweep-panel")
        self._render()

    # -- the buttons ---------------------------------------------------------------
    def start(self) -> bool:
        """Create the sweep from the form (or resume the paused one) and run trials in the background."""
        with self._lock:
            if not self._settled.is_set():  # trials in flight
                return False
            self._show_message("")
            try:
                found = self.store.get_sweep(self.sweep_id) if self.status == "paused" and self.sweep_id else None
                if found is None or found.state in ("stopped", "finished"):  # a new sweep
                    form = self.form.value
                    self.sweep_id = sweep(config_from_form(form), project=self.project, store=self.store)
                    self.config = self.store.get_sweep(self.sweep_id).config  # type: ignore[union-attr]
                    self._count, self.rows, self.errors, self._ended, self._drawn = form.count, [], {}, {}, None
                    self._clear_charts()
                else:
                    self.store.set_sweep_state(self.sweep_id, "running")
            except SweepConfigError as exc:
                self._show_message(_error_html("Invalid sweep config", str(exc)))
                return False
            remaining = None if self._count is None else self._count - len(self.store.list_trials(self.sweep_id))
            if remaining is not None and remaining < 1:
                self._set_status("finished")
                return False
            self._halt.clear()
            self._settled.clear()
            self._reason, self._failures = None, 0
            self._set_status("running")
            context = contextvars.copy_context()  # the trials' output goes where Start was pressed
            worker = threading.Thread(target=context.run, args=(self._work, self.sweep_id, remaining),
                                      name=f"nbtrack-sweep-{self.sweep_id}", daemon=True)
            worker.start()
            threading.Thread(target=self._poll, args=(worker,), name="nbtrack-sweep-poll", daemon=True).start()
            return True

    def pause(self) -> None:
        """Start no new trial: the current one finishes, then the sweep waits (Start resumes it)."""
        with self._lock:
            if self.status == "running" and self.sweep_id is not None:
                self.store.set_sweep_state(self.sweep_id, "paused")
                self._halt_worker("pause")

    def stop(self) -> None:
        """Stop the sweep for good (`nbtrack.stop_sweep`): the current trial finishes, no new one starts."""
        with self._lock:
            if self.sweep_id is None or self.status not in ("running", "pausing", "paused"):
                return
            stop_sweep(self.sweep_id, store=self.store)
            if not self._settled.is_set():
                self._halt_worker("stop")
                return
            self._set_status("stopped")
        self._finalize()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the background trials end; False if they still run after `timeout` seconds."""
        return self._settled.wait(timeout)

    def close(self) -> None:
        """Pause a running sweep and close the panel's widgets (also run by the widget's `__del__`)."""
        if "_lock" in self.__dict__ and "form" in self.__dict__:  # not when __init__ failed half-way
            self.pause()
            for widget in _descendants(self):
                widget.close()
        super().close()

    def _on(self, action: Callable[[], Any]) -> Callable[[Any], None]:
        def handler(_: Any) -> None:
            try:
                action()
            except Exception as exc:  # shown in the panel, not only in the front end's log
                self._show_message(_error_html("The sweep panel failed", "".join(traceback.format_exception(exc))))
        return handler

    def _halt_worker(self, reason: str) -> None:
        self._reason = reason
        self._halt.set()
        self._set_status("pausing" if reason == "pause" else "stopping")

    # -- the background trials -----------------------------------------------------
    def _work(self, sweep_id: str, count: int | None) -> None:
        live_views.set(False)  # no live view per trial under whatever cell runs now
        try:
            agent(sweep_id, function=self._trial, count=count, store=self.store, progress=False,
                  should_stop=self._should_stop)
        except BaseException as exc:  # the agent itself failed: show it, keep the kernel
            self._show_message(_error_html("The sweep agent failed", "".join(traceback.format_exception(exc))))
        with self._lock:
            found = self.store.get_sweep(sweep_id)
            if self._reason == "stop" or (found is not None and found.state == "stopped"):
                self._set_status("stopped")
            else:
                self._set_status("paused" if self._reason in ("pause", "failures") else "finished")
        self._finalize()
        self._settled.set()

    def _trial(self) -> None:
        """The user's function, its exception kept for the panel (the agent marks the run and goes on)."""
        run_id = _current.scope().pending_trial
        try:
            self.function()
        except RunPruned:
            self._failures = 0
            raise
        except Exception as exc:
            self._failures += 1
            self.errors[run_id or "?"] = "".join(traceback.format_exception(exc))
            raise
        self._failures = 0

    def _should_stop(self) -> bool:
        self._safe_refresh()
        if self._failures >= MAX_FAILURES and not self._halt.is_set():
            self.store.set_sweep_state(self.sweep_id, "paused")  # type: ignore[arg-type]
            self._reason = "failures"
            self._halt.set()
        return self._halt.is_set()

    def _poll(self, worker: threading.Thread) -> None:
        while worker.is_alive():
            worker.join(POLL_INTERVAL)
            if worker.is_alive():
                self._safe_refresh()

    def _safe_refresh(self) -> None:
        try:
            self.refresh()
        except Exception as exc:  # the next refresh may succeed; the trials go on
            _log.warning("nbtrack sweep panel: refresh failed: %s", exc)

    def _finalize(self) -> None:
        """The last refresh of a run of trials; displays brought up to date for the saved notebook."""
        self._safe_refresh()
        if self._snapshot is not None:
            try:
                self._snapshot.update_now()
            except Exception as exc:  # no front end anymore
                _log.warning("nbtrack sweep panel: could not update its display: %s", exc)

    # -- reading and drawing ---------------------------------------------------------
    def refresh(self) -> None:
        """Re-read the sweep's trials, runs and metric values; redraw what changed."""
        with self._lock:
            if self.config is None or self.sweep_id is None:
                return self._render()
            metric, goal = _metric(self.config)
            trials = self.store.list_trials(self.sweep_id)
            records = {r.id: r for r in run_records(store=self.store, sweep_id=self.sweep_id)}
            fresh = [t.run_id for t in trials if t.run_id not in self._ended and t.run_id in records]
            data = self.store.read_history(fresh, [metric]) if fresh and metric else {}
            values = dict(self._ended)
            for rid in fresh:
                per, summary = data.get(rid, {}), records[rid].summary.get(metric) if metric else None
                values[rid] = (list(per[metric].values) if metric in per else []) + (
                    [summary] if summary is not None else [])
                if records[rid].state in TERMINAL:
                    self._ended[rid] = values[rid]
            self.rows = trial_rows(trials, records, values, parameter_names(self.config["parameters"]), goal)
            self._render()

    def _total(self) -> int | None:
        """How many trials this sweep will run, when bounded (count, run_cap, grid size)."""
        if self.config is None:
            return None
        caps = [n for n in (self._count, self.config.get("run_cap")) if n is not None]
        if self.config["method"] == "grid":
            caps.append(len(grid_points(self.config)))
        return min(caps) if caps else None

    def _render(self) -> None:
        """Controls, progress, status, table, best config, errors and charts from the current rows."""
        metric, goal = _metric(self.config)
        names = parameter_names(self.config["parameters"]) if self.config else []
        best, total, s = best_row(self.rows, goal), self._total(), self.status
        done = sum(r.state in TERMINAL for r in self.rows)
        with self.hold_sync():
            self.progress.max = max(total or done, 1)
            self.progress.value = min(done, self.progress.max)
            self.progress.bar_style = _BAR_STYLES.get(s, "")
            self.status_html.value = self._status_line(done, total, metric, best)
            self.table.value = self._trials_table(names, metric, goal)
            self.best.value = "" if best is None or self.config is None else _best_html(best_config_yaml(
                best.config, self.config["parameters"],
                header=f"best {metric} = {best.value:.6g}: run {best.name} (id {best.id}) of sweep {self.sweep_id}"))
            if self.errors or any(r.state == "failed" for r in self.rows):  # else keep a Start error
                self._show_message(self._errors_html())
            self.start_button.disabled = s not in ("ready", "paused", "stopped", "finished")
            self.start_button.description = "Resume" if s == "paused" else "Start"
            self.pause_button.disabled = s != "running"
            self.stop_button.disabled = s not in ("running", "pausing", "paused")
        self.form.set_disabled(s in ("running", "pausing", "paused", "stopping"))
        if metric is not None:
            self._draw_charts(names, metric, goal)
        if self._snapshot is not None:
            self._snapshot.changed()

    def _status_line(self, done: int, total: int | None, metric: str | None, best: TrialRow | None) -> str:
        parts = [f"<b>{self.status}</b>"]
        if self.sweep_id:
            running = sum(r.state == "running" for r in self.rows)
            parts += [f"sweep {self.sweep_id}", f"{done} / {total} trials" if total else f"{done} trials",
                      *([f"{running} running"] if running else [])]
        if best is not None:
            parts.append(f"best {html.escape(str(metric))} = <b>{best.value:.4g}</b> ({html.escape(best.name)})")
        return (f"<div class='nbtrack-sweep-status' data-status='{self.status}' style='font-family:sans-serif;"
                f"font-size:13px;padding-left:8px'>{' &middot; '.join(parts)}</div>")

    def _errors_html(self) -> str:
        parts = []
        for row in [r for r in self.rows if r.state == "failed" or r.id in self.errors][-3:]:
            text = self.errors.get(row.id) or row.error or "failed"
            parts.append(_error_html(f"trial {row.name} failed: {text.strip().splitlines()[-1]}", text))
        if self._reason == "failures":
            parts.append(_error_html(f"paused after {MAX_FAILURES} failed trials in a row: fix the function "
                                     "(or set panel.function) and press Resume", ""))
        return "".join(parts)

    def _show_message(self, text: str) -> None:
        if self.message.value != text:
            self.message.value = text

    def _set_status(self, status: Status) -> None:
        self.status = status
        self._render()

    def _draw_charts(self, names: list[str], metric: str, goal: str) -> None:
        ended = [r for r in self.rows if r.state in TERMINAL and r.value is not None]
        key = tuple((r.id, r.value) for r in ended)
        if not ended or key == self._drawn:
            return
        self._drawn = key
        frame, column, params = trials_frame(ended, names, metric), f"{metric} (best)", [f"config.{n}" for n in names]
        self._parallel = parallel_data(frame, column, params)
        figures = {"best": best_so_far_figure(best_so_far(ended, goal), metric, goal),
                   "parallel": with_brush(parallel_figure(self._parallel, title=f"Parameters and {metric}",
                                                          names={r.id: r.name for r in ended}),
                                          self._parallel, self.brush)}
        if len(ended) >= MIN_TRIALS_FOR_IMPORTANCE:
            try:
                table = importance_table(frame, column, params=params, goal=goal)  # type: ignore[arg-type]
                figures["importance"] = importance_table_figure(table, metric=metric)
            except Exception as exc:  # importance is a nice-to-have; never stop the panel for it
                _log.warning("nbtrack sweep panel: no parameter importance: %s", exc)
        figures.update(sweep_extra_figures(self.store, str(self.sweep_id), self.config or {}))
        self.chart_figures = figures
        for name, fig in figures.items():
            view = self.views.get(name)
            if view is None:
                view = self.views[name] = PlotlyView(fig)
                if name == "parallel":
                    view.observe(self._on_brush, "brush")
                self.charts.children = tuple(self.views[n] for n in ("best", "parallel", "importance", *EXTRA_CHARTS)
                                             if n in self.views)
            else:
                view.show(fig)

    # -- brushing the parallel coordinates ---------------------------------------------
    def _trials_table(self, names: list[str], metric: str | None, goal: str) -> str:
        """The trials table, limited to the trials inside every brushed range when there is a brush."""
        rows = self.rows
        if self.brush and metric is not None:
            ended = [r for r in rows if r.state in TERMINAL and r.value is not None]
            data = parallel_data(trials_frame(ended, names, metric), f"{metric} (best)", [f"config.{n}" for n in names])
            inside = brushed_ids(data, self.brush)
            rows = rows if inside is None else [r for r in rows if r.id in set(inside)]
        best = best_row(self.rows, goal)
        return trials_table_html(rows, names, metric, best and best.id) if rows else ""

    def _on_brush(self, change: Mapping[str, Any]) -> None:
        """The user brushed an axis in the browser: keep the ranges (data units), filter the table."""
        if self._parallel is not None:
            self.set_brush(selection_from_brush(self._parallel, change["new"] or {}))

    def set_brush(self, selection: Selection) -> None:
        """Brush the parallel coordinates ({column: {"ranges": [[lo, hi]]} or {"categories": [...]}})."""
        with self._lock:
            self.brush = dict(selection)
            metric, goal = _metric(self.config)
            names = parameter_names(self.config["parameters"]) if self.config else []
            self.table.value = self._trials_table(names, metric, goal)
            if self._parallel is not None and "parallel" in self.chart_figures:
                fig = with_brush(self.chart_figures["parallel"], self._parallel, self.brush)
                self.chart_figures["parallel"] = fig  # the saved snapshot shows the brush
                self.views["parallel"].show(fig)

    def _clear_charts(self) -> None:
        """No charts (a new sweep starts)."""
        self.charts.children = ()
        for view in self.views.values():
            view.close()
        self.views, self.chart_figures, self.brush, self._parallel = {}, {}, {}, None

    # -- display ---------------------------------------------------------------------
    def static_bundle(self, *, interactive: bool = True) -> dict[str, Any]:
        """The saved-notebook form: status, the sweep config, errors, trials table, best config and charts."""
        try:
            text = yaml.safe_dump(self.config or config_from_form(self.form.value), sort_keys=False)
        except SweepConfigError as exc:
            text = f"# invalid: {exc}"
        header = (f"{self.status_html.value}<details><summary style='font-size:12px'>sweep config</summary>"
                  f"<pre style='font-size:11px'>{html.escape(text)}</pre></details>"
                  f"{self.message.value}{self.table.value}{self.best.value}")
        figures = list(self.chart_figures.values())
        attrs = {"data-status": self.status, **({"data-sweep-id": self.sweep_id} if self.sweep_id else {})}
        snap = f" {self._snapshot.snapshot_class}" if self._snapshot is not None else ""
        return static_bundle(header_html=header, figures=figures, text=repr(self), attrs=attrs,
                             interactive=interactive,
                             root_class="nbtrack-sweep-panel-static" + snap)

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        return {**(super()._repr_mimebundle_(**kwargs) or {}), **self.static_bundle()}

    def _ipython_display_(self) -> None:
        """Show the panel and, under it, its snapshot (what a notebook without this kernel shows)."""
        if self._snapshot is None:
            self._snapshot = WidgetSnapshot(self, self._snapshot_bundle, kind="sweep-panel")
        self._snapshot.show()

    def _snapshot_bundle(self) -> dict[str, Any]:
        with self._lock:  # drawn on the snapshot's thread while trials update the panel
            return self.static_bundle(interactive=False)

    def __repr__(self) -> str:
        if self.sweep_id is None:
            return f"nbtrack sweep panel ({self.status}): {self.form.method.value} sweep, not started"
        metric, goal = _metric(self.config)
        best = best_row(self.rows, goal)
        done = sum(r.state in TERMINAL for r in self.rows)
        found = f", best {metric}={best.value:.4g} ({best.name})" if best is not None else ""
        return f"nbtrack sweep panel ({self.status}): sweep {self.sweep_id}, {done} trials done{found}"


_BAR_STYLES = {"running": "info", "finished": "success", "stopped": "danger", "paused": "warning", "pausing": "warning"}


def _metric(config: Mapping[str, Any] | None) -> tuple[str | None, str]:
    metric = (config or {}).get("metric") or {}
    metric = metric[0] if isinstance(metric, list) else metric  # a multi-objective sweep: its first objective
    return metric.get("name"), metric.get("goal", "minimize")


def _read_config(config: Mapping[str, Any] | str | os.PathLike[str] | None) -> dict[str, Any]:
    if config is None:
        return dict(DEFAULT_CONFIG)
    if isinstance(config, Mapping):
        return dict(config)
    with open(config, encoding="utf-8") as file:
        loaded = yaml.safe_load(file)
    if not isinstance(loaded, dict):
        raise SweepConfigError(f"{config}: a sweep config must be a mapping, not {type(loaded).__name__}")
    return loaded


def _button(text: str, icon: str, style: str, css: str, handler: Callable[[Any], None]) -> widgets.Button:
    button = widgets.Button(description=text, icon=icon, button_style=style, layout=widgets.Layout(width="95px"))
    button.add_class(css)
    button.on_click(handler)
    return button


def _best_html(text: str) -> str:
    return ("<div style='font-size:12px'><b>best config</b> (YAML, ready to copy)<pre class='nbtrack-sweep-best' "
            f"style='user-select:text;background:#f6f8fa;padding:6px'>{html.escape(text)}</pre></div>")


def _error_html(title: str, detail: str) -> str:
    body = f"<details><summary>details</summary><pre style='font-size:11px'>{html.escape(detail)}</pre></details>"
    return (f"<div class='nbtrack-sweep-error' style='color:#d62728;font-size:12px;white-space:pre-wrap'>"
            f"<b>{html.escape(title)}</b>{body if detail else ''}</div>")
