"""Hyperband early termination inside a trial's own process: `run.log` checks each band it reaches."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..errors import RunPruned
from ..store import Store
from ._hyperband import hyperband_bands, hyperband_should_stop
from ._objective import is_finite_number

if TYPE_CHECKING:
    from .._run import Run

__all__ = ["watch_trial", "metric_histories"]


def metric_histories(store: Store, sweep_id: str, key: str) -> dict[str, list[Any]]:
    """Every stored value of `key`, in logged order, for each run of the sweep."""
    ids = [t.run_id for t in store.list_trials(sweep_id)]
    data = store.read_history(ids, [key])
    return {rid: list(per[key].values) if key in per else [] for rid, per in data.items()}


def watch_trial(run: Run) -> None:
    """Install the sweep's Hyperband stop rule on a trial run (no-op without early_terminate)."""
    sweep = run.store.get_sweep(run.sweep_id) if run.sweep_id else None
    if sweep is None:
        return
    if sweep.config.get("method") == "pbt":
        from ._pbt import watch_segment

        watch_segment(run, int(sweep.config["pbt"]["perturbation_interval"]))
        return
    early = sweep.config.get("early_terminate")
    metric = sweep.config.get("metric")
    if not early or not metric:
        return
    bands = set(hyperband_bands(early))
    name, goal = metric["name"], metric.get("goal", "minimize")
    values: list[Any] = []
    iterations = 0  # finite values logged: W&B's iteration count (non-finite rows are no iteration)
    stopped = False

    def monitor(step: int, _t: float, row: dict[str, Any]) -> None:
        nonlocal iterations, stopped
        if stopped:
            raise RunPruned("this run was stopped by the sweep's early termination")
        if name not in row:
            return
        values.append(row[name])
        if not is_finite_number(row[name]):
            return
        iterations += 1
        if iterations not in bands:
            return
        histories = metric_histories(run.store, sweep.id, name)
        histories[run.id] = values
        if hyperband_should_stop(values, list(histories.values()), early_terminate=early, goal=goal):
            stopped = True
            raise RunPruned(f"run {run.id} stopped by Hyperband at {name} #{iterations} (step {step})")

    run.add_row_observer(monitor)
