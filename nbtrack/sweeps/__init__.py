"""W&B sweep semantics for nbtrack: config validation, search space, grid, Hyperband, command macros.

Pure and store-free: a controller normalises a config once (`load_sweep_config`), keeps the
result as JSON, and from it builds the Optuna sampler and pruner (`make_sampler`,
`make_pruner`), turns trials into run configs (`SearchSpace`), enumerates grid points with
stable keys (`grid_points`; `point_key` keys any config, so no sweep runs one twice) and renders
agent commands (`render_command`). nbtrack's extensions: multi-objective sweeps (`pareto_front`)
and population-based training (`pbt_lineage`; the scheduler in `_pbt`). Every name loads
on first use, so importing this package imports neither optuna, numpy nor yaml.
"""

from __future__ import annotations

import importlib
from typing import Any

_LAZY: dict[str, str] = {
    "SweepConfigError": "..errors",
    "DISTRIBUTIONS": "._params",
    "load_sweep_config": "._config",
    "normalize_sweep_config": "._config",
    "SearchSpace": "._space",
    "Param": "._space",
    "GridPoint": "._grid",
    "grid_points": "._grid",
    "grid_key": "._grid",
    "hyperband_bands": "._hyperband",
    "hyperband_thresholds": "._hyperband",
    "hyperband_should_stop": "._hyperband",
    "HyperbandPruner": "._pruner",
    "make_sampler": "._study",
    "make_pruner": "._study",
    "gp_available": "._study",
    "DEFAULT_COMMAND": "._macros",
    "command_args": "._macros",
    "render_command": "._macros",
    "best_metric": "._objective",
    "finite_values": "._objective",
    "impute_metric": "._objective",
    "target_reached": "._objective",
    "objectives": "._objective",
    "pareto_mask": "._pareto",
    "pareto_front": "._pareto",
    "pbt_lineage": "._pbt",
    "point_key": "._grid",
    "space_size": "._grid",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'nbtrack.sweeps' has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
