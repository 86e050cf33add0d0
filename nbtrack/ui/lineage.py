"""The lineage figure: runs and artifact versions in layers, data flowing left to right.

Compute, then render: `lineage_layout(graph)` places the nodes (pure, tested with ==);
`lineage_figure(graph)` draws them with plotly::

    fig = lineage_figure(nbtrack.lineage("model:latest"))
"""

from __future__ import annotations

from collections.abc import Mapping

import plotly.graph_objects as go

from nbtrack.artifacts import Lineage, LineageNode, lineage
from nbtrack.ui.charts import HEIGHT, PALETTE

__all__ = ["lineage_layers", "lineage_layout", "lineage_figure"]

_RUN_COLORS = {"finished": "#2ca02c", "failed": "#d62728", "crashed": "#d62728", "killed": "#ff7f0e",
               "running": "#1f77b4", "pruned": "#9467bd"}
_MAX_ARROWS = 150  # above this many edges, plain lines (annotations get slow)


def lineage_layers(graph: Lineage) -> dict[str, int]:
    """Each node's layer: the longest path leading to it (cycles, which reuse can make, are cut)."""
    preds: dict[str, list[str]] = {n.id: [] for n in graph.nodes}
    for e in graph.edges:
        preds[e.target].append(e.source)
    layer = dict.fromkeys(preds, 0)
    for _ in range(len(layer)):
        changed = False
        for node, sources in preds.items():
            best = max((layer[s] + 1 for s in sources), default=0)
            if best > layer[node] and best < len(layer):
                layer[node], changed = best, True
        if not changed:
            break
    low = min(layer.values(), default=0)
    return {k: v - low for k, v in layer.items()}


def lineage_layout(graph: Lineage) -> dict[str, tuple[float, float]]:
    """(x, y) per node: x is the layer, y the position in it (centred, ordered to follow predecessors)."""
    layers = lineage_layers(graph)
    order = {n.id: i for i, n in enumerate(graph.nodes)}
    preds: dict[str, list[str]] = {n.id: [] for n in graph.nodes}
    for e in graph.edges:
        preds[e.target].append(e.source)
    columns: dict[int, list[str]] = {}
    for node_id in sorted(layers, key=lambda k: (layers[k], order[k])):
        columns.setdefault(layers[node_id], []).append(node_id)
    y: dict[str, float] = {}
    for x in sorted(columns):
        ids = columns[x]

        def barycentre(node_id: str) -> float:
            placed = [y[p] for p in preds[node_id] if p in y]
            return sum(placed) / len(placed) if placed else float("inf")

        ids.sort(key=lambda k: (barycentre(k), order[k]))
        for i, node_id in enumerate(ids):
            y[node_id] = (len(ids) - 1) / 2 - i
    return {k: (float(layers[k]), y[k]) for k in order}


def _hover(node: LineageNode) -> str:
    if node.kind == "artifact":
        extra = f"<br>aliases: {', '.join(node.aliases)}" if node.aliases else ""
        extra += f"<br>registry: {', '.join(node.registry)}" if node.registry else ""
        return f"<b>{node.label}</b><br>artifact ({node.type}){extra}"
    if node.state is None:
        return f"<b>{node.label}</b><br>run (deleted)"
    job = f"<br>job: {node.type}" if node.type else ""
    return f"<b>{node.label}</b><br>run in {node.project}: {node.state}{job}"


def lineage_figure(graph: Lineage | str, *, title: str | None = None,
                   positions: Mapping[str, tuple[float, float]] | None = None) -> go.Figure:
    """Draw a lineage graph (or the lineage of `"name:alias"`): squares are artifact versions, circles runs."""
    if isinstance(graph, str):
        graph = lineage(graph)
    pos = dict(positions or lineage_layout(graph))
    root = graph.node(graph.root)
    fig = go.Figure()
    xs: list[float | None] = []
    ys: list[float | None] = []
    for e in graph.edges:
        (x0, y0), (x1, y1) = pos[e.source], pos[e.target]
        xs += [x0, x1, None]
        ys += [y0, y1, None]
    fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", line={"color": "#9aa0a6", "width": 1.2},
                             hoverinfo="skip", showlegend=False, name="edges"))
    if len(graph.edges) <= _MAX_ARROWS:
        for e in graph.edges:
            (x0, y0), (x1, y1) = pos[e.source], pos[e.target]
            fig.add_annotation(x=x0 + 0.82 * (x1 - x0), y=y0 + 0.82 * (y1 - y0), ax=x0, ay=y0,
                               xref="x", yref="y", axref="x", ayref="y", text="", showarrow=True,
                               arrowhead=2, arrowsize=1.2, arrowwidth=1.2, arrowcolor="#9aa0a6")
    types = sorted({n.type or "" for n in graph.nodes if n.kind == "artifact"})
    for kind, symbol in (("artifact", "square"), ("run", "circle")):
        nodes = [n for n in graph.nodes if n.kind == kind]
        if not nodes:
            continue
        colors = [PALETTE[types.index(n.type or "") % len(PALETTE)] if kind == "artifact"
                  else _RUN_COLORS.get(n.state or "", "#7f7f7f") for n in nodes]
        fig.add_trace(go.Scatter(
            x=[pos[n.id][0] for n in nodes], y=[pos[n.id][1] for n in nodes], mode="markers+text",
            name="artifact versions" if kind == "artifact" else "runs",
            text=[n.label for n in nodes], textposition="bottom center",
            hovertext=[_hover(n) for n in nodes], hoverinfo="text",
            marker={"symbol": symbol, "size": [22 if n.id == graph.root else 16 for n in nodes], "color": colors,
                    "line": {"width": [3 if n.id == graph.root else 1 for n in nodes], "color": "#333"}},
        ))
    tallest = max((sum(1 for p in pos.values() if p[0] == x) for x in {p[0] for p in pos.values()}), default=1)
    width_layers = max((p[0] for p in pos.values()), default=0)
    fig.update_xaxes(visible=False, range=[-0.5, width_layers + 0.5])
    fig.update_yaxes(visible=False, range=[-tallest / 2 - 0.3, tallest / 2 + 0.1])
    fig.update_layout(
        template="plotly_white",
        height=max(HEIGHT, 70 * tallest + 90),
        margin={"l": 16, "r": 16, "t": 40, "b": 16},
        title={"text": title or f"Lineage of {root.label}", "font": {"size": 13}, "x": 0.01, "xanchor": "left"},
        font={"size": 11},
        legend={"font": {"size": 10}, "orientation": "h", "y": -0.02},
        hovermode="closest",
    )
    return fig
