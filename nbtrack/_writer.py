"""The background writer: commits a run's buffered points in batches.

`run.log` only appends `(step, time, row)` to a deque; this thread turns the
rows into per-key chunks about once a second and writes them, with the summary,
config and a heartbeat, in one transaction. It never raises into the training
loop and its thread cannot die: the whole flush runs under one error boundary.

When the store fails (disk full, read-only file, a lock held for minutes, a lost
connection), or a write hangs for `STALL_AFTER` seconds (a watchdog thread notices,
since the writer is the one waiting), the writer warns once with the cause, keeps the oldest `MAX_PENDING`
unwritten rows in memory and retries with a growing pause; rows logged beyond
that bound are dropped and counted (`dropped`, also stored in the summary as
`_dropped_points`). When the store accepts writes again everything kept is
written and the writer says so. A write that fails because of one value (not
the store) is retried piece by piece: only the offending key or section is
dropped (counted too), with a warning naming it.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import weakref
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Protocol

from .store import ChunkWrite, Store

__all__ = ["Writer", "CHUNK_POINTS", "FLUSH_INTERVAL", "MAX_PENDING", "DROPPED_KEY"]

log = logging.getLogger("nbtrack")

CHUNK_POINTS = 8192  # points per stored chunk of one key
FLUSH_INTERVAL = 1.0  # seconds between commits
IDLE_HEARTBEAT = 5.0  # seconds between heartbeats when nothing else changed
MAX_PENDING = 100_000  # rows kept in memory while the store fails; later ones are dropped (and counted)
MAX_BACKOFF = 10.0  # seconds: the longest pause between two attempts on a failing store
CLOSE_RETRY = 5.0  # seconds `close()` keeps retrying a failing store before giving up on what is pending
STALL_AFTER = 10.0  # seconds a write may hang (a lock, a slow disk) before rows are bounded as on a failure
DROPPED_KEY = "_dropped_points"  # summary key: rows dropped while the store failed, and points it could not take

Row = tuple[int, float, dict[str, Any]]
# Exceptions that say the store itself fails (not one of the values written): retried, never isolated.
_STORE_ERRORS = frozenset({"OperationalError", "InterfaceError", "InternalError", "DatabaseError"})


def _same_keys(batch: list[Row]) -> list[list[Row]]:
    """Split a batch into consecutive runs of rows with the same keys in the same order."""
    runs: list[list[Row]] = []
    last: list[str] | None = None
    current: list[Row] = []
    for item in batch:
        row = item[2]
        if last is None or len(row) != len(last) or list(row) != last:
            current = []
            runs.append(current)
            last = list(row)
        current.append(item)
    return runs


def _drain(queue: deque[Row]) -> list[Row]:
    """The rows now in `queue`, oldest first; `bound()` may take the newest meanwhile, from the other end."""
    out: list[Row] = []
    append, popleft = out.append, queue.popleft
    try:
        for _ in range(len(queue)):
            append(popleft())
    except IndexError:
        pass
    return out


def _storable_name(key: str) -> bool:
    """Whether a key name is text every store takes: valid UTF-8 (no lone surrogates), no NUL."""
    try:
        key.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return "\x00" not in key


def _store_failure(exc: BaseException) -> bool:
    """Whether `exc` comes from the store (I/O, locks, connection) rather than from a value it was given."""
    return isinstance(exc, OSError) or type(exc).__name__ in _STORE_ERRORS


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


class _StoreDown(Exception):
    """The store failed while writing piece by piece: keep everything for the next attempt."""


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
        self.queue: deque[Row] = deque()
        self.interval = interval
        self.error: BaseException | None = None  # set while the store fails; None once a write succeeds
        self._source = source
        self._written: dict[str, Any] = {}
        self._next_seqs = dict(next_seqs or {})
        self._tails: dict[str, _Tail] = {}
        self._carry: list[Row] = []
        self._dropped_new = 0  # rows `bound()` refused (caller's thread)
        self._dropped_old = 0  # rows trimmed from the retry buffer or isolated as unstorable (writer's thread)
        self._dropped_written = 0
        self._failures = 0
        self._retry_at = 0.0
        self._warned_keys: set[str] = set()
        self._bad_keys: set[str] = set()  # key names no store can hold (not text); their points are dropped
        self._warned = False  # the current failure has been reported
        self._writing_since = 0.0  # monotonic start of the store write in flight; 0: none
        self._last_beat = time.time()
        self._flush_lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name=f"nbtrack-writer-{run_id}", daemon=True)
        self._thread.start()
        _watch(self)

    @property
    def dropped(self) -> int:
        """Rows (or a key's points) that could not be kept or stored."""
        return self._dropped_new + self._dropped_old

    def bound(self) -> None:
        """Called by `log` while the store fails: drop the newest row if more than MAX_PENDING wait."""
        while len(self.queue) + len(self._carry) > MAX_PENDING and self.queue:
            self.queue.pop()
            self._dropped_new += 1

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            if time.monotonic() >= self._retry_at:
                self.flush()

    def close(self) -> None:
        """Stop the thread and write everything still pending (retrying a failing store for a few seconds)."""
        self._stop.set()
        if self._thread is not threading.current_thread():
            self._thread.join()
        deadline = time.monotonic() + CLOSE_RETRY
        pause = 0.05
        while not self.flush(force=True):
            if time.monotonic() + pause > deadline:
                pending = len(self._carry) + len(self.queue)
                log.warning("nbtrack: run %s: %d rows could not be written to %s (%s)",
                            self.run_id, pending, self.store.url, self.error)
                return
            time.sleep(pause)
            pause = min(pause * 2, 1.0)

    def flush(self, *, force: bool = False) -> bool:
        """Write pending rows (and changed config/summary/capture); False if the store failed. Never raises."""
        with self._flush_lock:
            try:
                return self._flush(force)
            except Exception as exc:  # the one boundary: the rows stay in _carry, the thread lives on
                self._failed(exc)
                return False

    def _flush(self, force: bool) -> bool:
        batch = self._carry + _drain(self.queue)
        self._carry = batch  # until written: whatever fails below, nothing popped is lost
        state = self._source.versioned_state()
        changed = {name: value for name, (version, value) in state.items() if self._written.get(name) != version}
        dropped = self.dropped
        if (batch or dropped != self._dropped_written) and "summary" not in changed:
            changed["summary"] = state["summary"][1]
        now = time.time()
        if not (batch or changed or force or now - self._last_beat >= IDLE_HEARTBEAT):
            return True
        if dropped and changed.get("summary") is not None:
            changed["summary"] = {**changed["summary"], DROPPED_KEY: dropped}
        chunks, tails = self._chunks(batch)
        try:
            self._write(chunks, changed, now)
        except Exception as exc:
            if _store_failure(exc):
                raise
            tails = self._isolate(chunks, tails, changed, now, exc)
        self._carry = []
        self._tails.update(tails)
        self._written.update({name: version for name, (version, _) in state.items()})
        self._dropped_written = dropped
        self._last_beat = now
        if self.error is not None:
            log.warning("nbtrack: run %s: writing to %s works again%s", self.run_id, self.store.url,
                        f"; {self.dropped} rows were dropped while it failed" if self.dropped else "")
        self.error = None
        self._warned = False
        self._failures = 0
        self._retry_at = 0.0
        return True

    def _write(self, chunks: list[ChunkWrite], changed: dict[str, Any], now: float) -> None:
        self._writing_since = time.monotonic()
        try:
            capture = changed.get("capture")
            if capture is not None:
                capture = dict(capture)
                self.store.put_capture(self.run_id, capture, capture.pop("env_hash", None),
                                       capture.pop("packages", None))
            self.store.flush(
                self.run_id, chunks=chunks, config=changed.get("config"), summary=changed.get("summary"),
                heartbeat_at=now,
            )
        finally:
            self._writing_since = 0.0

    def _check_stall(self, now: float) -> None:
        """Called by the watchdog: a write hanging for STALL_AFTER seconds counts as a failure (rows get bounded)."""
        since = self._writing_since
        if since and now - since > STALL_AFTER and self.error is None:
            self.error = TimeoutError(f"a write has not returned for {STALL_AFTER:.0f} s")
            log.warning("nbtrack: run %s: %s has not answered for %.0f s; logging goes on, at most %d rows wait "
                        "in memory, later rows are dropped and counted in the summary as %r",
                        self.run_id, self.store.url, STALL_AFTER, MAX_PENDING, DROPPED_KEY)

    def _isolate(self, chunks: list[ChunkWrite], tails: dict[str, _Tail], changed: dict[str, Any], now: float,
                 cause: BaseException) -> dict[str, _Tail]:
        """The batch failed on a value: write it piece by piece, dropping only the pieces that fail.

        Returns the tails of the keys written. Raises if the store itself fails meanwhile (then the
        whole batch is retried later: chunk writes replace chunks by (key, seq), so nothing doubles).
        """
        self._probe(now, cause)
        for name in ("capture", "config", "summary"):
            if changed.get(name) is not None:
                try:
                    self._write([], {name: changed[name]}, now)
                except Exception as exc:
                    self._probe(now, exc)
                    self._unstorable(name, exc, 0)
        by_key: dict[str, list[ChunkWrite]] = {}
        for chunk in chunks:
            by_key.setdefault(chunk.key, []).append(chunk)
        for key, group in by_key.items():
            try:
                self.store.flush(self.run_id, chunks=group)
            except Exception as exc:
                self._probe(now, exc)
                old = self._tails.get(key)
                points = sum(len(c.steps) for c in group) - (len(old.steps) if old is not None else 0)
                self._dropped_old += points
                self._unstorable(ascii(key), exc, points)
                tails.pop(key, None)
                if not _storable_name(key):  # it would fail every batch: leave it out from now on
                    self._bad_keys.add(key)
        return tails

    def _probe(self, now: float, exc: BaseException) -> None:
        """Raise `exc` if the store cannot even take a heartbeat (it is the store that fails, not a value)."""
        if _store_failure(exc):
            raise exc
        try:
            self.store.flush(self.run_id, heartbeat_at=now)
        except Exception as probe:
            raise probe from exc

    def _unstorable(self, what: str, exc: BaseException, points: int) -> None:
        if what in self._warned_keys:
            return
        self._warned_keys.add(what)
        dropped = f"; {points} points dropped" if points else "; not stored"
        log.warning("nbtrack: run %s: the store cannot take %s (%s: %s)%s (warned once per key)",
                    self.run_id, what, type(exc).__name__, exc, dropped)

    def _failed(self, exc: BaseException) -> None:
        """The store failed: keep the oldest MAX_PENDING rows, warn once, wait longer before the next try."""
        excess = len(self._carry) - MAX_PENDING
        if excess > 0:
            del self._carry[MAX_PENDING:]
            self._dropped_old += excess
        if not self._warned:
            self._warned = True
            log.warning(
                "nbtrack: could not write run %s to %s (%s: %s); logging goes on: up to %d rows wait in memory "
                "and are retried, later rows are dropped and counted in the summary as %r",
                self.run_id, self.store.url, type(exc).__name__, exc, MAX_PENDING, DROPPED_KEY)
        self.error = exc
        self._failures += 1
        self._retry_at = time.monotonic() + min(self.interval * 2 ** (self._failures - 1), MAX_BACKOFF)

    def _chunks(self, batch: list[Row]) -> tuple[list[ChunkWrite], dict[str, _Tail]]:
        columns: dict[str, tuple[list[int], list[float], list[Any]]] = {}
        for rows in _same_keys(batch):  # transpose runs of rows that share their keys, column by column
            steps = [r[0] for r in rows]
            times = [r[1] for r in rows]
            for key in rows[0][2]:
                if key in self._bad_keys:
                    self._dropped_old += len(rows)
                    continue
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


_watched: weakref.WeakSet[Writer] = weakref.WeakSet()
_watchdog: list[threading.Thread] = []
_watch_lock = threading.Lock()
_watch_pid = [os.getpid()]


def _watch(writer: Writer) -> None:
    """Have the process's watchdog thread look at `writer` (starting it, again after a fork, when needed)."""
    if _watch_pid[0] != os.getpid():  # a forked child: the writers watched so far are the parent's
        _watch_pid[0] = os.getpid()
        _watched.clear()
        _watchdog.clear()
    with _watch_lock:
        _watched.add(writer)
        if not _watchdog or not _watchdog[0].is_alive():
            _watchdog[:] = [threading.Thread(target=_watch_loop, name="nbtrack-watchdog", daemon=True)]
            _watchdog[0].start()


def _watch_loop() -> None:
    while True:
        time.sleep(1.0)
        now = time.monotonic()
        for writer in list(_watched):
            writer._check_stall(now)
