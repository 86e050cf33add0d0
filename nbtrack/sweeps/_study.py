"""The Optuna sampler and pruner a normalised sweep config calls for."""

from __future__ import annotations

import importlib.util
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    import optuna


GP_STARTUP_TRIALS = 4


def gp_available() -> bool:
    """Whether Optuna's GP sampler can run here (it needs torch and scipy)."""
    return all(importlib.util.find_spec(m) is not None for m in ("torch", "scipy"))


def make_sampler(
    config: Mapping[str, Any],
    *,
    seed: int | None = None,
    model: Literal["auto", "tpe", "gp"] = "auto",
) -> optuna.samplers.BaseSampler:
    """random -> RandomSampler; bayes -> GPSampler when torch is installed (model="auto"), else TPE.

    A multi-objective bayes sweep (`metric` a list) uses Optuna's multi-objective TPE (MOTPE):
    it models the Pareto front at any budget, where NSGA-II needs generations of a population.
    Grid sweeps have no sampler: the controller hands out `grid_points(config)` instead.
    """
    import optuna

    method = config["method"]
    if method == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    if method != "bayes":
        raise ValueError(f"method {method!r} has no Optuna sampler; hand out grid_points() instead")
    if isinstance(config.get("metric"), list) and model != "gp":
        return optuna.samplers.TPESampler(seed=seed)
    if model == "gp" or (model == "auto" and gp_available()):
        # W&B's engine models after 2 random points; Optuna waits for 10 by default, which
        # wastes a 20-trial budget. 4 keeps the GP's fit stable and tracks W&B early on.
        return optuna.samplers.GPSampler(seed=seed, n_startup_trials=GP_STARTUP_TRIALS)
    return optuna.samplers.TPESampler(seed=seed)


def make_pruner(config: Mapping[str, Any]) -> optuna.pruners.BasePruner:
    """W&B's Hyperband when the config has `early_terminate`, else a pruner that never prunes."""
    import optuna

    if "early_terminate" not in config:
        return optuna.pruners.NopPruner()
    from ._pruner import HyperbandPruner

    return HyperbandPruner(config["early_terminate"])
