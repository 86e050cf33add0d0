"""W&B's Keras names (`wandb.keras`, `wandb.integration.keras`) over `nbtrack.integrations.keras`.

`WandbMetricsLogger` is `NbtrackCallback` without the final model; `WandbModelCheckpoint` is
Keras' `ModelCheckpoint` that also logs each saved file as a `model` artifact, as W&B's does.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

import keras

from .integrations.keras import NbtrackCallback

__all__ = ["WandbMetricsLogger", "WandbModelCheckpoint", "WandbCallback"]


class WandbMetricsLogger(NbtrackCallback):
    """W&B's `WandbMetricsLogger(log_freq="epoch"|"batch"|N)`: per-epoch (and per-batch) metrics."""

    def __init__(self, log_freq: Literal["epoch", "batch"] | int = "epoch", initial_global_step: int = 0,
                 *args: Any, **kwargs: Any) -> None:
        super().__init__(log_freq=1 if log_freq == "batch" else log_freq, log_model=False, **kwargs)


class WandbCallback(NbtrackCallback):
    """W&B's legacy `WandbCallback(...)`: metrics per epoch and, with `save_model=True` (default), the model."""

    def __init__(self, monitor: str = "val_loss", verbose: int = 0, mode: str = "auto", save_weights_only: bool = False,
                 log_weights: bool = False, log_gradients: bool = False, save_model: bool = True,
                 **kwargs: Any) -> None:
        known = {k: kwargs.pop(k) for k in ("project", "name", "config", "run") if k in kwargs}
        super().__init__(log_model=save_model, **known)


class WandbModelCheckpoint(keras.callbacks.ModelCheckpoint):
    """Keras' `ModelCheckpoint` that logs every saved checkpoint to the current run as a `model` artifact."""

    def __init__(self, filepath: str | os.PathLike[str], monitor: str = "val_loss", verbose: int = 0,
                 save_best_only: bool = False, save_weights_only: bool = False, mode: str = "auto",
                 save_freq: Literal["epoch"] | int = "epoch", initial_value_threshold: float | None = None,
                 **kwargs: Any) -> None:
        super().__init__(filepath=str(filepath), monitor=monitor, verbose=verbose, save_best_only=save_best_only,
                         save_weights_only=save_weights_only, mode=mode, save_freq=save_freq,
                         initial_value_threshold=initial_value_threshold, **kwargs)

    def _save_model(self, epoch: int, batch: int | None, logs: dict[str, Any] | None) -> None:
        super()._save_model(epoch, batch, logs)
        from . import _current
        from .artifacts import Artifact

        path = Path(self._get_file_path(epoch, batch, logs))
        run = _current.get()
        if run is None or not path.exists():
            return
        artifact = Artifact(f"run_{run.id}_model", type="model")
        if path.is_dir():
            artifact.add_dir(str(path))
        else:
            artifact.add_file(str(path))
        run.log_artifact(artifact, aliases=[f"epoch_{epoch}"])
