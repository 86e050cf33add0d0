"""Importers: bring runs you already have into the store, with their history.

    nbtrack import mlflow ./mlruns                 # or mlflow.db, sqlite:///..., http://...
    nbtrack import wandb-offline ./wandb           # offline-run-*/run-<id>.wandb
    nbtrack.import_mlflow("mlruns", project="mnist")   # the same from Python

Each keeps the original steps and timestamps, run states and start / end times, and writes
straight to the store (no `nbtrack.init`). An imported run's id is derived from its source
run's id, so importing again replaces the earlier copy instead of adding a second one; the run's
capture records where it came from (`nbtrack show RUN`). The mapping of each source is in the
docstring of `nbtrack.importers._mlflow` and `nbtrack.importers._wandb_offline`. The source's
library (`mlflow`, `wandb`) is imported only when an import runs.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["import_mlflow", "import_wandb_offline", "ImportResult", "ImportedRun"]

_LAZY = {
    "import_mlflow": "._mlflow",
    "import_wandb_offline": "._wandb_offline",
    "ImportResult": "._common",
    "ImportedRun": "._common",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'nbtrack.importers' has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
