"""LightGBM: `nbtrack_callback()`, a training callback that writes to an nbtrack run, and `log_booster()`.

```python
from nbtrack.integrations.lightgbm import log_booster, nbtrack_callback

booster = lgb.train(params, train_set, num_boost_round=100, valid_sets=[train_set, valid_set],
                    valid_names=["train", "valid"], callbacks=[nbtrack_callback(project="housing")])
# or the scikit-learn API:
LGBMRegressor(n_estimators=100).fit(X, y, eval_set=[(Xv, yv)], callbacks=[nbtrack_callback()])
```

What it logs:

- config: the training parameters LightGBM resolved (`objective`, `learning_rate`,
  `num_leaves`, ...) and `num_boost_round`, plus whatever you pass as `config=`;
- history: one point per boosting round: `<valid name>_<metric>` for every validation set and
  metric (`train_l2`, `valid_binary_logloss`, ...; with `lgb.cv`, the mean, and `..._stdv`)
  and `iteration`;
- artifact: when the last round finishes, the booster in LightGBM's own text format
  (`model.txt`, no pickle) in a `model` artifact named `model-<run id>`; `log_model=False`
  turns this off. Early stopping ends training before the last round, so then call
  `log_booster(booster)` on what `lgb.train` returned (it also records `best_iteration` and
  `best_<valid name>_<metric>` in the summary). Load it back with `lgb.Booster(model_file=path)`.

The run: the one passed as `run=`, else the current run, else a new one from `project`,
`name`, `config` and any other `nbtrack.init` keyword.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import lightgbm

from .._run import Run
from ._common import LazyRun, log_saved_model, plain_params, require_run

__all__ = ["nbtrack_callback", "log_booster"]


class _NbtrackCallback(LazyRun):
    # After `record_evaluation` (20), before `early_stopping` (30), so the stopping round is logged.
    order = 25
    before_iteration = False

    def __init__(self, run: Run | None, init_kwargs: dict[str, Any], config: dict[str, Any], log_model: bool,
                 model_name: str | None) -> None:
        self.run = run
        self._init_kwargs = {**init_kwargs, "config": config or None}
        self._config = config
        self._log_model = log_model
        self._model_name = model_name

    def __call__(self, env: Any) -> None:
        run = self._current_run()
        if env.iteration == env.begin_iteration:
            config = plain_params(env.params or {})
            config["num_boost_round"] = env.end_iteration - env.begin_iteration
            run.config.update({**config, **plain_params(self._config)})
        row: dict[str, Any] = {}
        for item in env.evaluation_result_list or ():
            data, metric, value = item[0], item[1], item[2]
            if data == "cv_agg":  # lgb.cv before 4.0: ("cv_agg", "valid l2", mean, higher_better, stdv)
                data, _, metric = metric.partition(" ")
            if len(item) > 4:  # lgb.cv: (data, metric, mean, higher_better, stdv)
                row[f"{data}_{metric}_stdv"] = float(item[4])
            row[f"{data}_{metric}"] = float(value)
        row["iteration"] = env.iteration
        run.log(row)
        if self._log_model and env.iteration + 1 == env.end_iteration and isinstance(env.model, lightgbm.Booster):
            log_booster(env.model, run=run, name=self._model_name)


def nbtrack_callback(
    project: str | None = None,
    *,
    name: str | None = None,
    config: Mapping[str, Any] | None = None,
    run: Run | None = None,
    log_model: bool = True,
    model_name: str | None = None,
    **init_kwargs: Any,
) -> Any:
    """A LightGBM callback logging parameters, per-round evaluation results and the final booster."""
    return _NbtrackCallback(run, {"project": project, "name": name, **init_kwargs}, dict(config or {}),
                            log_model, model_name)


def log_booster(booster: Any, *, run: Run | None = None, name: str | None = None) -> Any:
    """Log a trained booster (`lgb.Booster`, or a fitted `LGBMModel`) as a `model` artifact; return it.

    Uses the current run unless `run` is given; records `best_iteration` and the best scores
    (`best_<valid name>_<metric>`) in the summary and the artifact's metadata.
    """
    booster = getattr(booster, "booster_", booster)
    target = require_run(run, "log_booster")
    best_iteration = getattr(booster, "best_iteration", 0) or None
    if best_iteration is not None:
        target.summary["best_iteration"] = best_iteration
    best = {f"best_{data}_{metric}": float(value)
            for data, scores in (getattr(booster, "best_score", None) or {}).items()
            for metric, value in scores.items()}
    for key, value in best.items():
        target.summary[key] = value
    metadata = {
        "version": lightgbm.__version__,
        "rounds": booster.current_iteration(),
        "features": booster.num_feature(),
        "best_iteration": best_iteration,
        **best,
    }
    return log_saved_model(target, booster.save_model, framework="lightgbm", file="model.txt", name=name,
                           metadata=metadata)
