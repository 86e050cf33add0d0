"""The store contract implemented once in portable SQL; backends supply connections."""

from __future__ import annotations

import json
import re
import secrets
import threading
from abc import abstractmethod
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from typing import Any

from ._base import Store
from ._codec import Series, decode_points, encode_steps, encode_times, encode_values
from ._records import RUN_FIELDS, SWEEP_STATES, ChunkWrite, RunRecord, SweepRecord, TrialRecord
from ._records import ArtifactEdge, ArtifactFileRecord, ArtifactRecord
from ._records import ALERT_DELIVERIES, AlertRecord
from ._schema import MIGRATIONS, SCHEMA_VERSION

__all__ = ["SqlStore", "SchemaError"]

_RUN_COLUMNS = (
    "id, project, name, state, created_at, heartbeat_at, finished_at, entity, host, pid, "
    "exit_code, notes, group_name, job_type, sweep_id, error"
)
_COLUMN_OF = {"group": "group_name"}


class SchemaError(RuntimeError):
    """The store was written by a newer nbtrack than this one."""


def _dumps(obj: Any) -> str:
    return json.dumps(obj, allow_nan=True, separators=(",", ":"), default=str)


class SqlStore(Store):
    """Shared SQL for every backend. Subclasses provide `_write()` / `_read()` cursors."""

    placeholder = "?"
    types: Mapping[str, str] = {}
    row_lock = ""  # appended to a SELECT that must lock its row until commit (" FOR UPDATE" where supported)

    def __init__(self, url: str) -> None:
        self.url = url
        self._lock = threading.RLock()
        self._sql_cache: dict[str, str] = {}

    # -- backend hooks -------------------------------------------------------
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
            (run_id, _dumps(data)),
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
                          "run_alerts", "system_chunks"):
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
        for batch in _batches(list(run_ids), 500):
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

    # -- alerts --------------------------------------------------------------
    def add_alert(
        self, run_id: str, *, level: str, title: str, text: str, created_at: float,
        wait_duration: float | None = None, webhook: str = "none",
    ) -> AlertRecord:
        with self._write() as cur:
            cur.execute(
                self._q("INSERT INTO run_alerts (run_id, created_at, level, title, body, wait_duration, webhook) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING alert_id"),
                (run_id, created_at, level, title, text, wait_duration, webhook),
            )
            alert_id = int(cur.fetchone()[0])
        return AlertRecord(id=alert_id, run_id=run_id, created_at=created_at, level=level, title=title, text=text,
                           wait_duration=wait_duration, webhook=webhook)

    def set_alert_webhook(self, alert_id: int, webhook: str, error: str | None = None) -> None:
        if webhook not in ALERT_DELIVERIES:
            raise ValueError(f"set_alert_webhook: webhook must be one of {ALERT_DELIVERIES}, not {webhook!r}")
        with self._write() as cur:
            cur.execute(self._q("UPDATE run_alerts SET webhook = ?, webhook_error = ? WHERE alert_id = ?"),
                        (webhook, error, alert_id))

    def list_alerts(self, run_id: str) -> list[AlertRecord]:
        with self._read() as cur:
            cur.execute(
                self._q("SELECT alert_id, run_id, created_at, level, title, body, wait_duration, webhook, "
                        "webhook_error FROM run_alerts WHERE run_id = ? ORDER BY created_at, alert_id"),
                (run_id,),
            )
            rows = cur.fetchall()
        return [AlertRecord(id=int(r[0]), run_id=r[1], created_at=float(r[2]), level=r[3], title=r[4], text=r[5],
                            wait_duration=None if r[6] is None else float(r[6]), webhook=r[7], webhook_error=r[8])
                for r in rows]

    # -- sweeps --------------------------------------------------------------
    def create_sweep(self, sweep: SweepRecord) -> None:
        with self._write() as cur:
            cur.execute(
                self._q("INSERT INTO sweeps (id, project, entity, config, state, created_at) VALUES (?, ?, ?, ?, ?, ?)"),
                (sweep.id, sweep.project, sweep.entity, _dumps(sweep.config), sweep.state, sweep.created_at),
            )

    def _sweeps(self, clause: str, params: tuple[Any, ...]) -> list[SweepRecord]:
        with self._read() as cur:
            cur.execute(
                self._q(f"SELECT id, project, entity, config, state, created_at FROM sweeps {clause} ORDER BY created_at, id"),
                params,
            )
            rows = cur.fetchall()
        return [SweepRecord(id=r[0], project=r[1], entity=r[2], config=json.loads(r[3]), state=r[4], created_at=r[5])
                for r in rows]

    def get_sweep(self, sweep_id: str) -> SweepRecord | None:
        found = self._sweeps("WHERE id = ?", (sweep_id,))
        return found[0] if found else None

    def list_sweeps(self, project: str | None = None) -> list[SweepRecord]:
        return self._sweeps("WHERE project = ?", (project,)) if project is not None else self._sweeps("", ())

    def set_sweep_state(self, sweep_id: str, state: str) -> None:
        if state not in SWEEP_STATES:
            raise ValueError(f"set_sweep_state: state must be one of {SWEEP_STATES}, not {state!r}")
        with self._write() as cur:
            cur.execute(self._q("UPDATE sweeps SET state = ? WHERE id = ?"), (state, sweep_id))

    def claim_trial(
        self, run: RunRecord, *, params: Mapping[str, Any], point_key: str | None = None,
        run_cap: int | None = None,
    ) -> str:
        with self._write() as cur:
            cur.execute(self._q(f"SELECT state FROM sweeps WHERE id = ?{self.row_lock}"), (run.sweep_id,))
            row = cur.fetchone()
            if row is None:
                raise KeyError(f"no sweep with id {run.sweep_id!r} in {self.url}")
            if row[0] != "running":
                return "stopped"
            # number = MAX + 1, not COUNT: a deleted trial must not make the next claim reuse a number
            cur.execute(self._q("SELECT COUNT(*), MAX(number) FROM sweep_trials WHERE sweep_id = ?"), (run.sweep_id,))
            count, last = cur.fetchone()
            if run_cap is not None and int(count) >= run_cap:
                return "cap"
            number = 0 if last is None else int(last) + 1
            if point_key is not None:
                cur.execute(
                    self._q("SELECT 1 FROM sweep_trials WHERE sweep_id = ? AND point_key = ?"), (run.sweep_id, point_key)
                )
                if cur.fetchone() is not None:
                    return "taken"
            self._insert_run(cur, run)
            cur.execute(
                self._q("INSERT INTO sweep_trials (run_id, sweep_id, number, point_key, params) VALUES (?, ?, ?, ?, ?)"),
                (run.id, run.sweep_id, number, point_key, _dumps(params)),
            )
        return "ok"

    def list_trials(self, sweep_id: str, *, since: int = 0) -> list[TrialRecord]:
        """The sweep's trials numbered `since` or more (all by default), in claim order.

        Numbers only grow (a claim takes MAX + 1 under the sweep's lock), so `since` = one past
        the last number seen lists exactly the trials claimed since: a controller syncs in O(new).
        """
        with self._read() as cur:
            cur.execute(
                self._q(
                    "SELECT run_id, sweep_id, number, point_key, params FROM sweep_trials "
                    "WHERE sweep_id = ? AND number >= ? ORDER BY number"
                ),
                (sweep_id, since),
            )
            rows = cur.fetchall()
        return [TrialRecord(run_id=r[0], sweep_id=r[1], number=int(r[2]), point_key=r[3], params=json.loads(r[4]))
                for r in rows]

    # -- capture -------------------------------------------------------------
    def put_capture(
        self, run_id: str, capture: Mapping[str, Any], env_hash: str | None, packages: Mapping[str, str] | None
    ) -> None:
        with self._write() as cur:
            if env_hash is not None and packages is not None:
                cur.execute(
                    self._q("INSERT INTO environments (hash, packages) VALUES (?, ?) ON CONFLICT (hash) DO NOTHING"),
                    (env_hash, _dumps(packages)),
                )
            cur.execute(
                self._q(
                    "INSERT INTO run_capture (run_id, data, env_hash) VALUES (?, ?, ?) "
                    "ON CONFLICT (run_id) DO UPDATE SET data = excluded.data, env_hash = excluded.env_hash"
                ),
                (run_id, _dumps(capture), env_hash),
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


    # -- artifacts -----------------------------------------------------------
    def put_artifact(
        self, name: str, type: str, digest: str, files: Sequence[ArtifactFileRecord], *,
        description: str | None = None, metadata: Mapping[str, Any] | None = None,
        aliases: Sequence[str] = (), run_id: str | None = None, created_at: float,
    ) -> tuple[ArtifactRecord, bool]:
        with self._write() as cur:
            cur.execute(
                self._q("INSERT INTO artifact_collections (name, type, created_at) VALUES (?, ?, ?) "
                        "ON CONFLICT (name) DO NOTHING"),
                (name, type, created_at),
            )
            cur.execute(self._q(f"SELECT type FROM artifact_collections WHERE name = ?{self.row_lock}"), (name,))
            held = cur.fetchone()[0]
            if held != type:
                raise ValueError(f"artifact {name!r} holds artifacts of type {held!r}, not {type!r}; use another name")
            cur.execute(self._q("SELECT id FROM artifact_versions WHERE name = ? AND digest = ?"), (name, digest))
            row = cur.fetchone()
            created = row is None
            if row is None:
                artifact_id = secrets.token_hex(8)
                cur.execute(self._q("SELECT MAX(version) FROM artifact_versions WHERE name = ?"), (name,))
                top = cur.fetchone()[0]
                stored = [f for f in files if f.ref is None]
                cur.execute(
                    self._q("INSERT INTO artifact_versions (id, name, version, digest, description, metadata, size, "
                            "file_count, run_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"),
                    (artifact_id, name, 0 if top is None else int(top) + 1, digest, description,
                     _dumps(dict(metadata or {})), sum(f.size or 0 for f in stored), len(files), run_id, created_at),
                )
                if files:
                    cur.executemany(
                        self._q("INSERT INTO artifact_files (artifact_id, path, digest, size, ref) "
                                "VALUES (?, ?, ?, ?, ?)"),
                        [(artifact_id, f.path, f.digest, f.size, f.ref) for f in files],
                    )
            else:
                artifact_id = row[0]
            for alias in dict.fromkeys(aliases):
                cur.execute(
                    self._q("INSERT INTO artifact_aliases (name, alias, artifact_id) VALUES (?, ?, ?) "
                            "ON CONFLICT (name, alias) DO UPDATE SET artifact_id = excluded.artifact_id"),
                    (name, alias, artifact_id),
                )
            if run_id is not None:
                self._add_edge(cur, run_id, artifact_id, "output", created_at)
            record = self._artifact_rows(cur, "WHERE v.id = ?", (artifact_id,))[0]
        return record, created

    def _add_edge(self, cur: Any, run_id: str, artifact_id: str, direction: str, at: float) -> None:
        cur.execute(
            self._q("INSERT INTO artifact_edges (run_id, artifact_id, direction, created_at) VALUES (?, ?, ?, ?) "
                    "ON CONFLICT (run_id, artifact_id, direction) DO NOTHING"),
            (run_id, artifact_id, direction, at),
        )

    def _artifact_rows(self, cur: Any, clause: str, params: Sequence[Any]) -> list[ArtifactRecord]:
        cur.execute(
            self._q("SELECT v.id, v.name, v.version, c.type, v.digest, v.created_at, v.description, v.metadata, "
                    "v.size, v.file_count, v.run_id FROM artifact_versions v "
                    f"JOIN artifact_collections c ON c.name = v.name {clause}"),
            tuple(params),
        )
        rows = cur.fetchall()
        aliases: dict[str, list[str]] = {}
        for batch in _batches([r[0] for r in rows], 500):
            cur.execute(
                self._q("SELECT artifact_id, alias FROM artifact_aliases "
                        f"WHERE artifact_id IN ({', '.join('?' * len(batch))})"),
                batch,
            )
            for artifact_id, alias in cur.fetchall():
                aliases.setdefault(artifact_id, []).append(alias)
        return [
            ArtifactRecord(
                id=r[0], name=r[1], version=int(r[2]), type=r[3], digest=r[4], created_at=float(r[5]),
                description=r[6], metadata=json.loads(r[7]), size=int(r[8]), file_count=int(r[9]), run_id=r[10],
                aliases=tuple(sorted(aliases.get(r[0], ()), key=lambda a: (a != "latest", a))),
            )
            for r in rows
        ]

    def get_artifact(self, name: str, ref: str) -> ArtifactRecord | None:
        number = re.fullmatch(r"v(0|[1-9][0-9]*)", ref)
        with self._read() as cur:
            if number is not None:
                found = self._artifact_rows(cur, "WHERE v.name = ? AND v.version = ?", (name, int(number.group(1))))
            else:
                found = self._artifact_rows(
                    cur, "JOIN artifact_aliases a ON a.artifact_id = v.id WHERE a.name = ? AND a.alias = ?", (name, ref)
                )
        return found[0] if found else None

    def list_artifacts(
        self, *, name: str | None = None, type: str | None = None, ids: Sequence[str] | None = None
    ) -> list[ArtifactRecord]:
        where, params = [], []
        if name is not None:
            where.append("v.name = ?")
            params.append(name)
        if type is not None:
            where.append("c.type = ?")
            params.append(type)
        batches: list[list[Any]] = [[]] if ids is None else list(_batches(list(dict.fromkeys(ids)), 500))
        out: list[ArtifactRecord] = []
        for batch in batches:
            conds = where + ([f"v.id IN ({', '.join('?' * len(batch))})"] if ids is not None else [])
            clause = ("WHERE " + " AND ".join(conds)) if conds else ""
            with self._read() as cur:
                out.extend(self._artifact_rows(cur, clause, [*params, *batch]))
        return sorted(out, key=lambda a: (a.name, a.version))

    def artifact_files(self, artifact_id: str) -> list[ArtifactFileRecord]:
        with self._read() as cur:
            cur.execute(self._q("SELECT path, digest, size, ref FROM artifact_files WHERE artifact_id = ?"),
                        (artifact_id,))
            rows = cur.fetchall()
        files = [ArtifactFileRecord(path=r[0], digest=r[1], size=None if r[2] is None else int(r[2]), ref=r[3])
                 for r in rows]
        return sorted(files, key=lambda f: f.path)

    def use_artifact(self, run_id: str, artifact_id: str, *, used_at: float) -> None:
        with self._write() as cur:
            cur.execute(self._q("SELECT 1 FROM artifact_versions WHERE id = ?"), (artifact_id,))
            if cur.fetchone() is None:
                raise KeyError(f"no artifact version with id {artifact_id!r} in {self.url}")
            self._add_edge(cur, run_id, artifact_id, "input", used_at)

    def artifact_edges(
        self, *, artifact_ids: Sequence[str] = (), run_ids: Sequence[str] = ()
    ) -> list[ArtifactEdge]:
        found: dict[tuple[str, str, str], ArtifactEdge] = {}
        for column, values in (("artifact_id", artifact_ids), ("run_id", run_ids)):
            for batch in _batches(list(dict.fromkeys(values)), 500):
                with self._read() as cur:
                    cur.execute(
                        self._q("SELECT run_id, artifact_id, direction, created_at FROM artifact_edges "
                                f"WHERE {column} IN ({', '.join('?' * len(batch))})"),
                        batch,
                    )
                    for r in cur.fetchall():
                        found[(r[0], r[1], r[2])] = ArtifactEdge(run_id=r[0], artifact_id=r[1], direction=r[2],
                                                                 created_at=float(r[3]))
        return sorted(found.values(), key=lambda e: (e.created_at, e.run_id, e.artifact_id, e.direction))

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


def _batches(items: list[Any], size: int) -> Iterator[list[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _concat(series: list[Series]) -> Series:
    import numpy as np

    return Series(
        np.concatenate([s.steps for s in series]),
        np.concatenate([s.times for s in series]),
        np.concatenate([s.values for s in series]),
    )
