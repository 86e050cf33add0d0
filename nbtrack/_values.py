"""Normalising what users pass to `run.log` into storable values.

Scalars become float (bools included), strings stay text, nested dicts are
flattened with '/', numpy/torch scalars are unwrapped without importing either
library, and rich values (Table, Image, ...) turn themselves into JSON refs.
What the store cannot hold is refused here, on the caller's thread, naming the
key: an int beyond float64's range, a step outside int64.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import Any

__all__ = ["PLAIN_TYPES", "FAST_TYPES", "INT_LIMIT", "normalize_row", "scalar_or_none", "check_step", "too_big"]

# Values `run.log` stores as they are; the hot path takes FAST_TYPES at once and range-checks ints.
PLAIN_TYPES = frozenset({float, int, bool, str})
FAST_TYPES = frozenset({float, bool, str})
# Ints `run.log` takes as numbers: those a float64 holds (the hot path range-checks ints against it).
INT_LIMIT = int(sys.float_info.max)
# Explicit steps: int64, less one so that the automatic step after the largest still fits.
STEP_MIN, STEP_MAX = -(2**63), 2**63 - 2
_ARRAY_MODULES = frozenset({"numpy", "torch", "jax", "jaxlib", "tensorflow", "mlx"})


def scalar_or_none(value: Any) -> float | int | bool | None:
    """Unwrap a numpy/torch/jax scalar or 0-d array without importing those libraries; else None."""
    if type(value).__module__.split(".")[0] not in _ARRAY_MODULES or getattr(value, "ndim", 0) != 0:
        return None
    item = value.item()
    return item if type(item) in (float, int, bool) else None


def normalize_row(data: Mapping[Any, Any], run: Any = None) -> dict[str, Any]:
    """Return a flat {key: storable value} copy of `data`, or raise TypeError naming the key."""
    out: dict[str, Any] = {}
    _flatten(data, "", out, run)
    return out


def _flatten(data: Mapping[Any, Any], prefix: str, out: dict[str, Any], run: Any) -> None:
    for key, value in data.items():
        if not isinstance(key, str):
            raise TypeError(f"run.log: key {key!r} must be a str, not {type(key).__name__}")
        if not key:
            raise TypeError(f"run.log: empty key under {prefix or 'the top level'!r}")
        name = prefix + key
        if type(value) in PLAIN_TYPES or value is None:
            if type(value) is int and not -INT_LIMIT <= value <= INT_LIMIT:
                raise too_big(name, value)
            out[name] = value
        elif isinstance(value, Mapping):
            _flatten(value, name + "/", out, run)
        elif isinstance(value, (float, int, str)):  # subclasses (IntEnum, numpy.float64, ...)
            if isinstance(value, str):
                out[name] = str(value)
            elif isinstance(value, bool):
                out[name] = bool(value)
            elif isinstance(value, int) and not -INT_LIMIT <= value <= INT_LIMIT:
                raise too_big(name, value)
            else:
                out[name] = float(value)
        else:
            out[name] = _convert(name, value, run)


def too_big(name: str, value: int) -> ValueError:
    """The error for an int no float64 holds (the store keeps numbers as float64)."""
    digits = len(str(abs(value))) if abs(value) < 10**4300 else "over 4300"
    return ValueError(
        f"run.log: value for key {name!r} is an int of {digits} digits, beyond what a float64 holds "
        f"(about 1.8e308); log a smaller number, or str(value) to keep every digit"
    )


def check_step(step: int) -> int:
    """`step` if the store can hold it (int64), else a ValueError saying why."""
    if not STEP_MIN <= step <= STEP_MAX:
        raise ValueError(
            f"run.log: step {step if abs(step) < 10**30 else '(an int of %d bits)' % step.bit_length()} is outside "
            f"the steps nbtrack stores: int64, from -2**63 to 2**63-2 (the next automatic step must fit too)"
        )
    return step


def _convert(name: str, value: Any, run: Any) -> Any:
    item = scalar_or_none(value)
    if item is not None:
        if type(item) is int and not -INT_LIMIT <= item <= INT_LIMIT:
            raise too_big(name, item)
        return item
    to_json = getattr(value, "_nbtrack_json", None)
    if to_json is not None:
        return to_json(run, name)
    if isinstance(value, (list, tuple)) and value and all(hasattr(v, "_nbtrack_json") for v in value):
        # W&B's `{"examples": [wandb.Image(a), wandb.Image(b)]}`: a list of rich values
        return [v._nbtrack_json(run, f"{name}/{i}") for i, v in enumerate(value)]
    if (type(value).__module__.startswith(("plotly.", "matplotlib"))
            or getattr(value, "__name__", "") == "matplotlib.pyplot"):  # raw figures: W&B converts them
        from ._figures import figure_media

        media = figure_media(value)
        if media is not None:
            return media._nbtrack_json(run, name)
    shape = getattr(value, "shape", None)
    hint = (
        f" (an array of shape {tuple(shape)}: log a scalar, or wrap it in nbtrack.Histogram)"
        if shape is not None
        else " (log a number, a bool, a str, a dict of those, or an nbtrack.Table/Image/Histogram/Plotly)"
    )
    raise TypeError(f"run.log: unsupported value for key {name!r}: {type(value).__name__}{hint}")
