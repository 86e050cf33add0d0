"""Loading the live view's code ahead of the first tracked cell (`%load_ext nbtrack` starts it in a thread).

A new kernel's first chart otherwise waits for plotly, ipywidgets and anywidget to import and for
plotly's validators to load on the first figure: most of a second, paid while the user's cell runs.
"""

from __future__ import annotations

import logging

__all__ = ["warm_up"]


def warm_up() -> None:
    """Import the live view and build one throwaway chart; any failure only means no head start."""
    try:
        import numpy as np

        from .charts import Curve, line_figure
        from .live import LiveRunView  # noqa: F401 - the import is the point

        line_figure({"warm-up": [Curve("-", "-", np.arange(2), np.zeros(2))]})
    except Exception as exc:  # never in the user's way: the live view imports what it needs itself
        logging.getLogger("nbtrack").debug("nbtrack: warm-up failed: %s", exc)
