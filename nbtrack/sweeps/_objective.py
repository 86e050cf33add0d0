"""The value a sweep optimises for a run: its best finite metric, or W&B's imputation for a failed run."""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal

Goal = Literal["minimize", "maximize"]


def is_finite_number(value: Any) -> bool:
    """A finite real number that is not a bool: what W&B counts as a metric value."""
    return (
        isinstance(value, numbers.Real)
        and not isinstance(value, bool)
        and math.isfinite(value)
    )


def finite_values(values: Iterable[Any]) -> list[float]:
    """The finite numeric values of a metric history, in order (NaN, inf, None and text dropped)."""
    return [v for v in values if is_finite_number(v)]


def best_metric(values: Iterable[Any], goal: Goal = "minimize") -> float | None:
    """A run's best finite value of the metric over history and summary; None when it has none."""
    finite = finite_values(values)
    if not finite:
        return None
    return max(finite) if goal == "maximize" else min(finite)


def impute_metric(
    strategy: Literal["worst", "best", "latest"],
    values: Sequence[Any],
    terminal_runs_values: Iterable[Iterable[Any]],
    goal: Goal = "minimize",
) -> float:
    """The metric W&B's Bayes search gives a failed, crashed or killed run (`metric.impute`)."""
    if strategy == "best":
        best = best_metric(values, goal)
        return 0.0 if best is None else best
    if strategy == "latest":
        finite = finite_values(values)
        return finite[-1] if finite else 0.0
    if strategy != "worst":
        raise ValueError(f"invalid impute strategy: {strategy}")
    # each finished-or-failed run's worst value, then the worst of those
    worst_goal: Goal = "minimize" if goal == "maximize" else "maximize"
    extrema = [best_metric(v, worst_goal) for v in terminal_runs_values]
    candidates = [e for e in extrema if e is not None]
    if not candidates:
        return 0.0
    return min(candidates) if goal == "maximize" else max(candidates)


def target_reached(value: float | None, metric: Mapping[str, Any]) -> bool:
    """Whether a run's best value meets `metric.target`, after which the sweep starts no new runs."""
    target = metric.get("target")
    if target is None or value is None:
        return False
    return bool(value >= target if metric.get("goal", "minimize") == "maximize" else value <= target)


def objectives(config: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The sweep's objectives, each `{name, goal, ...}`: none, one (`metric: {...}`) or several (`metric: [...]`)."""
    metric = config.get("metric")
    if metric is None:
        return []
    return [dict(m) for m in metric] if isinstance(metric, list) else [dict(metric)]
