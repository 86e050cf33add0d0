"""Comments on runs and saved report specs in SQL: what people write about runs, shared through the store."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from ._records import CommentRecord, ReportRecord
from ._sql_base import SqlBase, dumps

__all__ = ["NotesSql"]


class NotesSql(SqlBase):
    """The store's comment and report-spec operations."""

    def add_comment(self, run_id: str, *, author: str, text: str, created_at: float) -> CommentRecord:
        with self._write() as cur:
            cur.execute(
                self._q("INSERT INTO run_comments (run_id, author, created_at, body) VALUES (?, ?, ?, ?) "
                        "RETURNING comment_id"),
                (run_id, author, created_at, text),
            )
            comment_id = int(cur.fetchone()[0])
        return CommentRecord(id=comment_id, run_id=run_id, author=author, created_at=created_at, text=text)

    def list_comments(self, run_ids: Sequence[str]) -> list[CommentRecord]:
        if not run_ids:
            return []
        marks = ", ".join("?" * len(run_ids))
        with self._read() as cur:
            cur.execute(
                self._q(f"SELECT comment_id, run_id, author, created_at, body FROM run_comments "
                        f"WHERE run_id IN ({marks}) ORDER BY created_at, comment_id"),
                tuple(run_ids),
            )
            rows = cur.fetchall()
        return [CommentRecord(id=int(r[0]), run_id=r[1], author=r[2], created_at=float(r[3]), text=r[4]) for r in rows]

    def put_report(self, project: str, name: str, spec: Mapping[str, Any], *, updated_at: float) -> None:
        with self._write() as cur:
            cur.execute(
                self._q("INSERT INTO reports (project, name, spec, updated_at) VALUES (?, ?, ?, ?) "
                        "ON CONFLICT (project, name) DO UPDATE SET spec = excluded.spec, "
                        "updated_at = excluded.updated_at"),
                (project, name, dumps(dict(spec)), updated_at),
            )

    def get_report(self, name: str, project: str | None = None) -> ReportRecord | None:
        found = self.list_reports(project, name=name)
        return found[0] if len(found) == 1 else None

    def list_reports(self, project: str | None = None, *, name: str | None = None) -> list[ReportRecord]:
        clauses, params = [], []
        for column, value in (("project", project), ("name", name)):
            if value is not None:
                clauses.append(f"{column} = ?")
                params.append(value)
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        with self._read() as cur:
            cur.execute(self._q(f"SELECT project, name, spec, updated_at FROM reports{where} ORDER BY project, name"),
                        tuple(params))
            rows = cur.fetchall()
        return [ReportRecord(project=r[0], name=r[1], spec=json.loads(r[2]), updated_at=float(r[3])) for r in rows]

    def delete_report(self, name: str, project: str) -> None:
        with self._write() as cur:
            cur.execute(self._q("DELETE FROM reports WHERE project = ? AND name = ?"), (project, name))
