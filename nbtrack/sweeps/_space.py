"""A sweep's parameters as Optuna primitives plus W&B's transform of each, and the run config they make."""

from __future__ import annotations

import bisect
import copy
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from itertools import accumulate
from typing import TYPE_CHECKING, Any

from . import _ppf
from ..errors import SweepConfigError
from ._params import GROUP

if TYPE_CHECKING:
    import optuna

_WBNEST = ".wbnest[599c28ca25da]."  # W&B's internal joint of nested names; it fixes their order
_QUANTILE = ("categorical_w_probabilities", "normal", "q_normal", "log_normal", "q_log_normal",
             "beta", "q_beta")


def _clamp(value: float, low: float, high: float) -> float:
    return min(max(value, low), high)


@dataclass(frozen=True)
class Param:
    """One leaf of the search space: its path, its filled W&B block, and its Optuna primitive."""

    path: tuple[str, ...]
    spec: Mapping[str, Any]

    @property
    def name(self) -> str:
        """The dotted path, as error messages and people say it."""
        return ".".join(self.path)

    @property
    def key(self) -> str:
        """The Optuna parameter name: the path joined by '/', which no W&B name may contain."""
        return "/".join(self.path)

    @property
    def distribution(self) -> str:
        """The W&B distribution, e.g. 'q_log_uniform_values'."""
        return str(self.spec["distribution"])

    def bounds(self) -> tuple[float, float, bool]:
        """The primitive's (low, high, log) for the float primitives that are not quantiles."""
        d, low, high = self.distribution, self.spec["min"], self.spec["max"]
        if d in ("log_uniform_values", "inv_log_uniform_values", "q_log_uniform_values"):
            return low, high, True
        if d == "inv_log_uniform":  # exp(-U(min, max)) is exp of U(-max, -min)
            return -high, -low, False
        return low, high, False

    @cached_property
    def primitive(self) -> optuna.distributions.BaseDistribution | None:
        """The Optuna distribution the sampler draws from; None for a constant."""
        from optuna.distributions import (
            CategoricalDistribution,
            FloatDistribution,
            IntDistribution,
        )

        d = self.distribution
        if d == "constant":
            return None
        if d == "categorical":  # by index: values may repeat, or be lists and dicts
            return CategoricalDistribution(tuple(range(len(self.spec["values"]))))
        if d == "int_uniform":
            return IntDistribution(self.spec["min"], self.spec["max"])
        if d in _QUANTILE:
            return FloatDistribution(0.0, 1.0)
        low, high, log = self.bounds()
        return FloatDistribution(low, high, log=log)

    @cached_property
    def _cumulative(self) -> list[float]:
        return list(accumulate(self.spec["probabilities"]))

    def value(self, x: Any) -> Any:
        """The run-config value for primitive value `x`: W&B's ppf of the matching uniform draw."""
        s, d = self.spec, self.distribution
        if d == "constant":
            return copy.deepcopy(s["value"])
        if d == "categorical":
            return copy.deepcopy(s["values"][x])
        if d == "categorical_w_probabilities":  # first index whose cumulative probability exceeds x
            index = bisect.bisect_right(self._cumulative, x)
            return copy.deepcopy(s["values"][min(index, len(s["values"]) - 1)])
        if d == "int_uniform":
            return int(x)
        if d in ("uniform", "log_uniform_values", "inv_log_uniform_values"):
            return float(x)
        if d in ("log_uniform", "inv_log_uniform"):
            return math.exp(x)
        if d == "q_uniform" or d == "q_log_uniform_values":
            return _ppf.quantize(x, s["q"])
        if d == "q_log_uniform":
            return _ppf.quantize(math.exp(x), s["q"])
        if d in ("normal", "q_normal"):
            value = _ppf.normal_ppf(x, s["mu"], s["sigma"])
        elif d in ("log_normal", "q_log_normal"):
            value = _ppf.lognormal_ppf(x, s["mu"], s["sigma"])
        else:
            value = _ppf.beta_ppf(x, s["a"], s["b"])
        return _ppf.quantize(value, s["q"]) if d.startswith("q_") else value

    def primitive_value(self, value: Any) -> Any:
        """A primitive value that `value` maps back from (quantised values: one of their preimages)."""
        s, d = self.spec, self.distribution
        if d == "categorical":
            for index, allowed in enumerate(s["values"]):
                if allowed == value and type(allowed) is type(value):
                    return index
            for index, allowed in enumerate(s["values"]):
                if allowed == value:
                    return index
            raise SweepConfigError(
                f"{value!r} is not a permitted value of the categorical hyperparameter "
                f"{self.name} in the current sweep."
            )
        if d == "categorical_w_probabilities":
            found = next((i for i, v in enumerate(s["values"]) if v == value), None)
            if found is None:
                raise SweepConfigError(
                    f"{value!r} is not a permitted value of the categorical hyperparameter "
                    f"{self.name} in the current sweep."
                )
            below = self._cumulative[found - 1] if found else 0.0
            return _clamp((below + self._cumulative[found]) / 2, 0.0, 1.0)
        if d == "int_uniform":
            return int(_clamp(round(value), s["min"], s["max"]))
        if d in ("normal", "q_normal"):
            return _ppf.normal_cdf(value, s["mu"], s["sigma"])
        if d in ("log_normal", "q_log_normal"):
            return _ppf.lognormal_cdf(value, s["mu"], s["sigma"])
        if d in ("beta", "q_beta"):
            return _ppf.beta_cdf(value, s["a"], s["b"])
        low, high, _ = self.bounds()
        if d in ("log_uniform", "inv_log_uniform", "q_log_uniform"):
            value = math.log(value) if value > 0 else low
        return _clamp(float(value), low, high)


def _leaves(parameters: Mapping[str, Any], prefix: tuple[str, ...]) -> list[Param]:
    """W&B's order: names sorted (Python `sorted`) at each level, depth first."""
    params: list[Param] = []
    for name, block in sorted(parameters.items()):
        if GROUP in block:
            params.extend(_leaves(block[GROUP], (*prefix, name)))
        else:
            params.append(Param((*prefix, name), block))
    return params


def nest(params: Sequence[Param], values: Sequence[Any]) -> dict[str, Any]:
    """The nested run config, keys in W&B's order: top-level leaves first, then groups."""
    config: dict[str, Any] = {}
    nested = []
    for param, value in zip(params, values):
        if len(param.path) == 1:
            config[param.path[0]] = value
        else:
            nested.append((_WBNEST.join(param.path), param.path, value))
    for _, path, value in sorted(nested, key=lambda item: item[0]):
        group = config
        for part in path[:-1]:
            group = group.setdefault(part, {})
        group[path[-1]] = value
    return config


def _draw(trial: optuna.trial.Trial, key: str, dist: Any) -> Any:
    """One `trial.suggest_*` call for an Optuna primitive."""
    from optuna.distributions import CategoricalDistribution, IntDistribution

    if isinstance(dist, CategoricalDistribution):
        return trial.suggest_categorical(key, dist.choices)
    if isinstance(dist, IntDistribution):
        return trial.suggest_int(key, dist.low, dist.high)
    return trial.suggest_float(key, dist.low, dist.high, log=dist.log)


def _lookup(config: Mapping[str, Any], path: tuple[str, ...]) -> Any:
    for part in path:
        if not isinstance(config, Mapping) or part not in config:
            raise SweepConfigError(f"the run config has no value for {'.'.join(path)}")
        config = config[part]
    return config


class SearchSpace:
    """The parameters of a normalised sweep config, each an Optuna primitive and a transform."""

    def __init__(self, parameters: Mapping[str, Any]) -> None:
        self.params: tuple[Param, ...] = tuple(_leaves(parameters, ()))

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> SearchSpace:
        """The space of a config returned by `normalize_sweep_config` (or loaded back from JSON)."""
        return cls(config["parameters"])

    @cached_property
    def distributions(self) -> dict[str, optuna.distributions.BaseDistribution]:
        """The Optuna distribution of each searched parameter, by Optuna name (for `study.ask`)."""
        return {p.key: p.primitive for p in self.params if p.primitive is not None}

    def config_from_params(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """The nested run config for the primitive values of a trial (`trial.params`)."""
        values = [
            p.value(None if p.primitive is None else params[p.key]) for p in self.params
        ]
        return nest(self.params, values)

    def suggest(self, trial: optuna.trial.Trial) -> dict[str, Any]:
        """Draw every parameter through `trial` and return the nested run config."""
        return self.config_from_params(
            {key: _draw(trial, key, dist) for key, dist in self.distributions.items()}
        )

    def params_from_config(self, run_config: Mapping[str, Any]) -> dict[str, Any]:
        """Primitive values reproducing a run config (to seed a study with earlier runs)."""
        return {
            p.key: p.primitive_value(_lookup(run_config, p.path))
            for p in self.params
            if p.primitive is not None
        }
