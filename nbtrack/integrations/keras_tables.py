"""W&B's `WandbEvalCallback` (`wandb.integration.keras`): a Keras callback that builds evaluation tables.

A subclass fills `self.data_table` in `add_ground_truth` (once, when training starts; stored as a
`dataset` artifact the run uses, read back as `self.data_table_ref`) and `self.pred_table` in
`add_model_predictions` (each epoch; stored as a new version of the run's `evaluation` artifact
`run_<id>_pred`), as W&B's tables builder does. Overrides may leave out the `logs` argument
(W&B's own docstring example does).
"""

from __future__ import annotations

import abc
import inspect
from collections.abc import Callable, Sequence
from typing import Any

import keras

from .. import _current
from .._media import Table
from ..artifacts import Artifact
from ..errors import UsageError

__all__ = ["WandbEvalCallback"]


def _call_hook(hook: Callable[..., None], *args: Any, logs: Any) -> None:
    """Call a subclass hook with `logs` when its signature takes one more argument."""
    try:
        params = inspect.signature(hook).parameters.values()
    except (TypeError, ValueError):
        params = ()  # type: ignore[assignment]
    takes_more = sum(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) for p in params) > len(args)
    hook(*args, logs) if takes_more or any(p.kind is p.VAR_POSITIONAL for p in params) else hook(*args)


class WandbEvalCallback(keras.callbacks.Callback, abc.ABC):
    """Build a ground-truth table once and a predictions table per epoch, each kept as an artifact version."""

    def __init__(self, data_table_columns: Sequence[str], pred_table_columns: Sequence[str],
                 *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if _current.get() is None:
            raise UsageError("WandbEvalCallback: call nbtrack.init() (wandb.init()) before making the callback")
        self.data_table_columns = list(data_table_columns)
        self.pred_table_columns = list(pred_table_columns)

    def on_train_begin(self, logs: dict[str, float] | None = None) -> None:
        self.init_data_table(column_names=self.data_table_columns)
        _call_hook(self.add_ground_truth, logs=logs)
        self.log_data_table()

    def on_epoch_end(self, epoch: int, logs: dict[str, float] | None = None) -> None:
        self.init_pred_table(column_names=self.pred_table_columns)
        _call_hook(self.add_model_predictions, epoch, logs=logs)
        self.log_pred_table()

    @abc.abstractmethod
    def add_ground_truth(self, logs: dict[str, float] | None = None) -> None:
        """Fill `self.data_table` (one row per validation sample)."""

    @abc.abstractmethod
    def add_model_predictions(self, epoch: int, logs: dict[str, float] | None = None) -> None:
        """Fill `self.pred_table`, reading rows of `self.data_table_ref`."""

    def init_data_table(self, column_names: list[str]) -> None:
        """A fresh ground-truth table."""
        self.data_table = Table(columns=column_names)

    def init_pred_table(self, column_names: list[str]) -> None:
        """A fresh predictions table."""
        self.pred_table = Table(columns=column_names)

    def log_data_table(self, name: str = "val", type: str = "dataset", table_name: str = "val_data") -> None:
        """Store `data_table` as a `dataset` artifact the run uses; `data_table_ref` is the stored table."""
        artifact = Artifact(name, type=type)
        artifact.add(self.data_table, table_name)
        _current.require("WandbEvalCallback").use_artifact(artifact)
        self.data_table_ref = artifact.get(table_name)

    def log_pred_table(self, type: str = "evaluation", table_name: str = "eval_data",
                       aliases: list[str] | None = None) -> None:
        """Store `pred_table` as a new version of the run's `run_<id>_pred` artifact."""
        run = _current.require("WandbEvalCallback")
        artifact = Artifact(f"run_{run.id}_pred", type=type)
        artifact.add(self.pred_table, table_name)
        run.log_artifact(artifact, aliases=aliases or ["latest"])
