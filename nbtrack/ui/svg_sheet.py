"""Every chart of an output on one SVG picture: what a front end that shows only images shows.

A bundle's ``image/svg+xml`` is the only form GitHub-like viewers, image-only renderers and
"image" mime choosers draw; one figure there left the others out. The sheet stacks the output's
figures (each drawn by :func:`nbtrack.ui.svg.figure_svg`) under a title line, with a heading over
each section; ids inside each chart are prefixed so that one chart's clip paths never clip another.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence

__all__ = ["sheet_svg"]

_TITLE_HEIGHT = 28
_HEADING_HEIGHT = 26
_SIZE = re.compile(r"^<svg\b[^>]*?\swidth='(\d+)'[^>]*?\sheight='(\d+)'")
_ID = re.compile(r"""\bid=(['"])([^'"]+)\1""")
_REF = re.compile(r"url\(#([^)]+)\)")


def sheet_svg(charts: Sequence[str], *, title: str = "", headings: Mapping[int, str] | None = None) -> str:
    """One SVG document: `title`, then each chart's SVG (from figure_svg) in order, `headings[i]` over chart i."""
    parts: list[str] = []
    y = _TITLE_HEIGHT if title else 0
    width = 0
    for i, chart in enumerate(charts):
        size = _SIZE.match(chart)
        if size is None:
            raise ValueError(f"chart {i} is not an SVG document with a width and height")
        w, h = int(size.group(1)), int(size.group(2))
        heading = (headings or {}).get(i)
        if heading:
            parts.append(_line(8, y + 18, heading, size=14))
            y += _HEADING_HEIGHT
        prefix = f"c{i}-"
        body = _ID.sub(lambda m: f"id={m.group(1)}{prefix}{m.group(2)}{m.group(1)}", chart)
        body = _REF.sub(lambda m: f"url(#{prefix}{m.group(1)})", body)
        parts.append(f"<g class='nbtrack-sheet-chart' transform='translate(0,{y})'>{body}</g>")
        y += h
        width = max(width, w)
    width, y = width or 600, max(y, 1)
    head = (f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{y}' viewBox='0 0 {width} {y}'>"
            f"<rect width='{width}' height='{y}' fill='white'/>")
    top = _line(8, 19, title, size=13, color="#555") if title else ""
    return head + top + "".join(parts) + "</svg>"


def _line(x: float, y: float, text: str, *, size: int, color: str = "#222") -> str:
    return (f"<text x='{x}' y='{y}' font-family='sans-serif' font-size='{size}' font-weight='bold' "
            f"fill='{color}'>{html.escape(text)}</text>")
