"""XGBoost: `NbtrackCallback`, an `xgboost.callback.TrainingCallback` that writes to an nbtrack run.

```python
from nbtrack.integrations.xgboost import NbtrackCallback

booster = xgb.train(params, dtrain, num_boost_round=100, evals=[(dtrain, "train"), (dvalid, "valid")],
                    callbacks=[NbtrackCallback(project="housing")])
# or the scikit-learn API:
XGBRegressor(n_estimators=100, callbacks=[NbtrackCallback(project="housing")]).fit(X, y, eval_set=[(Xv, yv)])
```

What it logs:

- config: the booster's effective training parameters read from `Booster.save_config()`
  (`objective`, `booster`, `eta`, `max_depth`, `subsample`, ..., `num_feature`, `num_class`),
  numbers as numbers, plus whatever you pass as `config=`;
- history: one point per boosting round: `<eval set>-<metric>` for every evaluation set
  and metric (`train-rmse`, `valid-logloss`, ...) and `iteration`;
- summary: `best_iteration` and `best_score` when early stopping set them;
- artifact: after training, the booster in XGBoost's own JSON format (`model.json`, no pickle)
  in a `model` artifact named `model-<run id>`; `log_model=False` turns this off. Load it back
  with `xgb.Booster(model_file=path)`.

The run: the one passed as `run=`, else the current run, else a new one from `project`,
`name`, `config` and any other `nbtrack.init` keyword.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import xgboost
from xgboost.callback import TrainingCallback

from .._run import Run
from ._common import LazyRun, log_saved_model, number_or_text, plain_params

__all__ = ["NbtrackCallback", "booster_params"]


def booster_params(booster: Any) -> dict[str, Any]:
    """The training parameters in a booster's saved config, flat (`eta`, `max_depth`, `objective`, ...).

    Taken from every `*_train_param` section and `learner_model_param`; values that read as
    numbers become numbers.
    """
    out: dict[str, Any] = {}

    def walk(node: Any, take: bool) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if isinstance(value, (dict, list)):
                    walk(value, key.endswith("train_param") or key == "learner_model_param")
                elif take and isinstance(value, str):
                    out.setdefault(key, number_or_text(value))
        elif isinstance(node, list):
            for item in node:
                walk(item, False)

    walk(json.loads(booster.save_config()), False)
    return out


class NbtrackCallback(LazyRun, TrainingCallback):
    """Log an XGBoost training's parameters, per-round evaluation metrics and final booster."""

    def __init__(
        self,
        project: str | None = None,
        *,
        name: str | None = None,
        config: Mapping[str, Any] | None = None,
        run: Run | None = None,
        log_model: bool = True,
        model_name: str | None = None,
        **init_kwargs: Any,
    ) -> None:
        super().__init__()
        self.run: Run | None = run
        self._config = dict(config or {})
        self._init_kwargs = {"project": project, "name": name, "config": self._config or None, **init_kwargs}
        self._log_model = log_model
        self._model_name = model_name

    def before_training(self, model: Any) -> Any:
        run = self._current_run()
        params = booster_params(model) if hasattr(model, "save_config") else {}
        run.config.update({**params, **plain_params(self._config)})
        return model

    def after_iteration(self, model: Any, epoch: int, evals_log: Mapping[str, Mapping[str, Any]]) -> bool:
        row: dict[str, Any] = {}
        for data, metrics in evals_log.items():
            for metric, values in metrics.items():
                last = values[-1]
                row[f"{data}-{metric}"] = float(last[0] if isinstance(last, tuple) else last)  # cv: (mean, std)
        row["iteration"] = epoch
        self._current_run().log(row)
        return False  # never stop training

    def after_training(self, model: Any) -> Any:
        run = self._current_run()
        attrs = model.attributes() if hasattr(model, "attributes") else {}  # xgb.cv hands a packed booster
        for key in ("best_iteration", "best_score"):
            if key in attrs:
                run.summary[key] = number_or_text(attrs[key])
        if self._log_model and hasattr(model, "save_model"):
            metadata = {
                "version": xgboost.__version__,
                "rounds": model.num_boosted_rounds(),
                "features": model.num_features(),
                **{k: number_or_text(v) for k, v in attrs.items() if k in ("best_iteration", "best_score")},
            }
            log_saved_model(run, model.save_model, framework="xgboost", file="model.json", name=self._model_name,
                            metadata=metadata)
        return model
