"""`wandb.integration.keras`: see `nbtrack.keras` (and `nbtrack.integrations.keras_tables`)."""

from ..integrations.keras_tables import WandbEvalCallback
from ..keras import WandbCallback, WandbMetricsLogger, WandbModelCheckpoint

__all__ = ["WandbCallback", "WandbEvalCallback", "WandbMetricsLogger", "WandbModelCheckpoint"]
