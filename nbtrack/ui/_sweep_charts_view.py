"""The dashboard's sweep section: the Pareto front and PBT lineage/schedules of the sweeps among its runs."""

from __future__ import annotations

from typing import Any

import ipywidgets as widgets
import pandas as pd

from ..store import Store
from ._sweep_extras import sweep_extra_figures
from .plotly_view import PlotlyView

__all__ = ["SweepCharts"]


class SweepCharts(widgets.VBox):
    """One chart per extra figure of each multi-objective or PBT sweep in the runs; redrawn when its runs change."""

    def __init__(self, store: Store) -> None:
        super().__init__([])
        self.store = store
        self.views: dict[str, PlotlyView] = {}
        self._seen: dict[str, Any] = {}  # sweep id -> the state of its runs when last drawn

    def update(self, runs: pd.DataFrame) -> None:
        """Redraw the figures of every sweep whose runs changed since the last call."""
        if "sweep_id" not in runs.columns:
            return
        for sweep_id, part in runs.dropna(subset=["sweep_id"]).groupby("sweep_id", sort=True):
            key = tuple(zip(part["id"], part["state"]))
            if self._seen.get(str(sweep_id)) == key:
                continue
            self._seen[str(sweep_id)] = key
            sweep = self.store.get_sweep(str(sweep_id))
            if sweep is None:
                continue
            for name, fig in sweep_extra_figures(self.store, str(sweep_id), sweep.config).items():
                fig.update_layout(title={"text": f"sweep {sweep_id}: {fig.layout.title.text}"})
                view = self.views.get(f"{sweep_id}:{name}")
                if view is None:
                    self.views[f"{sweep_id}:{name}"] = PlotlyView(fig)
                else:
                    view.show(fig)
        self.children = tuple(self.views[k] for k in sorted(self.views))
