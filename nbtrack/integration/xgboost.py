"""`wandb.integration.xgboost`: see `nbtrack.xgboost`."""

from ..xgboost import WandbCallback, wandb_callback

__all__ = ["WandbCallback", "wandb_callback"]
