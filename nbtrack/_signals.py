"""SIGTERM (batch schedulers, `kill`): flush the open runs, mark them `killed`, then do what was set before.

Installed from the main thread of a script only: a Jupyter kernel handles signals itself, a
process that ignores SIGTERM keeps ignoring it, and a handler set outside Python is left alone. A handler installed earlier runs after ours; with
none, the process then ends by SIGTERM as it would have without nbtrack.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterable
from types import FrameType
from typing import Any

__all__ = ["install", "FINISH_TIMEOUT"]

_log = logging.getLogger("nbtrack")

FINISH_TIMEOUT = 20.0  # seconds the handler waits for the runs to finish before going on
_previous: Any = None
_installed = False
_open_runs: Callable[[], Iterable[Any]] = tuple


def install(open_runs: Callable[[], Iterable[Any]]) -> None:
    """Install the SIGTERM handler once, when that is ours to do; `open_runs()` lists the runs to finish."""
    global _installed, _previous, _open_runs
    _open_runs = open_runs
    if _installed or threading.current_thread() is not threading.main_thread() or "ipykernel" in sys.modules:
        return
    previous = signal.getsignal(signal.SIGTERM)
    if previous is None or previous == signal.SIG_IGN:  # ignored, or a handler set outside Python: not ours to wrap
        return
    try:
        signal.signal(signal.SIGTERM, _on_sigterm)
    except ValueError:  # not the main interpreter
        return
    _previous, _installed = previous, True


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    # Finish from a helper thread with a deadline: the interrupted main thread may hold a lock the finish needs.
    finisher = threading.Thread(target=_finish_all, name="nbtrack-sigterm", daemon=True)
    finisher.start()
    finisher.join(FINISH_TIMEOUT)
    if callable(_previous):
        _previous(signum, frame)
        return
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # end the process as SIGTERM would have
    os.kill(os.getpid(), signal.SIGTERM)


def _finish_all() -> None:
    for run in list(_open_runs()):
        try:
            run.finish(exit_code=128 + signal.SIGTERM, state="killed", error="SIGTERM")
        except Exception as exc:  # one run's failure must not keep the others open
            _log.warning("nbtrack: could not finish run %s on SIGTERM: %s", run.id, exc)
