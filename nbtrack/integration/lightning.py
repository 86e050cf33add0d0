"""`wandb.integration.lightning`: a Lightning logger under W&B's name (`WandbLogger`), over nbtrack's."""

from ..integrations.lightning import NbtrackLogger as WandbLogger

__all__ = ["WandbLogger"]
