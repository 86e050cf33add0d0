"""The store contract implemented once in portable SQL; backends supply connections.

`SqlStore` holds the schema, runs, metric and system history and capture; sweeps,
artifacts, the model registry, alerts and comments/reports are mixins in `_sql_sweeps`, `_sql_artifacts`,
`_sql_registry`, `_sql_alerts` and `_sql_notes`,
all built on the connection hooks of `_sql_base.SqlBase`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ..errors import SchemaError
from ._codec import Series, decode_points, encode_steps, encode_times, encode_values
from ._records import RUN_FIELDS, ChunkWrite, RunRecord
from ._schema import MIGRATIONS, SCHEMA_VERSION
from ._sql_alerts import AlertSql
from ._sql_artifacts import ArtifactSql
from ._sql_base import batches, dumps
from ._sql_notes import NotesSql
from ._sql_registry import RegistrySql
from ._sql_sweeps import SweepSql

__all__ = ["SqlStore"]

_RUN_COLUMNS = (
    "id, project, name, state, created_at, heartbeat_at, finished_at, entity, host, pid, "
    "exit_code, notes, group_name, job_type, sweep_id, error"
)
_COLUMN_OF = {"group": "group_name"}


class SqlStore(SweepSql, ArtifactSql, RegistrySql, AlertSql, NotesSql):
    """Shared SQL for every backend. Subclasses provide `_write()` / `_read()` cursors."""

    # -- schema --------------------------------------------------------------
    def _schema_version(self, cur: Any) -> int:
        try:
            cur.execute(self._q("SELECT value FROM nbtrack_meta WHERE key = ?"), ("schema_version",))
        except Exception:
            return 0
        row = cur.fetchone()
        return int(row[0]) if row else 0

    def migrate(self) -> None:
        """Bring the schema up to date by applying the pending ordered migrations."""
        with self._read() as cur:
            version = self._schema_version(cur)
        if version == SCHEMA_VERSION:
            return
        if version > SCHEMA_VERSION:
            raise SchemaError(
                f"store {self.url} has schema version {version}, newer than this nbtrack "
                f"({SCHEMA_VERSION}); upgrade nbtrack"
            )
        with self._write() as cur:
            cur.execute(MIGRATIONS[0][0])
            version = self._schema_version(cur)
            for number in range(version, SCHEMA_VERSION):
                for statement in MIGRATIONS[number]:
                    cur.execute(statement.format(**self.types))
            cur.execute(
                self._q(
                    "INSERT INTO nbtrack_meta (key, value) VALUES (?, ?) "
                    "ON CONFLICT (key) DO UPDATE SET value = excluded.value"
                ),
                ("schema_version", str(SCHEMA_VERSION)),
            )

    # -- runs ----------------------------------------------------------------
    def create_run(self, run: RunRecord) -> None:
        with self._write() as cur:
            self._insert_run(cur, run)

    def _insert_run(self, cur: Any, run: RunRecord) -> None:
        cur.execute(
            self._q(f"INSERT INTO runs ({_RUN_COLUMNS}) VALUES ({', '.join('?' * 16)})"),
            (run.id, run.project, run.name, run.state, run.created_at, run.heartbeat_at,
             run.finished_at, run.entity, run.host, run.pid, run.exit_code, run.notes,
             run.group, run.job_type, run.sweep_id, run.error),
        )
        self._put_tags(cur, run.id, run.tags)
        self._put_json(cur, "run_configs", run.id, run.config)
        self._put_json(cur, "run_summaries", run.id, run.summary)

    def _put_tags(self, cur: Any, run_id: str, tags: Iterable[str]) -> None:
        cur.execute(self._q("DELETE FROM run_tags WHERE run_id = ?"), (run_id,))
        for tag in dict.fromkeys(tags):
            cur.execute(self._q("INSERT INTO run_tags (run_id, tag) VALUES (?, ?)"), (run_id, tag))

    def _put_json(self, cur: Any, table: str, run_id: str, data: Mapping[str, Any]) -> None:
        cur.execute(
            self._q(
                f"INSERT INTO {table} (run_id, data) VALUES (?, ?) "
                "ON CONFLICT (run_id) DO UPDATE SET data = excluded.data"
            ),
            (run_id, dumps(data)),
        )

    def set_tags(self, run_id: str, tags: Iterable[str]) -> None:
        with self._write() as cur:
            self._put_tags(cur, run_id, tags)

    def update_run(self, run_id: str, **fields: Any) -> None:
        unknown = set(fields) - RUN_FIELDS
        if unknown:
            raise ValueError(f"update_run: unknown run field(s) {sorted(unknown)}")
        if not fields:
            return
        columns = ", ".join(f"{_COLUMN_OF.get(k, k)} = ?" for k in fields)
        with self._write() as cur:
            cur.execute(self._q(f"UPDATE runs SET {columns} WHERE id = ?"), (*fields.values(), run_id))

    def claim_run(self, run_id: str, expected_heartbeat: float, **fields: Any) -> bool:
        unknown = set(fields) - RUN_FIELDS
        if unknown or "heartbeat_at" not in fields:
            raise ValueError(f"claim_run: needs a new heartbeat_at and known run fields, not {sorted(fields)}")
        columns = ", ".join(f"{_COLUMN_OF.get(k, k)} = ?" for k in fields)
        with self._write() as cur:
            cur.execute(self._q(f"UPDATE runs SET {columns} WHERE id = ? AND heartbeat_at = ?"),
                        (*fields.values(), run_id, expected_heartbeat))
            return cur.rowcount == 1

    def get_run(self, run_id: str) -> RunRecord | None:
        found = self._select_runs("WHERE r.id = ?", (run_id,))
        return found[0] if found else None

    def list_runs(
        self,
        project: str | None = None,
        *,
        sweep_id: str | None = None,
        ids: Sequence[str] | None = None,
    ) -> list[RunRecord]:
        where, params = [], []
        if project is not None:
            where.append("r.project = ?")
            params.append(project)
        if sweep_id is not None:
            where.append("r.sweep_id = ?")
            params.append(sweep_id)
        if ids is not None:
            if not ids:
                return []
            where.append(f"r.id IN ({', '.join('?' * len(ids))})")
            params.extend(ids)
        clause = ("WHERE " + " AND ".join(where)) if where else ""
        return self._select_runs(clause, tuple(params))

    def _select_runs(self, clause: str, params: tuple[Any, ...]) -> list[RunRecord]:
        cols = ", ".join(f"r.{c.strip()}" for c in _RUN_COLUMNS.split(","))
        with self._read() as cur:
            cur.execute(
                self._q(
                    f"SELECT {cols}, c.data, s.data FROM runs r "
                    "LEFT JOIN run_configs c ON c.run_id = r.id "
                    f"LEFT JOIN run_summaries s ON s.run_id = r.id {clause} "
                    "ORDER BY r.created_at, r.id"
                ),
                params,
            )
            rows = cur.fetchall()
            tags: dict[str, list[str]] = {}
            if rows:
                if len(rows) <= 500:
                    ids = [r[0] for r in rows]
                    cur.execute(
                        self._q(
                            f"SELECT run_id, tag FROM run_tags WHERE run_id IN ({', '.join('?' * len(ids))})"
                        ),
                        ids,
                    )
                else:
                    cur.execute("SELECT run_id, tag FROM run_tags")
                for run_id, tag in cur.fetchall():
                    tags.setdefault(run_id, []).append(tag)
        return [
            RunRecord(
                id=r[0], project=r[1], name=r[2], state=r[3], created_at=r[4], heartbeat_at=r[5],
                finished_at=r[6], entity=r[7], host=r[8], pid=r[9], exit_code=r[10], notes=r[11],
                group=r[12], job_type=r[13], sweep_id=r[14], error=r[15],
                tags=tuple(sorted(tags.get(r[0], ()))),
                config=json.loads(r[16]) if r[16] else {},
                summary=json.loads(r[17]) if r[17] else {},
            )
            for r in rows
        ]

    def count_runs(self, project: str) -> int:
        with self._read() as cur:
            cur.execute(self._q("SELECT COUNT(*) FROM runs WHERE project = ?"), (project,))
            return int(cur.fetchone()[0])

    def activity(self, project: str | None = None) -> tuple[int, float]:
        where, params = ("WHERE project = ?", (project,)) if project is not None else ("", ())
        with self._read() as cur:
            cur.execute(self._q(f"SELECT COUNT(*), MAX(heartbeat_at) FROM runs {where}"), params)
            count, latest = cur.fetchone()
        return int(count), float(latest or 0.0)

    def projects(self) -> list[str]:
        with self._read() as cur:
            cur.execute("SELECT DISTINCT project FROM runs ORDER BY project")
            return [r[0] for r in cur.fetchall()]

    def delete_run(self, run_id: str) -> None:
        with self._write() as cur:
            for table in ("metric_chunks", "run_tags", "run_configs", "run_summaries", "run_capture", "sweep_trials",
                          "run_alerts", "system_chunks", "sweep_priors", "sweep_pbt", "run_comments"):
                cur.execute(self._q(f"DELETE FROM {table} WHERE run_id = ?"), (run_id,))
            cur.execute(self._q("DELETE FROM runs WHERE id = ?"), (run_id,))

    # -- metric history ------------------------------------------------------
    def flush(
        self,
        run_id: str,
        *,
        chunks: Sequence[ChunkWrite] = (),
        config: Mapping[str, Any] | None = None,
        summary: Mapping[str, Any] | None = None,
        heartbeat_at: float | None = None,
    ) -> None:
        rows = _chunk_rows(run_id, chunks)
        with self._write() as cur:
            if rows:
                self._upsert_chunks(cur, "metric_chunks", rows)
            if config is not None:
                self._put_json(cur, "run_configs", run_id, config)
            if summary is not None:
                self._put_json(cur, "run_summaries", run_id, summary)
            if heartbeat_at is not None:
                cur.execute(self._q("UPDATE runs SET heartbeat_at = ? WHERE id = ?"), (heartbeat_at, run_id))

    def _upsert_chunks(self, cur: Any, table: str, rows: list[tuple[Any, ...]]) -> None:
        cur.executemany(
            self._q(
                f"INSERT INTO {table} (run_id, key, seq, n, first_step, last_step, kind, "
                "steps, times, vals) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (run_id, key, seq) DO UPDATE SET n = excluded.n, "
                "first_step = excluded.first_step, last_step = excluded.last_step, "
                "kind = excluded.kind, steps = excluded.steps, times = excluded.times, "
                "vals = excluded.vals"
            ),
            rows,
        )

    def next_chunk_seqs(self, run_id: str) -> dict[str, int]:
        with self._read() as cur:
            cur.execute(
                self._q("SELECT key, MAX(seq) FROM metric_chunks WHERE run_id = ? GROUP BY key"), (run_id,)
            )
            return {key: int(seq) + 1 for key, seq in cur.fetchall()}

    def last_step(self, run_id: str) -> int | None:
        with self._read() as cur:
            cur.execute(self._q("SELECT MAX(last_step) FROM metric_chunks WHERE run_id = ?"), (run_id,))
            row = cur.fetchone()
        return None if row is None or row[0] is None else int(row[0])

    def history_keys(self, run_id: str) -> list[str]:
        with self._read() as cur:
            cur.execute(self._q("SELECT DISTINCT key FROM metric_chunks WHERE run_id = ? ORDER BY key"), (run_id,))
            return [r[0] for r in cur.fetchall()]

    def read_history(
        self, run_ids: Sequence[str], keys: Sequence[str] | None = None
    ) -> dict[str, dict[str, Series]]:
        return self._read_chunks("metric_chunks", run_ids, keys)

    def _read_chunks(
        self, table: str, run_ids: Sequence[str], keys: Sequence[str] | None
    ) -> dict[str, dict[str, Series]]:
        out: dict[str, dict[str, Series]] = {rid: {} for rid in run_ids}
        if not run_ids:
            return out
        parts: dict[tuple[str, str], list[Series]] = {}
        for batch in batches(list(run_ids), 500):
            where = f"run_id IN ({', '.join('?' * len(batch))})"
            params: list[Any] = list(batch)
            if keys is not None:
                if not keys:
                    return out
                where += f" AND key IN ({', '.join('?' * len(keys))})"
                params.extend(keys)
            with self._read() as cur:
                cur.execute(
                    self._q(
                        f"SELECT run_id, key, kind, steps, times, vals FROM {table} "
                        f"WHERE {where} ORDER BY run_id, key, seq"
                    ),
                    params,
                )
                rows = cur.fetchall()
            for run_id, key, kind, steps, times, vals in rows:
                parts.setdefault((run_id, key), []).append(decode_points(kind, steps, times, vals))
        for (run_id, key), series in parts.items():
            out[run_id][key] = series[0] if len(series) == 1 else _concat(series)
        return out

    # -- system metrics ------------------------------------------------------
    def write_system(self, run_id: str, chunks: Sequence[ChunkWrite]) -> None:
        rows = _chunk_rows(run_id, chunks)
        if rows:
            with self._write() as cur:
                self._upsert_chunks(cur, "system_chunks", rows)

    def read_system(
        self, run_ids: Sequence[str], keys: Sequence[str] | None = None
    ) -> dict[str, dict[str, Series]]:
        return self._read_chunks("system_chunks", run_ids, keys)

    def system_position(self, run_id: str) -> tuple[int, int]:
        with self._read() as cur:
            cur.execute(self._q("SELECT MAX(seq), MAX(last_step) FROM system_chunks WHERE run_id = ?"), (run_id,))
            seq, step = cur.fetchone()
        return (0 if seq is None else int(seq) + 1), (0 if step is None else int(step) + 1)

    # -- capture -------------------------------------------------------------
    def put_capture(
        self, run_id: str, capture: Mapping[str, Any], env_hash: str | None, packages: Mapping[str, str] | None
    ) -> None:
        with self._write() as cur:
            if env_hash is not None and packages is not None:
                cur.execute(
                    self._q("INSERT INTO environments (hash, packages) VALUES (?, ?) ON CONFLICT (hash) DO NOTHING"),
                    (env_hash, dumps(packages)),
                )
            cur.execute(
                self._q(
                    "INSERT INTO run_capture (run_id, data, env_hash) VALUES (?, ?, ?) "
                    "ON CONFLICT (run_id) DO UPDATE SET data = excluded.data, env_hash = excluded.env_hash"
                ),
                (run_id, dumps(capture), env_hash),
            )

    def get_capture(self, run_id: str) -> dict[str, Any] | None:
        with self._read() as cur:
            cur.execute(
                self._q(
                    "SELECT c.data, e.packages FROM run_capture c "
                    "LEFT JOIN environments e ON e.hash = c.env_hash WHERE c.run_id = ?"
                ),
                (run_id,),
            )
            row = cur.fetchone()
        if row is None:
            return None
        capture = json.loads(row[0])
        capture["packages"] = json.loads(row[1]) if row[1] else {}
        return capture


def _chunk_rows(run_id: str, chunks: Sequence[ChunkWrite]) -> list[tuple[Any, ...]]:
    """Encoded rows; keys logged together share their steps and times, which are encoded once."""
    rows = []
    encoded: dict[tuple[str, int, Any, Any], tuple[list[Any], bytes]] = {}

    def once(what: str, points: list[Any], encode: Any) -> bytes:
        key = (what, len(points), points[0], points[-1])
        hit = encoded.get(key)
        if hit is None or hit[0] != points:
            hit = encoded[key] = (points, encode(points))
        return hit[1]

    for c in chunks:
        kind, vals = encode_values(c.values)
        rows.append((run_id, c.key, c.seq, len(c.steps), min(c.steps), max(c.steps), kind,
                     once("steps", c.steps, encode_steps), once("times", c.times, encode_times), vals))
    return rows


def _concat(series: list[Series]) -> Series:
    import numpy as np

    return Series(
        np.concatenate([s.steps for s in series]),
        np.concatenate([s.times for s in series]),
        np.concatenate([s.values for s in series]),
    )
