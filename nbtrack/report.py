"""`nbtrack.report`: a standalone HTML page of a project that opens offline in any browser.

Drawn by the same figure builders as the notebook views; plotly.js inlined once; every
user-supplied string escaped (markdown sections are rendered with raw HTML disabled).
"""

from __future__ import annotations

import base64
import html
import os
import time
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from ._query import history, runs as runs_frame
from ._report_page import MAX_CURVE_RUNS, REPORT_POINTS, write_page
from ._report_page import comments_section as _comments_section
from ._report_page import lazy_figure as _lazy_figure
from ._report_page import markdown_html as _markdown
from ._report_page import runs_table_html as _runs_table
from .store import Store, open_store
from .sweeps._objective import objectives
from .ui._sweep_extras import sweep_extra_figures
from .ui._importance import importance_table
from .ui._sections import section_html
from .ui.charts import (
    group_keys, importance_table_figure, line_figure, metric_curves, param_columns,
    parallel_data, parallel_figure, run_colors,
)

__all__ = ["report"]


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


MAX_MEDIA = 24  # newest media values (per run and key) a report shows
MAX_MEDIA_BYTES = 12_000_000


def _media_section(hist: pd.DataFrame, names: Mapping[str, str], store: Store) -> list[str]:
    """The newest media value of each run and key, in its script-free form (charts as lazy figures)."""
    from ._media import load
    from .ui.media_players import custom_chart_value_figure, rich_html

    parts: list[str] = []
    budget = MAX_MEDIA_BYTES
    for key in [c for c in hist.columns if hist[c].dtype == object and c != "run_id"]:
        for run_id, column in hist.groupby("run_id")[key]:
            value = next((v for v in reversed(list(column)) if isinstance(v, dict) and "_type" in v), None)
            if value is None or len(parts) >= MAX_MEDIA:
                continue
            title = f"{key} · {names.get(str(run_id), run_id)}"
            try:
                kind = value["_type"]
                if kind == "custom-chart":
                    part = _lazy_figure(custom_chart_value_figure(value, store=store, title=title))
                elif kind == "plotly-file":
                    part = _lazy_figure(load(value, store=store).to_figure().update_layout(title=title))
                elif kind == "image-file":
                    png = load(value, store=store).display_png()
                    part = (f"<figure style='display:inline-block;margin:4px'><img style='max-width:360px' "
                            f"src='data:image/png;base64,{base64.b64encode(png).decode()}'>"
                            f"<figcaption class='note'>{html.escape(title)}</figcaption></figure>")
                elif kind in ("audio-file", "video-file", "html-file", "object3d-file"):
                    part = rich_html(value, store=store, title=title)
                else:
                    continue
            except (OSError, ValueError, KeyError):
                continue
            budget -= len(part)
            if budget < 0:
                return parts
            parts.append(part)
    return parts


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
        _comments_section(frame, st),
    ]
    colors = run_colors(frame["id"])
    chosen = frame
    if main is not None and len(frame) > MAX_CURVE_RUNS:
        chosen = frame.sort_values(f"summary.{main}", ascending=(goal == "minimize")).head(MAX_CURVE_RUNS)
    hist = history(list(chosen["id"]), store=st)
    names = dict(zip(frame["id"], frame["name"]))
    keys = [c for c in hist.columns if c not in ("run_id", "_step", "_timestamp") and pd.api.types.is_numeric_dtype(hist[c])]
    if keys:
        charts = [  # W&B's workspace: a section per key prefix, a panel per key
            section_html(name, len(group), _lazy_figure(line_figure(
                {k: metric_curves(hist, k, names=names, max_points=REPORT_POINTS) for k in group}, colors=colors)))
            for name, group in group_keys(keys).items() if group
        ]
        note = (f"<p class='note'>Curves of the {MAX_CURVE_RUNS} best runs by {html.escape(main)}.</p>"
                if len(chosen) < len(frame) and main else "")
        body.append("<section><h2>Metrics</h2>" + note + "".join(charts) + "</section>")
    if main is not None and param_columns(frame):
        body.append("<section><h2>Parameters</h2>" + _lazy_figure(parallel_figure(
            parallel_data(frame, f"summary.{main}"), title=f"parallel coordinates ({main})")))
        table = importance_table(frame, f"summary.{main}", goal=goal)
        body.append(_lazy_figure(importance_table_figure(table, metric=main)) + "</section>")
    media = _media_section(hist, names, st)
    if media:
        body.append("<section><h2>Media</h2>" + "".join(media) + "</section>")
    sweeps = _sweep_section(frame, st)
    if sweeps:
        body.append("<section><h2>Sweeps</h2>" + "".join(sweeps) + "</section>")
    return write_page(Path(path) if path is not None else Path(f"{project}-report.html"), title, body)

