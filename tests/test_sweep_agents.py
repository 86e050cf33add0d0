"""Sweep agents end to end: real stores (a SQLite file, a PostgreSQL server), real agent processes.

Exactness under contention (grid points and run_cap across 4 agent processes released at once),
the run a trial becomes (config, state, error, history), Hyperband pruning, metric.target,
Ctrl-C and resume, stop_sweep from another process. The pure sweep modules have their own
unit tests (test_sweep_*.py); these tests go through `nbtrack.sweep` / `nbtrack.agent`.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import nbtrack
from nbtrack import _current
from nbtrack.store import RunRecord, Store, _connect, store_url
from nbtrack.sweeps._agent import sweep_state

PYTHON = sys.executable
AGENT_TIMEOUT = 120  # seconds a group of agent processes may take before the test fails (no hang)

# An agent process: imports everything first, says it is ready, waits for the go file (so that
# the agents start claiming at the same moment), then runs `nbtrack.agent` with `train`.
AGENT_SCRIPT = """
import os, sys, time, pathlib, random
import nbtrack
from nbtrack.sweeps import _agent, _controller  # warm the imports before the start line
import optuna

def train():
    run = nbtrack.init(config={"x": -1, "default_only": 7})
    time.sleep(random.uniform(0, 0.02))
    for epoch in range(2):
        run.log({"loss": float(run.config.x) + epoch})

barrier = pathlib.Path(os.environ["BARRIER"])
(barrier / f"ready-{os.getpid()}").touch()
while not (barrier / "go").exists():
    time.sleep(0.005)
count = int(sys.argv[2]) if len(sys.argv) > 2 else None
done = nbtrack.agent(sys.argv[1], function=train, count=count, progress=False)
print("trials", done)
"""


@pytest.fixture
def disk() -> Iterator[Store]:
    """A second, independent connection to the default store (NBTRACK_DIR)."""
    st = _connect(store_url())
    yield st
    st.close()


@pytest.fixture
def shared(backend_url: str) -> Iterator[tuple[str, Store]]:
    """(URL, connection) of a fresh store on each backend that agent processes share."""
    st = _connect(backend_url)
    yield backend_url, st
    st.close()


def agent_env(url: str, **extra: str) -> dict[str, str]:
    """The environment of an agent process: the shared store in NBTRACK_STORE and no NBTRACK_DIR,
    so a process that fell back to a local store would write under its own cwd (and be caught)."""
    env = {k: v for k, v in os.environ.items() if k not in ("NBTRACK_DIR", "NBTRACK_STORE")}
    env.update(NBTRACK_STORE=url, PYTHONUNBUFFERED="1", **extra)
    return env


def start_agents(tmp_path: Path, url: str, sweep_id: str, n: int, *, count: int | None = None,
                 script: str = AGENT_SCRIPT) -> tuple[list[subprocess.Popen[str]], list[Path]]:
    """n agent processes, each from its own working directory (standing for a machine), released together."""
    barrier = tmp_path / "barrier"
    barrier.mkdir()
    procs, cwds = [], []
    for i in range(n):
        cwd = tmp_path / f"machine-{i}"
        cwd.mkdir()
        args = [PYTHON, "-c", script, sweep_id] + ([str(count)] if count is not None else [])
        procs.append(subprocess.Popen(args, cwd=cwd, env=agent_env(url, BARRIER=str(barrier)),
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
        cwds.append(cwd)
    deadline = time.monotonic() + AGENT_TIMEOUT
    while len(list(barrier.glob("ready-*"))) < n:
        if any(p.poll() is not None for p in procs) or time.monotonic() > deadline:
            outputs = wait_all(procs, timeout=5, check=False)
            pytest.fail(f"an agent process did not get ready: {outputs}")
        time.sleep(0.01)
    (barrier / "go").touch()
    return procs, cwds


def wait_all(procs: list[subprocess.Popen[str]], *, timeout: float = AGENT_TIMEOUT,
             check: bool = True) -> list[tuple[int | None, str, str]]:
    """Wait for every process (killing them all past the timeout); fail unless each exited 0."""
    deadline = time.monotonic() + timeout
    results = []
    for proc in procs:
        try:
            out, err = proc.communicate(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            for p in procs:
                p.kill()
            out, err = proc.communicate()
            results.append((None, out, err))
            if check:
                pytest.fail(f"agent process {proc.pid} hung (killed after {timeout} s): {err[-3000:]}")
            continue
        results.append((proc.returncode, out, err))
    if check:
        bad = [r for r in results if r[0] != 0]
        assert not bad, f"agent processes failed: {[(rc, err[-3000:]) for rc, _, err in bad]}"
    return results


def sweep_runs(st: Store, sweep_id: str) -> list[RunRecord]:
    return st.list_runs(sweep_id=sweep_id)


def grid_configs(xs: list[Any], ys: list[Any]) -> set[tuple[Any, Any]]:
    return {(x, y) for x in xs for y in ys}


# -- exactness across processes -------------------------------------------------------

GRID = {
    "method": "grid",
    "metric": {"name": "loss", "goal": "minimize"},
    "parameters": {
        "x": {"values": [1, 2, 3]},
        "opt": {"parameters": {"y": {"values": ["a", "b", "c", "d"]}, "mom": {"value": 0.9}}},
    },
}


def test_four_agent_processes_run_each_grid_point_exactly_once(tmp_path: Path, shared: tuple[str, Store]) -> None:
    url, st = shared
    sweep_id = nbtrack.sweep(GRID, project="grid4", store=url)
    procs, cwds = start_agents(tmp_path, url, sweep_id, 4)
    outputs = wait_all(procs)

    done = [int(out.split()[-1]) for _, out, _ in outputs]
    runs = sweep_runs(st, sweep_id)
    configs = [(r.config["x"], r.config["opt"]["y"]) for r in runs]
    assert sum(done) == len(runs) == 12, (done, configs)
    assert Counter(configs) == Counter(grid_configs([1, 2, 3], ["a", "b", "c", "d"])), "a grid point ran twice or never"
    trials = st.list_trials(sweep_id)
    assert sorted(t.number for t in trials) == list(range(12))
    assert len({t.point_key for t in trials}) == 12
    assert {r.state for r in runs} == {"finished"}
    assert all(r.config["opt"]["mom"] == 0.9 and r.config["default_only"] == 7 for r in runs)
    assert len({r.pid for r in runs}) >= 2, "the agents did not run concurrently: the test proves nothing"
    history = st.read_history([r.id for r in runs], ["loss"])
    for r in runs:
        assert history[r.id]["loss"].values.tolist() == [r.config["x"], r.config["x"] + 1]
        assert r.summary["loss"] == r.config["x"] + 1
    assert st.get_sweep(sweep_id).state == "finished"
    # each "machine" wrote to the shared store, nothing under its own working directory
    assert not any((cwd / ".nbtrack").exists() for cwd in cwds)


def test_run_cap_is_exact_across_four_agent_processes(tmp_path: Path, shared: tuple[str, Store]) -> None:
    url, st = shared
    config = {
        "method": "random",
        "metric": {"name": "loss"},
        "run_cap": 10,
        "parameters": {"x": {"min": 0.0, "max": 1.0}, "y": {"values": [1, 2]}},
    }
    sweep_id = nbtrack.sweep(config, project="cap", store=url)
    procs, _ = start_agents(tmp_path, url, sweep_id, 4)  # no count: only the cap ends them
    outputs = wait_all(procs)

    runs = sweep_runs(st, sweep_id)
    assert sum(int(out.split()[-1]) for _, out, _ in outputs) == 10
    assert len(runs) == len(st.list_trials(sweep_id)) == 10
    assert {r.state for r in runs} == {"finished"}
    assert len({r.config["x"] for r in runs}) == 10
    assert len({r.pid for r in runs}) >= 2, "the agents did not run concurrently: the test proves nothing"
    assert st.get_sweep(sweep_id).state == "finished"


# -- the run a trial becomes --------------------------------------------------------------

def test_sweep_values_override_init_defaults_and_nest(disk: Store) -> None:
    sweep_id = nbtrack.sweep({
        "method": "grid",
        "parameters": {
            "lr": {"values": [0.1, 0.01]},
            "optimizer": {"parameters": {"name": {"value": "adam"}, "beta": {"values": [0.9]}}},
        },
    }, project="cfg")
    seen: list[dict[str, Any]] = []

    def train() -> None:
        run = nbtrack.init(config={"lr": 1.0, "epochs": 3, "optimizer": {"name": "sgd", "manual_key": 1}})
        seen.append(run.config.as_dict())
        assert run.config.lr in (0.1, 0.01) and run.config.epochs == 3
        assert run.config.optimizer["name"] == "adam"
        run.log({"loss": run.config.lr})

    assert nbtrack.agent(sweep_id, function=train, progress=False) == 2
    assert [c["lr"] for c in seen] == [0.1, 0.01]
    for c in seen:
        assert c["epochs"] == 3
        # as in W&B (SWEEP_SPEC §2d): the nested sweep value replaces the whole sub-dict of the defaults
        assert c["optimizer"] == {"beta": 0.9, "name": "adam"}
    stored = disk.list_runs(sweep_id=sweep_id)
    assert [r.config for r in stored] == seen
    assert all(r.sweep_id == sweep_id and r.project == "cfg" and r.state == "finished" for r in stored)
    # the agent is done: the next init() is an ordinary run again, not a trial
    with nbtrack.init(project="cfg", config={"lr": 5}) as plain:
        assert plain.sweep_id is None and plain.config.lr == 5


def test_a_failing_function_fails_its_run_and_the_agent_goes_on(disk: Store, capsys: pytest.CaptureFixture[str]) -> None:
    sweep_id = nbtrack.sweep({"method": "grid", "metric": {"name": "loss"},
                              "parameters": {"x": {"values": [1, 2, 3]}}}, project="fail")

    def train() -> None:
        run = nbtrack.init()
        run.log({"loss": run.config.x})
        if run.config.x == 2:
            raise ValueError("boom at x=2")

    assert nbtrack.agent(sweep_id, function=train) == 3  # with the progress bar
    runs = disk.list_runs(sweep_id=sweep_id)
    assert [(r.config["x"], r.state) for r in runs] == [(1, "finished"), (2, "failed"), (3, "finished")]
    failed = runs[1]
    assert "Traceback" in failed.error and "ValueError: boom at x=2" in failed.error
    assert failed.exit_code == 1 and failed.summary["loss"] == 2
    assert "boom at x=2" in capsys.readouterr().err
    assert disk.get_sweep(sweep_id).state == "finished"


def test_a_function_that_never_calls_init_fails_its_runs_clearly(disk: Store) -> None:
    sweep_id = nbtrack.sweep({"method": "random", "parameters": {"x": {"min": 0.0, "max": 1.0}}}, project="noinit")
    calls = []
    assert nbtrack.agent(sweep_id, function=lambda: calls.append(1), count=2, progress=False) == 2
    runs = disk.list_runs(sweep_id=sweep_id)
    assert len(calls) == 2 and [r.state for r in runs] == ["failed", "failed"]
    assert all("did not call nbtrack.init()" in r.error for r in runs)
    with nbtrack.init(project="noinit") as plain:  # no trial left pending for the next init
        assert plain.sweep_id is None


def test_a_function_failing_before_init_records_why(disk: Store) -> None:
    sweep_id = nbtrack.sweep({"method": "random", "parameters": {"x": {"min": 0.0, "max": 1.0}}})

    def train() -> None:
        raise RuntimeError("no GPU")

    assert nbtrack.agent(sweep_id, function=train, count=1, progress=False) == 1
    (run,) = disk.list_runs(sweep_id=sweep_id)
    assert run.state == "failed"
    assert "did not call nbtrack.init()" in run.error and "RuntimeError: no GPU" in run.error


def test_agent_on_a_store_other_than_the_default(tmp_path: Path, disk: Store) -> None:
    """`agent(..., store=URL)`: the function's plain `init()` attaches to the trial in that store."""
    other = f"sqlite:///{tmp_path / 'elsewhere' / 'nbtrack.db'}"
    sweep_id = nbtrack.sweep({"method": "grid", "parameters": {"x": {"values": [1, 2]}}}, store=other)

    def train() -> None:
        with nbtrack.init() as run:
            run.log({"loss": run.config.x})

    assert nbtrack.agent(sweep_id, function=train, store=other, progress=False) == 2
    st = _connect(other)
    try:
        assert [(r.config["x"], r.state) for r in st.list_runs(sweep_id=sweep_id)] == [(1, "finished"), (2, "finished")]
    finally:
        st.close()
    assert disk.list_runs() == [] and "NBTRACK_STORE" not in os.environ
    with nbtrack.init(project="home") as plain:  # the default store is the default again
        pass
    assert [r.id for r in disk.list_runs()] == [plain.id]


def test_deleting_a_trial_run_does_not_break_later_claims(disk: Store) -> None:
    sweep_id = nbtrack.sweep({"method": "random", "run_cap": 3, "parameters": {"x": {"min": 0.0, "max": 1.0}}})

    def train() -> None:
        nbtrack.init().log({"loss": 1.0})

    assert nbtrack.agent(sweep_id, function=train, count=2, progress=False) == 2
    first = disk.list_runs(sweep_id=sweep_id)[0]
    disk.delete_run(first.id)
    assert nbtrack.agent(sweep_id, function=train, progress=False) == 2  # the cap counts the remaining trials
    assert [t.number for t in disk.list_trials(sweep_id)] == [1, 2, 3]
    assert len(disk.list_runs(sweep_id=sweep_id)) == 3


def test_bayes_sweep_runs_and_feeds_back_the_metric(disk: Store) -> None:
    sweep_id = nbtrack.sweep({"method": "bayes", "metric": {"name": "acc", "goal": "maximize"},
                              "parameters": {"x": {"min": -2.0, "max": 2.0}, "k": {"values": ["a", "b"]}}})

    def train() -> None:
        with nbtrack.init() as run:
            run.log({"acc": 1 - run.config.x ** 2})
            run.log({"acc": 0.5 - run.config.x ** 2})

    assert nbtrack.agent(sweep_id, function=train, count=3, progress=False) == 3
    runs = disk.list_runs(sweep_id=sweep_id)
    assert [r.state for r in runs] == ["finished"] * 3
    from nbtrack.sweeps._controller import SweepController

    controller = SweepController(disk, sweep_id)
    controller.sync()
    best_id, best = controller.best()
    # the objective is each run's best logged value (the first, here), not its last
    assert best == max(1 - r.config["x"] ** 2 for r in runs)
    assert [t.values for t in controller.study.trials] == [[1 - r.config["x"] ** 2] for r in runs]


def test_controllers_of_two_agents_each_learn_every_ended_trial(disk: Store) -> None:
    """The incremental sync: each agent's sampler sees the other agent's trials once they end, once each."""
    from nbtrack.sweeps._controller import SweepController

    sweep_id = nbtrack.sweep({"method": "random", "metric": {"name": "loss"},
                              "parameters": {"x": {"min": 0.0, "max": 1.0}}})
    agents = [SweepController(disk, sweep_id, seed=1), SweepController(disk, sweep_id, seed=2)]
    for i in range(6):
        trial = agents[i % 2].next_trial()
        assert trial is not None
        with _current.agent_scope(pending_trial=trial.run_id, store=disk):  # what the agent does
            with nbtrack.init() as run:
                assert run.id == trial.run_id
                run.log({"loss": run.config.x})
    for controller in agents:
        controller.sync()
        assert [t.number for t in controller._trials] == list(range(6))
        told = controller.study.get_trials(deepcopy=False)
        done = sorted(t.value for t in told if t.value is not None)
        assert len(done) == 6, "a trial was missed or told twice"
        assert done == sorted(r.config["x"] for r in disk.list_runs(sweep_id=sweep_id))
        assert controller.best()[1] == done[0]


# -- Hyperband and target ------------------------------------------------------------------

def test_hyperband_prunes_the_worse_runs_and_keeps_their_points(disk: Store) -> None:
    sweep_id = nbtrack.sweep({
        "method": "grid",
        "metric": {"name": "loss", "goal": "minimize"},
        "early_terminate": {"type": "hyperband", "min_iter": 2, "eta": 2},  # bands 2, 4, 8, ...
        "parameters": {"q": {"values": [0, 1, 2, 3, 4]}},  # later points are clearly worse
    }, project="hb")
    epochs_run: dict[int, int] = {}

    def train() -> None:
        with nbtrack.init() as run:
            for epoch in range(8):
                epochs_run[run.config.q] = epoch + 1
                run.log({"loss": run.config.q + 1 / (epoch + 1)})  # raises RunPruned when stopped

    assert nbtrack.agent(sweep_id, function=train, progress=False) == 5
    runs = disk.list_runs(sweep_id=sweep_id)
    states = {r.config["q"]: r.state for r in runs}
    # at band 2: q=0,1 tie or beat the threshold (their own values count); q>=2 is above it
    assert states == {0: "finished", 1: "finished", 2: "pruned", 3: "pruned", 4: "pruned"}
    assert epochs_run == {0: 8, 1: 8, 2: 2, 3: 2, 4: 2}, "a pruned run went on training"
    history = disk.read_history([r.id for r in runs], ["loss"])
    for r in runs:
        q = r.config["q"]
        assert history[r.id]["loss"].values.tolist() == [q + 1 / (e + 1) for e in range(epochs_run[q])]
        if r.state == "pruned":
            assert r.summary["loss"] == q + 0.5 and "Hyperband" in r.error and r.exit_code == 0


def test_hyperband_counts_only_finite_values_as_iterations(disk: Store) -> None:
    sweep_id = nbtrack.sweep({
        "method": "grid",
        "metric": {"name": "loss"},
        "early_terminate": {"type": "hyperband", "min_iter": 2, "eta": 2},
        "parameters": {"q": {"values": [0, 1, 5]}},
    })

    def train() -> None:
        run = nbtrack.init()
        run.log({"loss": float("nan")})  # not an iteration (SWEEP_SPEC §5)
        for epoch in range(4):
            run.log({"loss": run.config.q + 1 / (epoch + 1)})

    nbtrack.agent(sweep_id, function=train, progress=False)
    runs = disk.list_runs(sweep_id=sweep_id)
    assert [r.state for r in runs] == ["finished", "finished", "pruned"]
    pruned = disk.read_history([runs[2].id], ["loss"])[runs[2].id]["loss"].values.tolist()
    assert len(pruned) == 3 and pruned[1:] == [6.0, 5.5]  # stopped at its 2nd finite value


def test_metric_target_stops_new_runs_once_reached(disk: Store) -> None:
    sweep_id = nbtrack.sweep({
        "method": "grid",
        "metric": {"name": "loss", "goal": "minimize", "target": 2.5},
        "parameters": {"x": {"values": [5, 4, 3, 2, 1, 0]}},
    }, project="target")

    def train() -> None:
        with nbtrack.init() as run:
            run.log({"loss": run.config.x + 1})
            run.log({"loss": run.config.x})

    assert nbtrack.agent(sweep_id, function=train, progress=False) == 4
    runs = disk.list_runs(sweep_id=sweep_id)
    assert [r.config["x"] for r in runs] == [5, 4, 3, 2]  # x=2 reached the target: nothing after it
    assert disk.get_sweep(sweep_id).state == "finished"
    assert nbtrack.agent(sweep_id, function=train, progress=False) == 0


# -- Ctrl-C, resume, stop ------------------------------------------------------------------

INTERRUPTIBLE = """
import os, sys, time, pathlib
import nbtrack

def train():
    run = nbtrack.init()
    run.log({"loss": float(run.config.x)})
    if run.config.x == 2:
        pathlib.Path(os.environ["MARK"]).write_text(run.id)
        time.sleep(120)  # Ctrl-C arrives here
    run.log({"loss": run.config.x - 0.5})

done = nbtrack.agent(sys.argv[1], function=train, progress=False)
print("trials", done)
"""


def test_ctrl_c_kills_the_current_run_then_a_new_agent_resumes_the_sweep(tmp_path: Path, disk: Store) -> None:
    sweep_id = nbtrack.sweep({"method": "grid", "metric": {"name": "loss"},
                              "parameters": {"x": {"values": [1, 2, 3, 4]}}}, project="intr")
    mark = tmp_path / "mark"
    proc = subprocess.Popen([PYTHON, "-c", INTERRUPTIBLE, sweep_id], cwd=tmp_path,
                            env={**os.environ, "MARK": str(mark)},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + AGENT_TIMEOUT
    while not mark.exists():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the agent never reached the second trial"
        time.sleep(0.02)
    time.sleep(0.1)
    proc.send_signal(signal.SIGINT)
    try:
        out, err = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        pytest.fail(f"the agent hung after Ctrl-C: {proc.communicate()}")
    assert proc.returncode == 0, err  # the agent returned; the process ended normally
    assert out.split() == ["trials", "2"]
    assert "interrupted" in err and "Traceback" not in err
    killed_id = mark.read_text()
    killed = disk.get_run(killed_id)
    assert (killed.state, killed.error, killed.config["x"]) == ("killed", "KeyboardInterrupt", 2)
    assert disk.read_history([killed_id], ["loss"])[killed_id]["loss"].values.tolist() == [2.0]
    assert disk.get_sweep(sweep_id).state == "running"

    # a new agent (a restarted kernel) picks the sweep up where it stopped; the killed point is not redone
    seen: list[int] = []

    def train() -> None:
        with nbtrack.init() as run:
            seen.append(run.config.x)
            run.log({"loss": float(run.config.x)})

    assert nbtrack.agent(sweep_id, function=train, progress=False) == 2
    assert seen == [3, 4]
    runs = disk.list_runs(sweep_id=sweep_id)
    assert [(r.config["x"], r.state) for r in runs] == [(1, "finished"), (2, "killed"), (3, "finished"),
                                                        (4, "finished")]
    assert disk.get_sweep(sweep_id).state == "finished"


def test_ctrl_c_in_process_marks_the_run_killed_and_returns(disk: Store) -> None:
    """The notebook case: KeyboardInterrupt inside the function; agent() returns, the kernel goes on."""
    sweep_id = nbtrack.sweep({"method": "random", "parameters": {"x": {"min": 0.0, "max": 1.0}}})
    calls = []

    def train() -> None:
        run = nbtrack.init()
        calls.append(run.id)
        run.log({"loss": 1.0})
        if len(calls) == 2:
            raise KeyboardInterrupt

    assert nbtrack.agent(sweep_id, function=train, count=5, progress=False) == 2
    assert [disk.get_run(i).state for i in calls] == ["finished", "killed"]
    assert nbtrack.run is None
    assert nbtrack.agent(sweep_id, function=train, count=1, progress=False) == 1  # usable again


def test_ctrl_c_between_trials_returns_cleanly(monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    from nbtrack.sweeps._controller import SweepController

    sweep_id = nbtrack.sweep({"method": "random", "parameters": {"x": {"min": 0.0, "max": 1.0}}})
    claim = SweepController.next_trial
    calls = []

    def next_trial(self: SweepController) -> Any:
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt  # while claiming the second trial
        return claim(self)

    monkeypatch.setattr(SweepController, "next_trial", next_trial)
    assert nbtrack.agent(sweep_id, function=lambda: nbtrack.init().finish(), count=5, progress=False) == 1
    assert "interrupted" in capsys.readouterr().err


def test_a_crashed_agent_process_leaves_a_crashed_trial_that_resume_skips(tmp_path: Path, disk: Store) -> None:
    sweep_id = nbtrack.sweep({"method": "grid", "metric": {"name": "loss"},
                              "parameters": {"x": {"values": [1, 2, 3]}}}, project="crash")
    mark = tmp_path / "mark"
    proc = subprocess.Popen([PYTHON, "-c", INTERRUPTIBLE, sweep_id], cwd=tmp_path,
                            env={**os.environ, "MARK": str(mark)},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + AGENT_TIMEOUT
    while not mark.exists():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.02)
    proc.kill()  # SIGKILL: the kernel dies
    proc.communicate(timeout=30)
    from nbtrack._liveness import effective_state

    assert effective_state(disk.get_run(mark.read_text())) == "crashed"
    seen: list[int] = []

    def train() -> None:
        with nbtrack.init() as run:
            seen.append(run.config.x)
            run.log({"loss": 0.0})

    assert nbtrack.agent(sweep_id, function=train, progress=False) == 1
    assert seen == [3] and disk.get_sweep(sweep_id).state == "finished"


STOPPABLE = """
import sys, time
import nbtrack

def train():
    with nbtrack.init() as run:
        run.log({"loss": run.config.x})
        time.sleep(0.05)

print("trials", nbtrack.agent(sys.argv[1], function=train, progress=False))
"""


def test_stop_sweep_from_another_process_stops_handing_out_trials(tmp_path: Path, shared: tuple[str, Store]) -> None:
    url, st = shared
    sweep_id = nbtrack.sweep({"method": "random", "parameters": {"x": {"min": 0.0, "max": 1.0}}}, store=url)
    proc = subprocess.Popen([PYTHON, "-c", STOPPABLE, sweep_id], cwd=tmp_path, env=agent_env(url),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + AGENT_TIMEOUT
    while len(st.list_trials(sweep_id)) < 3:
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the agent did not start trials"
        time.sleep(0.02)
    nbtrack.stop_sweep(sweep_id, store=url)
    handed_out = len(st.list_trials(sweep_id))
    (rc, out, err), = wait_all([proc], timeout=30)
    assert len(st.list_trials(sweep_id)) == handed_out, "a trial was handed out after the stop"
    assert out.split() == ["trials", str(handed_out)]
    runs = st.list_runs(sweep_id=sweep_id)
    assert len(runs) == handed_out and {r.state for r in runs} == {"finished"}  # the running one finished
    assert st.get_sweep(sweep_id).state == "stopped"
    assert sweep_state(sweep_id, store=url) == "stopped"
    with pytest.raises(KeyError):
        nbtrack.stop_sweep("nosuchsweep", store=url)


def test_agent_rejects_a_bad_count_and_an_unknown_sweep() -> None:
    sweep_id = nbtrack.sweep({"method": "random", "parameters": {"x": {"min": 0.0, "max": 1.0}}})
    for bad in (0, -1, 1.5, "2"):
        with pytest.raises(ValueError, match="count"):
            nbtrack.agent(sweep_id, function=lambda: None, count=bad)
    with pytest.raises(KeyError, match="nosuch"):
        nbtrack.agent("nosuch", function=lambda: None)
