"""`prior_runs`: finished runs that seed a new sweep (W&B's parameter), checked when the sweep is created."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .._liveness import effective_state
from ..store import Store, TrialRecord
from ..errors import SweepConfigError
from ._grid import grid_key, point_key, space_size
from ._objective import best_metric, objectives
from ._space import SearchSpace

__all__ = ["prior_trials"]


def prior_trials(store: Store, config: Mapping[str, Any], run_ids: Iterable[str], sweep_id: str) -> list[TrialRecord]:
    """Each prior run as a trial of the new sweep: its sampler parameters and the key of its config.

    Raises SweepConfigError naming the run when it does not exist, has not finished, lacks a
    parameter of the sweep, holds a categorical value the sweep does not permit (W&B's rule),
    or, in a sweep with a metric, never logged a finite value of it.
    """
    if isinstance(run_ids, str):
        raise SweepConfigError(f"prior_runs: expected a list of run ids, not the string {run_ids!r}")
    space = SearchSpace.from_config(config)
    discrete = space_size(space) is not None
    metrics = [m["name"] for m in objectives(config)]
    priors = []
    for number, run_id in enumerate(dict.fromkeys(run_ids)):
        record = store.get_run(str(run_id))
        if record is None:
            raise SweepConfigError(f"prior run {run_id!r}: no such run in {store.url}")
        state = effective_state(record)
        if state != "finished":
            raise SweepConfigError(f"prior run {run_id!r} is {state}: only finished runs can seed a sweep")
        try:
            params = space.params_from_config(record.config)
        except SweepConfigError as exc:
            raise SweepConfigError(f"prior run {run_id!r}: {exc}") from None
        history = store.read_history([record.id], metrics) if metrics else {}
        for name in metrics:
            series = history.get(record.id, {}).get(name)
            values = [*(series.values if series is not None else []), record.summary.get(name)]
            if best_metric(values) is None:
                raise SweepConfigError(f"prior run {run_id!r}: no finite value of the sweep's metric {name!r}")
        if config["method"] == "grid":
            key = grid_key(config, record.config)
        else:  # a discrete space keys the point the run's values map to, so exhaustion counts it once
            key = point_key(space, space.config_from_params(params) if discrete else record.config)
        priors.append(TrialRecord(run_id=record.id, sweep_id=sweep_id, number=number, point_key=key, params=params))
    return priors
