"""The notebook side of `nbtrack.init`: whether we run in a Jupyter kernel, and the run's live view there.

Only `nbtrack.init` calls in here; the UI itself (`ui.live`, ipywidgets, plotly) is imported
only when a view is shown, inside a kernel, so a script never loads the notebook layer.
"""

from __future__ import annotations

import logging
import os
import sys
import weakref
from contextvars import ContextVar
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._run import Run

__all__ = ["in_kernel", "live_views", "show_live_view"]

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


def show_live_view(run: Run) -> None:
    """Show `run`'s live view under the current cell, once per run, inside a kernel (unless NBTRACK_LIVE=0)."""
    if os.environ.get("NBTRACK_LIVE", "1") == "0" or not live_views.get() or run in _shown or not in_kernel():
        return
    _shown.add(run)
    try:
        from .ui.live import show_live

        show_live(run)
    except Exception as exc:  # a view must never stop the run from starting
        _log.warning("nbtrack: could not show the live view of run %s: %s", run.id, exc)
