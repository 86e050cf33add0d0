"""Deciding whether a run recorded as `running` is still alive or has crashed.

A run is held by the process recorded in its `pid`/`host` (set by `init`, and again by a resume
or a sweep trial taking it over). That process wrote every heartbeat the run has, so it existed
before the latest one: a live process with that pid created after the latest heartbeat only
reuses the number of a holder that died. Judging is read-only: a reader never writes a state.
"""

from __future__ import annotations

import os
import socket
import time

from .store import RunRecord

__all__ = ["HEARTBEAT_TIMEOUT", "effective_state", "process_alive", "check_free"]

# A run on another host whose writer has not beaten for this long is crashed.
HEARTBEAT_TIMEOUT = 30.0
CLOCK_SLACK = 1.0  # seconds: process start times are known to about a second (the boot time is whole seconds)

_HOST = socket.gethostname()


def process_alive(pid: int, held_since: float) -> bool:
    """Whether `pid` is a live (non-zombie) process that existed at `held_since` (the run's latest heartbeat).

    A process we may not inspect (`AccessDenied`) exists, so it counts as alive.
    """
    if pid == os.getpid():
        return True
    import psutil

    try:
        proc = psutil.Process(pid)
        if proc.status() == psutil.STATUS_ZOMBIE:
            return False
        return proc.create_time() <= held_since + CLOCK_SLACK
    except psutil.NoSuchProcess:
        return False
    except psutil.AccessDenied:
        return True


def effective_state(run: RunRecord, now: float | None = None) -> str:
    """The run's state, with `running` read as `crashed` when its holder is gone (nothing is written)."""
    if run.state != "running":
        return run.state
    if run.host == _HOST and run.pid is not None:
        return "running" if process_alive(run.pid, run.heartbeat_at) else "crashed"
    now = time.time() if now is None else now
    return "running" if now - run.heartbeat_at < HEARTBEAT_TIMEOUT else "crashed"


def check_free(run: RunRecord, active_ids: set[str]) -> None:
    """Raise if another live process (or a live Run of this one) holds `run`: two writers must never share it."""
    if run.state != "running":
        return
    if run.host == _HOST and run.pid == os.getpid():
        held = run.id in active_ids
    else:
        held = effective_state(run) == "running"
    if held:
        from ._current import UsageError

        where = "this process" if run.pid == os.getpid() else f"process {run.pid} on {run.host}"
        raise UsageError(
            f"init: run {run.id!r} is running in {where} (last heartbeat {time.time() - run.heartbeat_at:.0f} s ago); "
            "two processes must not write one run: finish it there first, or resume it once it has ended"
        )
