"""Deciding whether a run recorded as `running` is still alive or has crashed."""

from __future__ import annotations

import os
import socket
import time

from .store import RunRecord

__all__ = ["HEARTBEAT_TIMEOUT", "effective_state", "process_alive"]

# A run on another host whose writer has not beaten for this long is crashed.
HEARTBEAT_TIMEOUT = 30.0

_HOST = socket.gethostname()


def process_alive(pid: int, started_at: float) -> bool:
    """Whether `pid` is a live (non-zombie) process that existed when the run started."""
    if pid == os.getpid():
        return True
    import psutil

    try:
        proc = psutil.Process(pid)
        if proc.status() == psutil.STATUS_ZOMBIE:
            return False
        return proc.create_time() <= started_at + 1.0
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return False


def effective_state(run: RunRecord, now: float | None = None) -> str:
    """The run's state, with `running` turned into `crashed` when its process is gone."""
    if run.state != "running":
        return run.state
    if run.host == _HOST and run.pid is not None:
        return "running" if process_alive(run.pid, run.created_at) else "crashed"
    now = time.time() if now is None else now
    return "running" if now - run.heartbeat_at < HEARTBEAT_TIMEOUT else "crashed"
