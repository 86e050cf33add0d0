"""Storage layer: the one place that speaks SQL.

`open_store()` is the single place that resolves where data lives:
an explicit URL or directory, else `NBTRACK_STORE` (a database URL), else
`NBTRACK_DIR` (default `./.nbtrack`) holding `nbtrack.db`.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

from ..errors import SchemaError
from ._base import Store
from ._codec import Series
from ._records import RUN_STATES, SWEEP_STATES, ChunkWrite, PbtSegment, RunRecord, SweepRecord, TrialRecord
from ._records import AlertRecord, CommentRecord, ReportRecord
from ._redact import redact_url

__all__ = ["Store", "Series", "RunRecord", "ChunkWrite", "SweepRecord", "TrialRecord", "PbtSegment", "RUN_STATES",
           "SWEEP_STATES", "SchemaError", "open_store", "store_url", "AlertRecord", "redact_url", "CommentRecord",
           "ReportRecord"]

DB_FILENAME = "nbtrack.db"

_open: dict[tuple[int, str], Store] = {}
_open_lock = threading.Lock()


def store_url(url: str | None = None, *, dir: str | os.PathLike[str] | None = None) -> str:
    """Resolve the store location to a URL (sqlite:///ABS_PATH or a database URL)."""
    if url is None and dir is None:
        url = os.environ.get("NBTRACK_STORE") or None
    if url is None:
        base = Path(dir) / ".nbtrack" if dir is not None else Path(os.environ.get("NBTRACK_DIR", ".nbtrack"))
        return f"sqlite:///{(base / DB_FILENAME).resolve()}"
    if "://" not in url:  # a bare path to a directory or a .db file
        path = Path(url)
        path = path if path.suffix == ".db" else path / DB_FILENAME
        return f"sqlite:///{path.resolve()}"
    return url


def open_store(url: str | None = None, *, dir: str | os.PathLike[str] | None = None) -> Store:
    """Open (or reuse, within this process) the store at `url` / `dir` / the environment's default."""
    resolved = store_url(url, dir=dir)
    key = (os.getpid(), resolved)
    with _open_lock:
        store = _open.get(key)
        if store is None:
            store = _connect(resolved)
            _open[key] = store
        return store


def _connect(url: str) -> Store:
    scheme = url.split("://", 1)[0].lower()
    if scheme == "sqlite":
        from ._sqlite import SQLiteStore

        return SQLiteStore(url[len("sqlite:///") :])
    if scheme.startswith("postgres"):
        from ._postgres import PostgresStore

        return PostgresStore(url)
    raise ValueError(
        f"NBTRACK_STORE: unsupported store URL scheme {scheme!r} in {redact_url(url)!r} "
        "(use sqlite:///PATH or postgresql+psycopg://USER@HOST/DB)"
    )
