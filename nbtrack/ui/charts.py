"""Figure builders shared by the live run view, the dashboard and the HTML report.

Compute, then render: the functions re-exported from :mod:`nbtrack.ui._series`
turn the runs / history frames into plain data; the ``*_figure`` functions here
turn that data into compact ``plotly.graph_objects.Figure`` objects::

    panels = {key: metric_curves(history, key, smoothing=0.6) for key in keys}
    fig = line_figure(panels, title="train", colors=run_colors(runs["id"]))
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
import plotly.colors
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from nbtrack.ui._importance import importance_table
from nbtrack.ui._series import (
    DEFAULT_GROUP,
    MAX_POINTS,
    MIN_RUNS_FOR_IMPORTANCE,
    SYSTEM_GROUP,
    Axis,
    Curve,
    Parallel,
    XAxis,
    column_label,
    downsample_minmax,
    ema,
    group_keys,
    metric_curves,
    parallel_data,
    param_columns,
    param_importance,
    param_scale,
    scatter_points,
    system_axis,
)
from nbtrack.ui._presets import (
    bar_chart_figure,
    confusion_matrix_figure,
    curve_chart_figure,
    custom_chart_figure,
    histogram_chart_figure,
    line_chart_figure,
    line_series_figure,
    scatter_chart_figure,
)

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "DEFAULT_GROUP",
    "HEIGHT",
    "MAX_POINTS",
    "MIN_RUNS_FOR_IMPORTANCE",
    "PALETTE",
    "SYSTEM_GROUP",
    "TEMPLATE",
    "Axis",
    "Curve",
    "Parallel",
    "XAxis",
    "best_so_far_figure",
    "column_label",
    "downsample_minmax",
    "ema",
    "group_keys",
    "importance_table",
    "importance_table_figure",
    "line_figure",
    "metric_curves",
    "parallel_data",
    "parallel_figure",
    "param_columns",
    "param_importance",
    "param_scale",
    "run_colors",
    "scatter_figure",
    "scatter_points",
    "line_mode",
    "system_axis",
    # nbtrack.plot presets (W&B custom charts)
    "bar_chart_figure",
    "confusion_matrix_figure",
    "curve_chart_figure",
    "custom_chart_figure",
    "histogram_chart_figure",
    "line_chart_figure",
    "line_series_figure",
    "scatter_chart_figure",
]

PALETTE: tuple[str, ...] = tuple(plotly.colors.qualitative.Plotly)
_GRID = {"gridcolor": "#EBF0F8", "linecolor": "#EBF0F8", "ticks": "", "title": {"standoff": 15},
         "zerolinecolor": "#EBF0F8", "automargin": True, "zerolinewidth": 2}
# plotly_white's look, without the defaults it carries for ~25 trace types: loading and checking those
# costs 0.3 s on a kernel's first chart (and ~25 ms on every figure after it).
TEMPLATE: dict[str, object] = {
    "layout": {"autotypenumbers": "strict", "colorway": list(PALETTE), "font": {"color": "#2a3f5f"},
               "hovermode": "closest", "hoverlabel": {"align": "left"}, "paper_bgcolor": "white",
               "plot_bgcolor": "white", "xaxis": _GRID, "yaxis": _GRID, "title": {"x": 0.05}},
    "data": {"bar": [{"marker": {"line": {"color": "white", "width": 0.5}}}]},
}
HEIGHT = 280
_ROW_HEIGHT = 230
_X_TITLES = {"step": "Step", "wall": "Time (UTC)", "relative": "Relative time (s)"}
_POSITIVE, _NEGATIVE = "#2ca02c", "#d62728"


def run_colors(run_ids: Iterable[str]) -> dict[str, str]:
    """One palette colour per run id, in the order given: a run keeps its colour in every chart."""
    colors: dict[str, str] = {}
    for run_id in run_ids:
        colors.setdefault(str(run_id), PALETTE[len(colors) % len(PALETTE)])
    return colors


def line_mode(points: int) -> str:
    """How a metric trace draws: a line from its second point, a marker while it has only one."""
    return "lines" if points > 1 else "markers"


def line_figure(
    panels: Mapping[str, Sequence[Curve]],
    *,
    title: str = "",
    x: XAxis = "step",
    colors: Mapping[str, str] | None = None,
    columns: int = 3,
) -> go.Figure:
    """Metric curves: one subplot per key (a plain chart for one key), one trace per run."""
    keys = list(panels)
    if not any(panels.values()):
        return _empty_figure(title or ", ".join(keys), "No points logged yet")
    run_ids = [s.run_id for key in keys for s in panels[key]]
    colors = {**run_colors(run_ids), **(colors or {})}
    ncols = max(1, min(columns, len(keys)))
    nrows = math.ceil(len(keys) / ncols)
    axes = {key: system_axis(key, np.concatenate([np.asarray(c.y, dtype=float) for c in panels[key]])
                             if panels[key] else None) for key in keys}
    labels = [key + (f" ({axes[key][0]})" if axes[key][0] else "") for key in keys]
    if len(keys) == 1:  # one chart, titled by its key
        fig, title = go.Figure(), labels[0]
    else:  # a section: the group's title over one subplot per key, each titled by its key
        fig = make_subplots(
            rows=nrows,
            cols=ncols,
            subplot_titles=labels,
            horizontal_spacing=0.07,
            vertical_spacing=min(0.3, 0.5 / nrows) if nrows > 1 else 0.0,
        )
    traces, rows, cols, shown = [], [], [], set()
    for i, key in enumerate(keys):
        for curve in panels[key]:
            traces.append(
                go.Scatter(
                    x=curve.x,
                    y=curve.y,
                    mode=line_mode(len(curve.y)),
                    name=curve.name,
                    legendgroup=curve.run_id,
                    showlegend=curve.run_id not in shown,
                    line={"color": colors[curve.run_id], "width": 1.5},
                    marker={"color": colors[curve.run_id], "size": 5},
                )
            )
            shown.add(curve.run_id)
            rows.append(i // ncols + 1)
            cols.append(i % ncols + 1)
    if len(keys) == 1:
        fig.add_traces(traces)
    else:
        fig.add_traces(traces, rows=rows, cols=cols)
        fig.update_annotations(font_size=11)
    fig.update_xaxes(
        type="date" if x == "wall" else "linear",
        title_text=_X_TITLES[x],
        title_font_size=10,
        rangemode="normal" if x == "wall" else "tozero",  # a short run's axis starts at 0, not -0.5
    )
    for i, key in enumerate(keys):
        unit, span = axes[key]
        where = {} if len(keys) == 1 else {"row": i // ncols + 1, "col": i % ncols + 1}
        if span is not None:
            fig.update_yaxes(range=list(span), **where)
        elif unit:
            fig.update_yaxes(rangemode="tozero", **where)
    _style(fig, title, HEIGHT + _ROW_HEIGHT * (nrows - 1))
    fig.update_layout(showlegend=len(shown) > 1, hovermode="x")
    return fig


def parallel_figure(data: Parallel, *, title: str = "", names: Mapping[str, str] | None = None) -> go.Figure:
    """Parallel coordinates of parameters and metric (last axis), lines coloured by the metric.

    `names` ({run id: name}) titles each line's hover card (the run id otherwise).
    """
    metric = data.axes[-1]
    title = title or f"Parameters and {metric.label}"
    if not data.run_ids:
        return _empty_figure(title, f"No runs with a value of {metric.label}")
    colorbar: dict[str, object] = {"title": {"text": metric.label}, "thickness": 10}
    if metric.tickvals:
        colorbar.update(tickvals=list(metric.tickvals), ticktext=list(metric.ticktext))
    fig = go.Figure(
        go.Parcoords(
            dimensions=[_dimension(axis) for axis in data.axes],
            line={
                "color": metric.values,
                "colorscale": "Viridis",
                "showscale": True,
                "colorbar": colorbar,
            },
            labelfont={"size": 11},
            tickfont={"size": 10},
            customdata=_hover_texts(data, names or {}),
        )
    )
    _style(fig, title, HEIGHT + 70)
    # the axis labels sit above the axes: the title goes to the top of the figure, the axes leave room under it
    fig.update_layout(margin={"t": 100, "l": 70, "r": 70, "b": 30},
                      title={"y": 0.98, "yref": "container", "yanchor": "top"})
    return fig


def scatter_figure(
    points: pd.DataFrame,
    *,
    param: str,
    metric: str,
    colors: Mapping[str, str] | None = None,
) -> go.Figure:
    """One marker per run (from :func:`scatter_points`) of a parameter against a metric."""
    title = f"{column_label(metric)} vs {column_label(param)}"
    if points.empty:
        message = f"No runs with both {column_label(param)} and {column_label(metric)}"
        return _empty_figure(title, message)
    colors = {**run_colors(points["id"]), **(colors or {})}
    fig = go.Figure(
        go.Scatter(
            x=points["x"],
            y=points["y"],
            mode="markers",
            text=points["name"],
            marker={"color": [colors[i] for i in points["id"]], "size": 8},
            hovertemplate="%{text}<br>%{x}<br>%{y:.4g}<extra></extra>",
        )
    )
    scale = param_scale(points["x"])
    fig.update_xaxes(type=scale, title_text=column_label(param))
    if scale == "category":
        fig.update_xaxes(categoryorder="category ascending")
    fig.update_yaxes(title_text=column_label(metric))
    _style(fig, title, HEIGHT)
    return fig


def importance_table_figure(table: pd.DataFrame, *, metric: str) -> go.Figure:
    """W&B's importance panel and more: random-forest importance, Pearson correlation and PED-ANOVA per parameter.

    ``table`` is :func:`nbtrack.ui._importance.importance_table`'s; a categorical parameter's correlation
    is that of its most correlated value, named in the hover text.
    """
    title = f"Parameter importance for {column_label(metric)}"
    if table.empty:
        return _empty_figure(
            title,
            f"Needs at least {MIN_RUNS_FOR_IMPORTANCE} runs with {column_label(metric)}"
            " and parameters that vary",
        )
    labels = [column_label(p) for p in table["param"]]
    correlation = table["correlation"].to_numpy(dtype=float)
    if len(labels) == 1:  # one varying parameter has all the importance: say so rather than draw one giant bar
        corr = "n/a (categorical)" if math.isnan(correlation[0]) else f"{correlation[0]:+.3f}"
        fig = _empty_figure(title, f"Only {labels[0]} varies across these runs, so it holds all the importance"
                                   f"<br>correlation with {column_label(metric)}: {corr}")
        fig.update_layout(height=120)
        return fig
    which = [f"{label} = {level}" if level is not None else label for label, level in zip(labels, table["level"])]
    fig = make_subplots(rows=1, cols=3, shared_yaxes=True, horizontal_spacing=0.03,
                        subplot_titles=("importance (random forest)", "correlation (Pearson)", "PED-ANOVA"))
    hover = "%{customdata}: %{x:.3f}<extra></extra>"
    fig.add_trace(go.Bar(x=table["importance"], y=labels, orientation="h", marker_color=PALETTE[0],
                         name="importance", customdata=labels, hovertemplate=hover), row=1, col=1)
    fig.add_trace(go.Bar(x=correlation, y=labels, orientation="h",
                         marker_color=np.where(correlation < 0, _NEGATIVE, _POSITIVE).tolist(),
                         name="correlation", customdata=which, hovertemplate=hover), row=1, col=2)
    fig.add_trace(go.Bar(x=table["ped_anova"], y=labels, orientation="h", marker_color=PALETTE[4],
                         name="PED-ANOVA", customdata=labels, hovertemplate=hover), row=1, col=3)
    fig.update_yaxes(autorange="reversed", row=1, col=1)
    fig.update_xaxes(range=[-1, 1], row=1, col=2)
    fig.update_annotations(font_size=11)
    _style(fig, title, max(HEIGHT, 80 + 22 * len(labels)))
    fig.update_layout(showlegend=False)
    return fig


def best_so_far_figure(points: Sequence[tuple[int, float, float]], metric: str, goal: str) -> go.Figure:
    """Each ended trial's best metric (dots) and the best so far (a step line), by trial number."""
    if not points:  # the sweep panel's empty chart: no title or margins, unlike _empty_figure
        fig = go.Figure()
        fig.add_annotation(text="No finished trial yet", x=0.5, y=0.5, xref="paper", yref="paper", showarrow=False,
                           font={"size": 12, "color": "#777"})
        fig.layout.template = TEMPLATE  # assigned: through update_layout it costs ~10x more
        fig.update_layout(height=HEIGHT, xaxis={"visible": False}, yaxis={"visible": False})
        return fig
    numbers, values, best = zip(*points)
    fig = go.Figure()
    fig.add_scatter(x=numbers, y=values, mode="markers", name="trial", marker={"color": "#9aa0a6", "size": 7},
                    hovertemplate="trial %{x}<br>%{y:.4g}<extra></extra>")
    fig.add_scatter(x=numbers, y=best, mode="lines+markers", line={"shape": "hv", "color": "#1f77b4"},
                    marker={"size": 4}, name="best so far", hovertemplate="best %{y:.4g}<extra></extra>")
    fig.layout.template = TEMPLATE  # assigned: through update_layout it costs ~10x more
    fig.update_layout(height=HEIGHT, margin={"l": 48, "r": 16, "t": 40, "b": 36},
                      title={"text": f"{metric}: best so far ({goal})", "font": {"size": 13}, "x": 0.01},
                      font={"size": 11}, legend={"font": {"size": 10}}, xaxis_title="trial", yaxis_title=metric)
    return fig



def _dimension(axis: Axis) -> dict[str, object]:
    """A Parcoords dimension for an axis, with category / decade ticks where it has them."""
    dimension: dict[str, object] = {"label": axis.label, "values": axis.values}
    if axis.tickvals:
        dimension.update(tickvals=list(axis.tickvals), ticktext=list(axis.ticktext))
    return dimension


def _hover_texts(data: Parallel, names: Mapping[str, str]) -> list[list[str]]:
    """Per run: its name, then its value on each axis as the user wrote it (the hover card of nbtrack's parcoords)."""
    columns = []
    for axis in data.axes:
        labels = dict(zip(axis.tickvals, axis.ticktext)) if axis.scale == "category" else {}
        values = np.power(10.0, axis.values) if axis.scale == "log" else axis.values
        columns.append([labels.get(v, f"{v:.4g}") for v in np.asarray(values, dtype=float).tolist()])
    return [[str(names.get(run_id, run_id)), *texts] for run_id, *texts in zip(data.run_ids, *columns)]


def _style(fig: go.Figure, title: str, height: int) -> None:
    """The compact notebook layout every nbtrack chart shares."""
    fig.layout.template = TEMPLATE  # assigned: through update_layout it costs ~10x more
    fig.update_layout(
        height=height,
        margin={"l": 48, "r": 16, "t": 40, "b": 36},
        title={"text": title, "font": {"size": 13}, "x": 0.01, "xanchor": "left"},
        font={"size": 11},
        legend={"font": {"size": 10}},
        autosize=True,  # as wide as its output area from the first draw (no fixed width)
        uirevision=title,
    )


def _empty_figure(title: str, message: str) -> go.Figure:
    """A blank chart saying why there is nothing to draw."""
    fig = go.Figure()
    fig.add_annotation(
        text=message,
        x=0.5,
        y=0.5,
        xref="paper",
        yref="paper",
        showarrow=False,
        font={"size": 12, "color": "#777"},
    )
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    _style(fig, title, HEIGHT)
    return fig
