"""A Plotly chart widget that shares one copy of plotly.js per page.

plotly's own FigureWidget ships ~5 MB of plotly.js with every chart; a notebook with a live
view per tracked cell would send that for every chart. Here a loader widget sends plotly.js
once per kernel, and each chart is a small anywidget holding only its figure's JSON.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Any

import anywidget
import numpy as np
import plotly.graph_objects as go
import traitlets

__all__ = ["PlotlyView", "ensure_loader", "figure_json"]

_HERE = Path(__file__).parent


class _PlotlyJS(anywidget.AnyWidget):
    """Never displayed: its front-end `initialize` installs plotly.js on the page."""

    _esm = _HERE / "plotly_loader.js"
    source = traitlets.Unicode("").tag(sync=True)


_loader: dict[str, _PlotlyJS] = {}


def ensure_loader() -> None:
    """Send plotly.js to the page (once per kernel); a view calls it early so the first chart need not wait."""
    loader = _loader.get("widget")
    if loader is None or loader.comm is None:
        from plotly.offline import get_plotlyjs

        _loader["widget"] = _PlotlyJS(source=get_plotlyjs())


def _plain(value: Any) -> Any:
    """JSON-safe copy: arrays to lists, NaN/inf to null (a gap), datetimes to ISO text."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.ndarray):
        if np.issubdtype(value.dtype, np.datetime64):
            return np.datetime_as_string(value).tolist()
        return _plain(value.tolist())
    if isinstance(value, np.generic):
        return _plain(value.item())
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    return value


def figure_json(fig: go.Figure) -> dict[str, Any]:
    """A figure as the plain JSON the front end draws."""
    return _plain(fig.to_plotly_json())


def _view_module() -> str:
    """The chart's front-end module: the SVG parallel coordinates, then the chart that uses them (one file)."""
    return "\n".join((_HERE / name).read_text(encoding="utf-8") for name in ("parcoords.js", "plotly_view.js"))


class PlotlyView(anywidget.AnyWidget):
    """One chart: `show(fig)` to draw a figure, `set_xy({i: (x, y)})` to move some traces' points.

    Parallel coordinates are drawn as SVG by nbtrack's own script (parcoords.js), not by plotly.js,
    whose parcoords takes three WebGL contexts a chart.
    """

    _esm = _view_module()
    figure = traitlets.Dict().tag(sync=True)
    brush = traitlets.Dict(help="Parallel coordinates: {axis label: constraintrange} the user brushed, in "
                                "plotted units (reported by parcoords.js after each change).").tag(sync=True)

    def __init__(self, fig: go.Figure | None = None, **kwargs: Any) -> None:
        ensure_loader()
        super().__init__(**kwargs)
        self._fig = go.Figure()
        if fig is not None:
            self.show(fig)

    @property
    def current(self) -> go.Figure:
        """The figure drawn now."""
        return self._fig

    @property
    def data(self) -> tuple[Any, ...]:
        """The traces drawn now (plotly objects, for reading)."""
        return self._fig.data

    @property
    def layout(self) -> go.Layout:
        """The layout drawn now."""
        return self._fig.layout

    def to_dict(self) -> dict[str, Any]:
        return self._fig.to_dict()

    def show(self, fig: go.Figure) -> None:
        """Draw `fig` (replacing what was drawn)."""
        self._fig = fig
        self.figure = figure_json(fig)

    def set_xy(self, points: dict[int, tuple[Any, Any]], *, modes: dict[int, str] | None = None) -> None:
        """Replace the x/y (and optionally the mode) of some traces ({trace index: (x, y)}) in one message."""
        data = list(self.figure.get("data", []))
        modes = modes or {}
        for index, (x, y) in points.items():
            trace = self._fig.data[index]
            trace.x, trace.y = x, y
            data[index] = {**data[index], "x": _plain(x), "y": _plain(y)}
            if index in modes:
                trace.mode = data[index]["mode"] = modes[index]
        self.figure = {**self.figure, "data": data}
