"""`wandb.integration.lightgbm`: see `nbtrack.lightgbm`."""

from ..lightgbm import log_summary, wandb_callback

__all__ = ["log_summary", "wandb_callback"]
