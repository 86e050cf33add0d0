"""PyTorch Lightning: `NbtrackLogger`, a Lightning logger that writes to an nbtrack run.

```python
from nbtrack.integrations.lightning import NbtrackLogger

trainer = Trainer(max_epochs=5, logger=NbtrackLogger(project="mnist"))
trainer.fit(model, datamodule)
```

What it logs:

- config: the module's (and datamodule's) `save_hyperparameters()` values, and anything
  passed to `logger.log_hyperparams()`;
- history: every `self.log(...)` metric at Lightning's global step (Lightning adds `epoch`);
- artifact: at the end of a successful `fit`, the module's weights as `model.safetensors`
  (the `safetensors` format, never pickle) in a `model` artifact named `model-<run id>`
  (`log_model=False` turns this off; a `ModelCheckpoint`'s best score goes in its metadata).
  Load them back with `safetensors.torch.load_model(module, path)`. Lightning's own `.ckpt`
  files are pickles and are not stored. The weights are taken from the module Lightning hands
  its loggers at the start of `fit`, which it skips under `Trainer(enable_autolog_hparams=False)`.

It works with the `lightning` package (`lightning.pytorch`) or the standalone `pytorch_lightning`,
whichever is installed (`lightning` first). The run: the one passed as `run=`, else the current
run, else a new one from `project`, `name`, `config` and any other `nbtrack.init` keyword.
"""

from __future__ import annotations

import weakref
from argparse import Namespace
from collections.abc import Mapping
from typing import Any

try:  # the unified package first, then the standalone one
    from lightning.fabric.utilities.rank_zero import rank_zero_only
    from lightning.pytorch.loggers import Logger
    from lightning.pytorch.loggers.logger import rank_zero_experiment
except ImportError:
    from lightning_fabric.utilities.rank_zero import rank_zero_only
    from pytorch_lightning.loggers import Logger
    from pytorch_lightning.loggers.logger import rank_zero_experiment

from .._run import Run
from ._common import log_saved_model, plain_params, resolve_run

__all__ = ["NbtrackLogger"]


class NbtrackLogger(Logger):
    """A Lightning logger writing hyperparameters, metrics and the trained weights to an nbtrack run."""

    def __init__(
        self,
        project: str | None = None,
        *,
        name: str | None = None,
        config: Mapping[str, Any] | None = None,
        run: Run | None = None,
        log_model: bool = True,
        model_name: str | None = None,
        prefix: str = "",
        **init_kwargs: Any,
    ) -> None:
        super().__init__()
        if log_model:
            try:
                import safetensors.torch  # noqa: F401
            except ImportError as exc:
                raise ImportError(
                    "NbtrackLogger(log_model=True) stores the weights with safetensors: "
                    "`pip install safetensors`, or pass log_model=False"
                ) from exc
        self._run = run
        self._init_kwargs = {"project": project, "name": name, "config": config, **init_kwargs}
        self._log_model = log_model
        self._model_name = model_name
        self._prefix = prefix
        self._module: weakref.ReferenceType[Any] | None = None
        self._best: dict[str, Any] = {}

    # -- identity ------------------------------------------------------------
    @property
    @rank_zero_experiment
    def experiment(self) -> Run:
        """The nbtrack run, started on first use (other ranks of a distributed job get a no-op stand-in)."""
        run = self._started()
        assert run is not None
        return run

    def _started(self) -> Run | None:
        """The run, started here if needed on the main process; None on the other ranks."""
        if self._run is None and rank_zero_only.rank == 0:
            self._run = resolve_run(None, self._init_kwargs)
        return self._run

    @property
    def run(self) -> Run:
        """The nbtrack run; the same as `experiment`."""
        return self.experiment

    @property
    def name(self) -> str:
        """The project (Lightning puts checkpoints under `<name>/<version>/` when no other logger leads)."""
        run = self._started()
        return run.project if run is not None else str(self._init_kwargs.get("project") or "nbtrack")

    @property
    def version(self) -> str | None:
        """The run id (starting the run on the main process, as Lightning asks for it early)."""
        run = self._started()
        return run.id if run is not None else self._init_kwargs.get("id")

    @property
    def save_dir(self) -> str | None:
        return None

    # -- what the Trainer calls ----------------------------------------------
    @rank_zero_only
    def log_hyperparams(self, params: dict[str, Any] | Namespace, *args: Any, **kwargs: Any) -> None:
        if isinstance(params, Namespace):
            params = vars(params)
        self.experiment.config.update(plain_params(params or {}))

    @rank_zero_only
    def log_metrics(self, metrics: Mapping[str, float], step: int | None = None) -> None:
        row = {f"{self._prefix}{self.group_separator}{k}" if self._prefix else k: v for k, v in metrics.items()}
        self.experiment.log(row, step=step)

    @rank_zero_only
    def watch(self, model: Any, log: str | None = "gradients", log_freq: int = 100, log_graph: bool = True) -> None:
        """Lightning's `WandbLogger.watch`: gradient/parameter histograms of `model` every `log_freq` steps."""
        self.experiment.watch(model, log=log, log_freq=log_freq, log_graph=log_graph)

    @rank_zero_only
    def log_graph(self, model: Any, input_array: Any = None) -> None:
        # Lightning hands every logger the module at the start of fit/validate/test: keep a weak
        # reference so `finalize` can store its weights without holding the module alive.
        self._module = weakref.ref(model)

    def after_save_checkpoint(self, checkpoint_callback: Any) -> None:
        score = getattr(checkpoint_callback, "best_model_score", None)
        if score is not None:
            self._best = {"best_model_score": float(score), "monitor": getattr(checkpoint_callback, "monitor", None)}

    @rank_zero_only
    def finalize(self, status: str) -> None:
        if status != "success" or not self._log_model or self._run is None or self._run.finished:
            return
        module = self._module() if self._module is not None else None
        trainer = getattr(module, "_trainer", None)
        if module is None or getattr(getattr(trainer, "state", None), "fn", None) != "fit":
            return  # only a finished fit stores weights, not validate/test/predict
        from safetensors.torch import save_model

        metadata = {
            "class": f"{type(module).__module__}.{type(module).__qualname__}",
            "parameters": sum(p.numel() for p in module.parameters()),
            "global_step": getattr(trainer, "global_step", None),
            "epoch": getattr(trainer, "current_epoch", None),
            **self._best,
        }
        log_saved_model(
            self._run,
            lambda path: save_model(module, path, metadata={"format": "pt", "class": type(module).__qualname__}),
            framework="lightning", file="model.safetensors", name=self._model_name, metadata=metadata,
        )


def _register_with_other_package() -> None:
    """With both `lightning` and `pytorch_lightning` installed, count as a logger of either."""
    try:
        from pytorch_lightning.loggers import Logger as Standalone
    except ImportError:
        return
    if not issubclass(NbtrackLogger, Standalone):
        Standalone.register(NbtrackLogger)


_register_with_other_package()
