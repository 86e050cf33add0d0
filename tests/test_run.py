"""Run lifecycle, config/summary, log semantics, value normalisation and queries, through `nbtrack.init`.

Each test writes to its own NBTRACK_DIR (conftest); what is stored is read back through a new
store connection, so these tests check the database, not the in-memory objects.
"""

from __future__ import annotations

import math
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd
import pytest

import nbtrack
from nbtrack.store import RunRecord, Series, Store, _connect, store_url

RUN_COLUMNS = ["id", "name", "project", "state", "created_at", "runtime", "tags", "group", "job_type", "notes",
               "sweep_id"]


@pytest.fixture
def disk() -> Iterator[Store]:
    """A second, independent connection to the default store (NBTRACK_DIR)."""
    st = _connect(store_url())
    yield st
    st.close()


def rec(disk: Store, run_id: str) -> RunRecord:
    found = disk.get_run(run_id)
    assert found is not None, f"run {run_id} is not in the store"
    return found


def hist(disk: Store, run_id: str) -> dict[str, Series]:
    return disk.read_history([run_id])[run_id]


def pts(series: Series) -> list[tuple[int, Any]]:
    return list(zip(series.steps.tolist(), series.values.tolist()))


# -- lifecycle ------------------------------------------------------------------

def test_context_manager_finishes_the_run(disk: Store) -> None:
    with nbtrack.init(project="life", config={"lr": 0.1}) as run:
        assert run.state == "running" and nbtrack.run is run
        assert rec(disk, run.id).state == "running"
        run.log({"loss": 1.0})
    assert run.state == "finished"
    stored = rec(disk, run.id)
    assert (stored.state, stored.exit_code, stored.error, stored.project) == ("finished", 0, None, "life")
    assert stored.finished_at is not None and stored.finished_at >= stored.created_at
    assert pts(hist(disk, run.id)["loss"]) == [(0, 1.0)]
    assert nbtrack.run is None


def test_exception_marks_failed_stores_traceback_and_propagates(disk: Store) -> None:
    def train(run: Any) -> None:
        run.log({"loss": 2.0})
        raise ValueError("kaboom in training")

    with pytest.raises(ValueError, match="kaboom in training"):
        with nbtrack.init(project="life") as run:
            train(run)
    stored = rec(disk, run.id)
    assert (stored.state, stored.exit_code) == ("failed", 1)
    assert stored.error is not None
    assert stored.error.startswith("Traceback (most recent call last):")
    assert "in train" in stored.error and stored.error.rstrip().endswith("ValueError: kaboom in training")
    assert pts(hist(disk, run.id)["loss"]) == [(0, 2.0)]  # what was logged before the error is kept
    assert nbtrack.run is None


def test_keyboard_interrupt_marks_killed(disk: Store) -> None:
    with pytest.raises(KeyboardInterrupt):
        with nbtrack.init(project="life") as run:
            run.log({"x": 1.0})
            raise KeyboardInterrupt
    assert run.state == "killed"
    stored = rec(disk, run.id)
    assert stored.state == "killed" and stored.exit_code != 0
    assert pts(hist(disk, run.id)["x"]) == [(0, 1.0)]


def test_init_while_active_finishes_the_previous_run(disk: Store) -> None:
    first = nbtrack.init(project="life")
    first.log({"a": 1.0})
    second = nbtrack.init(project="life")
    assert first.state == "finished" and second.state == "running"
    assert rec(disk, first.id).state == "finished"
    assert pts(hist(disk, first.id)["a"]) == [(0, 1.0)]
    assert nbtrack.run is second
    with pytest.raises(nbtrack.RunFinishedError):
        first.log({"a": 2.0})
    second.finish()
    assert rec(disk, second.id).state == "finished"
    assert nbtrack.run is None


def test_finish_with_exit_code_and_twice(disk: Store) -> None:
    run = nbtrack.init(project="life")
    run.finish(exit_code=3)
    run.finish()  # a second finish changes nothing
    stored = rec(disk, run.id)
    assert (run.state, stored.state, stored.exit_code) == ("failed", "failed", 3)


def test_capture_is_stored_even_for_a_short_run(disk: Store) -> None:
    with nbtrack.init(project="life") as run:
        pass
    capture = disk.get_capture(run.id)
    assert capture is not None
    assert capture["python"] == sys.version.split()[0]
    assert capture["pid"] == rec(disk, run.id).pid
    assert capture["host"] and capture["argv"]
    assert capture["packages"].get("numpy") == np.__version__


# -- resume -----------------------------------------------------------------------

def test_resume_allow_must_never(disk: Store) -> None:
    with nbtrack.init(project="res", id="resumable", resume="allow", config={"a": 1}) as run:
        assert run.id == "resumable"
        for i in range(3):
            run.log({"x": float(i)})
    assert rec(disk, "resumable").state == "finished"

    with pytest.raises(ValueError, match="already exists"):
        nbtrack.init(project="res", id="resumable")
    with pytest.raises(ValueError, match="already exists"):
        nbtrack.init(project="res", id="resumable", resume="never")
    with pytest.raises(ValueError, match="must"):
        nbtrack.init(project="res", id="absent", resume="must")
    assert disk.get_run("absent") is None
    assert [r.id for r in disk.list_runs()] == ["resumable"]

    with nbtrack.init(project="res", id="resumable", resume="allow", config={"b": 2}) as again:
        assert again.id == "resumable" and again.state == "running"
        assert rec(disk, "resumable").state == "running"
        assert again.config.a == 1 and again.config.b == 2
        again.log({"x": 3.0})  # continues after the last stored step
    with nbtrack.init(project="res", id="resumable", resume="must") as third:
        third.log({"x": 4.0})
    stored = rec(disk, "resumable")
    assert stored.state == "finished" and stored.config == {"a": 1, "b": 2}
    assert pts(hist(disk, "resumable")["x"]) == [(i, float(i)) for i in range(5)]
    assert stored.summary["x"] == 4.0
    assert len(disk.list_runs()) == 1


# -- config and summary -----------------------------------------------------------

def test_config_attribute_item_nested_update_persisted(disk: Store) -> None:
    run = nbtrack.init(project="cfg", config={"lr": 0.1, "opt": {"name": "adam", "betas": [0.9, 0.99]}})
    assert run.config.lr == 0.1 and run.config["lr"] == 0.1
    assert run.config.opt.name == "adam" and run.config["opt"]["betas"] == [0.9, 0.99]
    assert nbtrack.config is run.config
    run.config.batch = 32
    run.config["epochs"] = np.int64(5)
    run.config.update({"wd": np.float32(0.5), "sched": {"kind": "cos", "warmup": 10}})
    run.config.update(dropout=0.2)
    with pytest.raises(AttributeError):
        _ = run.config.missing
    run.finish()
    expected = {"lr": 0.1, "opt": {"name": "adam", "betas": [0.9, 0.99]}, "batch": 32, "epochs": 5, "wd": 0.5,
                "sched": {"kind": "cos", "warmup": 10}, "dropout": 0.2}
    stored = rec(disk, run.id).config
    assert stored == expected
    assert type(stored["epochs"]) is int and type(stored["wd"]) is float


def test_config_and_summary_reach_the_store_while_running(disk: Store) -> None:
    run = nbtrack.init(project="cfg", config={"lr": 0.1})
    run.config.seed = 7
    run.log({"loss": 0.5})
    deadline = time.time() + 10
    while time.time() < deadline:
        stored = rec(disk, run.id)
        if stored.config.get("seed") == 7 and stored.summary.get("loss") == 0.5 and hist(disk, run.id):
            break
        time.sleep(0.1)
    else:
        pytest.fail(f"the background writer did not flush within 10 s: {rec(disk, run.id)}")
    assert run.state == "running"
    run.finish()


def test_summary_last_value_by_default_and_explicit_writes(disk: Store) -> None:
    with nbtrack.init(project="sum") as run:
        assert nbtrack.summary is run.summary
        for v in (3.0, 1.0, 2.0):
            run.log({"loss": v, "acc": v / 10})
        assert run.summary["loss"] == 2.0
        run.summary["best_loss"] = 1.0
        run.summary.update({"note": "ok", "acc": 0.99})  # an explicit write overrides the last value
        run.summary.epochs = np.int64(3)
    stored = rec(disk, run.id).summary
    assert stored == {"loss": 2.0, "acc": 0.99, "best_loss": 1.0, "note": "ok", "epochs": 3}


# -- log steps ------------------------------------------------------------------------

def test_log_steps_auto_explicit_and_commit(disk: Store) -> None:
    with nbtrack.init(project="steps") as run:
        run.log({"a": 0.0})                        # 0
        run.log({"a": 1.0})                        # 1
        run.log({"b": 2.0}, commit=False)          # 2, not committed
        run.log({"c": 2.0}, commit=False)          # still 2
        run.log({"a": 2.0})                        # 2, committed
        run.log({"a": 10.0}, step=10, commit=True)  # explicit, honoured
        run.log({"a": 11.0})                       # 11
        run.log({"b": 20.0}, step=20)              # explicit, W&B: open until the step moves on
        run.log({"c": 20.0})                       # joins step 20, commits
        run.log({"a": 21.0})                       # 21
        assert run.step == 22
    h = hist(disk, run.id)
    assert pts(h["a"]) == [(0, 0.0), (1, 1.0), (2, 2.0), (10, 10.0), (11, 11.0), (21, 21.0)]
    assert pts(h["b"]) == [(2, 2.0), (20, 20.0)]
    assert pts(h["c"]) == [(2, 2.0), (20, 20.0)]
    frame = nbtrack.history(run)
    assert frame["_step"].tolist() == [0, 1, 2, 10, 11, 20, 21]


def test_lower_step_is_stored_as_given_with_one_warning_per_run(disk: Store) -> None:
    def ours(record: Any) -> list[Any]:
        return [w for w in record if issubclass(w.category, nbtrack.NbtrackWarning)]

    with pytest.warns(nbtrack.NbtrackWarning, match=r"step 3 is lower than the last logged step 10") as caught:
        with nbtrack.init(project="steps") as run:
            run.log({"x": 10.0}, step=10, commit=True)
            run.log({"x": 3.0}, step=3)
            run.log({"x": 2.0}, step=2)
            run.log({"x": 11.0})
    assert len(ours(caught)) == 1
    assert "stored at step 3" in str(ours(caught)[0].message)
    assert pts(hist(disk, run.id)["x"]) == [(10, 10.0), (3, 3.0), (2, 2.0), (11, 11.0)]

    with pytest.warns(nbtrack.NbtrackWarning) as caught_again:  # a new run warns again, once
        with nbtrack.init(project="steps") as other:
            other.log({"x": 1.0}, step=5)
            other.log({"x": 0.0}, step=0)
            other.log({"x": 0.5}, step=1)
    assert len(ours(caught_again)) == 1
    assert pts(hist(disk, other.id)["x"]) == [(5, 1.0), (0, 0.0), (1, 0.5)]


# -- value normalisation ----------------------------------------------------------------

def test_values_are_normalised(disk: Store) -> None:
    with nbtrack.init(project="vals") as run:
        run.log({
            "py_int": 3, "py_float": 0.5, "np_f32": np.float32(0.25), "np_f64": np.float64(0.125),
            "np_i64": np.int64(7), "np_bool": np.bool_(True), "zero_d": np.array(2.5), "zero_d_int": np.array(4),
            "flag": False, "nan": math.nan, "inf": math.inf, "ninf": -math.inf, "np_nan": np.float32("nan"),
            "nested": {"a": {"b": 1.5}, "c": np.int32(2)}, "text": "hello ✓",
        })
        run.log({"text": "world", "py_int": 4})
    h = hist(disk, run.id)
    expected = {"py_int": 3.0, "py_float": 0.5, "np_f32": 0.25, "np_f64": 0.125, "np_i64": 7.0, "np_bool": 1.0,
                "zero_d": 2.5, "zero_d_int": 4.0, "flag": 0.0, "inf": math.inf, "ninf": -math.inf,
                "nested/a/b": 1.5, "nested/c": 2.0}
    for key, value in expected.items():
        assert h[key].values.dtype == np.float64, key
        assert h[key].values[0] == value, key
    assert math.isnan(h["nan"].values[0]) and math.isnan(h["np_nan"].values[0])
    assert pts(h["text"]) == [(0, "hello ✓"), (1, "world")]
    assert pts(h["py_int"]) == [(0, 3.0), (1, 4.0)]
    assert "nested" not in h
    summary = rec(disk, run.id).summary
    assert summary["text"] == "world" and summary["py_int"] == 4
    assert type(summary["np_f32"]) is float and type(summary["np_i64"]) is int and summary["np_bool"] is True
    assert summary["nested/a/b"] == 1.5 and math.isnan(summary["nan"]) and summary["inf"] == math.inf


class FakeTensor:
    """Looks like a 0-d torch tensor (module 'torch'), without torch."""

    __module__ = "torch"
    ndim = 0

    def __init__(self, value: float) -> None:
        self.value = value

    def item(self) -> float:
        return self.value


def test_tensor_like_values_are_unwrapped(disk: Store) -> None:
    with nbtrack.init(project="vals") as run:
        run.log({"np": np.float64(1.0), "arr": np.array(2.0), "t": FakeTensor(1.5)})
        run.log({"t": FakeTensor(-0.5)})
    assert pts(hist(disk, run.id)["t"]) == [(0, 1.5), (1, -0.5)]


def test_logging_numpy_and_tensor_like_values_does_not_import_torch(tmp_path: Any) -> None:
    # in a fresh interpreter: in this one another test may have imported torch already
    code = textwrap.dedent("""
        import sys
        import numpy as np
        import nbtrack

        class FakeTensor:
            __module__ = "torch"
            ndim = 0
            def item(self):
                return 1.5

        with nbtrack.init(project="vals") as run:
            run.log({"np": np.float32(1.0), "arr": np.array(2.0), "i": np.int64(3), "t": FakeTensor()})
            run.log({"nested": {"np": np.float64(4.0)}})
        print(sorted(m for m in ("torch", "jax", "tensorflow") if m in sys.modules), run.id)
    """)
    proc = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    loaded, run_id = proc.stdout.rsplit(" ", 1)
    assert loaded == "[]"
    disk = _connect(store_url())
    try:
        h = hist(disk, run_id.strip())
        assert [pts(h[k]) for k in ("np", "arr", "i", "t", "nested/np")] == [
            [(0, 1.0)], [(0, 2.0)], [(0, 3.0)], [(0, 1.5)], [(1, 4.0)]]
    finally:
        disk.close()


def test_real_torch_scalar_tensor(disk: Store) -> None:
    torch = pytest.importorskip("torch")  # optional: torch is not a dependency
    with nbtrack.init(project="vals") as run:
        run.log({"t": torch.tensor(0.75), "i": torch.tensor(3)})
    h = hist(disk, run.id)
    assert pts(h["t"]) == [(0, 0.75)] and pts(h["i"]) == [(0, 3.0)]


def test_unsupported_value_raises_naming_the_key_and_loses_nothing(disk: Store) -> None:
    with nbtrack.init(project="bad") as run:
        run.log({"a": 1.0})
        with pytest.raises(TypeError, match="'bad'"):
            run.log({"a": 2.0, "bad": object(), "c": 3.0})
        with pytest.raises(TypeError, match=r"'weights'.*shape \(3,\)"):
            run.log({"weights": np.zeros(3)})
        with pytest.raises(TypeError, match="'outer/inner'"):
            run.log({"outer": {"inner": {1, 2}}})
        with pytest.raises(TypeError, match="key 1"):
            run.log({1: 2.0})
        with pytest.raises(TypeError):
            run.log([("a", 1.0)])  # type: ignore[arg-type]
        run.log({"a": 3.0})
    h = hist(disk, run.id)
    assert sorted(h) == ["a"]  # nothing of the failed calls was half-logged
    assert pts(h["a"]) == [(0, 1.0), (1, 3.0)]  # a failed call uses no step
    summary = rec(disk, run.id).summary
    assert summary == {"a": 3.0}


# -- module level --------------------------------------------------------------------

def test_module_level_log_before_init_says_to_call_init() -> None:
    assert nbtrack.run is None and nbtrack.config is None and nbtrack.summary is None
    with pytest.raises(RuntimeError, match=r"nbtrack\.init\(\)"):
        nbtrack.log({"a": 1.0})
    nbtrack.finish()  # without a run: nothing to do, no error


def test_module_level_names_follow_the_current_run(disk: Store) -> None:
    first = nbtrack.init(project="mod", config={"which": 1})
    assert nbtrack.run is first and nbtrack.config.which == 1 and nbtrack.summary is first.summary
    nbtrack.log({"m": 1.0})
    second = nbtrack.init(project="mod", config={"which": 2})
    assert nbtrack.run is second and nbtrack.config.which == 2 and nbtrack.summary is second.summary
    nbtrack.log({"m": 2.0})
    nbtrack.log({"m": 3.0})
    nbtrack.finish()
    assert nbtrack.run is None and second.state == "finished" and first.state == "finished"
    assert pts(hist(disk, first.id)["m"]) == [(0, 1.0)]
    assert pts(hist(disk, second.id)["m"]) == [(0, 2.0), (1, 3.0)]


# -- runs() and history() ------------------------------------------------------------

def _three_runs() -> list[Any]:
    made = []
    for i, (lr, tags) in enumerate([(0.1, ["base"]), (0.01, ["best", "x"]), (0.001, [])]):
        run = nbtrack.init(project="q", name=f"run-{i}", config={"lr": lr, "opt": {"name": "adam"}}, tags=tags,
                           group="g" if i < 2 else None, job_type="train", notes=f"note {i}")
        for step in range(3):
            run.log({"loss": lr * (3 - step), "acc": step / 10})
        if i == 2:
            run.finish(exit_code=1)
        else:
            run.finish()
        made.append(run)
        time.sleep(0.002)  # distinct creation times
    return made


def test_runs_frame_columns_and_filters() -> None:
    empty = nbtrack.runs()
    assert list(empty.columns) == RUN_COLUMNS and len(empty) == 0
    made = _three_runs()
    other = nbtrack.init(project="other", config={"lr": 5.0})
    other.finish()
    frame = nbtrack.runs(project="q")
    assert list(frame.columns) == RUN_COLUMNS + ["config.lr", "config.opt.name", "summary.acc", "summary.loss"]
    assert frame["id"].tolist() == [r.id for r in made]
    assert frame["name"].tolist() == ["run-0", "run-1", "run-2"]
    assert frame["state"].tolist() == ["finished", "finished", "failed"]
    assert frame["tags"].tolist() == [["base"], ["best", "x"], []]
    assert frame["group"].tolist()[:2] == ["g", "g"] and frame["group"].isna().tolist()[2]
    assert frame["notes"].tolist() == ["note 0", "note 1", "note 2"]
    assert frame["config.opt.name"].tolist() == ["adam"] * 3
    assert frame["summary.loss"].tolist() == pytest.approx([0.1, 0.01, 0.001])
    assert str(frame["created_at"].dtype).startswith("datetime64") and frame["created_at"].dt.tz is not None
    assert frame["runtime"].dtype == np.float64 and (frame["runtime"] >= 0).all()
    assert frame["sweep_id"].isna().all()

    everything = nbtrack.runs()
    assert len(everything) == 4 and set(everything["project"]) == {"q", "other"}
    assert nbtrack.runs(filters={"state": "failed"})["name"].tolist() == ["run-2"]
    assert nbtrack.runs("q", filters={"config.lr": {"$lt": 0.05}})["name"].tolist() == ["run-1", "run-2"]
    assert nbtrack.runs(filters={"tags": "best"})["name"].tolist() == ["run-1"]
    assert nbtrack.runs(filters={"config.lr": {"$gte": 1.0}})["id"].tolist() == [other.id]
    with pytest.raises(KeyError, match="config.nope"):
        nbtrack.runs(filters={"config.nope": 1})


def test_history_accepts_run_id_list_frame_and_project() -> None:
    made = _three_runs()
    by_run = nbtrack.history(made[0])
    assert list(by_run.columns) == ["run_id", "_step", "_timestamp", "acc", "loss"]
    assert by_run["run_id"].tolist() == [made[0].id] * 3
    assert by_run["_step"].tolist() == [0, 1, 2]
    assert by_run["loss"].tolist() == pytest.approx([0.3, 0.2, 0.1])
    assert (by_run["_timestamp"] > 1e9).all()

    by_id = nbtrack.history(made[1].id, keys=["loss"])
    assert list(by_id.columns) == ["run_id", "_step", "_timestamp", "loss"]
    assert by_id["loss"].tolist() == pytest.approx([0.03, 0.02, 0.01])

    by_list = nbtrack.history([made[2], made[0].id])
    assert by_list["run_id"].tolist() == [made[2].id] * 3 + [made[0].id] * 3

    frame = nbtrack.runs("q", filters={"state": "finished"})
    by_frame = nbtrack.history(frame, keys="acc")
    assert list(by_frame.columns) == ["run_id", "_step", "_timestamp", "acc"]
    assert by_frame["run_id"].tolist() == [made[0].id] * 3 + [made[1].id] * 3

    by_project = nbtrack.history("q")
    assert len(by_project) == 9 and set(by_project["run_id"]) == {r.id for r in made}
    pd.testing.assert_frame_equal(by_project.iloc[:3].reset_index(drop=True), by_run)

    with pytest.raises(KeyError, match="neither a run id nor a project"):
        nbtrack.history("no-such-thing")


def test_history_of_a_run_without_points_is_empty() -> None:
    with nbtrack.init(project="q") as run:
        pass
    frame = nbtrack.history(run)
    assert len(frame) == 0 and list(frame.columns) == ["run_id", "_step", "_timestamp"]
