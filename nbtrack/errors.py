"""Every exception and warning nbtrack raises on purpose, in one leaf module (it imports nothing of nbtrack).

Each is also importable from `nbtrack` itself, and from the package it belongs to
(`nbtrack.store.SchemaError`, `nbtrack.sweeps.SweepConfigError`, `nbtrack.artifacts.ArtifactError`, ...).
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = [
    "NbtrackWarning", "UsageError", "RunFinishedError", "RunPruned", "UnsupportedError", "SchemaError",
    "SweepConfigError", "ArtifactError", "ArtifactNotFoundError", "ArtifactCorruptedError",
]


class NbtrackWarning(UserWarning):
    """Something the user should know that does not stop tracking."""


class UsageError(RuntimeError):
    """The API was called in a way that cannot work (e.g. `log` before `init`)."""


class RunFinishedError(RuntimeError):
    """An operation that needs a running run was called on a finished one."""


class RunPruned(Exception):
    """Raised by `run.log` when a sweep's early termination stops this run; the agent catches it."""


class UnsupportedError(AttributeError, NotImplementedError):
    """A W&B API that nbtrack does not provide (named in the message, with what to use instead)."""


class SchemaError(RuntimeError):
    """The store was written by a newer nbtrack than this one."""


class SweepConfigError(ValueError):
    """A sweep configuration breaks a rule of W&B's sweep schema or engine; `violations` lists each."""

    def __init__(self, violations: str | Sequence[str]) -> None:
        self.violations: tuple[str, ...] = (
            (violations,) if isinstance(violations, str) else tuple(violations)
        )
        if len(self.violations) == 1:
            message = self.violations[0]
        else:
            lines = [f"  Violation {i}. {v}" for i, v in enumerate(self.violations, 1)]
            message = "\n".join(["invalid sweep config:", *lines])
        super().__init__(message)


class ArtifactError(ValueError):
    """An artifact operation that cannot be done as asked (bad name, wrong type, already logged, ...)."""


class ArtifactNotFoundError(ArtifactError, LookupError):
    """No artifact version answers to the reference given."""


class ArtifactCorruptedError(ArtifactError):
    """A stored file no longer matches the digest recorded when it was logged."""
