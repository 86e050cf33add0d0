"""W&B's Hyperband early termination (sweeps 0.3.0 `hyperband_stopping.py`) as pure functions."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal

from ..errors import SweepConfigError
from ._objective import finite_values

_NO_BANDS = (
    "early_terminate: Bands must be an array of length at least 1. "
    "Try increasing s, decreasing eta, or increasing min_iter."
)


def _max_iter_bands(max_iter: float, s: Any, eta: float) -> list[int]:
    if not isinstance(s, int) or isinstance(s, bool):
        raise SweepConfigError(f"early_terminate: s must be an integer, got {s!r}")
    band, bands = max_iter, []
    for _ in range(s):
        band /= eta
        if band < 1:
            break
        bands.append(int(band))
    return sorted(bands)


def _min_iter_bands(min_iter: float, eta: float) -> list[int]:
    band, bands = min_iter, []
    for _ in range(100):
        bands.append(int(band))
        band *= eta
    return bands


def hyperband_bands(early_terminate: Mapping[str, Any]) -> list[int]:
    """The iteration counts at which runs are judged ("bands"), ascending, exactly as W&B computes them."""
    eta = early_terminate.get("eta", 3)
    try:
        if "max_iter" in early_terminate:  # max_iter wins when min_iter is given too
            if "s" not in early_terminate:
                raise SweepConfigError("early_terminate: max_iter needs s (how many bands to cut)")
            bands = _max_iter_bands(early_terminate["max_iter"], early_terminate["s"], eta)
        elif "min_iter" in early_terminate:
            bands = _min_iter_bands(early_terminate["min_iter"], eta)
        else:
            raise SweepConfigError('early_terminate: either "max_iter" or "min_iter" must be specified')
    except OverflowError as exc:
        raise SweepConfigError(f"early_terminate: eta {eta!r} makes the bands overflow ({exc})") from exc
    if not bands:
        raise SweepConfigError(_NO_BANDS)
    return bands


def _signed(values: Iterable[Any], goal: str) -> list[float]:
    """The finite values of a metric history, negated for `maximize` so that lower is better."""
    sign = -1 if goal == "maximize" else 1
    return [sign * v for v in finite_values(values)]


def hyperband_thresholds(
    sweep_histories: Iterable[Sequence[Any]],
    *,
    early_terminate: Mapping[str, Any],
    goal: Literal["minimize", "maximize"] = "minimize",
) -> list[tuple[int, float]]:
    """Each band and its threshold: the goal-signed value at rank int(n / eta) of the n runs there."""
    bands = hyperband_bands(early_terminate)
    r = 1.0 / early_terminate.get("eta", 3)
    histories = [h for h in (_signed(h, goal) for h in sweep_histories) if h]
    pairs = []
    for band in bands:
        values = sorted(h[band - 1] for h in histories if len(h) >= band)
        pairs.append((band, values[int(r * len(values))] if values else math.inf))
    return pairs


def hyperband_should_stop(
    history: Sequence[Any],
    sweep_histories: Iterable[Sequence[Any]],
    *,
    early_terminate: Mapping[str, Any],
    goal: Literal["minimize", "maximize"] = "minimize",
) -> bool:
    """Whether W&B's Hyperband stops a running run, from its metric history and every run's (its own too)."""
    own = _signed(history, goal)
    reached = [
        (band, threshold)
        for band, threshold in hyperband_thresholds(
            sweep_histories, early_terminate=early_terminate, goal=goal
        )
        if band <= len(own)
    ]
    if not reached:
        return False
    band, threshold = reached[-1]
    strict = early_terminate.get("strict", True) is True
    value = own[band - 1] if strict else min(own)
    return value > threshold
