"""W&B's Keras names (`wandb.keras`, `wandb.integration.keras`) over `nbtrack.integrations.keras`.

`WandbMetricsLogger` logs what W&B's does under W&B's names: each epoch's logs as `epoch/<name>`
with `epoch/epoch` and `epoch/learning_rate` (x-axis `epoch/epoch`); with `log_freq="batch"` or N
also every N-th batch of an epoch as `batch/<name>` with `batch/batch_step` (advancing by N) and
`batch/learning_rate` (x-axis `batch/batch_step`). Each is one `log()` call, so rows take the run's
next step, as in W&B. Unlike W&B it starts a run when none is current instead of raising.
`WandbModelCheckpoint` is Keras' `ModelCheckpoint` that also logs each saved file as a `model`
artifact, as W&B's does.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

import keras

from .integrations._common import LazyRun
from .integrations.keras import NbtrackCallback, _number

__all__ = ["WandbMetricsLogger", "WandbModelCheckpoint", "WandbCallback"]


class WandbMetricsLogger(LazyRun, keras.callbacks.Callback):
    """W&B's `WandbMetricsLogger(log_freq="epoch"|"batch"|N)`: `epoch/*` (and `batch/*`) metrics, W&B's names."""

    def __init__(self, log_freq: Literal["epoch", "batch"] | int = "epoch", initial_global_step: int = 0,
                 *args: Any, **kwargs: Any) -> None:
        super().__init__()
        if log_freq == "batch":
            log_freq = 1
        if log_freq != "epoch" and (isinstance(log_freq, bool) or not isinstance(log_freq, int) or log_freq < 1):
            raise ValueError(f"WandbMetricsLogger: log_freq must be 'epoch', 'batch' or a positive int, "
                             f"not {log_freq!r}")
        self.run = None
        self._init_kwargs: dict[str, Any] = {}
        self._batch_freq = log_freq if isinstance(log_freq, int) else None
        self._global_batch = 0
        # initial_global_step: W&B evaluates a learning-rate schedule at it; Keras 3's optimizer.learning_rate
        # is already the schedule's value at the optimizer's own (restored) iteration count
        self._axes_run: str | None = None  # the run whose x-axes are defined

    def _log(self, row: dict[str, Any]) -> None:
        run = self._current_run()
        if self._axes_run != run.id:  # W&B's x-axes: batch rows against batch/batch_step, epoch rows against epoch/epoch
            if self._batch_freq is not None:
                run.define_metric("batch/batch_step")
                run.define_metric("batch/*", step_metric="batch/batch_step")
            else:
                run.define_metric("epoch/epoch")
                run.define_metric("epoch/*", step_metric="epoch/epoch")
            self._axes_run = run.id
        run.log(row)

    def _learning_rate(self) -> float | None:
        optimizer = getattr(self.model, "optimizer", None)
        try:
            return float(keras.ops.convert_to_numpy(optimizer.learning_rate))  # type: ignore[union-attr]
        except Exception:
            return None

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        row = {f"epoch/{k}": _number(v) for k, v in (logs or {}).items()}
        row["epoch/epoch"] = epoch
        lr = self._learning_rate()
        if lr is not None:
            row["epoch/learning_rate"] = lr
        self._log(row)

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        if self._batch_freq is None or batch % self._batch_freq:
            return
        row = {f"batch/{k}": _number(v) for k, v in (logs or {}).items()}
        row["batch/batch_step"] = self._global_batch
        lr = self._learning_rate()
        if lr is not None:
            row["batch/learning_rate"] = lr
        self._log(row)
        self._global_batch += self._batch_freq


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
