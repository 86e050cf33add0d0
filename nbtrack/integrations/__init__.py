"""Framework integrations: each a small module, imported only by those who have the framework.

Nothing is imported here; import the module for your framework:

- `nbtrack.integrations.lightning`: `NbtrackLogger`, a Lightning logger
  (`Trainer(logger=NbtrackLogger(project=...))`; `lightning` or `pytorch_lightning`);
  model: `model.safetensors`.
- `nbtrack.integrations.transformers`: `NbtrackCallback`, a `TrainerCallback`
  (`Trainer(..., callbacks=[NbtrackCallback()])` with `TrainingArguments(report_to="none")`:
  `report_to` knows only Transformers' built-in trackers); model: `save_pretrained()`,
  `config.json` + `model.safetensors`.
- `nbtrack.integrations.keras`: `NbtrackCallback`, a Keras 3 callback, any backend
  (`model.fit(..., callbacks=[NbtrackCallback()])`); model: `model.keras`.
- `nbtrack.integrations.xgboost`: `NbtrackCallback`, a `TrainingCallback`
  (`xgb.train(..., callbacks=[NbtrackCallback()])`, or the scikit-learn API); model: `model.json`.
- `nbtrack.integrations.lightgbm`: `nbtrack_callback()` (`lgb.train(..., callbacks=[nbtrack_callback()])`)
  and `log_booster()` after early stopping; model: `model.txt`.
- `nbtrack.integrations.sklearn`: `log_estimator(fitted, {"accuracy": ...})`; model: `model.skops`
  (needs `skops`).
- `nbtrack.integrations.optuna`: `NbtrackOptunaCallback`
  (`study.optimize(..., callbacks=[NbtrackOptunaCallback()])`) and `log_study()`: one run per trial,
  no model.

No model file is ever a pickle: each is the framework's own format (or safetensors / skops).

Each logs the training configuration as the run's config, per-step metrics as its history, and
the trained model as a `model` artifact named `model-<run id>` (see each module's docstring
for exactly which keys). Every integration logs to the run passed as `run=`, else the current
run, else one it starts from `project=`, `name=`, `config=` and any other `nbtrack.init`
keyword; a run it starts stays open (as in W&B) until `run.finish()`, the next `nbtrack.init()`
or the end of the process. The Optuna callback is the exception: it writes a finished run per trial.
"""

__all__: list[str] = []
