"""The model registry as one line of HTML for the dashboard: each registered model with its aliases."""

from __future__ import annotations

import html

from ..artifacts._registry import versions
from ..store import Store

__all__ = ["registry_summary", "registry_html"]


def registry_summary(store: Store) -> list[tuple[str, int, list[str]]]:
    """(collection, number of versions, `alias=vN` ...) per registered model, by name."""
    linked = versions(store)
    out: dict[str, tuple[int, list[str]]] = {}
    for v in linked:
        count, aliases = out.get(v.collection, (0, []))
        out[v.collection] = (count + 1, aliases + [f"{a}=v{v.version}" for a in v.aliases])
    return [(name, count, sorted(aliases)) for name, (count, aliases) in sorted(out.items())]


def registry_html(store: Store) -> str:
    """`registered models: fraud (2 versions: latest=v1, production=v0)`, escaped; empty without any."""
    found = registry_summary(store)
    if not found:
        return ""
    parts = [f"<b>{html.escape(name)}</b> ({count} version{'s' if count != 1 else ''}"
             + (f": {html.escape(', '.join(aliases))}" if aliases else "") + ")" for name, count, aliases in found]
    return ("<div class='nbtrack-dashboard-registry' style='font-family:sans-serif;font-size:12px;color:#444'>"
            "registered models: " + " · ".join(parts) + "</div>")
