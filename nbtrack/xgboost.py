"""W&B's XGBoost names (`wandb.xgboost`, `wandb.integration.xgboost`) over `nbtrack.integrations.xgboost`."""

from __future__ import annotations

from typing import Any

from .integrations.xgboost import NbtrackCallback

__all__ = ["WandbCallback", "wandb_callback"]


class WandbCallback(NbtrackCallback):
    """W&B's `WandbCallback(log_model=False, ...)`: parameters, per-round metrics, the model if asked."""

    def __init__(self, log_model: bool = False, log_feature_importance: bool = True, importance_type: str = "gain",
                 define_metric: bool = True) -> None:
        super().__init__(log_model=log_model)


def wandb_callback() -> WandbCallback:
    """W&B's old function form of the callback."""
    return WandbCallback()
