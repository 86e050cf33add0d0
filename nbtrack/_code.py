"""W&B's `run.log_code`: the run's source files, saved as a `code` artifact the run logged.

By default the `.py` files (and `requirements.txt`, `Dockerfile`) under `root`, leaving out
hidden folders, virtual environments, `__pycache__` and nbtrack's own store. `include_fn` and
`exclude_fn` are W&B's filters: called with the file's path (and `root`, if they take two arguments).
"""

from __future__ import annotations

import inspect
import os
import re
import sys
from collections.abc import Callable
from typing import Any

__all__ = ["log_code"]

_SKIP_DIRS = {"__pycache__", "node_modules", "site-packages", "wandb", "venv"}
_DEFAULT_NAMES = ("requirements.txt", "Dockerfile")


def _default_include(path: str, root: str) -> bool:
    return path.endswith(".py") or os.path.basename(path) in _DEFAULT_NAMES


def _call(fn: Callable[..., bool], path: str, root: str) -> bool:
    """W&B's filters take (path, root) or just (path)."""
    try:
        params = [p for p in inspect.signature(fn).parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.VAR_POSITIONAL)]
    except (TypeError, ValueError):
        params = []
    two = len(params) >= 2 or any(p.kind is p.VAR_POSITIONAL for p in params)
    return bool(fn(path, root) if two else fn(path))


def _files(root: str, include_fn: Callable[..., bool], exclude_fn: Callable[..., bool] | None,
           store_dir: str) -> list[str]:
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d not in _SKIP_DIRS
                             and os.path.realpath(os.path.join(dirpath, d)) != store_dir)
        for name in sorted(filenames):
            path = os.path.join(dirpath, name)
            if _call(include_fn, path, root) and not (exclude_fn and _call(exclude_fn, path, root)):
                found.append(path)
    return found


def log_code(run: Any, root: str | os.PathLike[str] | None = ".", name: str | None = None,
             include_fn: Callable[..., bool] | None = None, exclude_fn: Callable[..., bool] | None = None) -> Any:
    """Log the matching files under `root` as a `code` artifact of `run`; None (and a note) when none match."""
    from .artifacts import Artifact

    if name is None:
        program = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else "notebook"
        name = re.sub(r"[^A-Za-z0-9_.-]", "_", f"source-{run.project}-{program}")[:128]
    from ._env import silent

    artifact = Artifact(name, type="code")
    found = []
    if root is not None:
        root = os.path.abspath(root)
        store_dir = os.path.realpath(os.path.dirname(str(getattr(run.store, "path", ""))))
        found = _files(root, include_fn or _default_include, exclude_fn, store_dir)
        for path in found:
            artifact.add_file(path, name=os.path.relpath(path, root))
    if not found:
        if not silent():
            print(f"nbtrack: log_code found no files to save under {root!r}; no code logged", file=sys.stderr)
        return None
    return run.log_artifact(artifact)
