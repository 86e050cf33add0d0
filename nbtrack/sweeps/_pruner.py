"""W&B's Hyperband early termination as an Optuna pruner (imports optuna: load it lazily)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

import optuna
from optuna.study import StudyDirection

from ._hyperband import hyperband_bands, hyperband_should_stop


def _history(trial: optuna.trial.FrozenTrial) -> list[float]:
    return [value for _, value in sorted(trial.intermediate_values.items())]


class HyperbandPruner(optuna.pruners.BasePruner):
    """Prune a trial exactly when W&B's Hyperband would stop its run (not Optuna's own Hyperband).

    Each `trial.report(value, step)` is one history row; steps only order the rows. Every
    trial of the study, in any state, sets the band thresholds, and the study's direction
    is the metric's goal.
    """

    def __init__(self, early_terminate: Mapping[str, Any]) -> None:
        hyperband_bands(early_terminate)  # a bad block fails here, not at the first report
        self._early_terminate = dict(early_terminate)

    def prune(self, study: optuna.study.Study, trial: optuna.trial.FrozenTrial) -> bool:
        """Whether `trial`, at its latest report, falls behind the threshold of its last band."""
        goal: Literal["minimize", "maximize"] = (
            "maximize" if study.direction == StudyDirection.MAXIMIZE else "minimize"
        )
        histories = [_history(t) for t in study.get_trials(deepcopy=False)]
        return hyperband_should_stop(
            _history(trial), histories, early_terminate=self._early_terminate, goal=goal
        )
