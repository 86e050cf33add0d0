"""Hugging Face Transformers: `NbtrackCallback`, a `TrainerCallback` that writes to an nbtrack run.

```python
from nbtrack.integrations.transformers import NbtrackCallback

args = TrainingArguments(output_dir="out", report_to="none", logging_steps=10)
trainer = Trainer(model=model, args=args, train_dataset=ds, callbacks=[NbtrackCallback(project="glue")])
trainer.train()
```

`report_to` only knows the trackers built into Transformers, so nbtrack is not one of its
names: pass the callback in `callbacks=[...]` (or `trainer.add_callback(NbtrackCallback())`),
and set `report_to="none"` so no other tracker is started beside it (a W&B install would
otherwise be picked up by `report_to="all"`).

What it logs:

- config: every `TrainingArguments` value (flat, as W&B does: `learning_rate`,
  `num_train_epochs`, ...), the model's config under `model` (its non-default entries),
  and `model_parameters`;
- history: each `on_log` record at `state.global_step`, renamed as W&B does: `train/loss`,
  `train/learning_rate`, `train/grad_norm`, `eval/loss`, ... plus `train/epoch`; the
  end-of-training totals (`train_runtime`, `train_loss`, ...) go to the summary only;
- artifact: at the end of training, `model.save_pretrained()` (`config.json` and
  `model.safetensors`: Transformers' own format, no pickle) in a `model` artifact named
  `model-<run id>`; `log_model=False` turns this off. Load it back with
  `AutoModel.from_pretrained(nbtrack.artifact("model-<run id>:latest").download())`.

The run: the one passed as `run=`, else the current run, else a new one from `project`,
`name`, `config` and any other `nbtrack.init` keyword. Only the main process logs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from transformers import TrainerCallback

from .._run import Run
from ._common import LazyRun, log_saved_model, plain_params

__all__ = ["NbtrackCallback", "rewrite_logs"]

# Reported once when training ends: summary values, not points on a curve (as in W&B).
_TOTALS = frozenset({"train_runtime", "train_samples_per_second", "train_steps_per_second", "train_loss",
                     "total_flos"})


def rewrite_logs(logs: Mapping[str, Any]) -> dict[str, Any]:
    """`eval_loss` -> `eval/loss`, `test_acc` -> `test/acc`, anything else `loss` -> `train/loss`."""
    out = {}
    for key, value in logs.items():
        for split in ("eval", "test"):
            if key.startswith(split + "_"):
                out[f"{split}/{key[len(split) + 1:]}"] = value
                break
        else:
            out[f"train/{key}"] = value
    return out


class NbtrackCallback(LazyRun, TrainerCallback):
    """Log a `transformers.Trainer`'s arguments, metrics and final model to nbtrack."""

    def __init__(
        self,
        project: str | None = None,
        *,
        name: str | None = None,
        config: Mapping[str, Any] | None = None,
        run: Run | None = None,
        log_model: bool = True,
        model_name: str | None = None,
        **init_kwargs: Any,
    ) -> None:
        self.run: Run | None = run
        self._init_kwargs = {"project": project, "name": name, "config": config, **init_kwargs}
        self._log_model = log_model
        self._model_name = model_name

    def _setup(self, args: Any, model: Any) -> Run:
        run = self._current_run()
        config = plain_params(args.to_dict())
        model_config = getattr(model, "config", None)
        if model_config is not None:
            to_diff = getattr(model_config, "to_diff_dict", None) or model_config.to_dict
            config["model"] = plain_params(to_diff())
        if model is not None and hasattr(model, "num_parameters"):
            config["model_parameters"] = int(model.num_parameters())
        run.config.update(config)
        return run

    def on_train_begin(self, args: Any, state: Any, control: Any, model: Any = None, **kwargs: Any) -> None:
        if state.is_world_process_zero:
            self._setup(args, model)

    def on_log(self, args: Any, state: Any, control: Any, logs: Mapping[str, Any] | None = None,
               model: Any = None, **kwargs: Any) -> None:
        if not state.is_world_process_zero or not logs:
            return
        run = self.run if self.run is not None and not self.run.finished else self._setup(args, model)
        totals = {k: v for k, v in logs.items() if k in _TOTALS}
        points = {k: v for k, v in logs.items() if k not in _TOTALS and isinstance(v, (int, float))}
        for key, value in totals.items():
            run.summary[key] = value
        if points:
            run.log(rewrite_logs(points), step=state.global_step)

    def on_train_end(self, args: Any, state: Any, control: Any, model: Any = None, **kwargs: Any) -> None:
        if not state.is_world_process_zero or not self._log_model or model is None:
            return
        run = self.run if self.run is not None and not self.run.finished else self._setup(args, model)
        metadata = {
            "class": type(model).__name__,
            "parameters": int(model.num_parameters()) if hasattr(model, "num_parameters") else None,
            "global_step": state.global_step,
            "epoch": state.epoch,
            "best_metric": state.best_metric,
            "best_model_checkpoint": state.best_model_checkpoint,
        }
        log_saved_model(run, model.save_pretrained, framework="transformers", file=None, name=self._model_name,
                        metadata=metadata)
