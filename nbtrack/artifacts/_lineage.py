"""`nbtrack.lineage()`: the runs and artifact versions upstream and downstream of a version, as data.

Edges point the way data flows: a run -> the version it logged ("output"), a version -> the
run that used it ("input"). Upstream is everything that led to the version (producers,
their inputs, their producers, ...); downstream is everything made from it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

from ..store import Store
from ._api import as_record, default_store

__all__ = ["Lineage", "LineageNode", "LineageEdge", "lineage"]

Direction = Literal["both", "upstream", "downstream"]


@dataclass(frozen=True)
class LineageNode:
    """A run or an artifact version: `id` is `run:<run id>` or `artifact:<version id>`."""

    id: str
    kind: Literal["run", "artifact"]
    label: str
    type: str | None = None
    project: str | None = None
    state: str | None = None
    aliases: tuple[str, ...] = ()
    registry: tuple[str, ...] = ()  # the registry versions linking this artifact version, e.g. `fraud:v2 (production)`


@dataclass(frozen=True)
class LineageEdge:
    """Data flowing from `source` to `target`: run -> artifact ("output") or artifact -> run ("input")."""

    source: str
    target: str
    kind: Literal["output", "input"]


@dataclass(frozen=True)
class Lineage:
    """A lineage graph around `root`: nodes (the root, other versions, then runs) and edges, in discovery order."""

    root: str
    nodes: tuple[LineageNode, ...]
    edges: tuple[LineageEdge, ...]

    def node(self, node_id: str) -> LineageNode:
        """The node with this id."""
        for n in self.nodes:
            if n.id == node_id:
                return n
        raise KeyError(node_id)

    def labels(self) -> list[str]:
        """The node labels (`data:v3`, run names), in node order."""
        return [n.label for n in self.nodes]

    def pairs(self) -> list[tuple[str, str]]:
        """The edges as (source label, target label)."""
        label = {n.id: n.label for n in self.nodes}
        return [(label[e.source], label[e.target]) for e in self.edges]

    def to_dict(self) -> dict[str, Any]:
        """Plain data (JSON-ready): root, nodes, edges."""
        return {"root": self.root, "nodes": [asdict(n) for n in self.nodes], "edges": [asdict(e) for e in self.edges]}

    def __repr__(self) -> str:
        runs = sum(n.kind == "run" for n in self.nodes)
        return (f"<nbtrack.Lineage of {self.node(self.root).label}: {len(self.nodes) - runs} artifact versions, "
                f"{runs} runs, {len(self.edges)} edges>")


def _walk(store: Store, start: str, upstream: bool) -> tuple[list[tuple[str, str, str]], list[str], list[str]]:
    """Breadth-first from version `start`, against (upstream) or along (downstream) the data flow.

    Returns the edges, versions and runs reached, in discovery order.
    """
    into_artifact, out_of_run = ("output", "input") if upstream else ("input", "output")
    edges: dict[tuple[str, str, str], None] = {}
    artifacts: dict[str, None] = {start: None}
    runs: dict[str, None] = {}
    frontier = [start]
    while frontier:
        next_runs = []
        for e in store.artifact_edges(artifact_ids=frontier):
            if e.direction == into_artifact:
                edges[(e.run_id, e.artifact_id, e.direction)] = None
                if e.run_id not in runs:
                    runs[e.run_id] = None
                    next_runs.append(e.run_id)
        frontier = []
        if not next_runs:
            break
        for e in store.artifact_edges(run_ids=next_runs):
            if e.direction == out_of_run:
                edges[(e.run_id, e.artifact_id, e.direction)] = None
                if e.artifact_id not in artifacts:
                    artifacts[e.artifact_id] = None
                    frontier.append(e.artifact_id)
    return list(edges), list(artifacts), list(runs)


def lineage(artifact: Any, *, direction: Direction = "both", store: Store | None = None) -> Lineage:
    """The lineage of a version (`"name:v3"`, `"name:latest"`, a registry path such as
    `"wandb-registry-model/fraud:production"`, or a logged Artifact), any depth.

    Draw it with `nbtrack.ui.lineage.lineage_figure(graph)`.
    """
    if direction not in ("both", "upstream", "downstream"):
        raise ValueError(f"lineage: direction must be 'both', 'upstream' or 'downstream', not {direction!r}")
    st = default_store(store)
    root = as_record(st, artifact)
    edges: dict[tuple[str, str, str], None] = {}
    artifacts: dict[str, None] = {root.id: None}
    runs: dict[str, None] = {}
    for upstream in [True] * (direction != "downstream") + [False] * (direction != "upstream"):
        found_edges, found_artifacts, found_runs = _walk(st, root.id, upstream)
        edges.update(dict.fromkeys(found_edges))
        artifacts.update(dict.fromkeys(found_artifacts))
        runs.update(dict.fromkeys(found_runs))
    versions = {a.id: a for a in st.list_artifacts(ids=list(artifacts))}
    links: dict[str, list[str]] = {}
    for link in st.list_registry_versions(artifact_ids=list(artifacts)):
        named = f" ({', '.join(link.aliases)})" if link.aliases else ""
        links.setdefault(link.artifact_id, []).append(f"{link.collection}:v{link.version}{named}")
    records = {r.id: r for r in st.list_runs(ids=list(runs))} if runs else {}
    nodes = []
    for aid in artifacts:
        a = versions[aid]
        nodes.append(LineageNode(id=f"artifact:{aid}", kind="artifact", label=f"{a.name}:v{a.version}",
                                 type=a.type, aliases=a.aliases, registry=tuple(links.get(aid, ()))))
    for rid in runs:
        r = records.get(rid)
        nodes.append(LineageNode(id=f"run:{rid}", kind="run", label=r.name if r else rid,
                                 type=r.job_type if r else None, project=r.project if r else None,
                                 state=r.state if r else None))
    out = [
        LineageEdge(source=f"run:{rid}", target=f"artifact:{aid}", kind="output") if d == "output"
        else LineageEdge(source=f"artifact:{aid}", target=f"run:{rid}", kind="input")
        for rid, aid, d in edges
    ]
    return Lineage(root=f"artifact:{root.id}", nodes=tuple(nodes), edges=tuple(out))
