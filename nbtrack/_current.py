"""The process's current run, and the exit hooks that finish runs a script left open."""

from __future__ import annotations

import atexit
import sys
import threading
from types import TracebackType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._run import Run

__all__ = ["current", "active", "set_current", "forget", "UsageError", "require"]


class UsageError(RuntimeError):
    """The API was called in a way that cannot work (e.g. `log` before `init`)."""


current: Run | None = None
active: list[Run] = []
_lock = threading.Lock()
_hooks_installed = False
_uncaught: tuple[type[BaseException], BaseException, TracebackType | None] | None = None


def set_current(run: Run) -> None:
    """Make `run` the one module-level calls act on; install the exit hooks once."""
    global current
    with _lock:
        active.append(run)
        current = run
    _install_exit_hooks()


def forget(run: Run) -> None:
    """Drop a finished run from the registry."""
    global current
    with _lock:
        if run in active:
            active.remove(run)
        if current is run:
            current = active[-1] if active else None


def require(call: str) -> Run:
    """The current run, or a UsageError telling the user to call `nbtrack.init()` first."""
    run = current
    if run is None:
        raise UsageError(f"nbtrack.{call}() needs an active run: call nbtrack.init() first")
    return run


def _install_exit_hooks() -> None:
    global _hooks_installed
    if _hooks_installed:
        return
    _hooks_installed = True
    atexit.register(_finish_at_exit)
    previous = sys.excepthook

    def excepthook(tp: type[BaseException], value: BaseException, tb: TracebackType | None) -> None:
        global _uncaught
        _uncaught = (tp, value, tb)
        previous(tp, value, tb)

    sys.excepthook = excepthook


def _finish_at_exit() -> None:
    """Finish what is still open: `failed`/`killed` if an uncaught exception ended the script."""
    for run in list(active):
        if _uncaught is not None:
            run._fail(_uncaught[1], _uncaught[2])
        else:
            run.finish()
