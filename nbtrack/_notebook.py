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
    if kwargs.get("mode") != "disabled" and os.environ.get("NBTRACK_LIVE", "1") != "0" and live_views.get() \
            and run not in _shown and in_kernel():
        _shown.add(run)
        try:
            from .ui.live import show_live

            show_live(run)
        except Exception as exc:  # a view must never stop the run from starting
            _log.warning("nbtrack: could not show the live view of run %s: %s", run.id, exc)
    return run
