"""Sweeps in SQL: sweep records and trial claims that stay exact across processes."""

from __future__ import annotations

import json
from abc import abstractmethod
from collections.abc import Mapping, Sequence
from typing import Any

from ._records import PBT_ACTIONS, SWEEP_STATES, PbtSegment, RunRecord, SweepRecord, TrialRecord
from ._sql_base import SqlBase, dumps

__all__ = ["SweepSql"]


class SweepSql(SqlBase):
    """The store's sweep operations. A claimed trial's run is inserted in the claim's transaction."""

    @abstractmethod
    def _insert_run(self, cur: Any, run: RunRecord) -> None:
        """Insert the run with its tags, config and summary inside the transaction of `cur`."""

    def create_sweep(self, sweep: SweepRecord, *, priors: Sequence[TrialRecord] = ()) -> None:
        with self._write() as cur:
            cur.execute(
                self._q("INSERT INTO sweeps (id, project, entity, config, state, created_at) VALUES (?, ?, ?, ?, ?, ?)"),
                (sweep.id, sweep.project, sweep.entity, dumps(sweep.config), sweep.state, sweep.created_at),
            )
            for prior in priors:
                cur.execute(
                    self._q("INSERT INTO sweep_priors (sweep_id, run_id, number, point_key, params) VALUES (?, ?, ?, ?, ?)"),
                    (sweep.id, prior.run_id, prior.number, prior.point_key, dumps(prior.params)),
                )

    def list_sweep_priors(self, sweep_id: str) -> list[TrialRecord]:
        with self._read() as cur:
            cur.execute(
                self._q("SELECT run_id, number, point_key, params FROM sweep_priors WHERE sweep_id = ? ORDER BY number"),
                (sweep_id,),
            )
            rows = cur.fetchall()
        return [TrialRecord(run_id=r[0], sweep_id=sweep_id, number=int(r[1]), point_key=r[2], params=json.loads(r[3]))
                for r in rows]

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
        run_cap: int | None = None, segment: PbtSegment | None = None,
    ) -> str:
        if segment is not None and (segment.run_id != run.id or segment.action not in PBT_ACTIONS):
            raise ValueError(f"claim_trial: segment {segment!r} does not fit run {run.id!r} (actions: {PBT_ACTIONS})")
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
            if segment is not None:
                cur.execute(
                    self._q("INSERT INTO sweep_pbt (run_id, sweep_id, member, generation, parent_run_id, source_member, "
                            "action, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"),
                    (run.id, run.sweep_id, segment.member, segment.generation, segment.parent_run_id,
                     segment.source_member, segment.action, segment.created_at),
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

    def list_pbt_segments(self, sweep_id: str) -> list[PbtSegment]:
        """The PBT segments of a sweep, by generation then member."""
        with self._read() as cur:
            cur.execute(
                self._q("SELECT run_id, member, generation, parent_run_id, source_member, action, created_at "
                        "FROM sweep_pbt WHERE sweep_id = ? ORDER BY generation, member"),
                (sweep_id,),
            )
            rows = cur.fetchall()
        return [PbtSegment(run_id=r[0], sweep_id=sweep_id, member=int(r[1]), generation=int(r[2]), parent_run_id=r[3],
                           source_member=None if r[4] is None else int(r[4]), action=r[5], created_at=float(r[6]))
                for r in rows]
