"""Figure builders for nbtrack's sweep extensions: the Pareto front, PBT's lineage and hyperparameter schedules.

Data in (the frames `nbtrack.pareto_front` and `nbtrack.sweeps.pbt_lineage` compute), figure out;
the sweep panel, the dashboard and the HTML report draw the same figures from them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .charts import HEIGHT, PALETTE, _empty_figure, _style

__all__ = ["pareto_figure", "pbt_lineage_figure", "pbt_schedule_figure"]


def pareto_figure(frame: pd.DataFrame, goals: Sequence[Mapping[str, Any]]) -> go.Figure:
    """Every scored trial on the first two objectives; the Pareto front highlighted and joined.

    `frame` is `pareto_front(sweep_id, all_trials=True)`; further objectives show in the hover.
    """
    names = [g["name"] for g in goals]
    title = "Pareto front" + (f": {names[0]} ({goals[0]['goal']}) vs {names[1]} ({goals[1]['goal']})"
                              if len(names) >= 2 else "")
    if len(names) < 2:
        return _empty_figure(title, "a Pareto front needs two objectives (metric: [{name, goal}, ...])")
    if frame.empty:
        return _empty_figure(title, "No finished trial with every objective yet")
    hover = "%{text}<br>" + "<br>".join(f"{n} %{{customdata[{i}]:.4g}}" for i, n in enumerate(names)) + "<extra></extra>"
    fig = go.Figure()
    for on_front, label, style in ((False, "dominated", {"color": "#b0b4b8", "size": 7}),
                                   (True, "Pareto front", {"color": PALETTE[0], "size": 10})):
        part = frame[frame["on_front"] == on_front]
        if part.empty:
            continue
        fig.add_scatter(x=part[names[0]], y=part[names[1]], mode="markers", name=label, marker=style,
                        text=part["name"], customdata=part[names].to_numpy(), hovertemplate=hover)
    front = frame[frame["on_front"]].sort_values(names[0])
    fig.add_scatter(x=front[names[0]], y=front[names[1]], mode="lines", line={"color": PALETTE[0], "shape": "hv",
                    "width": 1}, hoverinfo="skip", showlegend=False)
    _style(fig, title, HEIGHT)
    fig.update_layout(xaxis_title=names[0], yaxis_title=names[1])
    return fig


def pbt_lineage_figure(lineage: pd.DataFrame, metric: str) -> go.Figure:
    """Each member's metric by generation, one line per member; an exploit is a dashed jump from its source.

    `lineage` is `pbt_lineage(sweep_id)`: one row per segment (member, generation, action,
    source_member, score).
    """
    title = f"PBT population: {metric} by generation (dashed: copied from a better member)"
    if lineage.empty:
        return _empty_figure(title, "No segment yet")
    fig = go.Figure()
    for member, rows in lineage.sort_values("generation").groupby("member"):
        color = PALETTE[int(member) % len(PALETTE)]
        fig.add_scatter(x=rows["generation"], y=rows["score"], mode="lines+markers", name=f"member {member}",
                        line={"color": color}, marker={"color": color, "size": 7}, text=rows["action"],
                        hovertemplate=f"member {member}<br>generation %{{x}}<br>{metric} %{{y:.4g}}<br>"
                                      "%{text}<extra></extra>")
    scores = {(int(r.member), int(r.generation)): r.score for r in lineage.itertuples()}
    for r in lineage[lineage["action"] == "exploit"].itertuples():
        source = scores.get((int(r.source_member), int(r.generation) - 1))
        if source is None:
            continue
        fig.add_scatter(x=[r.generation - 1, r.generation], y=[source, r.score], mode="lines", showlegend=False,
                        line={"color": PALETTE[int(r.member) % len(PALETTE)], "dash": "dash", "width": 1},
                        hovertemplate=f"member {r.member} copied member {r.source_member}<extra></extra>")
    _style(fig, title, HEIGHT)
    fig.update_layout(xaxis_title="generation", yaxis_title=metric)
    return fig


def pbt_schedule_figure(lineage: pd.DataFrame, params: Sequence[str]) -> go.Figure:
    """Each member's value of each hyperparameter over generations (its schedule): one panel per parameter."""
    params = [p for p in params if f"config.{p}" in lineage.columns]
    title = f"PBT schedules by generation: {', '.join(params)}"
    if lineage.empty or not params:
        return _empty_figure(title, "No segment yet")
    fig = make_subplots(rows=len(params), cols=1, shared_xaxes=True, vertical_spacing=0.06)
    for row, param in enumerate(params, 1):
        for member, rows in lineage.sort_values("generation").groupby("member"):
            color = PALETTE[int(member) % len(PALETTE)]
            fig.add_scatter(x=rows["generation"], y=rows[f"config.{param}"], mode="lines+markers",
                            name=f"member {member}", legendgroup=f"member {member}", showlegend=row == 1,
                            line={"color": color, "shape": "hv"}, marker={"color": color, "size": 6},
                            hovertemplate=f"member {member}<br>generation %{{x}}<br>{param} %{{y}}<extra></extra>",
                            row=row, col=1)
        fig.update_yaxes(title_text=param, row=row, col=1)
    _style(fig, title, HEIGHT + 140 * (len(params) - 1))
    fig.update_xaxes(title_text="generation", row=len(params), col=1)
    return fig
