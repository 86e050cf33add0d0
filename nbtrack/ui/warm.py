"""Loading the live view's code ahead of the first tracked cell: `%load_ext nbtrack` schedules it.

A new kernel's first chart otherwise waits for plotly, ipywidgets and anywidget to import and for
plotly's validators to load on the first figure: most of a second, paid while the user's cell runs.
The warm-up runs on the kernel's event loop once the current cell is done, in the main thread: an
import from a second thread could deadlock with one the user's next cell makes.
"""

from __future__ import annotations

import asyncio
import logging

__all__ = ["warm_up", "warm_up_when_idle"]

_log = logging.getLogger("nbtrack")


def warm_up() -> None:
    """Import the live view and build one throwaway chart; any failure only means no head start."""
    try:
        import numpy as np

        from .charts import Curve, line_figure
        from .live import LiveRunView  # noqa: F401 - the import is the point

        line_figure({"warm-up": [Curve("-", "-", np.arange(2), np.zeros(2))]})
    except Exception as exc:  # never in the user's way: the live view imports what it needs itself
        _log.debug("nbtrack: warm-up failed: %s", exc)


def warm_up_when_idle() -> None:
    """Run warm_up on the running event loop after the current cell (nothing without a running loop)."""
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:  # terminal IPython or a script: nothing to overlap with
        return
    loop.call_soon(warm_up)  # once the cell is done, before the kernel takes the next request
