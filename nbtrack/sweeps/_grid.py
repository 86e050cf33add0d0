"""W&B's grid search (sweeps 0.3.0 `grid_search.py`): expansion, order, de-duplication, stable keys."""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ._config import GRID_TYPES
from ..errors import SweepConfigError
from ._space import Param, SearchSpace, nest


def value_hash(value: Any) -> str:
    """W&B's identity of a grid value: md5 of its YAML; whole floats count as ints, so 1 == 1.0."""
    import yaml

    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = yaml.dump(value, default_flow_style=True, sort_keys=True)
    return hashlib.md5(text.encode("ascii")).hexdigest()


def _axis(param: Param) -> list[Any]:
    """The values a non-constant parameter takes in the grid, duplicates and all."""
    spec = param.spec
    if param.distribution in ("categorical", "categorical_w_probabilities"):
        return list(spec["values"])
    if param.distribution == "int_uniform":
        return list(range(spec["min"], spec["max"] + 1))
    import numpy as np  # q_uniform: numpy's arange, so min is included, max is not, float noise kept

    return list(np.arange(spec["min"], spec["max"], spec["q"]).tolist())


def _key(hashes: tuple[str, ...]) -> str:
    return hashlib.md5("\n".join(hashes).encode("ascii")).hexdigest()


@dataclass(frozen=True)
class GridPoint:
    """One point of a grid: its stable key (hand each key out once) and the nested run config."""

    key: str
    config: dict[str, Any]


def _searched(space: SearchSpace) -> list[Param]:
    for param in space.params:
        if param.distribution not in GRID_TYPES:
            raise SweepConfigError(
                f"Parameter {param.name} is a disallowed type with grid search. Grid search "
                "requires all parameters to be categorical, constant, int_uniform, or q_uniform. "
                "Specification of probabilities for categorical parameters is disallowed in grid search"
            )
    return [p for p in space.params if p.distribution != "constant"]


def grid_points(config: Mapping[str, Any]) -> list[GridPoint]:
    """Every point of a normalised grid config, in W&B's order, each distinct point once."""
    space = SearchSpace.from_config(config)
    searched = _searched(space)
    axes = [_axis(p) for p in searched]
    hashes = [[value_hash(v) for v in axis] for axis in axes]
    # a hash spelled twice (1 and 1.0) keeps its first position and its last spelling
    spelling = [dict(zip(h, axis)) for h, axis in zip(hashes, axes)]
    seen: set[tuple[str, ...]] = set()
    points = []
    for combination in itertools.product(*hashes):
        if combination in seen:
            continue
        seen.add(combination)
        chosen = iter(spelling[i][h] for i, h in enumerate(combination))
        values = [
            p.value(None) if p.distribution == "constant" else next(chosen) for p in space.params
        ]
        points.append(GridPoint(_key(combination), nest(space.params, values)))
    return points


def grid_key(config: Mapping[str, Any], run_config: Mapping[str, Any]) -> str | None:
    """The grid key a run's config occupies (any run, any state, takes its point); None if it has none."""
    space = SearchSpace.from_config(config)
    hashes = []
    for param in _searched(space):
        value: Any = run_config
        for part in param.path:
            if not isinstance(value, Mapping) or part not in value:
                return None
            value = value[part]
        if isinstance(value, Mapping):  # keys injected at run time do not move a run off its point
            known = {k for v in _axis(param) if isinstance(v, Mapping) for k in v}
            if known:
                value = {k: v for k, v in value.items() if k in known}
        hashes.append(value_hash(value))
    return _key(tuple(hashes))


DISCRETE = ("categorical", "categorical_w_probabilities", "constant", "int_uniform")
"""The distributions whose values a run config can take are finitely many (as W&B samples them)."""


def point_key(space: SearchSpace, run_config: Mapping[str, Any]) -> str | None:
    """The identity of a run config in any sweep: the grid key of its searched values (None if one is missing).

    Grid points keep the key `grid_points` gives them; random and bayes trials are keyed the same
    way, so a configuration is handed out at most once per sweep whatever the method.
    """
    hashes = []
    for param in space.params:
        if param.distribution == "constant":
            continue
        value: Any = run_config
        for part in param.path:
            if not isinstance(value, Mapping) or part not in value:
                return None
            value = value[part]
        hashes.append(value_hash(value))
    return _key(tuple(hashes))


def space_size(space: SearchSpace) -> int | None:
    """How many distinct configs a fully discrete space holds (None when a parameter is continuous)."""
    size = 1
    for param in space.params:
        if param.distribution not in DISCRETE:
            return None
        if param.distribution == "int_uniform":  # counted, not listed: a range may be huge
            size *= param.spec["max"] - param.spec["min"] + 1
        elif param.distribution != "constant":
            size *= len({value_hash(v) for v in param.spec["values"]})
    return size


def discrete_points(space: SearchSpace) -> list[GridPoint]:
    """Every distinct config of a fully discrete space, each with its key (grid order)."""
    searched = [p for p in space.params if p.distribution != "constant"]
    axes = [list({value_hash(v): v for v in _axis(p)}.items()) for p in searched]
    points = []
    for combination in itertools.product(*axes):
        chosen = iter(v for _, v in combination)
        values = [p.value(None) if p.distribution == "constant" else next(chosen) for p in space.params]
        points.append(GridPoint(_key(tuple(h for h, _ in combination)), nest(space.params, values)))
    return points
