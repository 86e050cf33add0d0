"""Store contract for the sweep extensions (prior runs, PBT segments), on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest

from nbtrack.store import PbtSegment, RunRecord, Store, SweepRecord, TrialRecord


def record(run_id: str, **kw: Any) -> RunRecord:
    return RunRecord(id=run_id, project="proj", name=f"name-{run_id}", state="running", created_at=1.0,
                     heartbeat_at=1.0, **kw)


def sweep(sweep_id: str) -> SweepRecord:
    return SweepRecord(id=sweep_id, project="proj", config={"method": "random", "parameters": {"x": {"values": [1]}}},
                       state="running", created_at=1.0)


def test_sweep_priors_are_stored_with_the_sweep(store: Store) -> None:
    store.create_run(record("old1"))
    store.create_run(record("old2"))
    priors = [TrialRecord(run_id="old2", sweep_id="s", number=0, point_key="k2", params={"x": 0}),
              TrialRecord(run_id="old1", sweep_id="s", number=1, point_key=None, params={"x": 1.5, "ü": [1]})]
    store.create_sweep(sweep("s"), priors=priors)
    assert store.list_sweep_priors("s") == priors
    store.create_sweep(sweep("bare"))
    assert store.list_sweep_priors("bare") == [] and store.list_sweep_priors("missing") == []
    store.create_sweep(sweep("other"), priors=[TrialRecord(run_id="old1", sweep_id="other", number=0,
                                                            point_key=None, params={})])
    assert [p.run_id for p in store.list_sweep_priors("other")] == ["old1"]  # a run may seed several sweeps
    with pytest.raises(Exception):  # the sweep and its priors are one transaction: nothing half-made
        store.create_sweep(sweep("dup"), priors=[priors[0], priors[0]])
    assert store.get_sweep("dup") is None and store.list_sweep_priors("dup") == []
    store.delete_run("old1")
    assert [p.run_id for p in store.list_sweep_priors("s")] == ["old2"]


def test_pbt_segments_are_claimed_with_their_trial(store: Store) -> None:
    store.create_sweep(sweep("p"))
    seg0 = PbtSegment(run_id="a", sweep_id="p", member=0, generation=0, parent_run_id=None, source_member=None,
                      action="start", created_at=5.0)
    seg1 = PbtSegment(run_id="b", sweep_id="p", member=1, generation=0, parent_run_id=None, source_member=None,
                      action="start", created_at=6.0)
    assert store.claim_trial(record("a", sweep_id="p"), params={}, point_key="pbt/0/0", segment=seg0) == "ok"
    assert store.claim_trial(record("b", sweep_id="p"), params={}, point_key="pbt/1/0", segment=seg1) == "ok"
    again = PbtSegment(**{**seg0.__dict__, "run_id": "c"})
    assert store.claim_trial(record("c", sweep_id="p"), params={}, point_key="pbt/0/0", segment=again) == "taken"
    assert store.get_run("c") is None
    seg2 = PbtSegment(run_id="d", sweep_id="p", member=0, generation=1, parent_run_id="b", source_member=1,
                      action="exploit", created_at=7.0)
    assert store.claim_trial(record("d", sweep_id="p"), params={}, point_key="pbt/0/1", segment=seg2, run_cap=3) == "ok"
    assert store.list_pbt_segments("p") == [seg0, seg1, seg2]
    assert store.list_pbt_segments("missing") == []
    bad = PbtSegment(**{**seg2.__dict__, "run_id": "e", "action": "mutate"})
    with pytest.raises(ValueError, match="mutate"):
        store.claim_trial(record("e", sweep_id="p"), params={}, segment=bad)
    assert store.get_run("e") is None
    store.delete_run("a")
    assert [s.run_id for s in store.list_pbt_segments("p")] == ["b", "d"]
