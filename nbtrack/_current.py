"""The current run that module-level calls act on, and the exit hooks that finish runs a script left open.

There is one scope per process, as in W&B; a sweep agent runs its trials in a scope of its
own (a ContextVar), so a trial in a background thread and a run started in a notebook cell
never finish each other.
"""

from __future__ import annotations

import atexit
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._run import Run

__all__ = ["Scope", "scope", "agent_scope", "get", "active", "set_current", "forget", "UsageError", "require"]


class UsageError(RuntimeError):
    """The API was called in a way that cannot work (e.g. `log` before `init`)."""


@dataclass
class Scope:
    """Where `nbtrack.init()` and module-level calls point."""

    current: Run | None = None
    pending_trial: str | None = None  # a claimed sweep trial the next init() attaches to
    store: Any = None  # the store the next init() uses by default (an agent's), None: the usual resolution


_process = Scope()
_scope: ContextVar[Scope] = ContextVar("nbtrack_scope", default=_process)
active: list[Run] = []  # every unfinished run of the process, whatever its scope
_lock = threading.Lock()
_hooks_installed = False
_uncaught: tuple[type[BaseException], BaseException, TracebackType | None] | None = None


def scope() -> Scope:
    """The scope of the calling context."""
    return _scope.get()


def get() -> Run | None:
    """The current run of the calling context, or None."""
    return _scope.get().current


@contextmanager
def agent_scope(*, pending_trial: str, store: Any) -> Iterator[Scope]:
    """Run a sweep trial in a scope of its own, attaching the next init() to `pending_trial`."""
    token = _scope.set(Scope(pending_trial=pending_trial, store=store))
    try:
        yield _scope.get()
    finally:
        _scope.reset(token)


_scope_of: dict[int, Scope] = {}  # id(run) -> the scope it is current in


def set_current(run: Run) -> None:
    """Make `run` the one module-level calls act on (in this scope); install the exit hooks once."""
    sc = _scope.get()
    with _lock:
        active.append(run)
        sc.current = run
        _scope_of[id(run)] = sc
    _install_exit_hooks()
    from . import _fork, _signals

    _fork.install()
    _signals.install()


def forget(run: Run) -> None:
    """Drop a finished run from the registry (and from the scope it was current in)."""
    with _lock:
        if run in active:
            active.remove(run)
        sc = _scope_of.pop(id(run), None)
        if sc is not None and sc.current is run:
            sc.current = next((r for r in reversed(active) if _scope_of.get(id(r)) is sc), None)


def require(call: str) -> Run:
    """The current run, or a UsageError telling the user to call `nbtrack.init()` first."""
    run = _scope.get().current
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
