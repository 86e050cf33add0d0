"""SQLite backend: the embedded default, one file in WAL mode shared by processes.

Every write transaction starts with BEGIN IMMEDIATE and the connection waits on
a busy timeout, so concurrent writers queue instead of failing (RECIPES.md).
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ._sql import SqlStore

__all__ = ["SQLiteStore"]

BUSY_TIMEOUT_MS = 60_000


class SQLiteStore(SqlStore):
    """A store in one SQLite file."""

    types = {"blob": "BLOB", "real": "REAL", "serial": "INTEGER PRIMARY KEY"}

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        super().__init__(f"sqlite:///{self.path}")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(
            self.path, isolation_level=None, check_same_thread=False, timeout=BUSY_TIMEOUT_MS / 1000
        )
        self._conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        if self._conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            self._conn.execute("PRAGMA journal_mode = WAL")
        self._conn.execute("PRAGMA synchronous = NORMAL")
        self.migrate()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Cursor]:
        with self._lock:
            cur = self._conn.cursor()
            cur.execute("BEGIN IMMEDIATE")
            try:
                yield cur
            except BaseException:
                cur.execute("ROLLBACK")
                raise
            cur.execute("COMMIT")

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Cursor]:
        with self._lock:
            yield self._conn.cursor()

    def close(self) -> None:
        with self._lock:
            self._conn.close()
