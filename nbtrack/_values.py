"""Normalising what users pass to `run.log` into storable values.

Scalars become float (bools included), strings stay text, nested dicts are
flattened with '/', numpy/torch scalars are unwrapped without importing either
library, and rich values (Table, Image, ...) turn themselves into JSON refs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["PLAIN_TYPES", "normalize_row", "scalar_or_none"]

# Values `run.log` stores as they are (the hot path checks `type(v) in PLAIN_TYPES`).
PLAIN_TYPES = frozenset({float, int, bool, str})
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
            out[name] = value
        elif isinstance(value, Mapping):
            _flatten(value, name + "/", out, run)
        elif isinstance(value, (float, int, str)):  # subclasses (IntEnum, numpy.float64, ...)
            out[name] = value if isinstance(value, str) else (bool(value) if isinstance(value, bool) else float(value))
        else:
            out[name] = _convert(name, value, run)


def _convert(name: str, value: Any, run: Any) -> Any:
    item = scalar_or_none(value)
    if item is not None:
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
