"""The background writer: commits a run's buffered points in batches.

`run.log` only appends `(step, time, row)` to a deque; this thread turns the
rows into per-key chunks about once a second and writes them, with the summary,
config and a heartbeat, in one transaction. A failed write keeps the points
for the next attempt; it never raises into the training loop.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Protocol

from .store import ChunkWrite, Store

__all__ = ["Writer", "CHUNK_POINTS", "FLUSH_INTERVAL"]

log = logging.getLogger("nbtrack")

CHUNK_POINTS = 8192  # points per stored chunk of one key
FLUSH_INTERVAL = 1.0  # seconds between commits
IDLE_HEARTBEAT = 5.0  # seconds between heartbeats when nothing else changed


def _same_keys(batch: list[tuple[int, float, dict[str, Any]]]) -> list[list[tuple[int, float, dict[str, Any]]]]:
    """Split a batch into consecutive runs of rows with the same keys in the same order."""
    runs: list[list[tuple[int, float, dict[str, Any]]]] = []
    last: list[str] | None = None
    current: list[tuple[int, float, dict[str, Any]]] = []
    for item in batch:
        row = item[2]
        if last is None or len(row) != len(last) or list(row) != last:
            current = []
            runs.append(current)
            last = list(row)
        current.append(item)
    return runs


class StateSource(Protocol):
    """What the writer reads besides points: versioned config, summary and capture."""

    def versioned_state(self) -> dict[str, tuple[int, Any]]:
        """{"config" | "summary" | "capture": (version, value)}; a version bumps on each change."""


@dataclass
class _Tail:
    """The last, still-growing chunk of one key."""

    seq: int
    steps: list[int] = field(default_factory=list)
    times: list[float] = field(default_factory=list)
    values: list[Any] = field(default_factory=list)


class Writer:
    """Owns a run's pending rows and the thread that flushes them to the store."""

    def __init__(
        self,
        store: Store,
        run_id: str,
        *,
        source: StateSource,
        next_seqs: dict[str, int] | None = None,
        interval: float = FLUSH_INTERVAL,
    ) -> None:
        self.store = store
        self.run_id = run_id
        self.queue: deque[tuple[int, float, dict[str, Any]]] = deque()
        self.interval = interval
        self.error: BaseException | None = None
        self._source = source
        self._written: dict[str, int] = {}
        self._next_seqs = dict(next_seqs or {})
        self._tails: dict[str, _Tail] = {}
        self._carry: list[tuple[int, float, dict[str, Any]]] = []
        self._last_beat = time.time()
        self._flush_lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name=f"nbtrack-writer-{run_id}", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            self.flush()

    def close(self) -> None:
        """Stop the thread and write everything still pending."""
        self._stop.set()
        if self._thread is not threading.current_thread():
            self._thread.join()
        self.flush(force=True)

    def flush(self, *, force: bool = False) -> bool:
        """Write pending rows (and changed config/summary/capture); False if the store failed."""
        with self._flush_lock:
            queue = self.queue
            batch = self._carry + [queue.popleft() for _ in range(len(queue))]
            state = self._source.versioned_state()
            changed = {name: value for name, (version, value) in state.items() if self._written.get(name) != version}
            if batch and "summary" not in changed:
                changed["summary"] = state["summary"][1]
            now = time.time()
            if not (batch or changed or force or now - self._last_beat >= IDLE_HEARTBEAT):
                return True
            chunks, tails = self._chunks(batch)
            try:
                capture = changed.get("capture")
                if capture is not None:
                    capture = dict(capture)
                    self.store.put_capture(self.run_id, capture, capture.pop("env_hash", None), capture.pop("packages", None))
                self.store.flush(
                    self.run_id, chunks=chunks, config=changed.get("config"), summary=changed.get("summary"), heartbeat_at=now
                )
            except Exception as exc:  # keep the points; try again next time
                self._carry = batch
                if self.error is None:
                    log.warning("nbtrack: could not write run %s to %s (%s); will retry", self.run_id, self.store.url, exc)
                self.error = exc
                return False
            self._carry = []
            self._tails.update(tails)
            self._written.update({name: version for name, (version, _) in state.items()})
            self._last_beat = now
            self.error = None
            return True

    def _chunks(self, batch: list[tuple[int, float, dict[str, Any]]]) -> tuple[list[ChunkWrite], dict[str, _Tail]]:
        columns: dict[str, tuple[list[int], list[float], list[Any]]] = {}
        for rows in _same_keys(batch):  # transpose runs of rows that share their keys, column by column
            steps = [r[0] for r in rows]
            times = [r[1] for r in rows]
            for key in rows[0][2]:
                col = columns.get(key)
                if col is None:
                    col = columns[key] = ([], [], [])
                col[0].extend(steps)
                col[1].extend(times)
                col[2].extend([r[2][key] for r in rows])
        chunks: list[ChunkWrite] = []
        tails: dict[str, _Tail] = {}
        for key, (steps, times, values) in columns.items():
            old = self._tails.get(key)
            if old is None:
                seq = self._next_seqs.get(key, 0)
                steps_all, times_all, values_all = steps, times, values
            else:
                seq = old.seq
                steps_all, times_all, values_all = old.steps + steps, old.times + times, old.values + values
            start = 0
            while len(steps_all) - start > CHUNK_POINTS:
                end = start + CHUNK_POINTS
                chunks.append(ChunkWrite(key, seq, steps_all[start:end], times_all[start:end], values_all[start:end]))
                seq, start = seq + 1, end
            tail = _Tail(seq, steps_all[start:], times_all[start:], values_all[start:])
            chunks.append(ChunkWrite(key, tail.seq, tail.steps, tail.times, tail.values))
            tails[key] = tail
        return chunks, tails
