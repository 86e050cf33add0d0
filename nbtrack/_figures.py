"""Raw figures passed to `run.log`: a plotly figure becomes `Plotly`; a matplotlib figure is
converted to plotly where the figure allows, else logged as an `Image` (W&B's behaviour)."""

from __future__ import annotations

import warnings
from typing import Any

__all__ = ["figure_media"]


def _is_matplotlib(value: Any) -> bool:
    return (getattr(value, "__name__", None) == "matplotlib.pyplot"
            or (type(value).__module__.startswith("matplotlib.") and hasattr(value, "get_figure")))


def _matplotlib_figure(value: Any) -> Any:
    if getattr(value, "__name__", None) == "matplotlib.pyplot":
        return value.gcf()
    figure = value.get_figure() if not hasattr(value, "savefig") else value
    return getattr(figure, "figure", figure)  # a SubFigure's parent figure


def matplotlib_to_plotly(figure: Any) -> Any:
    """plotly's conversion of a matplotlib figure, or None when the figure cannot be converted."""
    if any(len(ax.images) > 0 for ax in figure.axes):
        return None  # W&B: a figure with images (imshow) is logged as an image
    try:
        import plotly.tools

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return plotly.tools.mpl_to_plotly(figure)
    except Exception:  # plotly's converter is fragile across matplotlib versions: fall back to an image
        return None


def figure_media(value: Any) -> Any:
    """The rich value for a raw plotly or matplotlib figure; None when `value` is neither."""
    module = type(value).__module__
    if module.startswith("plotly.") and hasattr(value, "to_plotly_json"):
        from ._media import Plotly

        return Plotly(value)
    if _is_matplotlib(value):
        from ._media import Image, Plotly

        figure = _matplotlib_figure(value)
        converted = matplotlib_to_plotly(figure)
        return Plotly(converted) if converted is not None else Image(figure)
    return None
