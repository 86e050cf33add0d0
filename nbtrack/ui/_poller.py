"""A background re-read of the store for long-lived views (the dashboard, a saved report's view).

Each tick calls the view's ``refresh`` (one tiny ``Store.activity()`` query when nothing changed);
after a slow tick it waits OVERHEAD_FACTOR times as long, so a busy kernel loses <= ~5 % to it.
The thread holds the view only weakly: a view nobody holds is not kept alive by its poller.
"""

from __future__ import annotations

import logging
import threading
import time
import weakref
from collections.abc import Callable
from typing import Generic, TypeVar

__all__ = ["OVERHEAD_FACTOR", "POLL_INTERVAL", "Poller"]

POLL_INTERVAL = 2.0  # seconds between two activity checks
OVERHEAD_FACTOR = 20  # wait >= 20x the last refresh
_log = logging.getLogger("nbtrack")
V = TypeVar("V")


class Poller(Generic[V]):
    """Calls ``refresh(view)`` every ``interval`` seconds on a daemon thread; ``after(view, error)`` follows each."""

    def __init__(self, view: V, refresh: Callable[[V], object], *, name: str, interval: float = POLL_INTERVAL,
                 after: Callable[[V, Exception | None], None] | None = None) -> None:
        self._view = weakref.ref(view)
        self._refresh, self._after = refresh, after
        self.name, self.interval = name, interval
        self._stop = threading.Event()
        self.thread: threading.Thread | None = None

    @property
    def alive(self) -> bool:
        """Whether the thread runs."""
        return self.thread is not None and self.thread.is_alive()

    def start(self) -> None:
        """Start the thread unless it runs."""
        if not self.alive:
            self._stop.clear()
            self.thread = threading.Thread(target=self._loop, args=(self._stop,), name=self.name, daemon=True)
            self.thread.start()

    def stop(self) -> None:
        """Stop the thread and wait for it (unless called from it)."""
        self._stop.set()
        if self.thread is not None and self.thread is not threading.current_thread():
            self.thread.join(timeout=5)

    def _loop(self, stop: threading.Event) -> None:
        wait = self.interval
        while not stop.wait(wait):
            view = self._view()
            if view is None:
                return
            started, error = time.perf_counter(), None
            try:
                self._refresh(view)
            except Exception as exc:  # keep polling: the store may come back
                _log.warning("%s: refresh failed: %s", self.name, str(exc))
                error = exc
            if self._after is not None:
                self._after(view, error)
            wait = max(self.interval, OVERHEAD_FACTOR * (time.perf_counter() - started))
            del view, error  # a failure's traceback holds the view: let it go
