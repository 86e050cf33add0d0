"""Static forms of nbtrack displays: HTML whose charts are SVG pictures, an optional PNG, and text.

These are what survive saving, sharing (untrusted notebooks), nbconvert, nbviewer and GitHub.
What shows by default needs no script: each chart is an `<img>` of an SVG drawn in Python
(:mod:`nbtrack.ui.svg`, a few ms a chart). Where scripts run and plotly.js is on the page, a
small script swaps each picture for the interactive chart drawn from the figure JSON kept
beside it. The first static output of a kernel session carries plotly.js inline (marked
`data-nbtrack-plotlyjs`), later ones rely on it; `nbtrack export` keeps exactly one copy per page.

PNGs (kaleido + a browser) are an optional upgrade made in a child process with a deadline,
never on the path of a cell, a run's finish or the interpreter's exit (see :func:`png_later`).
"""

from __future__ import annotations

import atexit
import base64
import html
import json
import logging
import os
import subprocess
import sys
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import plotly.graph_objects as go

from ._sections import section_html, section_label
from .svg import figure_svg
from .svg_sheet import sheet_svg

__all__ = ["MARKER", "chart_html", "figure_png", "output_metadata", "plotlyjs_script", "png_later",
           "static_bundle", "UPGRADE_SCRIPT"]

MARKER = "nbtrack"  # output metadata key naming nbtrack's own outputs (export re-renders them from data)
FIRST_PNG_DEADLINE = 15.0  # seconds for kaleido to start its browser and draw the first image
PNG_DEADLINE = 5.0  # seconds for each later image
_log = logging.getLogger("nbtrack")
_session = {"plotlyjs_sent": False}


def plotlyjs_script() -> str:
    """plotly.js as one inline, marked script tag (no network needed to render)."""
    from plotly.offline import get_plotlyjs

    return f'<script type="text/javascript" data-nbtrack-plotlyjs="1">{get_plotlyjs()}</script>'


def output_metadata(kind: str) -> dict[str, Any]:
    """The output metadata that marks an output as nbtrack's own (`kind`: run, dashboard, sweep-panel, ...)."""
    return {MARKER: {"kind": kind, "version": 1}}


def _data_uri(svg: str) -> str:
    """An SVG picture as a data: URI (what an `<img>` shows with no script)."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode("ascii")


def chart_html(fig: go.Figure, *, svg: str | None = None) -> str:
    """One chart: its SVG picture (no script needed; `svg` if drawn already) and its figure JSON for the upgrade."""
    spec = json.loads(fig.to_json())
    layout = spec.get("layout") or {}
    height = int(layout.get("height") or 300)
    title = html.escape(str((layout.get("title") or {}).get("text") or "chart"), quote=True)
    data = json.dumps({"data": spec.get("data", []), "layout": layout})
    data = data.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")  # no markup inside
    return (f'<div class="nbtrack-chart" style="max-width:900px">'
            f'<img class="nbtrack-chart-img" alt="{title}" width="900" height="{height}" '
            f'style="max-width:100%;height:auto" src="{_data_uri(svg or figure_svg(spec))}">'
            f'<script type="application/json" class="nbtrack-figure">{data}</script></div>')


# Swaps each picture of the enclosing output for an interactive chart when plotly.js is on the page.
# Parallel coordinates keep their picture: plotly's parcoords takes three WebGL contexts a chart, and a
# page of them reaches the browser's limit.
UPGRADE_SCRIPT = (
    "<script>(function(){var s=document.currentScript,r=s&&s.parentElement,P=window.Plotly;if(!r||!P)return;"
    "r.querySelectorAll('.nbtrack-chart').forEach(function(c){var j=c.querySelector('script.nbtrack-figure'),"
    "i=c.querySelector('img.nbtrack-chart-img');if(!j||!i)return;try{var f=JSON.parse(j.textContent);"
    "if((f.data||[]).some(function(t){return t.type==='parcoords'}))return;"
    "var d=document.createElement('div');d.className='plotly-graph-div';c.insertBefore(d,i);"
    "P.newPlot(d,f.data,f.layout,{displaylogo:false,responsive:true}).then(function(){i.remove()});}catch(e){}});"
    "})();</script>"
)


def static_bundle(
    *, header_html: str, figures: Sequence[go.Figure], text: str,
    root_class: str = "nbtrack-static", attrs: dict[str, str] | None = None, interactive: bool = True,
    sections: Mapping[int, tuple[str, int, bool]] | None = None,
) -> dict[str, Any]:
    """A MIME bundle: text/html (SVG charts, interactive where plotly.js runs), image/svg+xml, text/plain.

    The image/svg+xml is every figure on one sheet (what image-only viewers show); `interactive=False` leaves plotly.js
    and the upgrade script out (a widget's snapshot: replaced often, hidden while the widget lives).
    `sections` puts figure i in a collapsible section: {i: (key group, panel count, open)}.
    """
    parts = []
    if figures and interactive and not _session["plotlyjs_sent"]:
        parts.append(plotlyjs_script())
        _session["plotlyjs_sent"] = True
    attr_text = "".join(f' {k}="{html.escape(v, quote=True)}"' for k, v in (attrs or {}).items())
    parts.append(f'<div class="{root_class}"{attr_text}>{header_html}')
    svgs = [figure_svg(fig) for fig in figures]
    for i, (fig, svg) in enumerate(zip(figures, svgs)):
        section = (sections or {}).get(i)
        parts.append(chart_html(fig, svg=svg) if section is None
                     else section_html(section[0], section[1], chart_html(fig, svg=svg), open_=section[2]))
    if figures and interactive:
        parts.append(UPGRADE_SCRIPT)
    parts.append("</div>")
    bundle: dict[str, Any] = {"text/plain": text, "text/html": "".join(parts)}
    if figures:
        headings = {i: section_label(group, panels) for i, (group, panels, _) in (sections or {}).items()}
        bundle["image/svg+xml"] = sheet_svg(svgs, title=text.splitlines()[0] if text else "", headings=headings)
    return bundle


# -- PNG: optional, in a child process with a deadline ------------------------------------


class _PngWorker:
    """One kaleido child process per interpreter; a missing, failing or hung browser turns PNGs off once."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._proc: subprocess.Popen[str] | None = None
        self._answered = False
        self.disabled: str | None = None  # why PNGs are off, once known

    def render(self, fig: go.Figure | dict[str, Any], width: int, height: int) -> bytes | None:
        """A PNG, or None (no kaleido, no working browser, or past the deadline). Blocks up to the deadline."""
        with self._lock:
            if self.disabled is not None:
                return None
            if os.environ.get("NBTRACK_PNG", "1") == "0":
                self.disabled = "NBTRACK_PNG=0"
                return None
            import importlib.util

            if importlib.util.find_spec("kaleido") is None:
                self.disabled = "kaleido is not installed"  # SVG pictures cover it: no note
                return None
            spec = fig if isinstance(fig, dict) else json.loads(fig.to_json())
            request = json.dumps({"figure": spec, "width": width, "height": height}) + "\n"
            deadline = PNG_DEADLINE if self._answered else FIRST_PNG_DEADLINE
            answer = self._ask(request, deadline)
            if answer is None:
                self._off(f"kaleido gave no image within {deadline:.0f} s (a missing or hung browser?)")
                return None
            if "error" in answer:
                self._off(f"kaleido failed: {answer['error']}")
                return None
            self._answered = True
            return base64.b64decode(answer["png"])

    def _ask(self, request: str, deadline: float) -> dict[str, Any] | None:
        if self._proc is None or self._proc.poll() is not None:
            self._proc = subprocess.Popen(
                [sys.executable, "-m", "nbtrack.ui._png_worker"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL, text=True, start_new_session=True,
            )
        proc = self._proc
        box: list[str] = []

        def exchange() -> None:
            try:
                proc.stdin.write(request)  # type: ignore[union-attr]
                proc.stdin.flush()  # type: ignore[union-attr]
                box.append(proc.stdout.readline())  # type: ignore[union-attr]
            except (OSError, ValueError):
                pass

        talker = threading.Thread(target=exchange, name="nbtrack-png", daemon=True)
        talker.start()
        talker.join(deadline)
        if not box or not box[0]:
            self.close()
            return None
        try:
            return json.loads(box[0])
        except ValueError:
            self.close()
            return None

    def _off(self, why: str) -> None:
        self.disabled = why
        self.close()
        _log.warning("nbtrack: PNG images are off for this session (%s); every chart is still saved as an SVG "
                     "picture and HTML. To get PNGs too, install Chrome or Chromium (or point BROWSER_PATH at "
                     "it); NBTRACK_PNG=0 turns PNGs off without this note.", why)

    def close(self) -> None:
        """Kill the child (and its browser) if it runs."""
        proc, self._proc = self._proc, None
        if proc is None or proc.poll() is not None:
            return
        import psutil

        try:  # kaleido starts the browser in a session of its own: kill the whole tree
            family = [psutil.Process(proc.pid), *psutil.Process(proc.pid).children(recursive=True)]
        except psutil.Error:
            family = []
        for member in family:
            try:
                member.kill()
            except psutil.Error:
                pass
        proc.wait(timeout=5)


_png = _PngWorker()
atexit.register(_png.close)


def figure_png(fig: go.Figure, *, width: int = 900, height: int | None = None) -> bytes | None:
    """A PNG made by kaleido in a child process; None when it cannot (waits at most the deadline)."""
    return _png.render(fig, width, height or fig.layout.height or 300)


def png_later(fig: go.Figure, done: Callable[[str], None], *, width: int = 900) -> None:
    """Make the figure's PNG on a background thread and call `done(base64)` if one was made."""
    if _png.disabled is not None:
        return
    spec = json.loads(fig.to_json())  # a snapshot: the caller may change the figure meanwhile
    height = int((spec.get("layout") or {}).get("height") or 300)

    def work() -> None:
        png = _png.render(spec, width, height)
        if png is not None:
            try:
                done(base64.b64encode(png).decode("ascii"))
            except Exception as exc:  # the display went away: the PNG was only an extra
                _log.debug("nbtrack: PNG not shown: %s", exc)

    threading.Thread(target=work, name="nbtrack-png-later", daemon=True).start()
