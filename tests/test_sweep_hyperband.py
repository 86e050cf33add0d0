"""Hyperband brackets and stop decisions on crafted histories (SWEEP_SPEC section 5), and the pruner."""

from __future__ import annotations

import math
from typing import Any

import optuna
import pytest

from nbtrack.sweeps import (
    HyperbandPruner,
    SweepConfigError,
    hyperband_bands,
    hyperband_should_stop,
    hyperband_thresholds,
)


def hyperband(**keys: Any) -> dict[str, Any]:
    return {"type": "hyperband", **keys}


# --- bands -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("block", "bands"),
    [
        (hyperband(max_iter=27, s=2), [3, 9]),
        (hyperband(max_iter=27.0, s=2), [3, 9]),
        (hyperband(max_iter=81, s=10, eta=2), [1, 2, 5, 10, 20, 40]),
        (hyperband(max_iter=18, s=2), [2, 6]),
        (hyperband(max_iter=5, s=2, eta=2), [1, 2]),
        (hyperband(max_iter=100, s=3, eta=2.5), [6, 16, 40]),
        (hyperband(max_iter=27, s=2, min_iter=5), [3, 9]),  # max_iter wins
    ],
)
def test_max_iter_bands(block: dict[str, Any], bands: list[int]) -> None:
    assert hyperband_bands(block) == bands


def test_min_iter_gives_one_hundred_bands_as_a_running_product() -> None:
    bands = hyperband_bands(hyperband(min_iter=3))
    assert len(bands) == 100
    assert bands[:5] == [3, 9, 27, 81, 243]
    assert bands[-1] == 3**100  # exact: an integer eta keeps ints
    assert hyperband_bands(hyperband(min_iter=2, eta=1.5))[:6] == [2, 3, 4, 6, 10, 15]
    assert hyperband_bands(hyperband(min_iter=1, eta=1.01))[:3] == [1, 1, 1]


@pytest.mark.parametrize(
    ("block", "message"),
    [
        (hyperband(max_iter=2, s=1), "Bands must be an array of length at least 1"),
        (hyperband(max_iter=27, s=0), "Bands must be an array of length at least 1"),
        (hyperband(max_iter=27, s=2.0), "s must be an integer, got 2.0"),
        (hyperband(max_iter=27, min_iter=1), "max_iter needs s"),
        (hyperband(eta=3), 'either "max_iter" or "min_iter" must be specified'),
        (hyperband(min_iter=1, eta=1e200), "overflow"),
    ],
)
def test_band_errors(block: dict[str, Any], message: str) -> None:
    with pytest.raises(SweepConfigError, match=message):
        hyperband_bands(block)


# --- the stop rule on crafted histories -------------------------------------------------------

# bands [1, 2] with eta 2: thresholds are the value at rank int(len / 2) of the sorted values
EXAMPLE = hyperband(max_iter=5, s=2, eta=2)
FINISHED_A = [10, 9]
FINISHED_E = [10, 6, 6]
RUNNING = {"b": [10, 10], "c": [10, 8, 8], "d": [10, 7, 7]}
ALL = [FINISHED_A, *RUNNING.values(), FINISHED_E]


def test_thresholds_of_the_example() -> None:
    # band 1: [10]*5 -> rank 2 -> 10; band 2: sorted [6, 7, 8, 9, 10] -> rank 2 -> 8
    assert hyperband_thresholds(ALL, early_terminate=EXAMPLE) == [(1, 10), (2, 8)]


def test_stop_above_the_threshold_and_continue_on_a_tie() -> None:
    stopped = [n for n, h in RUNNING.items() if hyperband_should_stop(h, ALL, early_terminate=EXAMPLE)]
    assert stopped == ["b"]  # b: 10 > 8 stops; c: 8 == 8 continues; d: 7 continues


def test_strict_uses_the_value_at_the_band_and_relaxed_the_best_so_far() -> None:
    block = hyperband(max_iter=4, s=1, eta=2)  # bands [2]
    histories = [[1, 1], [1, 3], [0, 5]]  # band 2 values sorted [1, 3, 5] -> rank 1 -> 3
    assert hyperband_should_stop([0, 5], histories, early_terminate=block)  # 5 > 3
    relaxed = {**block, "strict": False}
    assert not hyperband_should_stop([0, 5], histories, early_terminate=relaxed)  # min 0 <= 3


def test_maximize_negates_every_value() -> None:
    block = hyperband(max_iter=4, s=1, eta=2)
    histories = {"r1": [0.5, 0.9], "r2": [0.5, 0.6], "r3": [0.5, 0.8]}

    def stopped(goal: str) -> list[str]:
        return [
            name for name, h in histories.items()
            if hyperband_should_stop(h, histories.values(), early_terminate=block, goal=goal)
        ]

    assert stopped("maximize") == ["r2"]  # -0.6 > -0.8
    assert stopped("minimize") == ["r1"]  # 0.9 > 0.8


def test_only_the_largest_band_reached_is_checked() -> None:
    histories = [[0, 5], [0, 5], [9, 0]]
    # band 1: sorted [0, 0, 9] -> 0, which 9 exceeds; band 2: sorted [0, 5, 5] -> 5
    assert hyperband_should_stop([9], histories, early_terminate=EXAMPLE)
    assert not hyperband_should_stop([9, 0], histories, early_terminate=EXAMPLE)


def test_a_run_before_its_first_band_continues() -> None:
    block = hyperband(max_iter=27, s=2)  # bands [3, 9]
    assert not hyperband_should_stop([100, 100], [[0, 0, 0], [100, 100]], early_terminate=block)


def test_a_run_alone_never_stops() -> None:
    assert not hyperband_should_stop([5, 7], [[5, 7]], early_terminate=EXAMPLE)


def test_rank_is_int_of_len_over_eta() -> None:
    block = hyperband(min_iter=1, eta=3)  # band 1 first
    histories = [[1], [2], [3], [4]]  # rank int(4 / 3) = 1 -> 2
    assert hyperband_thresholds(histories, early_terminate=block)[0] == (1, 2)
    assert hyperband_should_stop([3], histories, early_terminate=block)
    assert not hyperband_should_stop([2], histories, early_terminate=block)


def test_non_finite_values_are_not_iterations() -> None:
    histories = [[0, 1], [0, 1], [math.nan, 9, None, "x", math.inf, 9, True]]
    # the last run has two finite values, so it reached band 2, where the threshold is 1
    assert hyperband_thresholds(histories, early_terminate=EXAMPLE) == [(1, 0), (2, 1)]
    assert hyperband_should_stop(histories[2], histories, early_terminate=EXAMPLE)
    # counted as one row, [nan, 0.5] is judged at band 1 (threshold 0): 0.5 stops it;
    # were NaN a row, it would be judged at band 2 (threshold 1) and continue
    judged = [math.nan, 0.5]
    assert hyperband_should_stop(judged, [[0, 1], [0, 1], judged], early_terminate=EXAMPLE)


def test_no_run_at_a_band_gives_an_infinite_threshold() -> None:
    assert hyperband_thresholds([[1]], early_terminate=EXAMPLE) == [(1, 1), (2, math.inf)]


# --- the Optuna pruner -------------------------------------------------------------------------


def reported(study: optuna.Study, values: list[float], steps: list[int] | None = None) -> optuna.Trial:
    trial = study.ask()
    for step, value in zip(steps or range(len(values)), values):
        trial.report(value, step)
    return trial


def test_pruner_reproduces_the_example() -> None:
    study = optuna.create_study(pruner=HyperbandPruner(EXAMPLE))
    for history in (FINISHED_A, FINISHED_E):
        study.tell(reported(study, history), history[-1])
    trials = {name: reported(study, h) for name, h in RUNNING.items()}
    assert {name: t.should_prune() for name, t in trials.items()} == {"b": True, "c": False, "d": False}


def test_pruner_counts_failed_trials_and_orders_rows_by_step() -> None:
    block = hyperband(max_iter=4, s=1, eta=2)  # bands [2]
    study = optuna.create_study(pruner=HyperbandPruner(block))
    study.tell(reported(study, [1, 1]), state=optuna.trial.TrialState.FAIL)
    study.tell(reported(study, [1, 3]), 3)
    assert reported(study, [5, 0], steps=[7, 3]).should_prune()  # rows: 0 then 5; 5 > 3
    assert not reported(study, [0, 5], steps=[7, 3]).should_prune()  # rows: 5 then 0


def test_pruner_follows_the_study_direction() -> None:
    block = hyperband(max_iter=4, s=1, eta=2)
    study = optuna.create_study(direction="maximize", pruner=HyperbandPruner(block))
    study.tell(reported(study, [0.5, 0.9]), 0.9)
    study.tell(reported(study, [0.5, 0.8]), 0.8)
    assert reported(study, [0.5, 0.6]).should_prune()
    assert not reported(study, [0.5, 0.85]).should_prune()


def test_pruner_rejects_a_bad_block_up_front() -> None:
    with pytest.raises(SweepConfigError, match="Bands must be"):
        HyperbandPruner(hyperband(max_iter=2, s=1))
