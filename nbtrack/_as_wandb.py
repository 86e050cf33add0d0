"""`nbtrack.as_wandb()`: make `import wandb` resolve to nbtrack, for third-party code that imports
`wandb` itself (Transformers' `report_to="wandb"`, Lightning's `WandbLogger`, W&B's Keras callbacks).

Only on request: nothing here runs at `import nbtrack`. The call puts a `wandb` module and the
submodules those integrations import into `sys.modules` (the surface was found by running their
real W&B code on tiny models; see tests/test_as_wandb.py):

- `wandb` itself: every nbtrack name (`init`, `log`, `run`, `config`, `Artifact`, `Table`, `require`, ...),
  plus `termlog/termwarn/termerror`;
- `wandb.sdk`, `wandb.sdk.lib` (`RunDisabled`), `wandb.sdk.lib.config_util` (`ConfigError`),
  `wandb.wandb_run` / `wandb.sdk.wandb_run` (`Run`), `wandb.env` (`set_project`, `set_entity`);
- `wandb.plot`, `wandb.sklearn`, `wandb.keras`, `wandb.xgboost`, `wandb.lightgbm` and
  `wandb.integration.{keras,xgboost,lightgbm,sklearn,lightning}`: nbtrack's W&B-named aliases.

A real installed `wandb` already imported is set aside and put back by `route.undo()` (or at the
end of a `with nbtrack.as_wandb():` block); modules that imported it before keep their reference.

Package metadata: Lightning's `WandbLogger` asks `importlib.metadata` for the `wandb` distribution
(`RequirementCache("wandb>=0.12.10")`), not for the module. When no real `wandb` distribution is
installed, the route also adds a meta-path finder that answers for a `wandb` distribution of version
`WANDB_VERSION` (the W&B release nbtrack's surface is checked against; also the stand-in's
`__version__`). An installed `wandb` is never shadowed: the finder answers only while none is found.
"""

from __future__ import annotations

import importlib
import importlib.machinery
import importlib.metadata
import os
import sys
import types
import warnings
from collections.abc import Callable
from typing import Any

__all__ = ["as_wandb", "WandbRoute", "ENV_VAR", "WANDB_VERSION"]

ENV_VAR = "NBTRACK_AS_WANDB"
WANDB_VERSION = "0.31.0"  # the W&B release whose signatures nbtrack's W&B surface is checked against


def _say(prefix: str) -> Callable[..., None]:
    def say(string: str, *args: Any, **kwargs: Any) -> None:
        print(f"wandb (nbtrack): {prefix}{string}", file=sys.stderr)

    return say


def _set_env(name: str) -> Callable[..., None]:
    def setter(value: str | None = None, env: Any = None) -> None:
        if value is not None:
            os.environ[name] = str(value)

    return setter


class RunDisabled:
    """W&B's placeholder for a disabled run (nbtrack's `mode="disabled"` gives a real in-memory Run)."""


class ConfigError(Exception):
    """W&B's config error (raised by nbtrack as `ValueError`/`TypeError`; named for code that catches it)."""


def _module(name: str, attrs: dict[str, Any], target: str | None = None, package: bool = False) -> types.ModuleType:
    """A module `name` holding `attrs`, delegating other attributes to the module `target` (imported on first use)."""
    module = types.ModuleType(name, f"nbtrack's stand-in for {name} (nbtrack.as_wandb)")
    module.__spec__ = importlib.machinery.ModuleSpec(name, None, is_package=package)
    if package:
        module.__path__ = []  # type: ignore[attr-defined]
    module.__dict__.update(attrs)

    def __getattr__(attr: str) -> Any:
        if target is not None and not attr.startswith("__"):
            try:
                return getattr(importlib.import_module(target), attr)
            except AttributeError:
                pass
        raise AttributeError(f"nbtrack.as_wandb: {name}.{attr} is not provided by nbtrack"
                             + (f" (see {target})" if target else ""))

    module.__getattr__ = __getattr__  # type: ignore[method-assign]
    return module


def _surface() -> dict[str, types.ModuleType]:
    import nbtrack

    run_module = {"Run": nbtrack.Run}
    mods: dict[str, types.ModuleType] = {}
    lib = _module("wandb.sdk.lib", {"RunDisabled": RunDisabled}, package=True)
    mods["wandb.sdk.lib.config_util"] = lib.config_util = _module(  # type: ignore[attr-defined]
        "wandb.sdk.lib.config_util", {"ConfigError": ConfigError})
    mods["wandb.sdk.lib"] = lib
    mods["wandb.sdk.wandb_run"] = _module("wandb.sdk.wandb_run", run_module)
    mods["wandb.sdk"] = _module("wandb.sdk", {"lib": lib, "wandb_run": mods["wandb.sdk.wandb_run"]}, "nbtrack",
                                package=True)
    mods["wandb.wandb_run"] = _module("wandb.wandb_run", run_module)
    mods["wandb.env"] = _module("wandb.env", {"set_project": _set_env("WANDB_PROJECT"),
                                              "set_entity": _set_env("WANDB_ENTITY")})
    integration: dict[str, Any] = {}
    for sub in ("keras", "xgboost", "lightgbm", "sklearn", "lightning"):
        full = f"wandb.integration.{sub}"
        mods[full] = integration[sub] = _module(full, {}, f"nbtrack.integration.{sub}")
    mods["wandb.integration"] = _module("wandb.integration", integration, package=True)
    top: dict[str, Any] = {"sdk": mods["wandb.sdk"], "wandb_run": mods["wandb.wandb_run"], "env": mods["wandb.env"],
                           "integration": mods["wandb.integration"], "termlog": _say(""),
                           "termwarn": _say("WARNING "), "termerror": _say("ERROR "),
                           "__version__": WANDB_VERSION, "__nbtrack__": True}
    for sub in ("plot", "sklearn", "keras", "xgboost", "lightgbm"):
        mods[f"wandb.{sub}"] = top[sub] = _module(f"wandb.{sub}", {}, f"nbtrack.{sub}")
    mods["wandb"] = _module("wandb", top, "nbtrack", package=True)
    return mods


class _StandInDistribution(importlib.metadata.Distribution):
    """The `wandb` distribution metadata the route answers with when no real one is installed."""

    def read_text(self, filename: str) -> str | None:
        if filename == "METADATA":
            return (f"Metadata-Version: 2.1\nName: wandb\nVersion: {WANDB_VERSION}\n"
                    "Summary: nbtrack standing in for wandb (nbtrack.as_wandb)\n")
        if filename == "top_level.txt":  # the import name it provides (importlib.metadata.packages_distributions)
            return "wandb\n"
        return None

    def locate_file(self, path: Any) -> Any:
        import pathlib

        return pathlib.Path(__file__).parent / str(path)


def _real_wandb_installed() -> bool:
    """Whether a finder on `sys.meta_path` other than the route's knows a `wandb` distribution."""
    context = importlib.metadata.DistributionFinder.Context(name="wandb")
    for finder in sys.meta_path:
        find = getattr(finder, "find_distributions", None)
        if not isinstance(finder, _MetadataFinder) and find is not None and next(iter(find(context)), None):
            return True
    return False


class _MetadataFinder:
    """A meta-path finder that finds no modules, only the stand-in `wandb` distribution while no real one exists."""

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> None:
        return None

    def find_distributions(self, context: Any = None) -> list[importlib.metadata.Distribution]:
        name = getattr(context, "name", None)
        if name is not None and name.lower().replace("_", "-") != "wandb":
            return []
        return [] if _real_wandb_installed() else [_StandInDistribution()]


class WandbRoute:
    """`import wandb` resolving to nbtrack; `undo()` (or leaving a `with` block) puts back what was there."""

    def __init__(self) -> None:
        self.module: types.ModuleType | None = None
        self._saved: dict[str, types.ModuleType] = {}
        self._finder: _MetadataFinder | None = None

    def install(self) -> WandbRoute:
        """Register the stand-in modules (setting aside an imported real `wandb`)."""
        current = sys.modules.get("wandb")
        if current is not None and getattr(current, "__nbtrack__", False):
            self.module = current
            return self
        self._saved = {k: v for k, v in sys.modules.items() if k == "wandb" or k.startswith("wandb.")}
        if current is not None:
            from ._run import NbtrackWarning

            warnings.warn("nbtrack.as_wandb(): the real wandb package was already imported; modules that imported "
                          "it before this call keep using it", NbtrackWarning, stacklevel=3)
        for k in self._saved:
            del sys.modules[k]
        mods = _surface()
        sys.modules.update(mods)
        self.module = mods["wandb"]
        if not _real_wandb_installed():
            self._finder = _MetadataFinder()
            sys.meta_path.append(self._finder)
        return self

    def undo(self) -> None:
        """Remove the stand-in modules and restore what `install` set aside."""
        for k in [k for k, v in sys.modules.items() if (k == "wandb" or k.startswith("wandb."))
                  and isinstance(v, types.ModuleType) and (v.__doc__ or "").startswith("nbtrack's stand-in")]:
            del sys.modules[k]
        sys.modules.update(self._saved)
        self._saved = {}
        if self._finder is not None and self._finder in sys.meta_path:
            sys.meta_path.remove(self._finder)
        self._finder = None

    @property
    def active(self) -> bool:
        """Whether `import wandb` gives nbtrack now."""
        return self.module is not None and sys.modules.get("wandb") is self.module

    def __enter__(self) -> types.ModuleType:
        assert self.module is not None
        return self.module

    def __exit__(self, *exc: Any) -> None:
        self.undo()


def as_wandb() -> WandbRoute:
    """Make `import wandb` (and the submodules W&B integrations import) resolve to nbtrack until `undo()`."""
    return WandbRoute().install()


def from_environment() -> WandbRoute | None:
    """Install the route when NBTRACK_AS_WANDB is set to 1/true/yes (read by `%load_ext nbtrack`)."""
    if os.environ.get(ENV_VAR, "").strip().lower() in ("1", "true", "yes", "on"):
        return as_wandb()
    return None
