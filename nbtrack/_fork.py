"""Forked children (multiprocessing's fork, DataLoader workers) and the runs they inherit from their parent.

A child gets a copy of the parent's runs but not their writer threads, and the run belongs to
the parent. So in a child each inherited run drops what is logged into it, with one warning,
and finishing it there does nothing: the child's exit never ends the parent's run.
"""

from __future__ import annotations

import os

__all__ = ["install"]

_installed = False


def install() -> None:
    """Register the after-fork hook once per process (where the platform forks)."""
    global _installed
    if _installed or not hasattr(os, "register_at_fork"):
        return
    _installed = True
    os.register_at_fork(after_in_child=_in_child)


def _in_child() -> None:
    from . import _current

    for run in list(_current.active):  # no lock: another thread of the parent may have held it at the fork
        run._detach_after_fork()
