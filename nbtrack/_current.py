"""The current run that module-level calls act on, and the exit hooks that finish runs a script left open.

There is one scope per process, as in W&B; a sweep agent runs its trials in a scope of its
own (a ContextVar), so a trial in a background thread and a run started in a notebook cell
never finish each other.

Runs and sweep trials belong to the process that started them: a forked child starts with no
current run and no pending trial, and a program an agent launched hands its trial only to the
process the agent started (`take_trial`), so a trial's workers get runs of their own, as in W&B.
"""

from __future__ import annotations

import atexit
import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Any

from .errors import UsageError

if TYPE_CHECKING:
    from ._run import Run

__all__ = ["Scope", "scope", "agent_scope", "get", "active", "set_current", "forget", "require",
           "TrialClaim", "take_trial", "inherited_trial", "TRIAL_ENV", "AGENT_PID_ENV"]

# A program a sweep agent launched: the run of its trial, and the agent's pid (the trial is the agent's child's).
TRIAL_ENV = "NBTRACK_SWEEP_RUN_ID"
AGENT_PID_ENV = "NBTRACK_SWEEP_AGENT_PID"


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
    run.add_finish_observer(forget)
    _install_exit_hooks()
    _inherited.clear()
    from . import _signals

    _signals.install(lambda: tuple(active))


def forget(run: Run) -> None:
    """Drop a finished run from the registry (and from the scope it was current in)."""
    with _lock:
        if run in active:
            active.remove(run)
        sc = _scope_of.pop(id(run), None)
        if sc is not None and sc.current is run:
            sc.current = next((r for r in reversed(active) if _scope_of.get(id(r)) is sc), None)


@dataclass(frozen=True)
class TrialClaim:
    """The sweep trial the next init() takes over. `if_unclaimed_by`: the agent's pid, when this process is
    a deeper descendant of it (a wrapper script's python): take the trial only while the agent still holds it."""

    run_id: str
    if_unclaimed_by: int | None = None


def take_trial() -> TrialClaim | None:
    """The trial an in-process agent set for this scope, or the one the environment hands this process; once.

    A multiprocessing child (fork or spawn) of the program never takes it: it starts its own run.
    """
    sc = _scope.get()
    if sc.pending_trial is not None:
        run_id, sc.pending_trial = sc.pending_trial, None
        return TrialClaim(run_id)
    run_id = os.environ.get(TRIAL_ENV)
    if not run_id:
        return None
    agent = os.environ.get(AGENT_PID_ENV, "")
    direct = not agent.isdigit() or os.getppid() == int(agent)
    mp = sys.modules.get("multiprocessing")
    if not direct and (mp is not None and mp.parent_process() is not None or _python_between(int(agent))):
        return None
    os.environ.pop(TRIAL_ENV, None)
    if os.environ.get("WANDB_RUN_ID") == run_id:  # the agent set it for this process only
        os.environ.pop("WANDB_RUN_ID", None)
    return TrialClaim(run_id, None if direct else int(agent))


def _python_between(agent: int) -> bool:
    """Whether a Python process stands between this one and the agent: then this is a worker the program
    started (its own run), not the program under a shell wrapper (`env`, `bash -c`) that takes the trial."""
    import psutil

    try:
        for parent in psutil.Process().parents():
            if parent.pid == agent:
                return False
            if "python" in parent.name().lower():
                return True
    except psutil.Error:  # a vanished or hidden ancestor: do not take the trial
        return True
    return True


def inherited_trial() -> str | None:
    """A trial run id this process inherited but does not own (so a `WANDB_RUN_ID` equal to it is not ours)."""
    return os.environ.get(TRIAL_ENV) or None


def require(call: str) -> Run:
    """The current run, or a UsageError telling the user to call `nbtrack.init()` first.

    In a forked child that has no run of its own, `log` goes to the parent's run it inherited, which
    drops it with one warning: a DataLoader worker calling `nbtrack.log` must not fail the training.
    """
    run = _scope.get().current
    if run is None:
        if call == "log" and _inherited:
            return _inherited[-1]
        raise UsageError(f"nbtrack.{call}() needs an active run: call nbtrack.init() first")
    return run


_inherited: list[Run] = []  # in a forked child, until it starts a run: the parent's current run


def _forget_after_fork() -> None:
    """In a forked child: the parent's runs and pending trials are not this process's; runs it still
    holds a reference to drop what is logged into them (one warning) and never finish from here."""
    global _uncaught
    for run in active:
        run.detach_after_fork()
    _inherited[:] = [run for run in [_scope.get().current] if run is not None]
    for sc in {id(s): s for s in [_process, _scope.get(), *_scope_of.values()]}.values():
        sc.current, sc.pending_trial = None, None
    active.clear()
    _scope_of.clear()
    _uncaught = None


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_after_fork)


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
            run.fail(_uncaught[1], _uncaught[2])
        else:
            run.finish()
