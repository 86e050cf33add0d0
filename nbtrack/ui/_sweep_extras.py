"""The sweep figures beyond W&B's, by sweep: the Pareto front of a multi-objective sweep, PBT's lineage
and schedules. One function, so the sweep panel, the dashboard and the report show the same ones."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import plotly.graph_objects as go

from ..store import Store
from ..sweeps._objective import objectives
from ..sweeps._pareto import pareto_front
from .sweep_charts import pareto_figure, pbt_lineage_figure, pbt_schedule_figure

__all__ = ["EXTRA_CHARTS", "sweep_extra_figures"]

EXTRA_CHARTS = ("pareto", "lineage", "schedule")
MAX_SCHEDULES = 4  # hyperparameters drawn in a PBT sweep's schedule figure (the first, in W&B's order)
_log = logging.getLogger("nbtrack")


def sweep_extra_figures(store: Store, sweep_id: str, config: Mapping[str, Any]) -> dict[str, go.Figure]:
    """{"pareto": ...} for a multi-objective sweep; {"lineage": ..., "schedule": ...} for a PBT sweep; else {}."""
    goals = objectives(config)
    figures: dict[str, go.Figure] = {}
    try:
        if len(goals) > 1:
            figures["pareto"] = pareto_figure(pareto_front(sweep_id, store=store, all_trials=True), goals)
        if config.get("method") == "pbt":
            from ..sweeps._pbt import pbt_lineage, searched_names

            lineage = pbt_lineage(sweep_id, store=store)
            figures["lineage"] = pbt_lineage_figure(lineage, goals[0]["name"])
            names = searched_names(config)
            if names:
                figures["schedule"] = pbt_schedule_figure(lineage, names[:MAX_SCHEDULES])
    except Exception as exc:  # an extra chart must never stop a panel or a report
        _log.warning("nbtrack: no extra sweep charts for %s: %s", sweep_id, exc)
    return figures
