"""Resolve one W&B parameter block to its distribution and fill its defaults (`fill_parameter`)."""

from __future__ import annotations

import numbers
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

GROUP = "parameters"
"""The kind `resolve_parameter` returns for a group of nested parameters."""

DEPRECATED = {
    "log_uniform": "log_uniform_values",
    "q_log_uniform": "q_log_uniform_values",
    "inv_log_uniform": "inv_log_uniform_values",
}
"""Distributions whose min/max are base-e exponents, with the `_values` form that replaces each."""


def is_number(value: Any) -> bool:
    """JSON Schema `number`: a real number that is not a bool (numpy floats pass)."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def is_integer(value: Any) -> bool:
    """JSON Schema `integer`: an int that is not a bool, or a whole float (so `5.0` passes)."""
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, float) and value.is_integer())


def _number(value: Any) -> str | None:
    return None if is_number(value) else "must be a number"


def _positive(value: Any) -> str | None:
    return _number(value) or (None if value > 0 else "must be greater than 0")


def _non_negative(value: Any) -> str | None:
    return _number(value) or (None if value >= 0 else "must be at least 0")


def _int(value: Any) -> str | None:
    # type "integer" plus format "integer" (isinstance int): 10.0 and numpy.int64 both fail
    ok = isinstance(value, int) and not isinstance(value, bool)
    return None if ok else "must be an int"


def _values(value: Any) -> str | None:
    if not isinstance(value, list):
        return f"must be a list, not {type(value).__name__}"
    return None if value else "should be non-empty"


def _probabilities(value: Any) -> str | None:
    reason = _values(value)
    if reason is None and not all(is_number(p) and p >= 0 for p in value):
        reason = "must hold numbers that are at least 0"
    return reason


def _anything(value: Any) -> str | None:
    return None


Check = Callable[[Any], "str | None"]


@dataclass(frozen=True)
class _Definition:
    """One `definitions.param_*` schema: its keys, their checks and defaults."""

    required: tuple[str, ...]
    checks: Mapping[str, Check]
    defaults: Mapping[str, Any] = field(default_factory=dict)


def _minmax(min_check: Check = _number, *extra: tuple[str, Check]) -> dict[str, Check]:
    return {"min": min_check, "max": _number, **dict(extra)}


_MU_SIGMA = {"mu": _number, "sigma": _non_negative}
_A_B = {"a": _non_negative, "b": _non_negative}
_Q = ("q", _positive)

# Keyed by `distribution`, in the order of the schema's `definitions.parameter.anyOf`.
_DEFINITIONS: dict[str, _Definition] = {
    "q_beta": _Definition((), {**_A_B, "q": _positive}, {"a": 1, "b": 1, "q": 1.0}),
    "beta": _Definition((), _A_B, {"a": 1, "b": 1}),
    "categorical": _Definition(("values",), {"values": _values}),
    "categorical_w_probabilities": _Definition(
        ("values", "probabilities"),
        {"values": _values, "probabilities": _probabilities},
    ),
    "int_uniform": _Definition(("min", "max"), {"min": _int, "max": _int}),
    "uniform": _Definition(("min", "max"), _minmax()),
    "log_normal": _Definition((), _MU_SIGMA, {"mu": 0.0, "sigma": 1.0}),
    "log_uniform": _Definition(("min", "max"), _minmax()),
    "inv_log_uniform": _Definition(("min", "max"), _minmax()),
    "normal": _Definition((), _MU_SIGMA, {"mu": 0.0, "sigma": 1.0}),
    "q_log_normal": _Definition((), {**_MU_SIGMA, "q": _positive}, {"q": 1.0, "mu": 0, "sigma": 1}),
    "q_log_uniform": _Definition(("min", "max"), _minmax(_number, _Q), {"q": 1.0}),
    "q_normal": _Definition((), {**_MU_SIGMA, "q": _positive}, {"q": 1.0, "mu": 0, "sigma": 1}),
    "q_uniform": _Definition(("min", "max"), _minmax(_number, _Q), {"q": 1.0}),
    "constant": _Definition(("value",), {"value": _anything}),
    "inv_log_uniform_values": _Definition(("min", "max"), _minmax(_positive)),
    "log_uniform_values": _Definition(("min", "max"), _minmax(_positive)),
    "q_log_uniform_values": _Definition(("min", "max"), _minmax(_positive, _Q), {"q": 1.0}),
}

DISTRIBUTIONS: tuple[str, ...] = tuple(_DEFINITIONS)
"""Every value `distribution` may take (a sweep editor's choices), in W&B's resolution order."""


class ParameterError(Exception):
    """A parameter block matches none of W&B's parameter schemas; the message says why."""


def _implied(block: Mapping[str, Any]) -> str:
    """The definition a block without `distribution` is meant for, judged by its keys."""
    if GROUP in block:
        return GROUP
    if "value" in block:
        return "constant"
    if "values" in block:
        return "categorical_w_probabilities" if "probabilities" in block else "categorical"
    if "min" in block or "max" in block:
        ints = all(_int(block.get(k)) is None for k in ("min", "max") if k in block)
        return "int_uniform" if ints else "uniform"
    raise ParameterError(
        "needs 'value', 'values', 'min' and 'max', 'distribution' or nested 'parameters'"
    )


def _check(distribution: str, block: Mapping[str, Any], *, explicit: bool) -> None:
    definition = _DEFINITIONS[distribution]
    allowed = {"distribution", *definition.checks}
    for key in block:
        if key not in allowed:
            raise ParameterError(f"{key!r} is not allowed with distribution {distribution!r}")
    for key in definition.required:
        if key not in block:
            raise ParameterError(f"{key!r} is required with distribution {distribution!r}")
    for key, check in definition.checks.items():
        if key in block and (reason := check(block[key])) is not None:
            raise ParameterError(f"{key!r} {reason} (got {block[key]!r})")
    if distribution == "uniform" and not explicit:
        # without `distribution`, two ints mean int_uniform: uniform needs a float bound
        if not any(isinstance(block[k], float) for k in ("min", "max")):
                raise ParameterError("'min' or 'max' must be a float when 'distribution' is omitted")


def resolve_parameter(block: Any) -> tuple[str, dict[str, Any]]:
    """The distribution (or GROUP) of one parameter block and a copy with its defaults filled."""
    if not isinstance(block, dict):
        raise ParameterError(f"must be a mapping, not {type(block).__name__}")
    if "distribution" in block:
        distribution = block["distribution"]
        if distribution not in _DEFINITIONS:
            raise ParameterError(f"unknown distribution {distribution!r}")
        _check(distribution, block, explicit=True)
    else:
        distribution = _implied(block)
        if distribution == GROUP:
            extra = [k for k in block if k != GROUP]
            if extra:
                raise ParameterError(
                    f"a group of nested parameters takes no other key (found {extra[0]!r})"
                )
            return GROUP, dict(block)
        _check(distribution, block, explicit=False)
    filled = {"distribution": distribution, **_DEFINITIONS[distribution].defaults}
    filled.update(block)
    return distribution, filled
