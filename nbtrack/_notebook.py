"""The notebook side of `nbtrack.init`: whether we run in a Jupyter kernel, and the run's live view there.

Only `nbtrack.init` calls in here (and captures the calling cell's source); the UI itself (`ui.live`, ipywidgets, plotly) is imported
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

__all__ = ["capture_calling_cell", "in_kernel", "live_views", "show_live_view"]

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


def capture_calling_cell(run: Run) -> None:
    """Capture the source of the kernel cell that called init() (a %%track cell then sets its body and magic line)."""
    if not live_views.get() or run in _captured or not in_kernel():
        return
    _captured.add(run)
    shell = sys.modules["IPython"].get_ipython()
    raw = getattr(getattr(shell, "history_manager", None), "input_hist_raw", None)
    if raw:
        run.add_capture(cell_source=raw[-1], source_kind="notebook-cell")
