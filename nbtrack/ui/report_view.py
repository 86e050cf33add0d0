"""A saved report in the notebook: its sections as widgets, re-drawn from the store as runs arrive.

Like the dashboard, once displayed it polls ``Store.activity()`` (one tiny query) every couple
of seconds and re-draws its panels from their queries when the store changed; ``close()`` stops
it. Its MIME bundle carries a static HTML form for saved and exported notebooks.
"""

from __future__ import annotations

import html
import threading
import time
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets

from . import static
from ._poller import POLL_INTERVAL, Poller
from .plotly_view import PlotlyView

if TYPE_CHECKING:
    from .._saved_report import Panel, Report

__all__ = ["ReportView"]


class ReportView(widgets.VBox):
    """The sections of a `nbtrack.Report`, kept up to date with the runs its panels query."""

    def __init__(self, report: Report, *, poll_interval: float = POLL_INTERVAL) -> None:
        self.report = report
        self.poll_interval = poll_interval
        self._lock = threading.RLock()
        self._poller = Poller(self, ReportView.refresh, name="nbtrack-report", interval=poll_interval)
        self._token: Any = None
        self.header = widgets.HTML()
        self.parts: list[widgets.HTML | widgets.VBox] = []  # a section each: markdown, or a panel's text + chart
        self._charts: dict[int, PlotlyView] = {}  # the chart of each panel section, shown when it has a figure
        self.panels: list[Panel] = []
        super().__init__([self.header])
        self.add_class("nbtrack-report")
        self.refresh(force=True)

    def refresh(self, *, force: bool = False) -> bool:
        """Re-draw every panel from its query if the store reports activity (or force); whether it did."""
        token = self.report.store.activity(self.report.project)
        if token == self._token and not force:
            return False
        with self._lock:
            self._token = token
            sections = self.report.sections()
            self.panels = [p for p in sections if not isinstance(p, str)]
            if len(self.parts) != len(sections):  # the report's blocks were edited: new widgets
                for part in (*self.parts, *self._charts.values()):
                    part.close()
                self.parts = [widgets.HTML() if isinstance(s, str) else widgets.VBox([widgets.HTML()])
                              for s in sections]
                self._charts = {i: PlotlyView() for i, s in enumerate(sections) if not isinstance(s, str)}
                self.children = (self.header, *self.parts)
            for i, (part, section) in enumerate(zip(self.parts, sections)):
                _draw(part, section, self._charts.get(i))
            self.header.value = (f"<div class='nbtrack-report-header' style='font-family:sans-serif'>"
                                 f"<b>{html.escape(self.report.heading)}</b> <span style='color:#777;font-size:12px'>"
                                 f"project {html.escape(self.report.project)} · "
                                 f"{time.strftime('updated %H:%M:%S')}</span></div>")
        return True

    @property
    def figures(self) -> list[PlotlyView]:
        """The chart of each panel, in order (shown only where the panel has a figure now)."""
        return [self._charts[i] for i in sorted(self._charts)]

    # -- display and lifecycle ------------------------------------------------
    def start(self) -> None:
        """Poll the store and re-draw on activity (done on display)."""
        self._poller.start()

    def stop(self) -> None:
        """Stop polling; refresh() still works."""
        self._poller.stop()

    @property
    def polling(self) -> bool:
        """Whether the background refresh is running."""
        return self._poller.alive

    def close(self) -> None:
        """Stop polling and close the widgets."""
        self.stop()
        for part in (self.header, *self.parts, *self._charts.values()):
            part.close()
        super().close()

    def static_bundle(self) -> dict[str, Any]:
        """The saved-notebook form: the sections as HTML and the panels' figures."""
        texts = [p.value if isinstance(p, widgets.HTML) else p.children[0].value for p in self.parts]
        figures = [c for p in self.parts if isinstance(p, widgets.VBox) for c in p.children[1:]]
        figures = [view.current for view in figures]
        return static.static_bundle(header_html=self.header.value + "".join(texts), figures=figures,
                                    text=repr(self), root_class="nbtrack-report-static")

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        bundle = dict(super()._repr_mimebundle_(**kwargs) or {})
        self.start()
        bundle.update(self.static_bundle())
        return bundle

    def __repr__(self) -> str:
        return f"{self.report!r} (live view)"


def _draw(part: widgets.Widget, section: str | Panel, chart: PlotlyView | None) -> None:
    """Put a drawn section into its widgets: markdown HTML, or a panel's heading, note, table and chart."""
    if isinstance(section, str):
        part.value = section
        return
    text = part.children[0]
    text.value = (f"<h3 style='margin:8px 0 0'>{html.escape(section.title)}</h3>"
                  f"<div class='nbtrack-report-note' style='color:#777;font-size:12px'>{html.escape(section.note)}"
                  f"</div>{section.html}")
    if section.figure is not None and chart is not None:
        chart.show(section.figure)
        part.children = (text, chart)
    else:
        part.children = (text,)

