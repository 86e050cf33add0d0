"""The live run view: a header and one Plotly chart per key group, drawn under the cell while
the run logs, frozen into a static output (same display id) when the run ends: HTML with SVG pictures
of the charts (see :mod:`nbtrack.ui.static`), and a PNG added later where kaleido works."""

from __future__ import annotations

import html
import logging
import threading
import time
from collections import deque
from typing import Any

import numpy as np
import plotly.graph_objects as go

from ._sections import section_title
from .card import STATE_COLORS
from .charts import (MAX_POINTS, SYSTEM_GROUP, Curve, downsample_minmax, group_keys, line_figure, line_mode,
                     run_colors)
from .media import MediaPanel, alerts_html
from .plotly_view import PlotlyView, ensure_loader
from .static import output_metadata, png_later, static_bundle

__all__ = ["LiveRunView", "show_live"]

_log = logging.getLogger("nbtrack")

# system keys the live view draws (gpu.N.util and gpu.N.mem_percent too)
LIVE_SYSTEM_KEYS = frozenset({"cpu", "memory", "proc_rss_mb"})
MIN_INTERVAL = 0.1  # at most ~10 redraws a second
MAX_INTERVAL = 2.0  # and at least one every 2 s, however slow a redraw
OVERHEAD_FACTOR = 20  # wait >= 20x the last redraw's cost: the view takes <= ~5 % of the loop's time
WIDGET_SETTLE = 0.2  # seconds a just-shown widget is left to render before the frozen output replaces it


class _Points:
    """One key's points in growable numpy arrays (amortised O(1) append)."""

    __slots__ = ("x", "y", "n")

    def __init__(self) -> None:
        self.x = np.empty(256, dtype=np.float64)
        self.y = np.empty(256, dtype=np.float64)
        self.n = 0

    def extend(self, xs: list[float], ys: list[float]) -> None:
        m = len(xs)
        if self.n + m > len(self.x):
            cap = max(2 * len(self.x), self.n + m)
            self.x = np.resize(self.x, cap)
            self.y = np.resize(self.y, cap)
        self.x[self.n : self.n + m] = xs
        self.y[self.n : self.n + m] = ys
        self.n += m

    def view(self) -> tuple[np.ndarray, np.ndarray]:
        return self.x[: self.n], self.y[: self.n]


class LiveRunView:
    """Watches one run through a row observer and redraws at most ~10 times a second."""

    def __init__(self, run: Any) -> None:
        import ipywidgets as widgets

        self.run = run
        self._tap: deque[tuple[int, float, dict[str, Any]]] = deque()  # rows logged since the last redraw
        self._points: dict[str, _Points] = {}
        self._last: dict[str, Any] = {}
        self._step = 0
        self._started = time.time()
        self._color = run_colors([run.id])
        self._header = widgets.HTML(self._header_html())
        self._figures: dict[str, PlotlyView] = {}
        self._keys: dict[str, list[str]] = {}
        self._charts = widgets.VBox([])
        ensure_loader()  # plotly.js travels to the page while the run's first steps compute
        self._banner = widgets.HTML("")  # alerts, under the header
        self._alerts_seen: tuple[Any, ...] = ()
        self._media = MediaPanel(run.store)
        system = run.system_sampler
        self._system_tap = system.tap() if system is not None else None
        self.widget = widgets.VBox([self._header, self._banner, self._charts, self._media.widget])
        self.widget.add_class("nbtrack-live")
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name=f"nbtrack-view-{run.id}", daemon=True)
        self.handle: Any = None
        self._widget_shown: float | None = None  # time.monotonic() when the widget replaced the HTML header
        run.add_row_observer(self._observe)

    # -- data ----------------------------------------------------------------
    def _observe(self, step: int, t: float, row: dict[str, Any]) -> None:
        """Row observer: keep the row for the next redraw (on the logging thread, so only an append)."""
        self._tap.append((step, t, row))

    def _drain(self) -> bool:
        tap, system = self._tap, self._system_tap
        n, m = len(tap), len(system) if system is not None else 0
        if not (n or m):
            return False
        cols: dict[str, tuple[list[float], list[float]]] = {}
        rules = self.run.metric_rules  # define_metric: hidden keys and step metrics (x-axis)
        for _ in range(n):
            step, _t, row = tap.popleft()
            self._step = max(self._step, step)
            for key, value in row.items():
                if type(value) in (float, int, bool):
                    x: Any = step
                    if rules is not None:
                        if rules.hidden(key):
                            continue
                        axis = rules.step_metric(key)
                        x = row.get(axis, None) if axis is not None and axis != key else step
                        if type(x) not in (float, int):
                            continue
                    col = cols.get(key)
                    if col is None:
                        col = cols[key] = ([], [])
                    col[0].append(x)
                    col[1].append(value)
                elif type(value) is dict:
                    self._media.add(key, step, value)
            self._last.update(row)
        for _ in range(m):  # system samples: x is seconds since the view started
            t, sample = system.popleft()  # type: ignore[union-attr]
            for key, value in sample.items():
                col = cols.get(key)
                if col is None:
                    col = cols[key] = ([], [])
                col[0].append(t - self._started)
                col[1].append(value)
        for key, (xs, ys) in cols.items():
            pts = self._points.get(key)
            if pts is None:
                pts = self._points[key] = _Points()
            pts.extend(xs, ys)
        return True

    def _panels(self, keys: list[str]) -> dict[str, list[Curve]]:
        out = {}
        for key in keys:
            x, y = self._points[key].view()
            x, y = downsample_minmax(x, y, MAX_POINTS)
            out[key] = [Curve(self.run.id, self.run.name, x, y)]
        return out

    # -- drawing -------------------------------------------------------------
    def _header_html(self, state: str | None = None) -> str:
        run = self.run
        state = state or run.state
        color = STATE_COLORS.get(state, "#333")
        elapsed = time.time() - self._started
        last = ", ".join(
            f"{html.escape(k)}={v:.4g}" if isinstance(v, float) else f"{html.escape(k)}={html.escape(str(v))}"
            for k, v in list(self._last.items())[:6] if not isinstance(v, dict)
        )
        return (
            f'<div class="nbtrack-live-header" data-state="{html.escape(state)}" '
            f'style="font-family:sans-serif;font-size:13px;border-left:4px solid {color};padding:2px 8px">'
            f"<b>{html.escape(run.name)}</b> <span style='color:#777'>{html.escape(run.project)}/{html.escape(run.id)}</span> "
            f'<span class="nbtrack-state" style="color:{color};font-weight:bold">{html.escape(state)}</span> '
            f"<span style='color:#777'>step {self._step} · {elapsed:.1f}s</span> "
            f"<span style='color:#555'>{last}</span></div>"
        )

    def _groups(self) -> dict[str, list[str]]:
        """Key groups to draw; the system group keeps its headline figures (the store keeps them all)."""
        groups = group_keys(sorted(self._points))
        if SYSTEM_GROUP in groups:
            groups[SYSTEM_GROUP] = [k for k in groups[SYSTEM_GROUP] if k.rsplit("/", 1)[-1] in LIVE_SYSTEM_KEYS
                                    or k.endswith((".util", ".mem_percent"))]
        return {g: keys for g, keys in groups.items() if keys}

    def redraw(self) -> bool:
        """Apply new points to the header and the charts (called by the view thread); True if charts were made."""
        changed = self._drain()
        self._header.value = self._header_html()
        alerts = self.run.alerts
        if alerts != self._alerts_seen:
            self._alerts_seen = alerts
            self._banner.value = alerts_html(list(alerts))
        self._media.refresh()
        if not changed:
            return False
        groups = self._groups()
        rebuilt = False
        for group, keys in groups.items():
            panels = self._panels(keys)
            if not self._moved(group, keys, panels):
                fig = line_figure(panels, title=section_title(group), colors=self._color, x=_x_of(group))
                self._figures[group] = PlotlyView(fig)
                self._keys[group] = keys
                rebuilt = True
        if rebuilt:
            self._charts.children = tuple(self._figures[g] for g in groups)
        return rebuilt

    def _moved(self, group: str, keys: list[str], panels: dict[str, list[Curve]]) -> bool:
        """Move the points of the group's drawn chart (cheap); False when it has other keys or none is drawn."""
        fw = self._figures.get(group)
        if fw is None or self._keys.get(group) != keys:
            return False
        curves = [panels[key][0] for key in keys]
        fw.set_xy({i: (c.x, c.y) for i, c in enumerate(curves)},
                  modes={i: line_mode(len(c.y)) for i, c in enumerate(curves)})
        return True

    def _show_widget(self) -> None:
        """Put the widget in place of the HTML header (from the view thread, at its first tick)."""
        if self._widget_shown is None and self.handle is not None:
            self.handle.update(self.widget)
            self._widget_shown = time.monotonic()

    def _loop(self) -> None:
        interval = MIN_INTERVAL
        while not self._stop.wait(interval):
            self._show_widget()
            started = time.perf_counter()
            try:
                made_charts = self.redraw()
            except Exception as exc:  # a drawing problem must never reach the training loop
                _log.warning("nbtrack: live view of run %s stopped updating: %s", self.run.id, exc)
                return
            if not made_charts:  # one-off chart creation does not slow the steady redraw rate
                cost = time.perf_counter() - started
                interval = min(MAX_INTERVAL, max(MIN_INTERVAL, OVERHEAD_FACTOR * cost))

    # -- lifecycle -----------------------------------------------------------
    def static_figures(self) -> tuple[list[go.Figure], go.Figure | None]:
        """The final charts: one figure per group, and all keys in one figure (for the optional PNG)."""
        self._drain()
        groups = self._groups()
        figures = []
        for group, keys in groups.items():  # the drawn charts take their last points: nothing is rebuilt
            panels = self._panels(keys)
            moved = self._moved(group, keys, panels)
            figures.append(self._figures[group].current if moved
                           else line_figure(panels, title=section_title(group), colors=self._color, x=_x_of(group)))
        figures += self._media.static_figures()
        every = [k for keys in groups.values() for k in keys if not k.startswith(SYSTEM_GROUP + "/")]
        combined = line_figure(self._panels(every), colors=self._color) if every else None
        return figures, combined

    def freeze(self, run: Any) -> None:
        """Stop updating and replace the live output by its static form (finish observer)."""
        run.remove_row_observer(self._observe)
        self._stop.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout=5)
        if self._widget_shown is not None:  # let the front end finish building the views just shown
            time.sleep(max(0.0, WIDGET_SETTLE - (time.monotonic() - self._widget_shown)))
        figures, combined = self.static_figures()
        from .card import RunCard

        alerts = run.alerts
        banner = alerts_html(list(alerts)) if alerts else ""
        bundle = static_bundle(
            header_html=self._header_html(run.state) + banner + self._media.static_html(), figures=figures,
            text=repr(RunCard(run)),
            attrs={"data-run-id": run.id, "data-state": run.state},
        )
        for fw in self._figures.values():
            fw.close()
        self.widget.close()
        handle, metadata = self.handle, output_metadata("run")
        if handle is not None:
            handle.update(bundle, metadata=metadata, raw=True)
            if combined is not None:  # a PNG too where kaleido works: later, off the finish path
                png_later(combined, lambda png: handle.update({**bundle, "image/png": png}, metadata=metadata,
                                                              raw=True))

    def show(self) -> Any:
        """Display under the current cell, start redrawing, and freeze when the run ends."""
        from IPython.display import display

        # the header as plain HTML first; the view thread's first tick (MIN_INTERVAL) puts the widget in: a run
        # over sooner never makes the front end build widget views that its frozen output would replace
        # mid-build (JupyterLab then logs "Could not add child view to box", "processLuminoMessage" errors)
        self.handle = display({"text/html": self._header_html(), "text/plain": f"nbtrack run {self.run.id}"},
                              raw=True, display_id=True)
        self.run.add_finish_observer(self.freeze)
        self._thread.start()
        return self.handle


def _x_of(group: str) -> Any:
    """System metrics are drawn against seconds since the start, everything else against the step."""
    return "relative" if group == SYSTEM_GROUP else "step"


def show_live(run: Any) -> LiveRunView:
    """Show a live view of `run` under the current cell."""
    view = LiveRunView(run)
    view.show()
    return view
