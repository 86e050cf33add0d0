"""SQLite backend: the embedded default, one file in WAL mode shared by processes.

Every write transaction starts with BEGIN IMMEDIATE and the connection waits on
a busy timeout, so concurrent writers queue instead of failing (RECIPES.md).
"""

from __future__ import annotations

import os
import random
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from ._sql import SqlStore

__all__ = ["SQLiteStore"]

BUSY_TIMEOUT_MS = int(os.environ.get("NBTRACK_SQLITE_BUSY_TIMEOUT_MS", "60000"))  # how long a write waits on a lock


def _retry_locked(step: Callable[[], None]) -> None:
    """Run `step`, retrying while SQLite reports the file locked (a fresh file opened by several
    processes at once: switching to WAL takes an exclusive lock that the busy timeout does not wait for)."""
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            step()
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.005 + random.random() * 0.02)


def _writable(path: Path) -> bool:
    """Whether this process may write the database: the file, and its directory or WAL's two side files."""
    side = [Path(f"{path}{suffix}") for suffix in ("-wal", "-shm")]
    return os.access(path, os.W_OK) and (
        os.access(path.parent, os.W_OK) or all(p.exists() and os.access(p, os.W_OK) for p in side))


class SQLiteStore(SqlStore):
    """A store in one SQLite file."""

    types = {"blob": "BLOB", "real": "REAL", "serial": "INTEGER PRIMARY KEY"}

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        super().__init__(f"sqlite:///{self.path}")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # A store this process may not write (a shared, read-only copy) is opened for reading only.
        self.read_only = self.path.exists() and not _writable(self.path)
        self._conn = self._open_read_only() if self.read_only else sqlite3.connect(
            self.path, isolation_level=None, check_same_thread=False, timeout=BUSY_TIMEOUT_MS / 1000
        )
        self._conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        if not self.read_only:
            self._conn.execute("PRAGMA synchronous = NORMAL")
            _retry_locked(self._enable_wal)
        _retry_locked(self.migrate)

    def _open_read_only(self) -> sqlite3.Connection:
        """Read-only; where not even WAL's shared-memory file can be made, as an immutable file."""
        uri = self.path.resolve().as_uri()
        for mode in ("mode=ro", "immutable=1"):
            conn = sqlite3.connect(f"{uri}?{mode}", uri=True, isolation_level=None, check_same_thread=False,
                                   timeout=BUSY_TIMEOUT_MS / 1000)
            try:
                conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
                return conn
            except sqlite3.Error:
                conn.close()
        raise sqlite3.OperationalError(f"cannot open the read-only store {self.path} for reading")

    def _enable_wal(self) -> None:
        if self._conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            self._conn.execute("PRAGMA journal_mode = WAL")

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Cursor]:
        with self._lock:
            cur = self._conn.cursor()
            cur.execute("BEGIN IMMEDIATE")
            try:
                yield cur
                cur.execute("COMMIT")
            except BaseException:
                self._rollback()
                raise

    def _rollback(self) -> None:
        """End a failed transaction, whatever failed (a COMMIT after SQLITE_FULL/IOERR included), so the
        connection can BEGIN again; SQLite may already have rolled back on its own."""
        if self._conn.in_transaction:
            try:
                self._conn.execute("ROLLBACK")
            except sqlite3.Error:
                pass

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Cursor]:
        with self._lock:
            yield self._conn.cursor()

    def close(self) -> None:
        with self._lock:
            self._conn.close()
