"""The public `nbtrack.init`: the domain's `init` plus, inside a Jupyter kernel, the live run view.

This module sits above both layers: the domain never imports the notebook layer;
here the package root composes them, importing the views only inside a kernel.
"""

from __future__ import annotations

import functools
import logging
import os
import sys
import weakref
from contextvars import ContextVar
from typing import Any

from . import _init
from ._run import Run

__all__ = ["init", "in_kernel", "live_views"]

_log = logging.getLogger("nbtrack")

_shown: weakref.WeakSet[Run] = weakref.WeakSet()  # runs that already have a live view (reinit="return_previous")
_captured: weakref.WeakSet[Run] = weakref.WeakSet()  # runs whose calling cell's source is captured
live_views: ContextVar[bool] = ContextVar("nbtrack_live_views", default=True)
"""False where a caller draws its runs itself (the sweep panel's trial thread): init() shows no live view."""


def in_kernel() -> bool:
    """Whether we run inside a Jupyter kernel (not a script, not terminal IPython)."""
    ipython = sys.modules.get("IPython")
    if ipython is None:
        return False
    shell = ipython.get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


@functools.wraps(_init.init)
def init(*args: Any, **kwargs: Any) -> Run:
    run = _init.init(*args, **kwargs)
    if kwargs.get("mode") != "disabled" and live_views.get() and run not in _captured and in_kernel():
        _captured.add(run)
        _capture_cell(run)
    if kwargs.get("mode") != "disabled" and os.environ.get("NBTRACK_LIVE", "1") != "0" and live_views.get() \
            and run not in _shown and in_kernel():
        _shown.add(run)
        try:
            from .ui.live import show_live

            show_live(run)
        except Exception as exc:  # a view must never stop the run from starting
            _log.warning("nbtrack: could not show the live view of run %s: %s", run.id, exc)
    return run


def _capture_cell(run: Run) -> None:
    """Capture the source of the cell that called init() (a %%track cell then sets its body and magic line)."""
    shell = sys.modules["IPython"].get_ipython()
    raw = getattr(getattr(shell, "history_manager", None), "input_hist_raw", None)
    if raw:
        run._set_capture(cell_source=raw[-1], source_kind="notebook-cell")
