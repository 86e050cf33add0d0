"""What `import nbtrack as wandb` needs beyond the core verbs: login, Settings, and clear errors
for the W&B calls nbtrack does not provide."""

from __future__ import annotations

import sys
from typing import Any

__all__ = ["login", "Settings", "UnsupportedError", "UNSUPPORTED"]


class UnsupportedError(AttributeError, NotImplementedError):
    """A W&B API that nbtrack does not provide (named in the message, with what to use instead)."""


# W&B names nbtrack knows about but does not provide, with the reason or the alternative.
UNSUPPORTED: dict[str, str] = {
    "restore": "W&B's cloud file sync; use nbtrack.artifact(...).download()",
    "Molecule": "molecules are not supported",
    "controller": "the local controller is built in: nbtrack.agent runs the sweep",
    "use_model": "W&B's model registry is not supported; use nbtrack.Artifact(type='model')",
    "link_model": "W&B's model registry is not supported; use artifact aliases",
    "log_model": "W&B's model registry is not supported; use run.log_artifact",
    "mark_preempting": "preemption signalling is not supported",
    "tensorboard": "TensorBoard syncing is not supported",
    "sync": "there is nothing to sync: runs are already in the store",
    "require": "W&B feature flags do not apply",
    "teardown": "nothing to tear down: call nbtrack.finish()",
}


def login(key: str | None = None, relogin: bool | None = None, host: str | None = None, **kwargs: Any) -> bool:
    """A no-op: nbtrack needs no account. Says so once, returns True as wandb.login does."""
    print("nbtrack: login() is not needed (no account, no server); continuing offline.", file=sys.stderr)
    return True


class Settings(dict):  # type: ignore[type-arg]
    """W&B's `wandb.Settings(...)`: accepted and kept; nbtrack reads `_disable_stats` and `x_disable_stats`."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)

    def __getattr__(self, name: str) -> Any:
        return self.get(name)
