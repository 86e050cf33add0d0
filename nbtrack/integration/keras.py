"""`wandb.integration.keras`: see `nbtrack.keras`."""

from ..keras import WandbCallback, WandbMetricsLogger, WandbModelCheckpoint

__all__ = ["WandbCallback", "WandbMetricsLogger", "WandbModelCheckpoint"]
