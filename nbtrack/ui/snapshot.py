"""A widget's static twin, so that a notebook without the widget's kernel shows the view, not an error.

A widget is displayed as two outputs: the widget's view (widget-view + a text line), then its
snapshot (a display id), replaced shortly after each change of the view by its static form
(:mod:`nbtrack.ui.static`: SVG pictures, no script needed). Measured in JupyterLab 4.6 and
Notebook 7 (Chromium):

- untrusted (shared, nbclient-executed) notebook: widget-view is not used; the first output shows
  its text line and the snapshot shows the view as last left. Sanitised HTML keeps
  `<img src="data:image/svg+xml;base64,...">`, drops `<script>`, `<style>` and inline `<svg>`.
- trusted notebook, kernel gone: the widget output says "Loading widget..." (no kernel) or
  "Error displaying widget: model not found" (a new kernel); the snapshot's `<style>` hides that
  output (CSS `:has`, so no script) and the snapshot shows.
- trusted, widget state saved with the notebook (nbclient's default): Lab restores the view
  "disconnected" (no kernel behind it); the rules treat it as gone and show the snapshot.
- live: the same rules hide the snapshot while the widget's connected view is on the page.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from typing import Any

from .static import output_metadata

__all__ = ["WidgetSnapshot"]

DELAY = 2.0  # seconds a snapshot waits for more changes before it is redrawn
_log = logging.getLogger("nbtrack")


class WidgetSnapshot:
    """Shows `widget` with its snapshot under it; `changed()` redraws the snapshot soon, off the caller's thread."""

    def __init__(self, widget: Any, make_bundle: Callable[[], dict[str, Any]], *, kind: str,
                 delay: float = DELAY) -> None:
        self.key = uuid.uuid4().hex[:12]
        self.kind = kind
        self._widget, self._make, self._delay = widget, make_bundle, delay
        self._handle: Any = None
        self._dirty, self._stop = threading.Event(), threading.Event()
        self._sending = threading.Lock()  # one update at a time, the latest last
        self._thread: threading.Thread | None = None
        widget.add_class(self.live_class)

    @property
    def live_class(self) -> str:
        """The CSS class of the widget's live view."""
        return f"nbtrack-live-{self.key}"

    @property
    def snapshot_class(self) -> str:
        """The CSS class of the snapshot's root element."""
        return f"nbtrack-snap-{self.key}"

    def style(self) -> str:
        """The rules that show either the live view or the snapshot, never both, never the widget's error."""
        live, snap = f"{self.live_class}:not(.jupyter-widgets-disconnected)", self.snapshot_class
        return (f"<style>body:has(.{live}) .{snap}{{display:none}}"
                f".jp-OutputArea-child:has(+ .jp-OutputArea-child .{snap}):not(:has(.{live})){{display:none}}"
                "</style>")

    def bundle(self) -> dict[str, Any]:
        """The snapshot's MIME bundle now."""
        bundle = self._make()
        bundle["text/html"] = self.style() + bundle["text/html"]
        return bundle

    def show(self) -> None:
        """Display the widget's view, then its snapshot (a display id), and keep the snapshot fresh."""
        from IPython.display import display
        from ipywidgets import Widget

        view = Widget._repr_mimebundle_(self._widget) or {}
        display(view, raw=True, metadata=output_metadata(self.kind + "-widget"))
        self._handle = display(self.bundle(), raw=True, display_id=True, metadata=output_metadata(self.kind))
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name=f"nbtrack-snapshot-{self.key}", daemon=True)
            self._thread.start()

    def changed(self) -> None:
        """The view changed: redraw the snapshot within about `delay` seconds."""
        self._dirty.set()

    def update_now(self) -> None:
        """Redraw the snapshot now (the caller's thread)."""
        with self._sending:
            self._dirty.clear()
            if self._handle is not None:
                self._handle.update(self.bundle(), raw=True, metadata=output_metadata(self.kind))

    def close(self) -> None:
        """Stop redrawing; a change not drawn yet is drawn now, so the saved snapshot is the view as left."""
        pending = self._dirty.is_set()
        self._stop.set()
        self._dirty.set()  # wakes the thread, which ends
        if pending:
            self.update_now()

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._dirty.wait()
            if self._stop.wait(self._delay) or not self._dirty.is_set():
                continue
            try:
                self.update_now()
            except Exception as exc:  # the next change may succeed; the view itself is unaffected
                _log.warning("nbtrack: snapshot of a %s not updated: %s", self.kind, exc)
