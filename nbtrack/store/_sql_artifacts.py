"""Artifacts in SQL: collections, content-addressed versions, aliases, files and lineage edges."""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Mapping, Sequence
from typing import Any

from ._records import ArtifactEdge, ArtifactFileRecord, ArtifactRecord
from ._sql_base import SqlBase, batches, dumps

__all__ = ["ArtifactSql"]


class ArtifactSql(SqlBase):
    """The store's artifact operations."""

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
                     dumps(dict(metadata or {})), sum(f.size or 0 for f in stored), len(files), run_id, created_at),
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

    def update_artifact(self, artifact_id: str, **fields: Any) -> ArtifactRecord:
        unknown = set(fields) - {"description", "metadata", "add_aliases", "remove_aliases", "tags"}
        if unknown:
            raise ValueError(f"update_artifact: unknown fields {sorted(unknown)}")
        with self._write() as cur:
            cur.execute(self._q(f"SELECT name FROM artifact_versions WHERE id = ?{self.row_lock}"), (artifact_id,))
            row = cur.fetchone()
            if row is None:
                raise KeyError(f"no artifact version with id {artifact_id!r} in {self.url}")
            name = row[0]
            if "description" in fields:
                cur.execute(self._q("UPDATE artifact_versions SET description = ? WHERE id = ?"),
                            (fields["description"], artifact_id))
            if "metadata" in fields:
                cur.execute(self._q("UPDATE artifact_versions SET metadata = ? WHERE id = ?"),
                            (dumps(dict(fields["metadata"] or {})), artifact_id))
            for alias in dict.fromkeys(fields.get("remove_aliases", ())):
                if alias != "latest":
                    cur.execute(self._q("DELETE FROM artifact_aliases WHERE artifact_id = ? AND alias = ?"),
                                (artifact_id, alias))
            for alias in dict.fromkeys(fields.get("add_aliases", ())):
                cur.execute(
                    self._q("INSERT INTO artifact_aliases (name, alias, artifact_id) VALUES (?, ?, ?) "
                            "ON CONFLICT (name, alias) DO UPDATE SET artifact_id = excluded.artifact_id"),
                    (name, alias, artifact_id),
                )
            if "tags" in fields:
                cur.execute(self._q("DELETE FROM artifact_tags WHERE artifact_id = ?"), (artifact_id,))
                cur.executemany(self._q("INSERT INTO artifact_tags (artifact_id, tag) VALUES (?, ?)"),
                                [(artifact_id, t) for t in dict.fromkeys(fields["tags"])])
            return self._artifact_rows(cur, "WHERE v.id = ?", (artifact_id,))[0]

    def delete_artifact(self, artifact_id: str, *, delete_aliases: bool = False) -> list[str]:
        with self._write() as cur:
            cur.execute(self._q(f"SELECT name, version FROM artifact_versions WHERE id = ?{self.row_lock}"),
                        (artifact_id,))
            row = cur.fetchone()
            if row is None:
                raise KeyError(f"no artifact version with id {artifact_id!r} in {self.url}")
            name, version = row[0], int(row[1])
            cur.execute(self._q("SELECT collection, version FROM registry_versions WHERE artifact_id = ?"),
                        (artifact_id,))
            links = [f"{c}:v{v}" for c, v in cur.fetchall()]
            if links:
                raise ValueError(f"artifact {name}:v{version} is linked in the registry as {', '.join(sorted(links))}; "
                                 "unlink it first")
            cur.execute(self._q("SELECT alias FROM artifact_aliases WHERE artifact_id = ?"), (artifact_id,))
            held = sorted(a for (a,) in cur.fetchall())
            if not delete_aliases and any(a != "latest" for a in held):
                raise ValueError(f"artifact {name}:v{version} has the aliases {', '.join(held)}; "
                                 "pass delete_aliases=True to delete it with them")
            cur.execute(self._q("SELECT DISTINCT digest FROM artifact_files WHERE artifact_id = ? "
                                "AND digest IS NOT NULL"), (artifact_id,))
            digests = [d for (d,) in cur.fetchall()]
            for table in ("artifact_files", "artifact_aliases", "artifact_tags", "artifact_edges"):
                cur.execute(self._q(f"DELETE FROM {table} WHERE artifact_id = ?"), (artifact_id,))
            cur.execute(self._q("DELETE FROM artifact_versions WHERE id = ?"), (artifact_id,))
            cur.execute(self._q("SELECT id FROM artifact_versions WHERE name = ? ORDER BY version DESC"), (name,))
            newest = cur.fetchone()
            if newest is None:
                cur.execute(self._q("DELETE FROM artifact_collections WHERE name = ?"), (name,))
            elif "latest" in held:
                cur.execute(self._q("INSERT INTO artifact_aliases (name, alias, artifact_id) VALUES (?, 'latest', ?)"),
                            (name, newest[0]))
            return self._unreferenced(cur, digests)

    def _unreferenced(self, cur: Any, digests: Sequence[str]) -> list[str]:
        used: set[str] = set()
        for batch in batches(list(dict.fromkeys(digests)), 500):
            cur.execute(self._q(f"SELECT DISTINCT digest FROM artifact_files WHERE digest IN "
                                f"({', '.join('?' * len(batch))})"), batch)
            used.update(d for (d,) in cur.fetchall())
        return sorted(d for d in dict.fromkeys(digests) if d not in used)

    def unreferenced_digests(self, digests: Sequence[str]) -> list[str]:
        with self._read() as cur:
            return self._unreferenced(cur, digests)

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
        tags: dict[str, list[str]] = {}
        for batch in batches([r[0] for r in rows], 500):
            marks = ", ".join("?" * len(batch))
            cur.execute(self._q(f"SELECT artifact_id, alias FROM artifact_aliases WHERE artifact_id IN ({marks})"),
                        batch)
            for artifact_id, alias in cur.fetchall():
                aliases.setdefault(artifact_id, []).append(alias)
            cur.execute(self._q(f"SELECT artifact_id, tag FROM artifact_tags WHERE artifact_id IN ({marks})"), batch)
            for artifact_id, tag in cur.fetchall():
                tags.setdefault(artifact_id, []).append(tag)
        return [
            ArtifactRecord(
                id=r[0], name=r[1], version=int(r[2]), type=r[3], digest=r[4], created_at=float(r[5]),
                description=r[6], metadata=json.loads(r[7]), size=int(r[8]), file_count=int(r[9]), run_id=r[10],
                aliases=tuple(sorted(aliases.get(r[0], ()), key=lambda a: (a != "latest", a))),
                tags=tuple(sorted(tags.get(r[0], ()))),
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
        id_batches: list[list[Any]] = [[]] if ids is None else list(batches(list(dict.fromkeys(ids)), 500))
        out: list[ArtifactRecord] = []
        for batch in id_batches:
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
            for batch in batches(list(dict.fromkeys(values)), 500):
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
