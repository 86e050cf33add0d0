"""nbtrack: experiment tracking inside the Jupyter notebook, with no account, server or network.

`import nbtrack` is cheap: every public name is loaded on first use. `nbtrack.run`,
`nbtrack.config` and `nbtrack.summary` always refer to the current run (None before `init`).
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_LAZY: dict[str, str] = {
    "Artifact": ".artifacts",
    "artifact": ".artifacts",
    "lineage_figure": ".ui.lineage",
    "lineage": ".artifacts",
    "init": "._init",
    "log": "._init",
    "finish": "._init",
    "save": "._init",
    "Run": "._run",
    "NbtrackWarning": ".errors",
    "RunFinishedError": ".errors",
    "UsageError": ".errors",
    "runs": "._query",
    "history": "._query",
    "open_store": ".store",
    "Config": "._config",
    "Summary": "._summary",
    "SweepConfigError": ".errors",
    "ArtifactError": ".errors",
    "ArtifactNotFoundError": ".errors",
    "ArtifactCorruptedError": ".errors",
    "SchemaError": ".errors",
    "dashboard": ".ui.dashboard",
    "sweep_panel": ".ui.sweep_panel",
    "sweep": ".sweeps._agent",
    "agent": ".sweeps._agent",
    "stop_sweep": ".sweeps._agent",
    "pareto_front": ".sweeps._pareto",
    "RunPruned": ".errors",
    "Table": "._media",
    "Image": "._media",
    "Classes": "._overlays",
    "Histogram": "._media",
    "Plotly": "._media",
    "AlertLevel": "._alerts",
    "comments": "._comments",
    "alert": "._init",
    "define_metric": "._init",
    "watch": "._init",
    "unwatch": "._init",
    "system_history": "._system",
    "Api": "._api",
    "report": ".report",
    "Report": "._saved_report",
    "login": "._compat",
    "join": "._compat",
    "require": "._compat",
    "teardown": "._compat",
    "setup": "._compat",
    "restore": "._compat",
    "log_artifact": "._compat",
    "use_artifact": "._compat",
    "log_model": "._compat",
    "use_model": "._compat",
    "link_model": "._compat",
    "Settings": "._compat",
    "UnsupportedError": ".errors",
    "import_mlflow": ".importers",
    "import_wandb_offline": ".importers",
    "Audio": "._audio",
    "Video": "._video",
    "Html": "._html",
    "Object3D": "._object3d",
    "box3d": "._object3d",
    "plot_table": ".plot",
    "as_wandb": "._as_wandb",
}
# W&B's submodule names (`wandb.plot.line`, `wandb.sklearn.plot_roc`, ...), imported on first use
_SUBMODULES = frozenset({"plot", "sklearn", "xgboost", "lightgbm", "keras", "integration", "apis"})

__all__ = sorted([*_LAZY, *_SUBMODULES, "run", "config", "summary", "load_ipython_extension", "__version__"])


def __getattr__(name: str) -> Any:
    if name in ("run", "config", "summary"):
        from . import _current

        run = _current.get()
        return run if name == "run" or run is None else getattr(run, name)
    if name in _SUBMODULES:
        return importlib.import_module(f".{name}", __name__)
    module = _LAZY.get(name)
    if module is None:
        from ._compat import UNSUPPORTED
        from .errors import UnsupportedError

        if name in UNSUPPORTED:
            raise UnsupportedError(f"nbtrack does not provide wandb.{name}: {UNSUPPORTED[name]}")
        raise AttributeError(f"module 'nbtrack' has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__


def load_ipython_extension(ipython: Any) -> None:
    """`%load_ext nbtrack`: register the `%%track` and `%nbtrack` magics (and, with NBTRACK_AS_WANDB=1,
    make `import wandb` resolve to nbtrack: see `nbtrack.as_wandb`)."""
    from ._as_wandb import from_environment
    from .magics import load_ipython_extension as load

    load(ipython)
    from_environment()


def unload_ipython_extension(ipython: Any) -> None:
    """`%unload_ext nbtrack`: remove the magics."""
    from .magics import unload_ipython_extension as unload

    unload(ipython)
