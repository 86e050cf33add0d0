"""The standalone report page: its CSS, lazily drawn charts, runs table and comments, written offline.

Shared by `nbtrack.report` (a project's report) and `nbtrack.Report` (saved reports). Apart from
`nbtrack/report.py` so that importing it never binds the package attribute `nbtrack.report` (the
function) to a module.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from .store import Store
from .ui.static import chart_html, plotlyjs_script

if TYPE_CHECKING:
    import plotly.graph_objects as go

__all__ = ["MAX_CURVE_RUNS", "REPORT_POINTS", "CSS", "LAZY_SCRIPT", "lazy_figure", "markdown_html", "runs_table_html",
           "comments_section", "page_html", "write_page"]

MAX_CURVE_RUNS = 20  # metric charts overlay at most this many runs (the best by the main metric)
REPORT_POINTS = 500  # points per curve in a report (min/max buckets keep spikes)

CSS = """
body{font-family:-apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif;margin:0 auto;max-width:1200px;
padding:24px;color:#222}h1{margin-bottom:4px}.meta{color:#777;margin-bottom:24px}
table{border-collapse:collapse;font-size:12px;margin:8px 0 24px}th,td{border-bottom:1px solid #eee;
padding:3px 8px;text-align:left;white-space:nowrap}th{background:#fafafa;position:sticky;top:0}
.tablewrap{max-height:420px;overflow:auto;border:1px solid #eee}.state-failed,.state-crashed{color:#d62728}
.state-finished{color:#2ca02c}.state-running{color:#1f77b4}.state-killed{color:#ff7f0e}.state-pruned{color:#7f7f7f}
section{margin-bottom:32px}.note{color:#777;font-size:12px}
"""


# Charts draw one per task (so each paints before the next starts), those in view first, the rest
# once the page has loaded: the page opens at the cost of plotly.js and its first screen.
LAZY_SCRIPT = """<script>(function(){
var queue=[],busy=false;
function draw(el){if(el.dataset.drawn)return;el.dataset.drawn="1";var f=JSON.parse(el.getAttribute("data-figure"));
Plotly.newPlot(el,f.data,f.layout,{displaylogo:false,responsive:true});}
function pump(){if(busy)return;busy=true;setTimeout(function(){busy=false;var el=queue.shift();if(el){draw(el);pump();}},0);}
function first(list){queue=list.concat(queue.filter(function(x){return list.indexOf(x)<0;}));pump();}
var els=Array.prototype.slice.call(document.querySelectorAll(".nbtrack-lazy"));
if("IntersectionObserver" in window){var io=new IntersectionObserver(function(es){var seen=es.filter(function(e){
return e.isIntersecting;}).map(function(e){io.unobserve(e.target);return e.target;});first(seen);});
els.forEach(function(el){io.observe(el);});}
window.addEventListener("load",function(){queue=queue.concat(els.filter(function(x){return queue.indexOf(x)<0;}));pump();});
})();</script>"""


def lazy_figure(fig: go.Figure) -> str:
    """A chart placeholder holding its figure JSON (escaped), drawn by `LAZY_SCRIPT`.

    Parallel coordinates stay an SVG picture: plotly's parcoords takes three WebGL contexts a chart,
    and a report with a few of them would reach the browser's limit.
    """
    if any(trace.type == "parcoords" for trace in fig.data):
        return chart_html(fig)
    height = int(fig.layout.height or 300)
    return (f"<div class='nbtrack-lazy plotly-graph-div' style='min-height:{height}px' "
            f"data-figure=\"{html.escape(fig.to_json(), quote=True)}\"></div>")


def markdown_html(text: str) -> str:
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": False}).render(text)


def runs_table_html(frame: pd.DataFrame) -> str:
    cols = ["name", "id", "state", "created_at", "runtime", "tags", "sweep_id"] + [
        c for c in frame.columns if c.startswith(("config.", "summary."))
    ]
    head = "".join(f"<th>{html.escape(c)}</th>" for c in cols)
    rows = []
    for _, row in frame.iterrows():
        cells = []
        for c in cols:
            value = row[c]
            if c == "created_at":
                text = value.strftime("%Y-%m-%d %H:%M") if not pd.isna(value) else ""
            elif isinstance(value, float):
                text = "" if pd.isna(value) else f"{value:.5g}"
            elif isinstance(value, (list, tuple)):
                text = ", ".join(map(str, value))
            else:
                text = "" if value is None or (not isinstance(value, (dict, list)) and pd.isna(value)) else str(value)
            klass = f" class='state-{html.escape(text)}'" if c == "state" else ""
            cells.append(f"<td{klass}>{html.escape(text)}</td>")
        rows.append(f"<tr data-run-id='{html.escape(str(row['id']))}'>{''.join(cells)}</tr>")
    return f"<div class='tablewrap'><table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"


def comments_section(frame: pd.DataFrame, store: Store, *, heading: bool = True) -> str:
    """The comments left on the report's runs, per run, oldest first ('' when there are none)."""
    from .ui.comments_view import comments_html

    by_run: dict[str, list[Any]] = {}
    for comment in store.list_comments([str(i) for i in frame["id"]]):
        by_run.setdefault(comment.run_id, []).append(comment)
    if not by_run:
        return ""
    names = dict(zip(frame["id"].astype(str), frame["name"].astype(str)))
    parts = [f"<h3 data-run-id='{html.escape(run_id)}'>{html.escape(names[run_id])} "
             f"<span class='note'>{html.escape(run_id)}</span></h3>{comments_html(comments)}"
             for run_id, comments in by_run.items()]
    if not heading:
        return "".join(parts)
    return "<section class='comments'><h2>Comments</h2>" + "".join(parts) + "</section>"


def page_html(title: str, body: Sequence[str]) -> str:
    """A whole standalone page: escaped title, the report CSS, plotly.js inlined once, the lazy drawer."""
    return ("<!DOCTYPE html><html><head><meta charset='utf-8'>"
            f"<title>{html.escape(title)}</title><style>{CSS}</style>{plotlyjs_script()}</head>"
            f"<body>{''.join(body)}{LAZY_SCRIPT}</body></html>")


def write_page(path: Path, title: str, body: Sequence[str]) -> Path:
    """Write the page of `body` to `path` (parents made) and return the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page_html(title, body), encoding="utf-8")
    return path
