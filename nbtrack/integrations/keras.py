"""Keras 3: `NbtrackCallback`, a Keras callback that writes to an nbtrack run.

```python
import os
os.environ["KERAS_BACKEND"] = "torch"   # or "jax" / "tensorflow": set before importing keras
import keras
from nbtrack.integrations.keras import NbtrackCallback

model.fit(x, y, epochs=5, validation_split=0.2, callbacks=[NbtrackCallback(project="mnist")])
```

What it logs:

- config: `epochs`, `steps_per_epoch` and `batch_size` of the `fit` call, the optimizer's
  settings under `optimizer` (`name`, `learning_rate`, ...), `loss`, and `model_parameters`;
- history: each epoch's logs (`loss`, `val_loss`, metrics, `learning_rate`) with `epoch`;
  with `log_freq=N` also every N-th batch's logs as `batch/<name>` with `batch/step`;
- artifact: at the end of training the model in Keras' own `.keras` format (a zip of JSON and
  HDF5 weights, no pickle) in a `model` artifact named `model-<run id>`; `log_model=False`
  turns this off. Load it back with `keras.saving.load_model(path)`.

The run: the one passed as `run=`, else the current run, else a new one from `project`,
`name`, `config` and any other `nbtrack.init` keyword.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

import keras

from .._run import Run
from ._common import LazyRun, log_saved_model, plain_params

__all__ = ["NbtrackCallback"]


class NbtrackCallback(LazyRun, keras.callbacks.Callback):
    """Log a Keras `fit`'s settings, per-epoch (and optionally per-batch) metrics and final model."""

    def __init__(
        self,
        project: str | None = None,
        *,
        name: str | None = None,
        config: Mapping[str, Any] | None = None,
        run: Run | None = None,
        log_freq: Literal["epoch"] | int = "epoch",
        log_model: bool = True,
        model_name: str | None = None,
        **init_kwargs: Any,
    ) -> None:
        super().__init__()
        if log_freq != "epoch" and (isinstance(log_freq, bool) or not isinstance(log_freq, int) or log_freq < 1):
            raise ValueError(f"NbtrackCallback: log_freq must be 'epoch' or a positive int, not {log_freq!r}")
        self.run: Run | None = run
        self._init_kwargs = {"project": project, "name": name, "config": config, **init_kwargs}
        self._log_freq = log_freq
        self._log_model = log_model
        self._model_name = model_name
        self._batch_step = 0

    def on_train_begin(self, logs: Mapping[str, Any] | None = None) -> None:
        run = self._current_run()
        params = dict(self.params or {})
        config: dict[str, Any] = {
            "epochs": params.get("epochs"),
            "steps_per_epoch": params.get("steps"),
        }
        batch_size = params.get("batch_size")
        if batch_size is not None:
            config["batch_size"] = batch_size
        model = self.model
        optimizer = getattr(model, "optimizer", None)
        if optimizer is not None:
            opt = {"name": type(optimizer).__name__}
            opt.update({k: v for k, v in optimizer.get_config().items() if k != "name"})
            config["optimizer"] = plain_params(opt)
        loss = getattr(model, "loss", None)
        if loss is not None:
            config["loss"] = loss if isinstance(loss, str) else getattr(loss, "name", None) or type(loss).__name__
        if model is not None and model.built:
            config["model_parameters"] = int(model.count_params())
        run.config.update(plain_params(config))

    def on_train_batch_end(self, batch: int, logs: Mapping[str, Any] | None = None) -> None:
        self._batch_step += 1
        if self._log_freq == "epoch" or self._batch_step % self._log_freq or not logs:
            return
        row = {f"batch/{k}": _number(v) for k, v in logs.items()}
        row["batch/step"] = self._batch_step
        self._current_run().log(row)

    def on_epoch_end(self, epoch: int, logs: Mapping[str, Any] | None = None) -> None:
        row = {k: _number(v) for k, v in (logs or {}).items()}
        row["epoch"] = epoch
        self._current_run().log(row)

    def on_train_end(self, logs: Mapping[str, Any] | None = None) -> None:
        if not self._log_model or self.model is None:
            return
        metadata = {
            "backend": keras.backend.backend(),
            "class": type(self.model).__name__,
            "parameters": int(self.model.count_params()),
            "epochs": dict(self.params or {}).get("epochs"),
        }
        log_saved_model(self._current_run(), self.model.save, framework="keras", file="model.keras",
                        name=self._model_name, metadata=metadata)


def _number(value: Any) -> Any:
    """A Keras log value (a Python float, or a 0-d backend tensor) as a Python number."""
    if isinstance(value, (int, float)):
        return value
    try:
        return float(keras.ops.convert_to_numpy(value))
    except Exception:
        return value
