"""Figures for `nbtrack.plot` custom charts: one builder per W&B preset, chosen by the chart's spec id.

Each takes the chart's table (columns + rows) and its field mapping and returns a plotly
figure; `custom_chart_figure` dispatches on the spec name (`wandb/line/v0`, ...). A spec
nbtrack has no builder for is drawn as lines when it maps `x` and `y`, else as a note.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go

__all__ = ["bar_chart_figure", "confusion_matrix_figure", "curve_chart_figure", "custom_chart_figure",
           "histogram_chart_figure", "line_chart_figure", "line_series_figure", "scatter_chart_figure"]

_HEIGHT = 300
_COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22",
           "#17becf")


def _column(columns: Sequence[str], rows: Sequence[Sequence[Any]], name: str) -> list[Any]:
    if name not in columns:
        raise ValueError(f"custom chart: the table has no column {name!r} (columns: {list(columns)})")
    i = list(columns).index(name)
    return [r[i] for r in rows]


def _groups(keys: Sequence[Any], *series: Sequence[Any]) -> dict[str, list[list[Any]]]:
    out: dict[str, list[list[Any]]] = {}
    for k, *vals in zip(keys, *series):
        bucket = out.setdefault(str(k), [[] for _ in series])
        for b, v in zip(bucket, vals):
            b.append(v)
    return out


def _style(fig: go.Figure, title: str, x_title: str = "", y_title: str = "") -> go.Figure:
    fig.update_layout(template="plotly_white", height=_HEIGHT, title={"text": title, "font": {"size": 13}},
                      margin={"l": 52, "r": 16, "t": 40, "b": 40}, font={"size": 11},
                      xaxis_title=x_title, yaxis_title=y_title, legend={"font": {"size": 10}})
    return fig


def line_chart_figure(columns: Sequence[str], rows: Sequence[Sequence[Any]], x: str, y: str,
                      stroke: str | None = None, *, title: str = "") -> go.Figure:
    """`wandb/line/v0`: y over x, one line per stroke value."""
    xs, ys = _column(columns, rows, x), _column(columns, rows, y)
    groups = _groups(_column(columns, rows, stroke), xs, ys) if stroke else {y: [xs, ys]}
    fig = go.Figure([go.Scatter(x=gx, y=gy, mode="lines", name=name, line={"color": _COLORS[i % len(_COLORS)]})
                     for i, (name, (gx, gy)) in enumerate(groups.items())])
    return _style(fig, title, x, y)


def scatter_chart_figure(columns: Sequence[str], rows: Sequence[Sequence[Any]], x: str, y: str, *,
                         title: str = "") -> go.Figure:
    """`wandb/scatter/v0`: points of y against x."""
    fig = go.Figure(go.Scatter(x=_column(columns, rows, x), y=_column(columns, rows, y), mode="markers",
                               marker={"color": _COLORS[0], "size": 6}))
    return _style(fig, title, x, y)


def bar_chart_figure(columns: Sequence[str], rows: Sequence[Sequence[Any]], label: str, value: str, *,
                     title: str = "") -> go.Figure:
    """`wandb/bar/v0`: one bar per row."""
    fig = go.Figure(go.Bar(x=[str(v) for v in _column(columns, rows, label)], y=_column(columns, rows, value),
                           marker_color=_COLORS[0]))
    return _style(fig, title, label, value)


def histogram_chart_figure(columns: Sequence[str], rows: Sequence[Sequence[Any]], value: str, *,
                           title: str = "", bins: int = 30) -> go.Figure:
    """`wandb/histogram/v0`: the column's values binned (numpy's edges, drawn as bars)."""
    values = np.asarray([v for v in _column(columns, rows, value) if isinstance(v, (int, float))], dtype=float)
    values = values[np.isfinite(values)]
    counts, edges = np.histogram(values, bins=bins) if values.size else (np.zeros(1), np.array([0.0, 1.0]))
    fig = go.Figure(go.Bar(x=(edges[:-1] + edges[1:]) / 2, y=counts, width=np.diff(edges), marker_color=_COLORS[0]))
    fig.update_layout(bargap=0)
    return _style(fig, title, value, "count")


def line_series_figure(columns: Sequence[str], rows: Sequence[Sequence[Any]], *, title: str = "",
                       xname: str = "x") -> go.Figure:
    """`wandb/lineseries/v0`: one line per lineKey over step."""
    groups = _groups(_column(columns, rows, "lineKey"), _column(columns, rows, "step"),
                     _column(columns, rows, "lineVal"))
    fig = go.Figure([go.Scatter(x=gx, y=gy, mode="lines", name=name, line={"color": _COLORS[i % len(_COLORS)]})
                     for i, (name, (gx, gy)) in enumerate(groups.items())])
    return _style(fig, title, xname, "")


def confusion_matrix_figure(columns: Sequence[str], rows: Sequence[Sequence[Any]], *,
                            title: str = "") -> go.Figure:
    """`wandb/confusion_matrix/v1`: counts as a heatmap, actual classes down, predicted across."""
    actual, predicted = _column(columns, rows, "Actual"), _column(columns, rows, "Predicted")
    counts = _column(columns, rows, "nPredictions")
    names = list(dict.fromkeys([str(a) for a in actual] + [str(p) for p in predicted]))
    index = {n: i for i, n in enumerate(names)}
    z = np.zeros((len(names), len(names)))
    for a, p, c in zip(actual, predicted, counts):
        z[index[str(a)], index[str(p)]] += float(c)
    fig = go.Figure(go.Heatmap(z=z, x=names, y=names, colorscale="Blues", text=z.astype(int), texttemplate="%{text}",
                               hovertemplate="actual %{y}<br>predicted %{x}: %{z}<extra></extra>"))
    fig.update_yaxes(autorange="reversed")
    return _style(fig, title, "Predicted", "Actual")


def curve_chart_figure(columns: Sequence[str], rows: Sequence[Sequence[Any]], x: str, y: str, cls: str, *,
                       title: str = "", x_title: str = "", y_title: str = "") -> go.Figure:
    """`wandb/area-under-curve/v0` (ROC, PR): one curve per class on [0, 1] axes."""
    groups = _groups(_column(columns, rows, cls), _column(columns, rows, x), _column(columns, rows, y))
    fig = go.Figure([go.Scatter(x=gx, y=gy, mode="lines", name=name, line={"color": _COLORS[i % len(_COLORS)]})
                     for i, (name, (gx, gy)) in enumerate(groups.items())])
    fig.update_xaxes(range=[0, 1])
    fig.update_yaxes(range=[0, 1.02])
    return _style(fig, title, x_title or x, y_title or y)


def custom_chart_figure(spec_name: str, columns: Sequence[str], rows: Sequence[Sequence[Any]],
                        fields: Mapping[str, Any], string_fields: Mapping[str, Any] | None = None) -> go.Figure:
    """The figure of a custom chart, by its W&B spec id."""
    s = dict(string_fields or {})
    title = str(s.get("title") or "")
    preset = spec_name.split("/")[1] if spec_name.startswith("wandb/") else ""
    if preset == "line":
        return line_chart_figure(columns, rows, fields["x"], fields["y"], fields.get("stroke"), title=title)
    if preset == "scatter":
        return scatter_chart_figure(columns, rows, fields["x"], fields["y"], title=title)
    if preset == "bar":
        return bar_chart_figure(columns, rows, fields["label"], fields["value"], title=title)
    if preset == "histogram":
        return histogram_chart_figure(columns, rows, fields["value"], title=title)
    if preset == "lineseries":
        return line_series_figure(columns, rows, title=title, xname=str(s.get("xname") or "x"))
    if preset == "confusion_matrix":
        return confusion_matrix_figure(columns, rows, title=title)
    if preset == "area-under-curve":
        return curve_chart_figure(columns, rows, fields["x"], fields["y"], fields["class"], title=title,
                                  x_title=str(s.get("x-axis-title") or ""), y_title=str(s.get("y-axis-title") or ""))
    if "x" in fields and "y" in fields:
        return line_chart_figure(columns, rows, fields["x"], fields["y"], title=title or spec_name)
    fig = go.Figure()
    fig.add_annotation(text=f"custom chart {spec_name!r}: no builder; its table is stored with it",
                       showarrow=False, xref="paper", yref="paper", x=0.5, y=0.5)
    return _style(fig, title)
