"""Static forms of nbtrack displays: HTML with plotly figures, a PNG, and text.

These are what survive saving, nbconvert, nbviewer and GitHub. The first static
output of a kernel session carries plotly.js inline (marked `data-nbtrack-plotlyjs`),
later ones rely on it; `nbtrack export` keeps exactly one copy per page.
"""

from __future__ import annotations

import base64
import html
import os
import threading
from collections.abc import Sequence
from typing import Any

import plotly.graph_objects as go
import plotly.io as pio

__all__ = ["figure_html", "plotlyjs_script", "figure_png", "static_bundle"]

_session = {"plotlyjs_sent": False}
_png_lock = threading.Lock()
_png_state: dict[str, Any] = {"server": False, "broken": False}


def plotlyjs_script() -> str:
    """plotly.js as one inline, marked script tag (no network needed to render)."""
    from plotly.offline import get_plotlyjs

    return f'<script type="text/javascript" data-nbtrack-plotlyjs="1">{get_plotlyjs()}</script>'


def figure_html(fig: go.Figure, *, div_id: str | None = None) -> str:
    """One figure as an HTML fragment that expects plotly.js on the page."""
    return pio.to_html(
        fig, full_html=False, include_plotlyjs=False, div_id=div_id,
        config={"displaylogo": False, "responsive": True},
    )


def figure_png(fig: go.Figure, *, width: int = 900, height: int | None = None) -> bytes | None:
    """Render a PNG offline with kaleido and the system Chromium; None when no renderer is available."""
    if os.environ.get("NBTRACK_PNG", "1") == "0" or _png_state["broken"]:
        return None
    try:
        import kaleido
    except ImportError:
        return None
    with _png_lock:
        try:
            if not _png_state["server"]:
                kaleido.start_sync_server(silence_warnings=True)
                _png_state["server"] = True
            import warnings

            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return pio.to_image(fig, format="png", width=width, height=height or fig.layout.height or 300)
        except Exception:  # no Chromium, sandbox trouble, ...: HTML alone still renders
            _png_state["broken"] = True
            return None


def static_bundle(
    *, header_html: str, figures: Sequence[go.Figure], text: str, png_figure: go.Figure | None = None,
    root_class: str = "nbtrack-static", attrs: dict[str, str] | None = None,
) -> dict[str, Any]:
    """A MIME bundle: text/html (figures, plotly.js once per session), image/png if renderable, text/plain."""
    parts = []
    if figures and not _session["plotlyjs_sent"]:
        parts.append(plotlyjs_script())
        _session["plotlyjs_sent"] = True
    png = figure_png(png_figure) if png_figure is not None else None
    png_b64 = base64.b64encode(png).decode("ascii") if png is not None else None
    attr_text = "".join(f' {k}="{html.escape(v, quote=True)}"' for k, v in (attrs or {}).items())
    parts.append(f'<div class="{root_class}"{attr_text}>{header_html}')
    parts.extend(figure_html(fig) for fig in figures)
    if png_b64 is not None and figures:
        # Where plotly.js is missing from the page (the output that carried it was cleared or
        # re-run), show the PNG instead of blank chart boxes.
        parts.append(f'<img class="nbtrack-png" style="display:none;max-width:100%" src="data:image/png;base64,{png_b64}">'
                     + _PNG_FALLBACK_SCRIPT)
    parts.append("</div>")
    bundle: dict[str, Any] = {"text/plain": text, "text/html": "".join(parts)}
    if png_b64 is not None:
        bundle["image/png"] = png_b64
    return bundle


_PNG_FALLBACK_SCRIPT = (
    "<script>(function(){var s=document.currentScript,r=s&&s.parentElement;if(!r||window.Plotly)return;"
    "r.querySelectorAll('.plotly-graph-div').forEach(function(d){d.style.display='none'});"
    "r.querySelector('.nbtrack-png').style.display='block';})();</script>"
)
