"""The store contract (nbtrack/store/_base.py), run unchanged on every backend: SQLite and PostgreSQL."""

from __future__ import annotations

import math
import sqlite3
import threading
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from nbtrack.store import RUN_STATES, ChunkWrite, RunRecord, SchemaError, Series, Store, SweepRecord, TrialRecord
from nbtrack.store._schema import SCHEMA_VERSION

NAN, INF = float("nan"), float("inf")


def raw_sql(url: str, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Run SQL on the store's database through a separate connection (not through nbtrack)."""
    if url.startswith("sqlite:///"):
        conn = sqlite3.connect(url[len("sqlite:///"):], isolation_level=None)
        try:
            cur = conn.execute(sql, params)
            return cur.fetchall()
        finally:
            conn.close()
    import psycopg

    from nbtrack.store._postgres import conninfo

    with psycopg.connect(conninfo(url), autocommit=True) as conn:
        cur = conn.execute(sql.replace("?", "%s"), params)
        return cur.fetchall() if cur.description else []


def record(run_id: str, project: str = "proj", created_at: float = 1000.0, **kw: Any) -> RunRecord:
    base: dict[str, Any] = dict(
        id=run_id, project=project, name=f"name-{run_id}", state="running", created_at=created_at,
        heartbeat_at=created_at,
    )
    base.update(kw)
    return RunRecord(**base)


def same(a: Any, b: Any) -> bool:
    """Equality that treats NaN as equal to NaN, through nested containers."""
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return type(a) is type(b) and a == b


def points(series: Series) -> list[tuple[int, Any]]:
    return list(zip(series.steps.tolist(), series.values.tolist()))


# -- runs ---------------------------------------------------------------------

def test_create_and_get_run_round_trips_every_field(store: Store) -> None:
    rec = record(
        "r1", created_at=1700000000.25, finished_at=1700000100.5, entity="team", host="box", pid=4242,
        exit_code=3, notes="first try", group="g1", job_type="train", sweep_id="sw1", error="boom",
        state="failed", tags=("b", "a"), config={"lr": 0.1}, summary={"loss": 0.5},
    )
    store.create_run(rec)
    got = store.get_run("r1")
    assert got is not None
    assert got == RunRecord(**{**rec.__dict__, "tags": ("a", "b")})
    assert isinstance(got.created_at, float) and isinstance(got.pid, int)
    assert store.get_run("missing") is None


def test_list_runs_in_creation_order_with_filters(store: Store) -> None:
    store.create_run(record("c", project="p1", created_at=30.0))
    store.create_run(record("a", project="p1", created_at=10.0, sweep_id="s"))
    store.create_run(record("b", project="p2", created_at=20.0, sweep_id="s"))
    assert [r.id for r in store.list_runs()] == ["a", "b", "c"]
    assert [r.id for r in store.list_runs("p1")] == ["a", "c"]
    assert [r.id for r in store.list_runs(sweep_id="s")] == ["a", "b"]
    assert [r.id for r in store.list_runs("p1", sweep_id="s")] == ["a"]
    assert [r.id for r in store.list_runs(ids=["c", "b", "zzz"])] == ["b", "c"]
    assert store.list_runs(ids=[]) == []
    assert store.list_runs("nope") == []
    assert store.count_runs("p1") == 2 and store.count_runs("p2") == 1 and store.count_runs("nope") == 0


def test_duplicate_id_fails_and_leaves_the_first_run_intact(store: Store) -> None:
    store.create_run(record("dup", tags=("keep",), config={"a": 1}))
    with pytest.raises(Exception):
        store.create_run(record("dup", project="other", tags=("new",), config={"a": 2}))
    got = store.get_run("dup")
    assert got is not None
    assert (got.project, got.tags, got.config) == ("proj", ("keep",), {"a": 1})
    store.create_run(record("after", created_at=2000.0))  # the store is still usable after the failed transaction
    assert [r.id for r in store.list_runs()] == ["dup", "after"]


def test_update_run_changes_fields_and_rejects_unknown_ones(store: Store) -> None:
    store.create_run(record("u"))
    store.update_run("u", state="finished", finished_at=1234.5, exit_code=0, group="grp", job_type="eval",
                     notes="n", name="renamed", error=None, heartbeat_at=1234.0)
    got = store.get_run("u")
    assert got is not None
    assert (got.state, got.finished_at, got.exit_code, got.group, got.job_type, got.notes, got.name,
            got.heartbeat_at) == ("finished", 1234.5, 0, "grp", "eval", "n", "renamed", 1234.0)
    with pytest.raises(ValueError, match="colour"):
        store.update_run("u", colour="red")
    with pytest.raises(ValueError, match="config"):
        store.update_run("u", state="failed", config={})
    assert store.get_run("u").state == "finished"  # type: ignore[union-attr]
    store.update_run("u")  # nothing to change is fine
    assert set(RUN_STATES) >= {"running", "finished", "failed", "crashed", "killed", "pruned"}


def test_tags_are_replaced_deduplicated_and_sorted(store: Store) -> None:
    store.create_run(record("t", tags=("x", "y")))
    store.create_run(record("other", tags=("x",)))
    store.set_tags("t", ["z", "a", "z"])
    assert store.get_run("t").tags == ("a", "z")  # type: ignore[union-attr]
    store.set_tags("t", [])
    assert store.get_run("t").tags == ()  # type: ignore[union-attr]
    assert store.get_run("other").tags == ("x",)  # type: ignore[union-attr]


def test_config_and_summary_json_round_trip(store: Store) -> None:
    config = {
        "lr": 3e-4, "nan": NAN, "inf": INF, "ninf": -INF, "big": 2**53 + 1, "neg": -7, "flag": True,
        "none": None, "text": "ünïcødé ✓ 日本語 \"quoted\" \\ back", "list": [1, 2.5, "x", None, [NAN]],
        "nested": {"opt": {"name": "adam", "betas": [0.9, 0.999]}, "empty": {}},
        "emoji 🚀 key": "value",
    }
    summary = {"loss": 0.125, "best": NAN, "text": "done ✓", "hist": {"_type": "histogram", "bins": [1, 2]}}
    store.create_run(record("j", config=config, summary=summary))
    got = store.get_run("j")
    assert got is not None
    assert same(got.config, config)
    assert same(got.summary, summary)
    # flush replaces config and summary as a whole
    store.flush("j", config={"lr": 1.0, "nested": {"deep": {"er": "ß"}}}, summary={"loss": -INF})
    got = store.get_run("j")
    assert same(got.config, {"lr": 1.0, "nested": {"deep": {"er": "ß"}}})  # type: ignore[union-attr]
    assert same(got.summary, {"loss": -INF})  # type: ignore[union-attr]


def test_flush_heartbeat_only_touches_the_heartbeat(store: Store) -> None:
    store.create_run(record("h", config={"a": 1}, summary={"s": 2}))
    store.flush("h", heartbeat_at=5555.5)
    got = store.get_run("h")
    assert got is not None
    assert (got.heartbeat_at, got.config, got.summary, got.state) == (5555.5, {"a": 1}, {"s": 2}, "running")


# -- metric chunks ------------------------------------------------------------

def test_chunk_upsert_by_seq_replaces_the_chunk(store: Store) -> None:
    store.create_run(record("c"))
    store.flush("c", chunks=[ChunkWrite("loss", 0, [0, 1], [1.0, 2.0], [0.5, 0.4])])
    store.flush("c", chunks=[ChunkWrite("loss", 0, [0, 1, 2], [1.0, 2.0, 3.0], [0.5, 0.4, 0.3])])
    s = store.read_history(["c"])["c"]["loss"]
    assert points(s) == [(0, 0.5), (1, 0.4), (2, 0.3)]
    assert s.times.tolist() == pytest.approx([1.0, 2.0, 3.0], abs=1e-3)
    assert s.steps.dtype == np.int64 and s.values.dtype == np.float64


def test_chunks_concatenate_in_seq_order(store: Store) -> None:
    store.create_run(record("m"))
    store.flush("m", chunks=[ChunkWrite("x", 2, [20, 21], [3.0, 3.0], [20.0, 21.0])])
    store.flush("m", chunks=[ChunkWrite("x", 0, [0, 1, 2], [1.0, 1.0, 1.0], [0.0, 1.0, 2.0]),
                             ChunkWrite("x", 1, [10], [2.0], [10.0])])
    s = store.read_history(["m"])["m"]["x"]
    assert s.steps.tolist() == [0, 1, 2, 10, 20, 21]
    assert s.values.tolist() == [0.0, 1.0, 2.0, 10.0, 20.0, 21.0]
    assert s.times.tolist() == pytest.approx([1, 1, 1, 2, 3, 3], abs=1e-3)


def test_many_points_and_timestamps_survive(store: Store) -> None:
    store.create_run(record("big"))
    n = 20_000
    steps = list(range(0, 2 * n, 2))
    times = [1_700_000_000.0 + i * 0.001 for i in range(n)]
    values = [math.sin(i) for i in range(n)]
    store.flush("big", chunks=[ChunkWrite("v", 0, steps, times, values)])
    s = store.read_history(["big"])["big"]["v"]
    assert s.steps.tolist() == steps
    assert s.values.tolist() == values  # float64 bit-exact
    assert np.max(np.abs(s.times - np.array(times))) < 2e-3


def test_text_values_use_the_json_kind(store: Store) -> None:
    store.create_run(record("txt"))
    values = ["hello", "ünï ✓", 1.5, None, NAN, INF, -INF, {"_type": "table", "path": "t.json"}, True]
    store.flush("txt", chunks=[ChunkWrite("note", 0, list(range(len(values))), [1.0] * len(values), values)])
    s = store.read_history(["txt"])["txt"]["note"]
    assert s.values.dtype == object
    assert same(s.values.tolist(), values)
    assert s.steps.tolist() == list(range(len(values)))


def test_nan_and_inf_floats_are_preserved(store: Store) -> None:
    store.create_run(record("nan"))
    store.flush("nan", chunks=[ChunkWrite("x", 0, [0, 1, 2, 3], [1.0] * 4, [NAN, INF, -INF, 0.0])])
    v = store.read_history(["nan"])["nan"]["x"].values
    assert v.dtype == np.float64
    assert math.isnan(v[0]) and v[1] == INF and v[2] == -INF and v[3] == 0.0


def test_read_history_keys_filter_empty_and_unknown(store: Store) -> None:
    store.create_run(record("r"))
    store.create_run(record("empty"))
    store.flush("r", chunks=[ChunkWrite("a", 0, [0, 1], [1.0, 1.0], [1.0, 2.0]),
                             ChunkWrite("b", 0, [1], [1.0], [5.0]),
                             ChunkWrite("c", 0, [0], [1.0], [7.0])])
    assert sorted(store.read_history(["r"])["r"]) == ["a", "b", "c"]
    only = store.read_history(["r"], keys=["b", "missing"])
    assert list(only["r"]) == ["b"] and points(only["r"]["b"]) == [(1, 5.0)]
    assert store.read_history(["r"], keys=[]) == {"r": {}}
    assert store.read_history([]) == {}
    both = store.read_history(["empty", "r", "nobody"])
    assert list(both) == ["empty", "r", "nobody"]
    assert both["empty"] == {} and both["nobody"] == {} and sorted(both["r"]) == ["a", "b", "c"]


def test_read_history_of_many_runs(store: Store) -> None:
    ids = [f"run{i:04d}" for i in range(520)]  # more than one batch of ids
    for i, rid in enumerate(ids):
        store.create_run(record(rid, created_at=float(i)))
        store.flush(rid, chunks=[ChunkWrite("k", 0, [0, 1], [1.0, 2.0], [float(i), float(-i)])])
    out = store.read_history(ids)
    assert list(out) == ids
    for i, rid in enumerate(ids):
        assert points(out[rid]["k"]) == [(0, float(i)), (1, float(-i))]
    assert points(store.read_history(ids[::-1], keys=["k"])[ids[7]]["k"]) == [(0, 7.0), (1, -7.0)]


def test_next_chunk_seqs_last_step_and_history_keys(store: Store) -> None:
    store.create_run(record("s"))
    assert store.next_chunk_seqs("s") == {}
    assert store.last_step("s") is None
    assert store.history_keys("s") == []
    store.flush("s", chunks=[ChunkWrite("zeta", 0, [0, 1], [1.0, 1.0], [1.0, 1.0]),
                             ChunkWrite("alpha", 0, [5, 9], [1.0, 1.0], [1.0, 1.0])])
    store.flush("s", chunks=[ChunkWrite("zeta", 1, [2, 3], [1.0, 1.0], [1.0, 1.0]),
                             ChunkWrite("zeta", 2, [4, 1], [1.0, 1.0], [1.0, 1.0])])  # a lower step, stored as given
    assert store.next_chunk_seqs("s") == {"zeta": 3, "alpha": 1}
    assert store.last_step("s") == 9
    assert store.history_keys("s") == ["alpha", "zeta"]
    assert store.read_history(["s"])["s"]["zeta"].steps.tolist() == [0, 1, 2, 3, 4, 1]
    assert store.next_chunk_seqs("other") == {} and store.last_step("other") is None


def test_activity_changes_when_runs_start_and_beat(store: Store) -> None:
    assert store.activity() == (0, 0.0)
    store.create_run(record("a1", project="p", created_at=100.0))
    store.create_run(record("a2", project="q", created_at=200.0))
    assert store.activity() == (2, 200.0)
    assert store.activity("p") == (1, 100.0)
    store.flush("a1", heartbeat_at=300.5)
    assert store.activity() == (2, 300.5) and store.activity("p") == (1, 300.5)
    assert store.activity("none") == (0, 0.0)


# -- capture, projects, deletion ------------------------------------------------

def test_capture_with_environment_stored_once_per_hash(store: Store, backend_url: str) -> None:
    for rid in ("c1", "c2", "c3"):
        store.create_run(record(rid))
    pkgs = {"numpy": "2.0.0", "ünï": "1.0"}
    store.put_capture("c1", {"host": "h1", "argv": ["train.py", "--lr", "1"]}, "hashA", pkgs)
    store.put_capture("c2", {"host": "h2"}, "hashA", {"numpy": "9.9"})  # same hash: first list kept
    store.put_capture("c3", {"host": "h3"}, None, None)
    assert store.get_capture("c1") == {"host": "h1", "argv": ["train.py", "--lr", "1"], "packages": pkgs}
    assert store.get_capture("c2") == {"host": "h2", "packages": pkgs}
    assert store.get_capture("c3") == {"host": "h3", "packages": {}}
    assert store.get_capture("missing") is None
    assert raw_sql(backend_url, "SELECT hash FROM environments") == [("hashA",)]
    store.put_capture("c1", {"host": "h1", "git": {"dirty": True}}, "hashB", {"torch": "2"})  # replaced
    assert store.get_capture("c1") == {"host": "h1", "git": {"dirty": True}, "packages": {"torch": "2"}}
    assert sorted(raw_sql(backend_url, "SELECT hash FROM environments")) == [("hashA",), ("hashB",)]


def test_projects_are_distinct_and_sorted(store: Store) -> None:
    assert store.projects() == []
    for rid, project in [("1", "zeta"), ("2", "alpha"), ("3", "zeta"), ("4", "Émile")]:
        store.create_run(record(rid, project=project))
    assert store.projects() == ["alpha", "zeta", "Émile"]


def test_delete_run_removes_everything_of_that_run_only(store: Store, backend_url: str) -> None:
    for rid in ("gone", "kept"):
        store.create_run(record(rid, tags=("t",), config={"a": 1}, summary={"s": 1}))
        store.flush(rid, chunks=[ChunkWrite("x", 0, [0], [1.0], [1.0])])
        store.put_capture(rid, {"host": "h"}, "env", {"p": "1"})
    store.delete_run("gone")
    assert store.get_run("gone") is None
    assert store.read_history(["gone"]) == {"gone": {}}
    assert store.get_capture("gone") is None
    assert store.next_chunk_seqs("gone") == {}
    for table in ("run_tags", "run_configs", "run_summaries", "run_capture", "metric_chunks"):
        assert raw_sql(backend_url, f"SELECT DISTINCT run_id FROM {table}") == [("kept",)], table
    kept = store.get_run("kept")
    assert kept is not None and kept.tags == ("t",) and kept.config == {"a": 1}
    assert points(store.read_history(["kept"])["kept"]["x"]) == [(0, 1.0)]
    assert store.get_capture("kept") == {"host": "h", "packages": {"p": "1"}}
    store.delete_run("never-existed")  # no error


# -- sweeps -----------------------------------------------------------------------

def sweep(sweep_id: str, project: str = "proj", created_at: float = 1.0, state: str = "running") -> SweepRecord:
    return SweepRecord(id=sweep_id, project=project, config={"method": "grid", "parameters": {"lr": {"values": [1, 2]}},
                       "name": "ünï"}, state=state, created_at=created_at)


def test_sweeps_create_get_list_and_state(store: Store) -> None:
    store.create_sweep(sweep("s2", project="b", created_at=2.0))
    store.create_sweep(sweep("s1", project="a", created_at=1.0))
    assert store.get_sweep("s1") == sweep("s1", project="a", created_at=1.0)
    assert store.get_sweep("nope") is None
    assert [s.id for s in store.list_sweeps()] == ["s1", "s2"]
    assert [s.id for s in store.list_sweeps("b")] == ["s2"] and store.list_sweeps("c") == []
    with pytest.raises(Exception):
        store.create_sweep(sweep("s1", project="other"))
    assert store.get_sweep("s1").project == "a"  # type: ignore[union-attr]
    store.set_sweep_state("s1", "paused")
    assert store.get_sweep("s1").state == "paused"  # type: ignore[union-attr]
    with pytest.raises(ValueError, match="bogus"):
        store.set_sweep_state("s1", "bogus")
    assert store.get_sweep("s1").state == "paused"  # type: ignore[union-attr]


def test_claim_trial_outcomes(store: Store) -> None:
    store.create_sweep(sweep("sw"))
    first = record("t0", sweep_id="sw", config={"lr": 1})
    assert store.claim_trial(first, params={"lr": 1}, point_key="lr=1", run_cap=2) == "ok"
    assert store.get_run("t0") == first  # the trial's run is created with the claim
    assert store.claim_trial(record("t1", sweep_id="sw"), params={"lr": 1}, point_key="lr=1", run_cap=2) == "taken"
    assert store.get_run("t1") is None
    assert store.claim_trial(record("t2", sweep_id="sw"), params={"lr": 2.5, "ü": [1]}, run_cap=2) == "ok"
    assert store.claim_trial(record("t3", sweep_id="sw"), params={}, run_cap=2) == "cap"
    assert store.get_run("t3") is None
    assert store.list_trials("sw") == [
        TrialRecord(run_id="t0", sweep_id="sw", number=0, point_key="lr=1", params={"lr": 1}),
        TrialRecord(run_id="t2", sweep_id="sw", number=1, point_key=None, params={"lr": 2.5, "ü": [1]}),
    ]
    assert [t.run_id for t in store.list_trials("sw", since=1)] == ["t2"]  # the tail an agent syncs
    assert store.list_trials("sw", since=2) == []
    store.set_sweep_state("sw", "stopped")
    assert store.claim_trial(record("t4", sweep_id="sw"), params={}) == "stopped"
    assert store.get_run("t4") is None
    with pytest.raises(KeyError):
        store.claim_trial(record("t5", sweep_id="missing"), params={})
    assert [r.id for r in store.list_runs(sweep_id="sw")] == ["t0", "t2"]
    assert store.list_trials("missing") == []
    store.delete_run("t0")
    assert [t.run_id for t in store.list_trials("sw")] == ["t2"]


def test_concurrent_claims_are_exact(store: Store, open_new: Callable[[], Store]) -> None:
    store.create_sweep(sweep("race"))
    grid = [f"p{i}" for i in range(6)]
    n_workers, cap = 6, 9
    stores = [open_new() for _ in range(n_workers)]  # one connection each: real concurrency on both backends
    barrier = threading.Barrier(n_workers)
    results: list[tuple[int, str, str]] = []
    errors: list[BaseException] = []

    def agent(w: int) -> None:
        try:
            barrier.wait()
            for attempt in range(4):
                for j, point in enumerate(grid if attempt < 2 else [None, None]):
                    rid = f"w{w}-{attempt}-{j}"
                    outcome = stores[w].claim_trial(record(rid, sweep_id="race"), params={"w": w},
                                                    point_key=point, run_cap=cap)
                    results.append((w, rid, outcome))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=agent, args=(w,)) for w in range(n_workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert errors == []
    trials = store.list_trials("race")
    assert [t.number for t in trials] == list(range(cap))  # run_cap exact, numbers dense
    keys = [t.point_key for t in trials if t.point_key is not None]
    assert sorted(keys) == grid  # every grid point handed out exactly once
    ok = sorted(rid for _, rid, outcome in results if outcome == "ok")
    assert ok == sorted(t.run_id for t in trials)
    assert sorted(r.id for r in store.list_runs(sweep_id="race")) == ok
    assert {outcome for _, _, outcome in results} <= {"ok", "taken", "cap"}


# -- schema ---------------------------------------------------------------------

def test_schema_version_and_migrations_are_idempotent(store: Store, open_new: Callable[[], Store],
                                                      backend_url: str) -> None:
    assert raw_sql(backend_url, "SELECT value FROM nbtrack_meta WHERE key = 'schema_version'") == [
        (str(SCHEMA_VERSION),)
    ]
    store.create_run(record("persist", config={"k": "v"}))
    store.flush("persist", chunks=[ChunkWrite("x", 0, [0, 1], [1.0, 1.0], [3.0, 4.0])])
    again = open_new()  # opening an up-to-date store again migrates nothing and keeps the data
    store.migrate()  # type: ignore[attr-defined]
    assert again.get_run("persist").config == {"k": "v"}  # type: ignore[union-attr]
    assert points(again.read_history(["persist"])["persist"]["x"]) == [(0, 3.0), (1, 4.0)]
    assert raw_sql(backend_url, "SELECT COUNT(*) FROM nbtrack_meta") == [(1,)]


def test_concurrent_first_opens_migrate_once(open_new: Callable[[], Store], backend_url: str) -> None:
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []
    stores: list[Store] = []

    def opener() -> None:
        try:
            barrier.wait()
            stores.append(open_new())
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=opener) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert len(stores) == 4
    stores[0].create_run(record("x"))
    assert [r.id for r in stores[3].list_runs()] == ["x"]


def test_newer_schema_version_raises_schema_error(store: Store, open_new: Callable[[], Store],
                                                  backend_url: str) -> None:
    store.create_run(record("old"))
    raw_sql(backend_url, "UPDATE nbtrack_meta SET value = ? WHERE key = 'schema_version'",
            (str(SCHEMA_VERSION + 1),))
    with pytest.raises(SchemaError, match="newer"):
        open_new()


# -- thread safety --------------------------------------------------------------

def test_threads_share_one_store(store: Store) -> None:
    n_threads, batches, per_batch = 6, 25, 40
    errors: list[BaseException] = []
    barrier = threading.Barrier(n_threads)

    def worker(t: int) -> None:
        rid = f"thread{t}"
        try:
            store.create_run(record(rid, created_at=float(t)))
            barrier.wait()
            for b in range(batches):
                steps = list(range(b * per_batch, (b + 1) * per_batch))
                store.flush(
                    rid,
                    chunks=[ChunkWrite("x", b, steps, [1.0] * per_batch, [float(s * t) for s in steps]),
                            ChunkWrite("y", 0, steps, [1.0] * per_batch, [float(-s) for s in steps])],
                    summary={"b": b}, heartbeat_at=float(b),
                )
                if b % 5 == 0:  # reads interleave with the other threads' writes
                    assert store.last_step(rid) == steps[-1]
                    store.list_runs()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(t,)) for t in range(n_threads)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(120)
    assert errors == []
    total = batches * per_batch
    history = store.read_history([f"thread{t}" for t in range(n_threads)])
    for t in range(n_threads):
        x = history[f"thread{t}"]["x"]
        assert x.steps.tolist() == list(range(total))
        assert x.values.tolist() == [float(s * t) for s in range(total)]
        # y's chunk 0 was replaced by every batch: the last one wins
        assert history[f"thread{t}"]["y"].steps.tolist() == list(range(total - per_batch, total))
        assert store.get_run(f"thread{t}").summary == {"b": batches - 1}  # type: ignore[union-attr]
