"""A figure's static picture as SVG, drawn from its Plotly JSON in pure Python (no browser, ~ms a chart).

This is what every saved, shared or exported nbtrack output shows by default: it needs no
script, so sanitisers (untrusted notebooks, GitHub) keep it. It draws what nbtrack's charts use:
cartesian subplots of scatter (lines/markers) and bar traces on linear, log, date or category
axes, parallel coordinates, paper annotations and the title. Other trace types are named in
the picture, not drawn (their interactive form needs plotly.js).
"""

from __future__ import annotations

import datetime as dt
import html
import math
from typing import Any

import numpy as np

__all__ = ["figure_svg"]

_COLORWAY = ("#636efa", "#EF553B", "#00cc96", "#ab63fa", "#FFA15A", "#19d3f3", "#FF6692", "#B6E880")
_VIRIDIS = ("#440154", "#482878", "#3e4989", "#31688e", "#26828e", "#1f9e89", "#35b779", "#6ece58", "#b5de2b",
            "#fde725")
_DEFAULT_MARGIN = {"l": 60, "r": 30, "t": 50, "b": 40}
_FONT = "font-family='sans-serif'"


def figure_svg(fig: Any, *, width: int = 900, height: int | None = None) -> str:
    """The figure (a go.Figure or its JSON dict) as one standalone SVG document."""
    spec = fig if isinstance(fig, dict) else fig.to_plotly_json()
    layout = spec.get("layout") or {}
    w = int(layout.get("width") or width)
    h = int(height or layout.get("height") or 300)
    margin = {**_DEFAULT_MARGIN, **{k: v for k, v in (layout.get("margin") or {}).items() if k in "lrtb"}}
    plot = (margin["l"], margin["t"], max(10, w - margin["l"] - margin["r"]), max(10, h - margin["t"] - margin["b"]))
    out = [f"<svg xmlns='http://www.w3.org/2000/svg' width='{w}' height='{h}' viewBox='0 0 {w} {h}'>",
           f"<rect width='{w}' height='{h}' fill='white'/>"]
    traces = [t for t in spec.get("data") or () if t.get("visible", True) is not False]
    cartesian: dict[tuple[str, str], list[dict[str, Any]]] = {}
    skipped = []
    for i, trace in enumerate(traces):
        kind = trace.get("type", "scatter")
        if kind in ("scatter", "scattergl", "bar"):
            trace = {**trace, "_index": i}
            cartesian.setdefault((trace.get("xaxis", "x"), trace.get("yaxis", "y")), []).append(trace)
        elif kind == "parcoords":
            out.append(_parcoords(trace, plot))
        else:
            skipped.append(kind)
    for (xref, yref), group in cartesian.items():
        out.append(_subplot(layout, xref, yref, group, plot))
    if not traces and not layout.get("annotations"):
        out.append(_text(w / 2, h / 2, "(no data)", anchor="middle", color="#777"))
    if skipped:
        out.append(_text(plot[0], h - 6, f"not drawn here: {', '.join(sorted(set(skipped)))}", size=10, color="#777"))
    for note in layout.get("annotations") or ():
        out.append(_annotation(note, plot))
    title = _title_text(layout.get("title"))
    if title:
        out.append(_text(8 + 0.01 * w, 18, title, size=13, weight="bold"))
    out.append("</svg>")
    return "".join(out)


# -- cartesian subplots ----------------------------------------------------------------


def _axis_key(ref: str, letter: str) -> str:
    return f"{letter}axis{ref[1:]}"


def _subplot(layout: dict[str, Any], xref: str, yref: str, traces: list[dict[str, Any]],
             plot: tuple[float, float, float, float]) -> str:
    xa, ya = layout.get(_axis_key(xref, "x")) or {}, layout.get(_axis_key(yref, "y")) or {}
    px, py, pw, ph = plot
    x0, x1 = (xa.get("domain") or (0, 1))[0], (xa.get("domain") or (0, 1))[1]
    y0, y1 = (ya.get("domain") or (0, 1))[0], (ya.get("domain") or (0, 1))[1]
    box = (px + x0 * pw, py + (1 - y1) * ph, (x1 - x0) * pw, (y1 - y0) * ph)
    xs_all, ys_all, xcats, ycats = [], [], _Categories(), _Categories()
    series = []
    for t in traces:
        horizontal = t.get("type") == "bar" and t.get("orientation") == "h"
        xs = _values(t.get("x"), xa.get("type"), xcats)
        ys = _values(t.get("y"), ya.get("type"), ycats)
        n = max(len(xs), len(ys))
        xs = xs if len(xs) else np.arange(n, dtype=float)
        ys = ys if len(ys) else np.arange(n, dtype=float)
        n = min(len(xs), len(ys))
        xs, ys = xs[:n], ys[:n]
        series.append((t, xs, ys, horizontal))
        xs_all.append(xs)
        ys_all.append(ys)
        if t.get("type") == "bar":
            (xs_all if horizontal else ys_all).append(np.zeros(1))
    xlog, ylog = xa.get("type") == "log", ya.get("type") == "log"
    xr = _range(xa.get("range"), np.concatenate(xs_all), xlog, pad=0.02) if not xcats else (-0.5, len(xcats) - 0.5)
    yr = _range(ya.get("range"), np.concatenate(ys_all), ylog, pad=0.06) if not ycats else (-0.5, len(ycats) - 0.5)
    if ya.get("autorange") == "reversed":
        yr = (yr[1], yr[0])
    if xa.get("autorange") == "reversed":
        xr = (xr[1], xr[0])
    bx, by, bw, bh = box

    def sx(v: Any) -> Any:  # a number or an array of them, to pixels
        v = _log10(v) if xlog else v
        return bx + (v - xr[0]) / ((xr[1] - xr[0]) or 1) * bw

    def sy(v: Any) -> Any:
        v = _log10(v) if ylog else v
        return by + bh - (v - yr[0]) / ((yr[1] - yr[0]) or 1) * bh

    clip = f"clip-{xref}{yref}"
    out = [f"<g class='subplot'><clipPath id='{clip}'><rect x='{bx:.1f}' y='{by:.1f}' width='{bw:.1f}' "
           f"height='{bh:.1f}'/></clipPath><rect x='{bx:.1f}' y='{by:.1f}' width='{bw:.1f}' height='{bh:.1f}' "
           "fill='#fafafa' stroke='#e5e5e5'/>"]
    if xa.get("visible", True) is not False:
        out.append(_ticks(xr, xlog, xa.get("type"), xcats, lambda v: sx(v), box, vertical=True))
        if _title_text(xa.get("title")):
            out.append(_text(bx + bw / 2, by + bh + 30, _title_text(xa.get("title")), anchor="middle", size=10))
    shared_y = ya.get("matches") or ya.get("showticklabels") is False  # a shared axis is labelled once
    if ya.get("visible", True) is not False and not shared_y:
        out.append(_ticks(yr, ylog, ya.get("type"), ycats, lambda v: sy(v), box, vertical=False))
        if _title_text(ya.get("title")):
            out.append(f"<text {_FONT} font-size='10' text-anchor='middle' transform='translate({bx - 44:.1f},"
                       f"{by + bh / 2:.1f}) rotate(-90)'>{html.escape(_title_text(ya.get('title')))}</text>")
    out.append(f"<g clip-path='url(#{clip})'>")
    for t, xs, ys, horizontal in series:
        color = _color(t)
        if t.get("type") == "bar":
            out.append(_bars(t, xs, ys, horizontal, sx, sy, color))
            continue
        mode = t.get("mode") or ("lines" if len(xs) > 20 else "lines+markers")
        if "lines" in mode:
            width = (t.get("line") or {}).get("width", 2)
            for run in _runs(sx(xs), sy(ys)):
                points = " ".join(f"{x:.1f},{y:.1f}" for x, y in _thin(run))
                out.append(f"<polyline fill='none' stroke='{_attr(color)}' stroke-width='{width}' points='{points}'/>")
        if "markers" in mode:
            marker = t.get("marker") or {}
            size = float(marker.get("size", 6)) if not isinstance(marker.get("size"), list) else 6.0
            colors = marker.get("color")
            for i, (x, y) in enumerate(zip(sx(xs).tolist(), sy(ys).tolist())):
                if math.isnan(x) or math.isnan(y):
                    continue
                c = colors[i] if isinstance(colors, list) and i < len(colors) and isinstance(colors[i], str) else color
                out.append(f"<circle cx='{x:.1f}' cy='{y:.1f}' r='{size / 2:.1f}' fill='{_attr(c)}'/>")
    out.append("</g></g>")
    return "".join(out)


def _bars(t: dict[str, Any], xs: np.ndarray, ys: np.ndarray, horizontal: bool, sx: Any, sy: Any,
          color: str) -> str:
    out = []
    pos, val = (ys.tolist(), xs.tolist()) if horizontal else (xs.tolist(), ys.tolist())
    steps = sorted({p for p in pos if not math.isnan(p)})
    gap = min((b - a for a, b in zip(steps, steps[1:])), default=1.0) or 1.0
    widths = t.get("width")
    colors = (t.get("marker") or {}).get("color")
    for i, (p, v) in enumerate(zip(pos, val)):
        if math.isnan(p) or math.isnan(v):
            continue
        bw = float(widths[i]) if isinstance(widths, list) and i < len(widths) else gap * 0.8
        c = colors[i] if isinstance(colors, list) and i < len(colors) else color
        if horizontal:
            x_a, x_b, y_a, y_b = sx(min(0.0, v)), sx(max(0.0, v)), sy(p + bw / 2), sy(p - bw / 2)
        else:
            x_a, x_b, y_a, y_b = sx(p - bw / 2), sx(p + bw / 2), sy(max(0.0, v)), sy(min(0.0, v))
        out.append(f"<rect x='{min(x_a, x_b):.1f}' y='{min(y_a, y_b):.1f}' width='{abs(x_b - x_a):.1f}' "
                   f"height='{abs(y_b - y_a):.1f}' fill='{_attr(str(c))}'/>")
    return "".join(out)


class _Categories(dict):
    """Category labels to positions 0, 1, 2, ... in order of first appearance."""

    def position(self, label: str) -> float:
        return float(self.setdefault(label, len(self)))


def _values(raw: Any, axis_type: str | None, cats: _Categories) -> np.ndarray:
    """A trace's coordinates as floats (dates as epoch seconds, categories as positions; NaN for gaps)."""
    if raw is None:
        return np.empty(0)
    if isinstance(raw, dict):  # plotly's typed-array encoding {"dtype", "bdata"}
        import base64

        raw = np.frombuffer(base64.b64decode(raw["bdata"]), dtype=raw["dtype"])
    if isinstance(raw, np.ndarray) and raw.dtype.kind in "biuf":  # the common case, without a Python loop
        out = raw.astype(float)
        out[~np.isfinite(out)] = np.nan
        return out
    if hasattr(raw, "tolist"):
        raw = raw.tolist()
    values: list[float] = []
    for v in raw:
        if v is None:
            values.append(math.nan)
        elif isinstance(v, (bool, int, float)):
            values.append(float(v) if math.isfinite(v) else math.nan)
        elif isinstance(v, (dt.datetime, dt.date)) or (axis_type == "date" and isinstance(v, str)):
            values.append(_epoch(v))
        else:
            values.append(cats.position(str(v)))
    return np.asarray(values, dtype=float)


def _log10(v: Any) -> Any:
    a = np.asarray(v, dtype=float)
    with np.errstate(invalid="ignore"):
        return np.where(a > 0, np.log10(np.where(a > 0, a, 1.0)), np.nan)


def _epoch(v: Any) -> float:
    try:
        d = v if isinstance(v, (dt.datetime, dt.date)) else dt.datetime.fromisoformat(str(v).replace("Z", "+00:00"))
        if not isinstance(d, dt.datetime):
            d = dt.datetime(d.year, d.month, d.day)
        if d.tzinfo is None:
            d = d.replace(tzinfo=dt.timezone.utc)
        return d.timestamp()
    except ValueError:
        return math.nan


def _range(given: Any, values: np.ndarray, log: bool, *, pad: float) -> tuple[float, float]:
    if isinstance(given, (list, tuple)) and len(given) == 2 and all(isinstance(v, (int, float)) for v in given):
        return float(given[0]), float(given[1])
    vals = _log10(values) if log else np.asarray(values, dtype=float)
    vals = vals[np.isfinite(vals)]
    if not len(vals):
        return 0.0, 1.0
    lo, hi = float(vals.min()), float(vals.max())
    if lo == hi:
        lo, hi = lo - (abs(lo) * 0.1 or 1), hi + (abs(hi) * 0.1 or 1)
    span = hi - lo
    return lo - pad * span, hi + pad * span


def _nice_ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    a, b = min(lo, hi), max(lo, hi)
    raw = (b - a) / count or 1.0
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    first = math.ceil(a / step) * step
    return [first + i * step for i in range(int((b - first) / step + 1e-9) + 1)]


def _ticks(r: tuple[float, float], log: bool, axis_type: str | None, cats: _Categories, scale: Any,
           box: tuple[float, float, float, float], *, vertical: bool) -> str:
    bx, by, bw, bh = box
    if cats and axis_type not in ("linear", "log", "date"):
        ticks = [(float(p), str(label)) for label, p in cats.items()]
        every = max(1, len(ticks) // (8 if vertical else 12))
        ticks = ticks[::every]
    elif log:
        ticks = [(10.0 ** e, _fmt(10.0 ** e)) for e in range(math.floor(min(r)), math.ceil(max(r)) + 1)]
    elif axis_type == "date":
        ticks = [(v, dt.datetime.fromtimestamp(v, dt.timezone.utc).strftime("%H:%M:%S" if (max(r) - min(r)) < 86400
                                                                           else "%b %d")) for v in _nice_ticks(*r)]
    else:
        ticks = [(v, _fmt(v)) for v in _nice_ticks(*r)]
    out = []
    for value, label in ticks:
        pos = scale(value)
        if vertical and bx - 0.5 <= pos <= bx + bw + 0.5:
            out.append(f"<line x1='{pos:.1f}' x2='{pos:.1f}' y1='{by:.1f}' y2='{by + bh:.1f}' stroke='#ebebeb'/>")
            out.append(_text(pos, by + bh + 13, label, anchor="middle", size=9, color="#555"))
        elif not vertical and by - 0.5 <= pos <= by + bh + 0.5:
            out.append(f"<line x1='{bx:.1f}' x2='{bx + bw:.1f}' y1='{pos:.1f}' y2='{pos:.1f}' stroke='#ebebeb'/>")
            out.append(_text(bx - 4, pos + 3, label, anchor="end", size=9, color="#555"))
    return "".join(out)


def _fmt(v: float) -> str:
    if v == 0:
        return "0"
    if abs(v) >= 1e5 or abs(v) < 1e-3:
        return f"{v:.1e}"
    return f"{v:.4g}"


def _runs(xs: np.ndarray, ys: np.ndarray) -> list[np.ndarray]:
    """Point runs (n x 2 arrays) between gaps: NaN in x or y breaks a line, as plotly's connectgaps=False does."""
    xy = np.column_stack([xs, ys])
    ok = np.isfinite(xy).all(axis=1)
    edges = np.flatnonzero(np.diff(np.r_[False, ok, False].astype(np.int8)))
    return [xy[a:b] for a, b in zip(edges[::2], edges[1::2])]


def _thin(xy: np.ndarray) -> list[tuple[float, float]]:
    """A line's pixel points with at most its lowest and highest point per pixel column (looks the same)."""
    col = np.floor(xy[:, 0])
    starts = np.flatnonzero(np.r_[True, col[1:] != col[:-1]])
    if len(xy) < 600 or 2 * len(starts) >= len(xy):
        return list(map(tuple, xy.tolist()))
    low, high = np.minimum.reduceat(xy[:, 1], starts), np.maximum.reduceat(xy[:, 1], starts)
    return list(zip(np.repeat(xy[starts, 0], 2).tolist(), np.column_stack([low, high]).ravel().tolist()))


# -- parallel coordinates ------------------------------------------------------------


def _parcoords(trace: dict[str, Any], plot: tuple[float, float, float, float]) -> str:
    px, py, pw, ph = plot
    dims = [d for d in trace.get("dimensions") or () if d.get("visible", True) is not False]
    if not dims:
        return ""
    line = trace.get("line") or {}
    top, bottom = py + 10, py + ph - 10
    cols = []
    for d in dims:
        vals = _values(d.get("values"), None, _Categories())
        lo, hi = _range(d.get("range"), vals, False, pad=0.0)
        vals = vals.tolist()
        cols.append((vals, lo, hi))
    n = max(len(c[0]) for c in cols)
    xs = [px + (i / max(1, len(dims) - 1)) * pw if len(dims) > 1 else px + pw / 2 for i in range(len(dims))]
    raw_color = line.get("color")
    numeric = raw_color is not None and not isinstance(raw_color, str)
    color_vals = _values(raw_color, None, _Categories()) if numeric else []
    color_vals = [None if math.isnan(c) else c for c in np.asarray(color_vals, dtype=float).tolist()]
    finite = [c for c in color_vals if c is not None]
    clo, chi = (min(finite), max(finite)) if finite else (0.0, 1.0)
    brushes = [_constraint(d.get("constraintrange")) for d in dims]
    out = ["<g class='parcoords'>"]
    lines: list[tuple[bool, str]] = []
    for row in range(n):
        pts = []
        inside = True
        for x, (vals, lo, hi), ranges in zip(xs, cols, brushes):
            v = vals[row] if row < len(vals) else None
            if v is not None and not math.isnan(v):
                pts.append(f"{x:.1f},{bottom - (v - lo) / ((hi - lo) or 1) * (bottom - top):.1f}")
            if ranges and not (v is not None and any(a <= v <= b for a, b in ranges)):
                inside = False
        cv = color_vals[row] if row < len(color_vals) else None
        color = (_VIRIDIS[min(9, int((cv - clo) / ((chi - clo) or 1) * 9.999))] if cv is not None
                 else (line.get("color") if isinstance(line.get("color"), str) else _COLORWAY[0]))
        if len(pts) > 1:  # a line outside the brush: grey, under the others
            stroke = f"stroke='{_attr(color)}' stroke-opacity='0.8'" if inside else "stroke='#aaa' stroke-opacity='0.55'"
            lines.append((inside, f"<polyline fill='none' {stroke} stroke-width='1.5' points='{' '.join(pts)}'/>"))
    out.extend(text for inside, text in sorted(lines, key=lambda item: item[0]))
    for x, d, (vals, lo, hi), ranges in zip(xs, dims, cols, brushes):
        out.append(f"<line x1='{x:.1f}' x2='{x:.1f}' y1='{top:.1f}' y2='{bottom:.1f}' stroke='#444'/>")
        for a, b in ranges:  # the brush, as the user left it
            y0 = bottom - (min(b, hi) - lo) / ((hi - lo) or 1) * (bottom - top)
            y1 = bottom - (max(a, lo) - lo) / ((hi - lo) or 1) * (bottom - top)
            out.append(f"<rect x='{x - 5:.1f}' y='{y0:.1f}' width='10' height='{max(2.0, y1 - y0):.1f}' "
                       "fill='#1f77b4' fill-opacity='0.3' stroke='#1f77b4'/>")
        out.append(_text(x, top - 8, str(d.get("label", "")), anchor="middle", size=11))
        ticktext, tickvals = d.get("ticktext"), d.get("tickvals")
        if isinstance(ticktext, list) and isinstance(tickvals, list):
            labels = [(float(v), str(t)) for v, t in zip(tickvals, ticktext)]
        else:
            labels = [(lo, _fmt(lo)), (hi, _fmt(hi))]
        for value, label in labels:
            y = bottom - (value - lo) / ((hi - lo) or 1) * (bottom - top)
            out.append(_text(x + 4, y + 3, label, size=9, color="#555"))
    out.append("</g>")
    return "".join(out)


def _constraint(value: Any) -> list[tuple[float, float]]:
    """A parcoords constraintrange ([lo, hi] or [[lo, hi], ...]) as sorted pairs; [] when unbrushed."""
    if not isinstance(value, (list, tuple)) or not value:
        return []
    pairs = value if isinstance(value[0], (list, tuple)) else [value]
    return [(min(float(a), float(b)), max(float(a), float(b))) for a, b in pairs]


# -- text ------------------------------------------------------------------------------


def _annotation(note: dict[str, Any], plot: tuple[float, float, float, float]) -> str:
    if note.get("xref", "paper") != "paper" or note.get("yref", "paper") != "paper" or not note.get("text"):
        return ""
    px, py, pw, ph = plot
    x, y = px + float(note.get("x", 0.5)) * pw, py + (1 - float(note.get("y", 0.5))) * ph
    anchor = {"left": "start", "right": "end"}.get(note.get("xanchor", "center"), "middle")
    dy = -4 if note.get("yanchor") == "bottom" else 4
    font = note.get("font") or {}
    return _text(x, y + dy, _strip_tags(str(note["text"])), anchor=anchor, size=font.get("size", 11),
                 color=font.get("color", "#333"))


def _title_text(title: Any) -> str:
    if isinstance(title, dict):
        title = title.get("text")
    return _strip_tags(str(title)) if title else ""


def _strip_tags(text: str) -> str:
    import re

    return re.sub(r"<[^>]*>", " ", text).strip()


def _text(x: float, y: float, text: str, *, anchor: str = "start", size: float = 11, color: str = "#333",
          weight: str = "normal") -> str:
    return (f"<text x='{x:.1f}' y='{y:.1f}' {_FONT} font-size='{size}' font-weight='{weight}' "
            f"text-anchor='{anchor}' fill='{_attr(color)}'>{html.escape(text)}</text>")


def _color(trace: dict[str, Any]) -> str:
    line, marker = trace.get("line") or {}, trace.get("marker") or {}
    for c in (line.get("color"), marker.get("color")):
        if isinstance(c, str):
            return c
    return _COLORWAY[trace.get("_index", 0) % len(_COLORWAY)]


def _attr(value: str) -> str:
    return html.escape(str(value), quote=True)
