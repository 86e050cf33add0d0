"""The sweep agent's progress bar inside a notebook: one HTML output (a display id), no widget.

A widget progress bar (tqdm.notebook) shows "Error displaying widget" once its kernel is gone;
this one is plain data that every front end shows as last updated: the bar is an SVG picture
(which sanitisers keep) beside a text line. It has the part of tqdm's interface the agent uses.
"""

from __future__ import annotations

import base64
import html
import time
from typing import Any

from .static import output_metadata

__all__ = ["HtmlProgress"]

_COLORS = {"running": "#1f77b4", "done": "#2ca02c", "stopped": "#d62728"}


class HtmlProgress:
    """`update(n)`, `set_postfix_str(text)`, `close()`: a bar of `total` steps (None: unbounded)."""

    def __init__(self, total: int | None, desc: str, unit: str = "trial") -> None:
        from IPython.display import display

        self.total, self.desc, self.unit = total, desc, unit
        self.n, self.postfix, self._started, self._state = 0, "", time.monotonic(), "running"
        self._handle = display(self._bundle(), raw=True, display_id=True, metadata=output_metadata("progress"))

    def update(self, n: int = 1) -> None:
        """Count `n` more steps done."""
        self.n += n
        self._show()

    def set_postfix_str(self, text: str) -> None:
        """Text shown after the counts (the best value so far)."""
        self.postfix = text
        self._show()

    def close(self) -> None:
        """The last update: done when every step ran, else stopped."""
        self._state = "done" if self.total is None or self.n >= self.total else "stopped"
        self._show()

    def _show(self) -> None:
        self._handle.update(self._bundle(), raw=True, metadata=output_metadata("progress"))

    def _text(self) -> str:
        counts = f"{self.n}/{self.total}" if self.total else str(self.n)
        elapsed = time.monotonic() - self._started
        tail = f", {self.postfix}" if self.postfix else ""
        return f"{self.desc}: {counts} {self.unit}s [{elapsed:.0f}s{tail}]"

    def _bundle(self) -> dict[str, Any]:
        share = min(1.0, self.n / self.total) if self.total else (1.0 if self._state == "done" else 0.0)
        color = _COLORS[self._state]
        svg = (f"<svg xmlns='http://www.w3.org/2000/svg' width='200' height='12'><rect width='200' height='12' "
               f"rx='3' fill='#e5e5e5'/><rect width='{200 * share:.0f}' height='12' rx='3' fill='{color}'/></svg>")
        uri = "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode("ascii")
        text = self._text()
        page = (f"<div class='nbtrack-progress' data-state='{self._state}' style='font-family:sans-serif;"
                f"font-size:12px'><img alt='{share:.0%}' width='200' height='12' src='{uri}'> "
                f"{html.escape(text)}</div>")
        return {"text/plain": text, "text/html": page}
