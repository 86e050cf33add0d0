"""What every importer shares: stable run ids, the import report, and writing one run to the store.

An importer turns a foreign run into a `RunRecord`, its metric points and a capture
that names where it came from, and hands them to `save_run`. The nbtrack id is derived
from the source and the source's run id (`stable_id`), so importing the same runs again
finds them: each is replaced by a fresh copy of the source (new points, a final state),
never duplicated.
"""

from __future__ import annotations

import hashlib
import importlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import Any, Literal

from .._writer import CHUNK_POINTS
from ..store import ChunkWrite, RunRecord, Store

__all__ = ["ImportedRun", "ImportResult", "Point", "require", "save_run", "stable_id"]

# One metric point as an importer collects it: (step, unix time in seconds, value).
Point = tuple[int, float, Any]

_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"


def stable_id(source: str, source_run_id: str) -> str:
    """An 8-character nbtrack id (as `new_id()`'s alphabet) that is always the same for one source run."""
    number = int.from_bytes(hashlib.sha256(f"{source}:{source_run_id}".encode()).digest()[:8], "big")
    chars = []
    for _ in range(8):
        number, rest = divmod(number, 36)
        chars.append(_ALPHABET[rest])
    return "".join(chars)


def require(module: str, package: str, what: str) -> ModuleType:
    """Import `module`, or raise ImportError naming the package to install."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise ImportError(f"{what} needs the {package!r} package, which is not installed "
                          f"(pip install {package})") from exc


@dataclass(frozen=True)
class ImportedRun:
    """One run brought in: where from, where to, and whether it was new or replaced an earlier import."""

    source_id: str
    run_id: str
    project: str
    name: str
    state: str
    points: int
    action: Literal["created", "replaced"]


@dataclass(frozen=True)
class ImportResult:
    """What an import did: the runs written, and what it left out (with why)."""

    source: str
    location: str
    runs: tuple[ImportedRun, ...] = ()
    skipped: tuple[str, ...] = ()

    @property
    def run_ids(self) -> list[str]:
        return [r.run_id for r in self.runs]

    def __str__(self) -> str:
        lines = [f"{r.action:<8} {r.run_id}  {r.project}/{r.name}  {r.state}, {r.points} points  (from {r.source_id})"
                 for r in self.runs]
        lines.extend(f"skipped  {why}" for why in self.skipped)
        created = sum(r.action == "created" for r in self.runs)
        lines.append(f"imported {len(self.runs)} run(s) from {self.source} {self.location} "
                     f"({created} new, {len(self.runs) - created} replaced by a fresh copy)")
        return "\n".join(lines)


def save_run(store: Store, record: RunRecord, history: Mapping[str, Sequence[Point]],
             *, origin: Mapping[str, Any], capture: Mapping[str, Any] | None = None) -> ImportedRun:
    """Write one imported run with its points; an earlier import of the same source run is replaced.

    `origin` identifies the source run (`source`, `run_id`, where it was read); it is stored in the
    run's capture under `imported_from` and checked before anything is replaced, so a run that was
    not imported from this source run is never overwritten.
    """
    existing = store.get_run(record.id)
    if existing is not None:
        found = (store.get_capture(record.id) or {}).get("imported_from") or {}
        if found and (found.get("source"), found.get("run_id")) != (origin["source"], origin["run_id"]):
            raise ValueError(
                f"run {record.id} already exists in {store.url} and was not imported from "
                f"{origin['source']} run {origin['run_id']!r}; nothing was overwritten"
            )
        # an earlier import of this run (or one interrupted before its capture was written)
        store.delete_run(record.id)
    store.create_run(record)
    store.put_capture(record.id, {**(capture or {}), "imported_from": dict(origin)}, None, None)
    chunks = []
    points = 0
    for key, series in history.items():
        if not series:
            continue
        points += len(series)
        for seq, start in enumerate(range(0, len(series), CHUNK_POINTS)):
            part = series[start:start + CHUNK_POINTS]
            chunks.append(ChunkWrite(key, seq, [p[0] for p in part], [p[1] for p in part], [p[2] for p in part]))
    if chunks:
        store.flush(record.id, chunks=chunks)
    return ImportedRun(
        source_id=str(origin["run_id"]), run_id=record.id, project=record.project, name=record.name,
        state=record.state, points=points, action="replaced" if existing is not None else "created",
    )
