"""`wandb.apis.public.api`: see `nbtrack.Api`."""

from ..._api import Api

__all__ = ["Api"]
