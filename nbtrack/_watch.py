"""`nbtrack.watch(model)`: histograms of a PyTorch model's gradients and parameters via hooks.

Gradients come from a hook on each parameter tensor, parameters from a forward
hook on the module; every `log_freq`-th call logs `gradients/<name>` or
`parameters/<name>` as an `nbtrack.Histogram` with `commit=False`, so the
values land on the step the user logs next (as in W&B). Watching a model again
(a re-executed cell) first removes its hooks, so they never stack; finishing
the run removes the hooks it installed. torch is imported only when used.
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import Sequence
from typing import Any, Literal

from ._media import Histogram
from .errors import RunPruned

__all__ = ["watch", "unwatch", "tensor_histogram", "WatchLog"]

_log = logging.getLogger("nbtrack")

WatchLog = Literal["gradients", "parameters", "all"]
NUM_BINS = 64


class _Watch:
    """The hooks nbtrack installed on one model for one run."""

    def __init__(self, run: Any, model: Any, *, log: str | None, log_freq: int, prefix: str) -> None:
        self.run = run
        self.model_ref = weakref.ref(model)
        self.log_freq = log_freq
        self.prefix = prefix
        self.handles: list[Any] = []
        self.grad_calls: dict[str, int] = {}
        self.forward_calls = 0
        self.failed = False
        if log in ("gradients", "all"):
            for name, param in model.named_parameters():
                if param.requires_grad:
                    key = f"gradients/{prefix}{name}"
                    self.handles.append(param.register_hook(self._grad_hook(key)))
        if log in ("parameters", "all"):
            self.handles.append(model.register_forward_hook(self._on_forward))

    def _grad_hook(self, key: str) -> Any:
        def hook(grad: Any) -> None:
            calls = self.grad_calls.get(key, 0) + 1
            self.grad_calls[key] = calls
            if calls % self.log_freq == 0:
                self._log({key: tensor_histogram(grad)})

        return hook

    def _on_forward(self, module: Any, inputs: Any, output: Any) -> None:
        if not module.training:
            return
        self.forward_calls += 1
        if self.forward_calls % self.log_freq == 0:
            self._log(lambda: {f"parameters/{self.prefix}{name}": tensor_histogram(p)
                               for name, p in module.named_parameters()})

    def _log(self, values: Any) -> None:
        run = self.run
        if run.finished or self.failed:
            return
        try:
            run.log(values() if callable(values) else values, commit=False)
        except RunPruned:
            raise
        except Exception as exc:  # a histogram problem must not break backward()
            self.failed = True
            _log.warning("nbtrack: watch of run %s stopped logging: %s", run.id, exc)

    def remove(self) -> None:
        """Remove every hook this watch installed."""
        for handle in self.handles:
            handle.remove()
        self.handles = []


# model -> its current watch; weak, so a model dropped by the user takes its entry with it
_WATCHED: weakref.WeakKeyDictionary[Any, _Watch] = weakref.WeakKeyDictionary()


def tensor_histogram(tensor: Any, num_bins: int = NUM_BINS) -> Histogram:
    """A Histogram of a tensor's finite values, binned on its device with `torch.histc`."""
    import torch

    flat = tensor.detach()
    if flat.is_sparse:
        flat = flat.coalesce().values()
    flat = flat.reshape(-1).float()
    flat = flat[torch.isfinite(flat)]
    if flat.numel() == 0:
        lo, hi = 0.0, 1.0
        counts = torch.zeros(num_bins)
    else:
        lo, hi = flat.min().item(), flat.max().item()
        if lo == hi:
            lo, hi = lo - 0.5, hi + 0.5
        counts = torch.histc(flat, bins=num_bins, min=lo, max=hi)
    edges = torch.linspace(lo, hi, num_bins + 1, dtype=torch.float64)
    return Histogram(np_histogram=(counts.cpu().to(torch.int64).numpy(), edges.numpy()))


def _models(models: Any) -> list[Any]:
    import torch

    items = list(models) if isinstance(models, (list, tuple)) else [models]
    for m in items:
        if not isinstance(m, torch.nn.Module):
            raise TypeError(f"watch: expected a torch.nn.Module, not {type(m).__name__}")
    return items


def watch(run: Any, models: Any, criterion: Any = None, log: WatchLog | None = "gradients", log_freq: int = 100,
          idx: int | None = None, log_graph: bool = False) -> None:
    """Log histograms of `models`' gradients and/or parameters every `log_freq` steps to `run`."""
    if log not in ("gradients", "parameters", "all", None):
        raise ValueError(f"watch: log must be 'gradients', 'parameters', 'all' or None, not {log!r}")
    if isinstance(log_freq, bool) or not isinstance(log_freq, int) or log_freq < 1:
        raise ValueError(f"watch: log_freq must be a positive int, not {log_freq!r}")
    items = _models(models)
    for i, model in enumerate(items):
        old = _WATCHED.pop(model, None)
        if old is not None:
            old.remove()
        n = i if idx is None else idx + i
        prefix = f"graph_{n}." if len(items) > 1 or idx is not None else ""
        _WATCHED[model] = _Watch(run, model, log=log, log_freq=log_freq, prefix=prefix)
    run.add_finish_observer(_unwatch_at_finish)


def unwatch(run: Any = None, models: Any = None) -> None:
    """Remove nbtrack's hooks from `models`, or from every model `run` watches when None."""
    if models is not None:
        targets: Sequence[Any] = _models(models)
    else:
        targets = [m for m, w in list(_WATCHED.items()) if run is None or w.run is run]
    for model in targets:
        w = _WATCHED.pop(model, None)
        if w is not None:
            w.remove()


def _unwatch_at_finish(run: Any) -> None:
    unwatch(run)
