"""W&B's `wandb.integration.*` module names, each re-exporting nbtrack's W&B-named aliases.

`nbtrack.integration.keras` (WandbMetricsLogger, WandbModelCheckpoint, WandbCallback),
`.xgboost` (WandbCallback), `.lightgbm` (wandb_callback, log_summary), `.sklearn` (plot_*),
`.lightning` (WandbLogger). nbtrack's own integrations live in `nbtrack.integrations`.
"""

__all__: list[str] = []
