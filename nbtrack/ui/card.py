"""The compact run card shown under a tracked cell: name, id, state, config, summary.

Its text form is the `text/plain` of every run display; its HTML is the card a
finished run shows where no chart can be drawn.
"""

from __future__ import annotations

import html
import json
from typing import Any

from .._query import flatten

__all__ = ["RunCard", "STATE_COLORS"]

STATE_COLORS = {
    "running": "#1f77b4", "finished": "#2ca02c", "failed": "#d62728", "crashed": "#d62728",
    "killed": "#ff7f0e", "pruned": "#7f7f7f",
}


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, (dict, list)):
        return json.dumps(value, default=str)
    return str(value)


class RunCard:
    """A static view of a run (HTML and text), cheap enough to re-render on every update."""

    def __init__(self, run: Any) -> None:
        self.run = run

    def _rows(self, data: dict[str, Any], limit: int = 12) -> list[tuple[str, str]]:
        items = [(k, _fmt(v)) for k, v in flatten(data).items() if not k.startswith("_")]
        return items[:limit] + ([("…", f"{len(items) - limit} more")] if len(items) > limit else [])

    def __repr__(self) -> str:
        run = self.run
        lines = [f"nbtrack run {run.name} ({run.id}) in {run.project}: {run.state}"]
        for title, data in (("config", run.config.as_dict()), ("summary", run.summary.as_dict())):
            rows = self._rows(data)
            if rows:
                lines.append(f"  {title}: " + ", ".join(f"{k}={v}" for k, v in rows))
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        run = self.run
        esc = html.escape
        color = STATE_COLORS.get(run.state, "#333")

        def table(title: str, data: dict[str, Any]) -> str:
            rows = self._rows(data)
            if not rows:
                return ""
            body = "".join(
                f"<tr><td style='padding:0 8px 0 0;color:#555'>{esc(k)}</td><td>{esc(v)}</td></tr>" for k, v in rows
            )
            return (f"<div style='display:inline-block;vertical-align:top;margin-right:24px'>"
                    f"<b>{esc(title)}</b><table style='font-size:12px'>{body}</table></div>")

        return (
            f"<div class='nbtrack-card' data-run-id='{esc(run.id)}' data-state='{esc(run.state)}' "
            f"style='border-left:4px solid {color};padding:4px 10px;font-family:sans-serif;font-size:13px'>"
            f"<div><b>{esc(run.name)}</b> <span style='color:#777'>{esc(run.project)}/{esc(run.id)}</span> "
            f"<span class='nbtrack-state' style='color:{color};font-weight:bold'>{esc(run.state)}</span> "
            f"<span style='color:#777'>step {run.step}</span></div>"
            f"{table('config', run.config.as_dict())}{table('summary', run.summary.as_dict())}</div>"
        )
