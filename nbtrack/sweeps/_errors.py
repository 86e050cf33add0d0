"""The one exception a bad sweep configuration raises."""

from __future__ import annotations

from collections.abc import Sequence


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
