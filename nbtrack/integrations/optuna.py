"""Optuna: `NbtrackOptunaCallback`, which mirrors each finished trial of `study.optimize` into an nbtrack run.

```python
from nbtrack.integrations.optuna import NbtrackOptunaCallback

study = optuna.create_study(study_name="lr-search", direction="minimize")
study.optimize(objective, n_trials=50, callbacks=[NbtrackOptunaCallback(project="mnist")])
```

Your objective stays as it is; Optuna keeps driving the search. (To have nbtrack drive an
Optuna search from a W&B sweep config instead, use `nbtrack.sweep` / `nbtrack.agent`.)
Each finished trial becomes one run:

- name `trial-<number>`, group the study's name, job type `optuna-trial`, tag `optuna`;
- config: the trial's parameters, plus whatever you pass as `config=`;
- history: the values the objective reported with `trial.report(value, step)`, under the
  metric name (`metric_name`, default `value`) at their steps; a trial that reported nothing
  has its final value as its one point;
- summary: the objective value(s) under the metric name(s), `trial_number`, `duration` (s),
  and the trial's user attributes as `user_attrs/<key>`;
- state: `finished` for a complete trial, `pruned` for a pruned one, `failed` for a failed one.

`log_study(study)` mirrors the trials of a study that already ran (loaded from its storage, say).
Trial runs open beside any run you have open, never replacing it, and show no live view.
Optuna has no model to store, so these runs log no artifact.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import optuna
from optuna.trial import FrozenTrial, TrialState

from .._run import Run

__all__ = ["NbtrackOptunaCallback", "log_study"]


class NbtrackOptunaCallback:
    """An Optuna callback (`study.optimize(..., callbacks=[...])`) writing one nbtrack run per trial."""

    def __init__(
        self,
        project: str | None = None,
        *,
        metric_name: str | Sequence[str] = "value",
        config: Mapping[str, Any] | None = None,
        group: str | None = None,
        tags: Sequence[str] = ("optuna",),
        **init_kwargs: Any,
    ) -> None:
        taken = sorted(set(init_kwargs) & {"name", "config", "group", "job_type", "tags", "reinit"})
        if taken:
            raise TypeError(f"NbtrackOptunaCallback sets {', '.join(taken)} of each trial's run itself")
        self._metric_names = [metric_name] if isinstance(metric_name, str) else list(metric_name)
        self._project = project
        self._config = dict(config or {})
        self._group = group
        self._tags = tuple(tags)
        self._init_kwargs = init_kwargs
        self.runs: list[Run] = []
        """The runs written so far, one per trial, in the order the trials finished."""

    def __call__(self, study: optuna.Study, trial: FrozenTrial) -> None:
        self.log_trial(study, trial)

    def _names(self, count: int) -> list[str]:
        if len(self._metric_names) == count:
            return self._metric_names
        if count == 1:
            return self._metric_names[:1]
        if len(self._metric_names) == 1:
            return [f"{self._metric_names[0]}_{i}" for i in range(count)]
        raise ValueError(
            f"NbtrackOptunaCallback: {len(self._metric_names)} metric names {self._metric_names} "
            f"for a study with {count} objectives"
        )

    def log_trial(self, study: optuna.Study, trial: FrozenTrial) -> Run | None:
        """Write one finished trial as a run (a trial still running or waiting is skipped); return it."""
        if not trial.state.is_finished():
            return None
        from .._init import init
        from .._notebook import live_views

        names = self._names(len(study.directions))
        token = live_views.set(False)
        try:
            run = init(
                self._project, name=f"trial-{trial.number}", config={**trial.params, **self._config},
                group=self._group or study.study_name, job_type="optuna-trial", tags=self._tags,
                reinit="create_new", **self._init_kwargs,
            )
        finally:
            live_views.reset(token)
        try:
            for step, value in sorted(trial.intermediate_values.items()):
                run.log({names[0]: float(value)}, step=int(step))
            values = trial.values
            if values is not None:
                if not trial.intermediate_values:
                    run.log({name: float(v) for name, v in zip(names, values)}, step=0)
                for name, v in zip(names, values):
                    run.summary[name] = float(v)
            run.summary["trial_number"] = trial.number
            if trial.duration is not None:
                run.summary["duration"] = trial.duration.total_seconds()
            for key, value in trial.user_attrs.items():
                run.summary[f"user_attrs/{key}"] = value
        except BaseException as exc:
            run.fail(exc)
            raise
        if trial.state == TrialState.PRUNED:
            run.finish(state="pruned")
        elif trial.state == TrialState.FAIL:
            run.finish(exit_code=1, state="failed", error=f"Optuna trial {trial.number} failed")
        else:
            run.finish()
        self.runs.append(run)
        return run


def log_study(
    study: optuna.Study,
    project: str | None = None,
    *,
    metric_name: str | Sequence[str] = "value",
    **kwargs: Any,
) -> list[Run]:
    """Mirror every finished trial of `study` into nbtrack runs (see `NbtrackOptunaCallback`); return them."""
    callback = NbtrackOptunaCallback(project, metric_name=metric_name, **kwargs)
    for trial in study.get_trials(deepcopy=False):
        callback.log_trial(study, trial)
    return callback.runs
