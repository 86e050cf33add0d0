"""`nbtrack.report`: a standalone HTML page of a project that opens offline in any browser.

Drawn by the same figure builders as the notebook views; plotly.js inlined once; every
user-supplied string escaped (markdown sections are rendered with raw HTML disabled).
"""

from __future__ import annotations

import html
import os
import time
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from ._query import history, runs as runs_frame
from .store import Store, open_store
from .sweeps._objective import objectives
from .ui._sweep_extras import sweep_extra_figures
from .ui.charts import (
    group_keys, importance_figure, line_figure, metric_curves, param_columns, param_importance,
    parallel_data, parallel_figure, run_colors,
)
from .ui.static import plotlyjs_script

__all__ = ["report"]

MAX_CURVE_RUNS = 20  # metric charts overlay at most this many runs (the best by the main metric)
REPORT_POINTS = 500  # points per curve in a report (min/max buckets keep spikes)

_CSS = """
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
_LAZY_SCRIPT = """<script>(function(){
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


def _lazy_figure(fig: go.Figure) -> str:
    """A chart placeholder holding its figure JSON (escaped), drawn by `_LAZY_SCRIPT`."""
    height = int(fig.layout.height or 300)
    return (f"<div class='nbtrack-lazy plotly-graph-div' style='min-height:{height}px' "
            f"data-figure=\"{html.escape(fig.to_json(), quote=True)}\"></div>")


def _markdown(text: str) -> str:
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": False}).render(text)


def _sections(sections: Iterable[Any] | Mapping[str, str] | None) -> list[str]:
    if not sections:
        return []
    items = sections.items() if isinstance(sections, Mapping) else (
        (s if isinstance(s, tuple) else (None, s)) for s in sections
    )
    out = []
    for heading, body in items:
        head = f"<h2>{html.escape(str(heading))}</h2>" if heading else ""
        out.append(f"<section class='user'>{head}{_markdown(str(body))}</section>")
    return out


def _runs_table(frame: pd.DataFrame) -> str:
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


def _main_metric(frame: pd.DataFrame, metric: str | None) -> str | None:
    if metric is not None:
        return metric if f"summary.{metric}" in frame.columns else None
    numeric = [c for c in frame.columns if c.startswith("summary.") and pd.api.types.is_numeric_dtype(frame[c])]
    return numeric[0][len("summary."):] if numeric else None


def _sweep_section(frame: pd.DataFrame, store: Store) -> list[str]:
    parts = []
    for sweep_id in [s for s in frame["sweep_id"].dropna().unique()]:
        sweep = store.get_sweep(sweep_id)
        if sweep is None:
            continue
        first = (objectives(sweep.config) or [{}])[0]  # a multi-objective sweep: its first objective
        metric, goal = first.get("name"), first.get("goal", "minimize")
        extras = "".join(_lazy_figure(f) for f in sweep_extra_figures(store, sweep_id, sweep.config).values())
        trials = frame[frame["sweep_id"] == sweep_id].sort_values("created_at")
        head = (f"<h3>Sweep {html.escape(sweep_id)} <span class='note'>{html.escape(sweep.config['method'])}, "
                f"{len(trials)} trials, {html.escape(sweep.state)}</span></h3>")
        col = f"summary.{metric}" if metric else None
        if col is None or col not in trials.columns or trials[col].dropna().empty:
            parts.append(head + extras)
            continue
        values = trials[col].astype(float)
        best_idx = values.idxmax() if goal == "maximize" else values.idxmin()
        best = trials.loc[best_idx]
        running = values.cummax() if goal == "maximize" else values.cummin()
        fig = go.Figure([
            go.Scatter(x=list(range(1, len(values) + 1)), y=values, mode="markers", name=metric,
                       text=trials["name"]),
            go.Scatter(x=list(range(1, len(values) + 1)), y=running, mode="lines", name="best so far"),
        ])
        fig.update_layout(title=f"{metric} by trial", height=300, template="plotly_white",
                          margin=dict(l=50, r=20, t=40, b=40), xaxis_title="trial")
        config = {k[len("config."):]: best[k] for k in trials.columns if k.startswith("config.") and not pd.isna(best[k])}
        parts.append(head + f"<p>best run <b>{html.escape(str(best['name']))}</b> ({html.escape(str(best['id']))}): "
                     f"{html.escape(metric)} = {best[col]:.5g}</p><pre>{html.escape(_yaml(config))}</pre>"
                     + _lazy_figure(fig) + extras)
    return parts


def _yaml(data: Mapping[str, Any]) -> str:
    import yaml

    return yaml.safe_dump({k: (v.item() if hasattr(v, "item") else v) for k, v in data.items()}, sort_keys=True)


def report(
    project: str,
    runs: Sequence[str] | pd.DataFrame | None = None,
    title: str | None = None,
    sections: Iterable[Any] | Mapping[str, str] | None = None,
    path: str | os.PathLike[str] | None = None,
    *,
    metric: str | None = None,
    store: Store | None = None,
) -> Path:
    """Write a standalone HTML report of `project` (or of the given runs) and return its path."""
    st = store or open_store()
    frame = runs_frame(project, store=st)
    if runs is not None:
        ids = list(runs["id"]) if isinstance(runs, pd.DataFrame) else list(runs)
        frame = frame[frame["id"].isin(ids)].reset_index(drop=True)
    if frame.empty:
        raise ValueError(f"report: project {project!r} has no runs in {st.url}")
    title = title or f"nbtrack report: {project}"
    main = _main_metric(frame, metric)
    goal = "minimize" if main is None or "loss" in main or "err" in main else "maximize"
    body: list[str] = [
        f"<h1>{html.escape(title)}</h1><div class='meta'>project {html.escape(project)} · {len(frame)} runs · "
        f"generated {time.strftime('%Y-%m-%d %H:%M')}</div>",
        *_sections(sections),
        "<section><h2>Runs</h2>" + _runs_table(frame) + "</section>",
    ]
    colors = run_colors(frame["id"])
    chosen = frame
    if main is not None and len(frame) > MAX_CURVE_RUNS:
        chosen = frame.sort_values(f"summary.{main}", ascending=(goal == "minimize")).head(MAX_CURVE_RUNS)
    hist = history(list(chosen["id"]), store=st)
    names = dict(zip(frame["id"], frame["name"]))
    keys = [c for c in hist.columns if c not in ("run_id", "_step", "_timestamp") and pd.api.types.is_numeric_dtype(hist[c])]
    if keys:
        charts = [
            _lazy_figure(line_figure({k: metric_curves(hist, k, names=names, max_points=REPORT_POINTS) for k in group},
                                    title=name, colors=colors))
            for name, group in group_keys(keys).items() if group
        ]
        note = (f"<p class='note'>Curves of the {MAX_CURVE_RUNS} best runs by {html.escape(main)}.</p>"
                if len(chosen) < len(frame) and main else "")
        body.append("<section><h2>Metrics</h2>" + note + "".join(charts) + "</section>")
    if main is not None and param_columns(frame):
        body.append("<section><h2>Parameters</h2>" + _lazy_figure(parallel_figure(
            parallel_data(frame, f"summary.{main}"), title=f"parallel coordinates ({main})")))
        table = param_importance(frame, f"summary.{main}", goal=goal)
        body.append(_lazy_figure(importance_figure(table, metric=main)) + "</section>")
    sweeps = _sweep_section(frame, st)
    if sweeps:
        body.append("<section><h2>Sweeps</h2>" + "".join(sweeps) + "</section>")
    page = (
        "<!DOCTYPE html><html><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title><style>{_CSS}</style>{plotlyjs_script()}</head>"
        f"<body>{''.join(body)}{_LAZY_SCRIPT}</body></html>"
    )
    out = Path(path) if path is not None else Path(f"{project}-report.html")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(page, encoding="utf-8")
    return out
