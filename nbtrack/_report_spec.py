"""Saved report specs: markdown sections and panels, each panel a chart over a run query.

A spec is plain JSON data kept in the store (table `reports`, keyed by project and name), so a
report is re-drawn from the current runs whenever it is rendered or shown: "a plot in a report
always shows the latest data from the query it references". Nothing here draws; `nbtrack.report`
and `nbtrack.ui.report_view` render specs.

    {"version": 1, "title": "...", "blocks": [
        {"kind": "markdown", "text": "..."},
        {"kind": "panel", "chart": "curves", "title": "...", "filters": {"state": "finished"},
         "metric": "loss", "keys": ["loss"], "param": null}]}
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

from .store import ReportRecord, Store

__all__ = ["CHARTS", "SPEC_VERSION", "markdown_block", "panel_block", "check_spec", "save_spec", "load_spec"]

SPEC_VERSION = 1
CHARTS = ("runs", "curves", "parallel", "importance", "scatter", "comments")
"""What a panel draws over its query's runs: the runs table, metric curves, parallel coordinates,
parameter importance, a parameter-vs-metric scatter, or the runs' comments."""

_NEEDS_METRIC = ("parallel", "importance", "scatter")


def markdown_block(text: str) -> dict[str, Any]:
    """A markdown section (rendered with raw HTML disabled)."""
    if not isinstance(text, str):
        raise TypeError(f"Report.add_markdown: text must be a str, not {type(text).__name__}")
    return {"kind": "markdown", "text": text}


def panel_block(chart: str, *, filters: Mapping[str, Any] | None = None, title: str | None = None,
                metric: str | None = None, keys: Sequence[str] | None = None,
                param: str | None = None) -> dict[str, Any]:
    """A panel: `chart` over the runs `nbtrack.runs(project, filters=filters)` returns when it is drawn."""
    block = {"kind": "panel", "chart": chart, "title": title, "filters": filters or None,
             "metric": metric, "keys": list(keys) if isinstance(keys, (list, tuple)) else keys, "param": param}
    _check_block(block, 0)
    return {**block, "filters": dict(filters) if filters else None}


def _check_block(block: Any, index: int) -> None:
    where = f"report block {index}"
    if not isinstance(block, Mapping) or block.get("kind") not in ("markdown", "panel"):
        raise ValueError(f"{where}: must be a mapping with kind 'markdown' or 'panel', not {block!r}")
    if block["kind"] == "markdown":
        if not isinstance(block.get("text"), str):
            raise ValueError(f"{where}: a markdown block needs text (a str)")
        return
    chart = block.get("chart")
    if chart not in CHARTS:
        raise ValueError(f"{where}: chart must be one of {', '.join(CHARTS)}, not {chart!r}")
    if chart in _NEEDS_METRIC and not block.get("metric"):
        raise ValueError(f"{where}: a {chart} panel needs metric= (a summary key, e.g. 'loss')")
    if chart == "scatter" and not block.get("param"):
        raise ValueError(f"{where}: a scatter panel needs param= (a config key, e.g. 'lr')")
    if block.get("filters") is not None and not isinstance(block["filters"], Mapping):
        raise ValueError(f"{where}: filters must be a mapping like nbtrack.runs(filters=...), not "
                         f"{type(block['filters']).__name__}")
    keys = block.get("keys")
    if keys is not None and (not isinstance(keys, list) or not all(isinstance(k, str) for k in keys)):
        raise ValueError(f"{where}: keys must be a list of metric names")
    for name in ("title", "metric", "param"):
        if block.get(name) is not None and not isinstance(block[name], str):
            raise ValueError(f"{where}: {name} must be a str")


def check_spec(spec: Any) -> dict[str, Any]:
    """The spec, checked: a clear ValueError names the first bad block."""
    if not isinstance(spec, Mapping) or not isinstance(spec.get("blocks"), list):
        raise ValueError("report spec: must be a mapping with a 'blocks' list")
    if spec.get("version", SPEC_VERSION) > SPEC_VERSION:
        raise ValueError(f"report spec: version {spec['version']} is newer than this nbtrack ({SPEC_VERSION})")
    for i, block in enumerate(spec["blocks"]):
        _check_block(block, i)
    return {"version": SPEC_VERSION, "title": spec.get("title"), "blocks": [dict(b) for b in spec["blocks"]]}


def _check_name(name: Any) -> str:
    if not isinstance(name, str) or not name.strip() or len(name) > 128 or any(c in name for c in "/\\\0"):
        raise ValueError(f"report name: {name!r} is not a valid name (1-128 characters, no / or \\)")
    return name


def save_spec(store: Store, project: str, name: str, spec: Mapping[str, Any]) -> None:
    """Check and store the spec as report `name` of `project` (replacing one of that name)."""
    store.put_report(project, _check_name(name), check_spec(spec), updated_at=time.time())


def load_spec(store: Store, name: str, project: str | None = None) -> ReportRecord:
    """The saved report `name` (of `project`, or the one report of that name); a clear KeyError otherwise."""
    found = store.list_reports(project, name=_check_name(name))
    if len(found) == 1:
        return found[0]
    if not found:
        where = f"project {project!r}" if project is not None else "any project"
        raise KeyError(f"no saved report named {name!r} in {where} of {store.url}")
    projects = ", ".join(r.project for r in found)
    raise KeyError(f"several saved reports are named {name!r} (projects {projects}): pass project=")
