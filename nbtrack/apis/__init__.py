"""`wandb.apis`: W&B's module path to its public API (`from wandb.apis.public import Api`); see `nbtrack.Api`."""

from . import public

__all__ = ["public"]
