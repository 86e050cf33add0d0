"""Brushing parallel coordinates: ranges dragged on the axes, kept in the data's own terms.

The front end reports a brush as plotly's ``constraintrange`` per axis label, in plotted units
(category codes, log10 of a log-scaled parameter). Here it becomes a *selection* per column in
the data's units (value ranges, or category labels), so it survives a refresh that adds runs or
categories; it is turned back into constraint ranges for each new figure, and into the ids of
the runs inside every brushed range.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import plotly.graph_objects as go

from ._series import Axis, Parallel

__all__ = ["Selection", "selection_from_brush", "constraint_ranges", "brushed_ids", "with_brush"]

Selection = dict[str, dict[str, list[Any]]]
"""column -> {"ranges": [[lo, hi], ...]} (numbers, in the data's units) or {"categories": [label, ...]}."""

_HALF = 0.5  # a category code c is brushed when c lies in the range; its own range is c +/- _HALF * 0.5


def _ranges(value: Any) -> list[list[float]]:
    """plotly's constraintrange ([lo, hi] or [[lo, hi], ...]) as a list of sorted [lo, hi] pairs."""
    if not value:
        return []
    pairs = [value] if not isinstance(value[0], (list, tuple)) else list(value)
    return [sorted([float(lo), float(hi)]) for lo, hi in pairs]


def selection_from_brush(data: Parallel, brush: Mapping[str, Any]) -> Selection:
    """The front end's brush ({axis label: constraintrange}) as a selection in the data's units."""
    out: Selection = {}
    for axis in data.axes:
        ranges = _ranges(brush.get(axis.label))
        if not ranges:
            continue
        if axis.scale == "category":
            labels = [t for code, t in zip(axis.tickvals, axis.ticktext) if any(lo <= code <= hi for lo, hi in ranges)]
            out[axis.column] = {"categories": labels}
        elif axis.scale == "log":
            out[axis.column] = {"ranges": [[10.0**lo, 10.0**hi] for lo, hi in ranges]}
        else:
            out[axis.column] = {"ranges": ranges}
    return out


def constraint_ranges(axis: Axis, selection: Mapping[str, list[Any]]) -> list[list[float]]:
    """A column's selection as plotly constraint ranges on this axis (plotted units)."""
    if "categories" in selection:
        wanted = set(selection["categories"])
        return [[code - _HALF / 2, code + _HALF / 2] for code, t in zip(axis.tickvals, axis.ticktext) if t in wanted]
    ranges = [[float(lo), float(hi)] for lo, hi in selection.get("ranges", [])]
    if axis.scale == "log":
        return [[float(np.log10(lo)), float(np.log10(hi))] for lo, hi in ranges if lo > 0 and hi > 0]
    return ranges


def brushed_ids(data: Parallel, selection: Selection) -> list[str] | None:
    """Ids of the runs inside every brushed range, in the data's order; None when nothing is brushed."""
    active = [(axis, constraint_ranges(axis, selection[axis.column])) for axis in data.axes
              if axis.column in selection]
    if not active:
        return None
    keep = np.ones(len(data.run_ids), dtype=bool)
    for axis, ranges in active:
        values = np.asarray(axis.values, dtype=float)
        inside = np.zeros(len(values), dtype=bool)
        for lo, hi in ranges:
            inside |= (values >= lo) & (values <= hi)
        keep &= inside
    return [run_id for run_id, ok in zip(data.run_ids, keep) if ok]


def with_brush(fig: go.Figure, data: Parallel, selection: Selection) -> go.Figure:
    """The parallel-coordinates figure with the selection drawn as brushes on its axes (others unbrushed)."""
    if not fig.data or fig.data[0].type != "parcoords":
        return fig
    dimensions = list(fig.data[0].dimensions)
    for i, axis in enumerate(data.axes[:len(dimensions)]):
        ranges = constraint_ranges(axis, selection[axis.column]) if axis.column in selection else []
        dimensions[i].constraintrange = (ranges[0] if len(ranges) == 1 else ranges) if ranges else None
    fig.data[0].dimensions = dimensions
    return fig

