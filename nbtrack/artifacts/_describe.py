"""Readable text about artifacts and the registry, for `nbtrack artifacts`, `nbtrack artifact show NAME:ALIAS`
and `nbtrack registry list|show`."""

from __future__ import annotations

import json
import time

from ..store import RunRecord, Store
from ..store._records import ArtifactRecord
from ._api import resolve

__all__ = ["list_text", "show_text", "human_size", "registry_list_text", "registry_show_text"]


def human_size(n: int | None) -> str:
    """Bytes as `512 B`, `1.2 KB`, `3.4 MB`, ..."""
    if n is None:
        return "-"
    size = float(n)
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if size < 1000 or unit == "TB":
            return f"{int(size)} B" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    return f"{n} B"  # pragma: no cover


def _when(t: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(t))


def _table(header: list[str], rows: list[list[str]], indent: str = "") -> list[str]:
    widths = [max(len(str(c)) for c in col) for col in zip(header, *rows)]
    return [indent + "  ".join(str(c).ljust(w) for c, w in zip(row, widths)).rstrip() for row in [header, *rows]]


def list_text(store: Store, type: str | None = None) -> str:
    """One line per artifact name: type, number of versions, latest version, aliases, size of the latest."""
    versions = store.list_artifacts(type=type)
    if not versions:
        return "no artifacts" + (f" of type {type!r}" if type else "")
    by_name: dict[str, list[ArtifactRecord]] = {}
    for v in versions:
        by_name.setdefault(v.name, []).append(v)
    rows = []
    for name, vs in by_name.items():
        latest = next((v for v in vs if "latest" in v.aliases), vs[-1])
        aliases = [f"{a}=v{v.version}" for v in vs for a in v.aliases if a != "latest"]
        rows.append([name, vs[0].type, str(len(vs)), f"v{latest.version}", ", ".join(aliases) or "-",
                     human_size(latest.size), _when(latest.created_at)])
    return "\n".join(_table(["NAME", "TYPE", "VERSIONS", "LATEST", "ALIASES", "SIZE", "UPDATED"], rows))


def _run_label(run_id: str, runs: dict[str, RunRecord]) -> str:
    r = runs.get(run_id)
    return f"{run_id} (deleted)" if r is None else f"{r.name} ({r.id}, {r.project}, {r.state})"


def show_text(store: Store, ref: str) -> str:
    """The version `ref` names: its details, producers and consumers, files, and every version of the name."""
    rec = resolve(store, ref)
    edges = store.artifact_edges(artifact_ids=[rec.id])
    run_ids = list(dict.fromkeys(e.run_id for e in edges))
    runs = {r.id: r for r in store.list_runs(ids=run_ids)} if run_ids else {}
    lines = [f"artifact {rec.name}:v{rec.version} ({rec.type})"]
    for label, value in (("aliases", ", ".join(rec.aliases)), ("digest", rec.digest),
                         ("created", _when(rec.created_at)),
                         ("size", f"{human_size(rec.size)} in {rec.file_count} files"),
                         ("description", rec.description or "")):
        if value:
            lines.append(f"  {label + ':':<13}{value}")
    if rec.metadata:
        lines.append("metadata:")
        lines.extend(f"  {k} = {json.dumps(v, default=str)}" for k, v in rec.metadata.items())
    for title, direction in (("produced by", "output"), ("used by", "input")):
        ids = [e.run_id for e in edges if e.direction == direction]
        lines.append(f"{title}:" + ("" if ids else " (none)"))
        lines.extend(f"  {_run_label(i, runs)}" for i in ids)
    files = store.artifact_files(rec.id)
    lines.append(f"files of v{rec.version}:" + ("" if files else " (none)"))
    if files:
        lines.extend(_table(
            ["PATH", "SIZE", "SHA256 / REFERENCE"],
            [[f.path, human_size(f.size) if f.ref is None else "ref", f.ref or (f.digest or "")[:16]] for f in files],
            indent="  ",
        ))
    links = store.list_registry_versions(artifact_ids=[rec.id])
    if links:
        lines.append("registry: " + ", ".join(
            f"{v.collection}:v{v.version}" + (f" ({', '.join(v.aliases)})" if v.aliases else "") for v in links))
    lines.append(f"versions of {rec.name}:")
    lines.extend(_table(
        ["VERSION", "ALIASES", "FILES", "SIZE", "CREATED", "RUN"],
        [[f"v{v.version}" + (" *" if v.id == rec.id else ""), ", ".join(v.aliases) or "-", str(v.file_count),
          human_size(v.size), _when(v.created_at), v.run_id or "-"] for v in store.list_artifacts(name=rec.name)],
        indent="  ",
    ))
    return "\n".join(lines)


def registry_list_text(store: Store) -> str:
    """One line per registry collection: type, number of versions, and where each alias points."""
    from ._registry import collections, versions

    found = collections(store)
    if not found:
        return "no registered models (link one with run.link_model(...) or nbtrack registry link)"
    linked = versions(store)
    rows = []
    for c in found:
        aliases = [f"{a}=v{v.version}" for v in linked if v.collection == c.name for a in v.aliases]
        rows.append([c.name, c.type, str(c.version_count), ", ".join(aliases) or "-", _when(c.created_at)])
    return "\n".join(_table(["COLLECTION", "TYPE", "VERSIONS", "ALIASES", "CREATED"], rows))


def registry_show_text(store: Store, collection: str) -> str:
    """A collection's versions: aliases, the artifact version each links, the run that produced it and who linked it."""
    from ._registry import versions

    linked = versions(store, collection)
    run_ids = [i for v in linked for i in (v.logged_by, v.linked_by) if i]
    runs = {r.id: r for r in store.list_runs(ids=run_ids)} if run_ids else {}
    lines = [f"registry collection {collection}: {len(linked)} versions"]
    lines.extend(_table(
        ["VERSION", "ALIASES", "ARTIFACT", "PRODUCED BY", "LINKED", "LINKED BY"],
        [[f"v{v.version}", ", ".join(v.aliases) or "-", v.artifact,
          _run_label(v.logged_by, runs) if v.logged_by else "-", _when(v.linked_at),
          _run_label(v.linked_by, runs) if v.linked_by else "-"] for v in linked],
        indent="  ",
    ))
    return "\n".join(lines)
