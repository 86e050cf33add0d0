"""The model registry in SQL: collections of numbered links to artifact versions, with aliases."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from ._records import RegistryCollectionRecord, RegistryVersionRecord
from ._sql_base import SqlBase, batches

__all__ = ["RegistrySql"]

_VERSION = re.compile(r"v(0|[1-9][0-9]*)")


class RegistrySql(SqlBase):
    """The store's registry operations."""

    def link_registry(
        self, collection: str, artifact_id: str, *, aliases: Sequence[str] = (), run_id: str | None = None,
        created_at: float, description: str | None = None,
    ) -> tuple[RegistryVersionRecord, bool]:
        with self._write() as cur:
            cur.execute(self._q("SELECT c.type FROM artifact_versions v JOIN artifact_collections c ON c.name = v.name "
                                "WHERE v.id = ?"), (artifact_id,))
            row = cur.fetchone()
            if row is None:
                raise KeyError(f"no artifact version with id {artifact_id!r} in {self.url}")
            cur.execute(
                self._q("INSERT INTO registry_collections (name, type, description, created_at) VALUES (?, ?, ?, ?) "
                        "ON CONFLICT (name) DO NOTHING"),
                (collection, row[0], description, created_at),
            )
            cur.execute(self._q(f"SELECT type FROM registry_collections WHERE name = ?{self.row_lock}"), (collection,))
            held = cur.fetchone()[0]
            if held != row[0]:
                raise ValueError(f"registry collection {collection!r} holds versions of type {held!r}, "
                                 f"not {row[0]!r}; link into another collection")
            cur.execute(self._q("SELECT version FROM registry_versions WHERE collection = ? AND artifact_id = ?"),
                        (collection, artifact_id))
            found = cur.fetchone()
            created = found is None
            if found is None:
                cur.execute(self._q("SELECT MAX(version) FROM registry_versions WHERE collection = ?"), (collection,))
                top = cur.fetchone()[0]
                version = 0 if top is None else int(top) + 1
                cur.execute(
                    self._q("INSERT INTO registry_versions (collection, version, artifact_id, run_id, created_at) "
                            "VALUES (?, ?, ?, ?, ?)"),
                    (collection, version, artifact_id, run_id, created_at),
                )
            else:
                version = int(found[0])
            for alias in dict.fromkeys([*(["latest"] if created else []), *aliases]):
                self._point(cur, collection, alias, version)
            return self._version_rows(cur, "WHERE r.collection = ? AND r.version = ?", (collection, version))[0], created

    def _point(self, cur: Any, collection: str, alias: str, version: int) -> None:
        cur.execute(
            self._q("INSERT INTO registry_aliases (collection, alias, version) VALUES (?, ?, ?) "
                    "ON CONFLICT (collection, alias) DO UPDATE SET version = excluded.version"),
            (collection, alias, version),
        )

    def _version_rows(self, cur: Any, clause: str, params: Sequence[Any]) -> list[RegistryVersionRecord]:
        cur.execute(self._q("SELECT r.collection, r.version, r.artifact_id, r.created_at, r.run_id "
                            f"FROM registry_versions r {clause}"), tuple(params))
        rows = cur.fetchall()
        aliases: dict[tuple[str, int], list[str]] = {}
        for batch in batches(sorted({r[0] for r in rows}), 500):
            cur.execute(self._q("SELECT collection, alias, version FROM registry_aliases "
                                f"WHERE collection IN ({', '.join('?' * len(batch))})"), batch)
            for collection, alias, version in cur.fetchall():
                aliases.setdefault((collection, int(version)), []).append(alias)
        out = [
            RegistryVersionRecord(
                collection=r[0], version=int(r[1]), artifact_id=r[2], created_at=float(r[3]), run_id=r[4],
                aliases=tuple(sorted(aliases.get((r[0], int(r[1])), ()), key=lambda a: (a != "latest", a))),
            )
            for r in rows
        ]
        return sorted(out, key=lambda v: (v.collection, v.version))

    def registry_version(self, collection: str, ref: str) -> RegistryVersionRecord | None:
        number = _VERSION.fullmatch(ref)
        with self._read() as cur:
            if number is not None:
                found = self._version_rows(cur, "WHERE r.collection = ? AND r.version = ?",
                                           (collection, int(number.group(1))))
            else:
                found = self._version_rows(
                    cur, "JOIN registry_aliases a ON a.collection = r.collection AND a.version = r.version "
                    "WHERE a.collection = ? AND a.alias = ?", (collection, ref))
        return found[0] if found else None

    def list_registry_versions(
        self, *, collection: str | None = None, artifact_ids: Sequence[str] | None = None
    ) -> list[RegistryVersionRecord]:
        id_batches: list[list[Any]] = [[]] if artifact_ids is None else list(batches(list(dict.fromkeys(artifact_ids)), 500))
        out: list[RegistryVersionRecord] = []
        for batch in id_batches:
            conds, params = [], []
            if collection is not None:
                conds.append("r.collection = ?")
                params.append(collection)
            if artifact_ids is not None:
                conds.append(f"r.artifact_id IN ({', '.join('?' * len(batch))})")
                params.extend(batch)
            with self._read() as cur:
                out.extend(self._version_rows(cur, ("WHERE " + " AND ".join(conds)) if conds else "", params))
        return sorted(out, key=lambda v: (v.collection, v.version))

    def list_registry_collections(self) -> list[RegistryCollectionRecord]:
        with self._read() as cur:
            cur.execute(self._q("SELECT c.name, c.type, c.created_at, c.description, COUNT(r.version) "
                                "FROM registry_collections c LEFT JOIN registry_versions r ON r.collection = c.name "
                                "GROUP BY c.name, c.type, c.created_at, c.description ORDER BY c.name"))
            return [RegistryCollectionRecord(name=r[0], type=r[1], created_at=float(r[2]), description=r[3],
                                             version_count=int(r[4])) for r in cur.fetchall()]

    def set_registry_alias(self, collection: str, alias: str, version: int) -> None:
        with self._write() as cur:
            cur.execute(self._q("SELECT 1 FROM registry_versions WHERE collection = ? AND version = ?"),
                        (collection, version))
            if cur.fetchone() is None:
                raise KeyError(f"registry collection {collection!r} has no version v{version}")
            self._point(cur, collection, alias, version)

    def remove_registry_alias(self, collection: str, alias: str) -> bool:
        with self._write() as cur:
            cur.execute(self._q("DELETE FROM registry_aliases WHERE collection = ? AND alias = ?"), (collection, alias))
            return bool(cur.rowcount)

    def unlink_registry(self, collection: str, version: int) -> None:
        with self._write() as cur:
            cur.execute(self._q("SELECT 1 FROM registry_aliases WHERE collection = ? AND version = ? "
                                "AND alias = 'latest'"), (collection, version))
            had_latest = cur.fetchone() is not None
            cur.execute(self._q("DELETE FROM registry_versions WHERE collection = ? AND version = ?"),
                        (collection, version))
            if not cur.rowcount:
                raise KeyError(f"registry collection {collection!r} has no version v{version}")
            cur.execute(self._q("DELETE FROM registry_aliases WHERE collection = ? AND version = ?"),
                        (collection, version))
            cur.execute(self._q("SELECT MAX(version) FROM registry_versions WHERE collection = ?"), (collection,))
            top = cur.fetchone()[0]
            if had_latest and top is not None:
                self._point(cur, collection, "latest", int(top))
