"""`run.define_metric`: W&B's per-metric summary, goal, x-axis (step metric) and visibility.

Without a definition a key's summary is its last value. With `summary="min"`
(or a comma-separated list of min, max, mean, last, first, best, copy, none)
the summary of the key becomes a dict such as `{"min": 0.12, "mean": 0.4}`, as
in W&B; `best` follows `goal` (minimize unless told). Names may end in (or
hold) `*` to match many keys (`"val/*"`); an exact definition wins over a
glob, and among globs the first defined wins. `step_metric` names the key the
views use as the x-axis, and `step_sync` (on by default with a step metric)
copies its last value into rows that lack it.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from typing import Any

__all__ = ["MetricDef", "MetricRules", "SUMMARY_OPTIONS", "define"]

SUMMARY_OPTIONS = ("min", "max", "mean", "last", "first", "best", "copy", "none")
_UNSET: Any = object()


@dataclass(frozen=True)
class MetricDef:
    """One `define_metric` call, as it is applied and stored."""

    name: str
    step_metric: str | None = None
    step_sync: bool = False
    hidden: bool = False
    summary: tuple[str, ...] = ()
    goal: str | None = None

    @property
    def is_glob(self) -> bool:
        return "*" in self.name

    def as_dict(self) -> dict[str, Any]:
        """The definition as JSON-able data (stored with the run's capture as `metric_defs`)."""
        return {"name": self.name, "step_metric": self.step_metric, "step_sync": self.step_sync,
                "hidden": self.hidden, "summary": list(self.summary), "goal": self.goal}


def _summary(summary: Any) -> tuple[str, ...]:
    if summary is None:
        return ()
    items = summary.split(",") if isinstance(summary, str) else list(summary)
    out = tuple(dict.fromkeys(str(s).strip().lower() for s in items if str(s).strip()))
    bad = [s for s in out if s not in SUMMARY_OPTIONS]
    if bad:
        raise ValueError(f"define_metric: unknown summary {', '.join(bad)} (use {', '.join(SUMMARY_OPTIONS)})")
    if ("copy" in out or "none" in out) and len(out) > 1:
        raise ValueError(f"define_metric: summary 'copy' and 'none' cannot be combined with others, got {summary!r}")
    return out


def _goal(goal: Any) -> str | None:
    if goal is None:
        return None
    short = str(goal)[:3].lower()
    if short not in ("min", "max"):
        raise ValueError(f"define_metric: goal must be 'minimize' or 'maximize', not {goal!r}")
    return "minimize" if short == "min" else "maximize"


class _Track:
    """Running aggregates of one key."""

    __slots__ = ("min", "max", "total", "count", "first", "last")

    def __init__(self, seed: Any) -> None:
        seed = seed if isinstance(seed, dict) else {}
        self.min: float | None = seed.get("min")
        self.max: float | None = seed.get("max")
        self.first: float | None = seed.get("first")
        self.last: float | None = seed.get("last")
        mean = seed.get("mean")
        self.total, self.count = (float(mean), 1) if isinstance(mean, (int, float)) else (0.0, 0)


class MetricRules:
    """The run's metric definitions, applied to each logged row (only once `define_metric` was called)."""

    def __init__(self) -> None:
        self.defs: dict[str, MetricDef] = {}
        self._patterns: list[tuple[re.Pattern[str], MetricDef]] = []
        self._resolved: dict[str, MetricDef | None] = {}
        self._tracks: dict[str, _Track] = {}
        self._step_keys: frozenset[str] = frozenset()
        self._last_step: dict[str, Any] = {}

    def add(self, d: MetricDef) -> None:
        """Add or replace a definition."""
        self.defs[d.name] = d
        self._patterns = [(re.compile("^" + ".*".join(map(re.escape, g.name.split("*"))) + "$"), g)
                          for g in self.defs.values() if g.is_glob]
        self._resolved.clear()
        self._step_keys = frozenset(x.step_metric for x in self.defs.values() if x.step_metric)

    def lookup(self, key: str) -> MetricDef | None:
        """The definition that governs `key` (exact first, else the first matching glob), cached."""
        try:
            return self._resolved[key]
        except KeyError:
            pass
        found = self.defs.get(key)
        if (found is None or found.is_glob) and not key.startswith("_"):
            found = next((g for pattern, g in self._patterns if pattern.match(key)), None)
        if found is not None and found.name != key:
            found = replace(found, name=key)
        self._resolved[key] = found
        return found

    def apply(self, row: dict[str, Any], summary: dict[str, Any]) -> None:
        """Sync step metrics into `row` and update `summary` from it, as W&B does."""
        added: dict[str, Any] = {}
        resolved, step_keys = self._resolved, self._step_keys
        for key, value in row.items():
            d = resolved.get(key, _UNSET)
            if d is _UNSET:
                d = self.lookup(key)
            if key in step_keys:
                self._last_step[key] = value
            if d is None:
                summary[key] = value
                continue
            if d.step_sync and d.step_metric is not None and d.step_metric not in row:
                last = self._last_step.get(d.step_metric)
                if last is not None:
                    added[d.step_metric] = last
            if not d.summary or d.summary == ("copy",):
                summary[key] = value
            elif d.summary != ("none",):
                self._aggregate(key, value, d, summary)
        if added:
            row.update(added)

    def _aggregate(self, key: str, value: Any, d: MetricDef, summary: dict[str, Any]) -> None:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value):
            return
        track = self._tracks.get(key)
        if track is None:
            track = self._tracks[key] = _Track(summary.get(key))
        track.min = value if track.min is None or value < track.min else track.min
        track.max = value if track.max is None or value > track.max else track.max
        track.total += value
        track.count += 1
        track.first = value if track.first is None else track.first
        track.last = value
        out: dict[str, Any] = {}
        for option in d.summary:
            if option == "best":
                out["best"] = track.max if d.goal == "maximize" else track.min
            elif option == "mean":
                out["mean"] = track.total / track.count
            else:
                out[option] = getattr(track, option)
        summary[key] = out  # a new dict each time: the writer thread may be serialising the old one

    def as_capture(self) -> list[dict[str, Any]]:
        """Every definition as JSON-able data, stored with the run's capture as `metric_defs`."""
        return [d.as_dict() for d in self.defs.values()]

    def hidden(self, key: str) -> bool:
        """Whether views should leave `key` out."""
        d = self.lookup(key)
        return d is not None and d.hidden

    def step_metric(self, key: str) -> str | None:
        """The key whose value is `key`'s x-axis, if one was defined."""
        d = self.lookup(key)
        return None if d is None else d.step_metric


def define(
    rules: MetricRules, name: str, step_metric: str | None = None, step_sync: bool | None = None,
    hidden: bool | None = None, summary: str | None = None, goal: str | None = None, overwrite: bool | None = None,
) -> MetricDef:
    """Define (or, unless `overwrite=True`, update) in `rules` how a run treats metric `name`."""
    if not isinstance(name, str) or not name:
        raise ValueError(f"define_metric: name must be a metric key or a glob such as 'val/*', not {name!r}")
    if step_metric is not None and (not isinstance(step_metric, str) or not step_metric or "*" in step_metric):
        raise ValueError(f"define_metric: step_metric must be a metric key, not {step_metric!r}")
    old = None if overwrite else rules.defs.get(name)
    parts = _summary(summary) if summary is not None else (old.summary if old else ())
    goal_name = _goal(goal) if goal is not None else (old.goal if old else None)
    step = step_metric if step_metric is not None else (old.step_metric if old else None)
    sync = bool(step_sync) if step_sync is not None else (old.step_sync if old else step is not None)
    hide = bool(hidden) if hidden is not None else (old.hidden if old else False)
    d = MetricDef(name=name, step_metric=step, step_sync=sync and step is not None, hidden=hide,
                  summary=parts, goal=goal_name)
    rules.add(d)
    return d
