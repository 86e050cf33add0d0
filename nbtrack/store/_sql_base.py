"""What every part of the SQL store builds on: the backend's cursors and placeholder style."""

from __future__ import annotations

import json
import threading
from abc import abstractmethod
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager
from typing import Any

from ._base import Store
from ._redact import redact_url

__all__ = ["SqlBase", "dumps", "batches"]


def dumps(obj: Any) -> str:
    """The JSON text stored in a `data` / `config` / `params` / `metadata` column."""
    return json.dumps(obj, allow_nan=True, separators=(",", ":"), default=str)


def batches(items: list[Any], size: int) -> Iterator[list[Any]]:
    """`items` in slices of at most `size`, to keep an `IN (...)` list within the drivers' limits."""
    for i in range(0, len(items), size):
        yield items[i : i + size]


class SqlBase(Store):
    """Connection hooks and placeholder rewriting. Backends provide `_write()` / `_read()` cursors."""

    placeholder = "?"
    types: Mapping[str, str] = {}
    row_lock = ""  # appended to a SELECT that must lock its row until commit (" FOR UPDATE" where supported)

    def __init__(self, url: str) -> None:
        self.url = redact_url(url)
        self._connection_url = url
        self._lock = threading.RLock()
        self._sql_cache: dict[str, str] = {}

    def connection_url(self) -> str:
        return self._connection_url

    @abstractmethod
    def _write(self) -> AbstractContextManager[Any]:
        """A cursor inside a write transaction that takes the write lock up front."""

    @abstractmethod
    def _read(self) -> AbstractContextManager[Any]:
        """A cursor for reads."""

    def _q(self, sql: str) -> str:
        out = self._sql_cache.get(sql)
        if out is None:
            out = sql if self.placeholder == "?" else sql.replace("?", self.placeholder)
            self._sql_cache[sql] = out
        return out
