"""W&B's LightGBM names (`wandb.lightgbm`, `wandb.integration.lightgbm`) over `nbtrack.integrations.lightgbm`."""

from __future__ import annotations

from typing import Any

from .integrations.lightgbm import log_booster, nbtrack_callback

__all__ = ["wandb_callback", "log_summary"]


def wandb_callback(log_params: bool = True, define_metric: bool = True) -> Any:
    """W&B's `wandb_callback()`: parameters and per-round evaluation results (the model via `log_summary`)."""
    return nbtrack_callback(log_model=False)


def log_summary(model: Any, feature_importance: bool = True, save_model_checkpoint: bool = False) -> None:
    """W&B's `log_summary(booster)`: best iteration and scores in the summary; the model if `save_model_checkpoint`."""
    from . import _current

    run = _current.require("lightgbm.log_summary")
    booster = getattr(model, "booster_", model)
    if save_model_checkpoint:
        log_booster(booster, run=run)
    else:
        run.summary["best_iteration"] = booster.best_iteration
        for data, scores in (booster.best_score or {}).items():
            for metric, value in scores.items():
                run.summary[f"best_{data}_{metric}"] = float(value)
    if feature_importance:
        names, gains = booster.feature_name(), booster.feature_importance(importance_type="gain")
        from ._media import Table
        from .plot import bar

        table = Table(columns=["Feature", "Importance"], data=[[n, float(g)] for n, g in zip(names, gains)])
        run.log({"Feature Importance": bar(table, "Feature", "Importance", title="Feature Importance")})
