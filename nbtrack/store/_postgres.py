"""PostgreSQL backend: the shared (team) store, spoken to with psycopg 3 directly.

One connection per store object, in autocommit mode, guarded by the store's
lock: a read is one statement (its own snapshot), a write is one explicit
transaction. Migrations are serialised across processes with a transaction
advisory lock. `bytea` columns are read with binary cursors. psycopg is
imported only when a PostgreSQL URL is opened.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from ._redact import redact_secrets, redact_url
from ._sql import SqlStore

__all__ = ["PostgresStore", "conninfo"]

# pg_advisory_xact_lock key taken by `migrate` ("nbtrack" as a number).
MIGRATION_LOCK = 0x6E62747261636B
CONNECT_TIMEOUT_S = 10


def conninfo(url: str) -> str:
    """libpq URI for a store URL: `postgresql+psycopg://`, `postgresql://` or `postgres://`."""
    scheme, sep, rest = url.partition("://")
    base = scheme.split("+", 1)[0].lower()
    if not sep or base not in ("postgresql", "postgres"):
        raise ValueError(f"not a PostgreSQL URL: {redact_url(url)!r} (use postgresql+psycopg://USER@HOST:PORT/DB)")
    return f"postgresql://{rest}"


class PostgresStore(SqlStore):
    """A store in one PostgreSQL database, shared by processes on many machines."""

    placeholder = "%s"
    row_lock = " FOR UPDATE"  # read-then-write transactions (claiming a sweep trial) lock their row
    types = {"blob": "BYTEA", "real": "DOUBLE PRECISION", "serial": "BIGSERIAL PRIMARY KEY"}

    def __init__(self, url: str) -> None:
        try:
            import psycopg
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise ImportError(
                f"opening {redact_url(url)!r} needs psycopg 3: pip install 'nbtrack[postgres]' (or 'psycopg[binary]')"
            ) from exc
        self._psycopg = psycopg
        super().__init__(url)
        self._conninfo = conninfo(url)
        self._migrating = False
        self._conn: Any = None
        self._connection()
        self.migrate()

    def _connection(self) -> Any:
        conn = self._conn
        if conn is None or conn.closed or conn.broken:
            if conn is not None:
                conn.close()
            try:
                self._conn = conn = self._psycopg.connect(
                    self._conninfo, autocommit=True, connect_timeout=CONNECT_TIMEOUT_S, application_name="nbtrack"
                )
            except self._psycopg.Error as exc:  # the driver may quote the URL: say it again without the password
                detail = redact_secrets(str(exc).strip(), self.connection_url())
                raise self._psycopg.OperationalError(f"could not connect to store {self.url}: {detail}") from None
        return conn

    def migrate(self) -> None:
        """Apply pending migrations, one process at a time (advisory lock in the transaction)."""
        with self._lock:
            self._migrating = True
            try:
                super().migrate()
            finally:
                self._migrating = False

    @contextmanager
    def _write(self) -> Iterator[Any]:
        with self._lock:
            conn = self._connection()
            with conn.transaction(), conn.cursor() as cur:
                if self._migrating:
                    cur.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
                yield cur

    @contextmanager
    def _read(self) -> Iterator[Any]:
        with self._lock:
            with self._connection().cursor(binary=True) as cur:
                yield cur

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
