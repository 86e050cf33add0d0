"""The value a sweep optimises per run: best finite metric, W&B's imputation, metric.target."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nbtrack.sweeps import best_metric, finite_values, impute_metric, target_reached

HISTORY = [3, math.nan, 1, None, "x", math.inf, 2, True, np.float64(1.5)]


def test_finite_values_drop_nan_inf_bools_and_text() -> None:
    assert finite_values(HISTORY) == [3, 1, 2, 1.5]


def test_best_metric_follows_the_goal() -> None:
    assert best_metric(HISTORY) == 1
    assert best_metric(HISTORY, "maximize") == 3
    assert best_metric([math.nan, None]) is None
    assert best_metric([]) is None


@pytest.mark.parametrize(
    ("goal", "expected"),
    [("minimize", 5), ("maximize", 1)],  # each run's worst value, then the worst of those
)
def test_impute_worst(goal: str, expected: float) -> None:
    terminal = [[1, 5], [2, 3, math.nan], []]
    assert impute_metric("worst", [0.5], terminal, goal) == expected  # type: ignore[arg-type]


def test_impute_falls_back_to_zero() -> None:
    assert impute_metric("worst", [1], [[], [math.nan]]) == 0.0
    assert impute_metric("best", [math.nan], []) == 0.0
    assert impute_metric("latest", [], []) == 0.0


def test_impute_best_and_latest_use_the_run_itself() -> None:
    values = [4, 2, 3, math.nan]
    assert impute_metric("best", values, [[100]]) == 2
    assert impute_metric("best", values, [[100]], "maximize") == 4
    assert impute_metric("latest", values, [[100]]) == 3


def test_impute_rejects_an_unknown_strategy() -> None:
    with pytest.raises(ValueError, match="invalid impute strategy"):
        impute_metric("mean", [1], [])  # type: ignore[arg-type]


def test_target_reached() -> None:
    assert target_reached(0.1, {"name": "loss", "goal": "minimize", "target": 0.2})
    assert target_reached(0.2, {"name": "loss", "target": 0.2})
    assert not target_reached(0.9, {"name": "acc", "goal": "maximize", "target": 0.95})
    assert target_reached(0.95, {"name": "acc", "goal": "maximize", "target": 0.95})
    assert not target_reached(0.1, {"name": "loss"})
    assert not target_reached(None, {"name": "loss", "target": 1})
