"""Sweeps in SQL: sweep records and trial claims that stay exact across processes."""

from __future__ import annotations

import json
from abc import abstractmethod
from collections.abc import Mapping
from typing import Any

from ._records import SWEEP_STATES, RunRecord, SweepRecord, TrialRecord
from ._sql_base import SqlBase, dumps

__all__ = ["SweepSql"]


class SweepSql(SqlBase):
    """The store's sweep operations. A claimed trial's run is inserted in the claim's transaction."""

    @abstractmethod
    def _insert_run(self, cur: Any, run: RunRecord) -> None:
        """Insert the run with its tags, config and summary inside the transaction of `cur`."""

    def create_sweep(self, sweep: SweepRecord) -> None:
        with self._write() as cur:
            cur.execute(
                self._q("INSERT INTO sweeps (id, project, entity, config, state, created_at) VALUES (?, ?, ?, ?, ?, ?)"),
                (sweep.id, sweep.project, sweep.entity, dumps(sweep.config), sweep.state, sweep.created_at),
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
                (run.id, run.sweep_id, number, point_key, dumps(params)),
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
