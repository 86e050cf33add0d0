"""`nbtrack sweep FILE.yaml`, `nbtrack sweep --stop ID` and `nbtrack agent ID [--count N]`, as a shell runs them.

The agent launches the sweep's `program` through its `command` (W&B's macros) in a child
process; the child's `nbtrack.init()` attaches to its trial through the environment, and
its metric, its failure and its pruning come back to the store.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from nbtrack.store import Store, _connect, store_url

PYTHON = sys.executable
TIMEOUT = 90


@pytest.fixture
def disk() -> Iterator[Store]:
    st = _connect(store_url())
    yield st
    st.close()


def nbtrack_cli(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """`nbtrack ARGS` in a shell at `cwd` (the store is the test's NBTRACK_DIR, via the environment)."""
    return subprocess.run([PYTHON, "-m", "nbtrack", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=TIMEOUT, env=env)


def write(path: Path, text: str) -> Path:
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


def create_sweep(tmp_path: Path, yaml_text: str) -> str:
    write(tmp_path / "sweep.yaml", yaml_text)
    out = nbtrack_cli("sweep", "sweep.yaml", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    sweep_id = out.stdout.strip()
    assert len(sweep_id.split()) == 1 and sweep_id.isalnum(), f"`nbtrack sweep` should print only the id: {out.stdout!r}"
    return sweep_id


# A W&B-style training script: reads its config from nbtrack.config, records what it was given.
TRAIN = """
import sys
import nbtrack

run = nbtrack.init(config={"epochs": 3})
run.summary["argv"] = sys.argv[1:]
for epoch in range(run.config.epochs):
    nbtrack.log({"loss": run.config.lr * (run.config.epochs - epoch)})
if run.config.lr == 0.4:
    raise ValueError("diverged at lr=0.4")
"""


def test_cli_sweep_and_agent_run_the_program_through_the_default_command(tmp_path: Path, disk: Store) -> None:
    write(tmp_path / "train.py", TRAIN)
    sweep_id = create_sweep(tmp_path, """
        program: train.py
        method: grid
        metric:
          name: loss
          goal: minimize
        parameters:
          lr:
            values: [0.1, 0.2, 0.4, 0.8]
          tag:
            value: baseline
    """)
    sweep = disk.get_sweep(sweep_id)
    assert sweep.state == "running" and sweep.config["program"] == "train.py"

    out = nbtrack_cli("agent", sweep_id, "--count", "3", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    runs = disk.list_runs(sweep_id=sweep_id)
    assert [(r.config["lr"], r.state) for r in runs] == [(0.1, "finished"), (0.2, "finished"), (0.4, "failed")]
    for r in runs:
        # ${env} ${interpreter} ${program} ${args}: --key=value per parameter, constants included
        assert r.summary["argv"] == [f"--lr={r.config['lr']}", "--tag=baseline"]
        assert r.config["epochs"] == 3 and r.config["tag"] == "baseline"
        assert r.summary["loss"] == pytest.approx(r.config["lr"])  # the child's metric came back
        assert r.pid != os.getpid()
    assert len(disk.read_history([runs[0].id], ["loss"])[runs[0].id]["loss"].values) == 3
    assert "ValueError: diverged at lr=0.4" in runs[2].error  # the child's own traceback
    assert disk.get_sweep(sweep_id).state == "running"  # one grid point is left

    out = nbtrack_cli("sweep", "--stop", sweep_id, cwd=tmp_path)
    assert out.returncode == 0 and sweep_id in out.stdout
    assert disk.get_sweep(sweep_id).state == "stopped"
    out = nbtrack_cli("agent", sweep_id, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert len(disk.list_runs(sweep_id=sweep_id)) == 3  # a stopped sweep hands out nothing


CUSTOM = """
import json, os, sys
import nbtrack

assert sys.argv[1] == "--config-file", sys.argv
with open(sys.argv[2]) as f:
    from_file = json.load(f)
pairs = dict(arg.split("=", 1) for arg in sys.argv[3:-1])
with nbtrack.init(config=from_file) as run:
    run.summary["argv"] = sys.argv[3:]
    run.summary["from_file"] = from_file
    run.summary["sweep_env"] = os.environ.get("WANDB_SWEEP_ID")
    run.log({"acc": run.config.depth / 10 + (0.05 if run.config.model["kind"] == "tree" else 0)})
    assert pairs["depth"] == str(run.config.depth)
"""


def test_cli_agent_renders_a_custom_command_with_macros(tmp_path: Path, disk: Store) -> None:
    write(tmp_path / "fit.py", CUSTOM)
    sweep_id = create_sweep(tmp_path, """
        program: fit.py
        method: random
        metric: {name: acc, goal: maximize}
        parameters:
          depth: {values: [1, 2, 3]}
          model:
            parameters:
              kind: {values: [tree, linear]}
        command:
          - ${env}
          - ${interpreter}
          - ${program}
          - --config-file
          - ${args_json_file}
          - ${args_no_hyphens}
          - --literal=${depth}
    """)
    out = nbtrack_cli("agent", sweep_id, "--count", "2", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    runs = disk.list_runs(sweep_id=sweep_id)
    assert [r.state for r in runs] == ["finished", "finished"], [r.error for r in runs]
    for r in runs:
        depth, model = r.config["depth"], r.config["model"]
        assert r.summary["from_file"] == {"depth": depth, "model": model}  # ${args_json_file}
        # ${args_no_hyphens}: key=value with Python's str() of the value; a partial chunk stays literal
        assert r.summary["argv"] == [f"depth={depth}", f"model={model}", "--literal=${depth}"]
        assert r.summary["sweep_env"] == sweep_id
        assert r.summary["acc"] == pytest.approx(depth / 10 + (0.05 if model["kind"] == "tree" else 0))


# A training script that never catches RunPruned: the uncaught exception ends the process,
# and its exit hook must record the run as pruned (not failed).
PRUNABLE = """
import nbtrack

run = nbtrack.init()
for epoch in range(6):
    nbtrack.log({"loss": run.config.q + 1 / (epoch + 1)})
"""


def test_cli_agent_child_pruned_by_hyperband_ends_pruned(tmp_path: Path, disk: Store) -> None:
    write(tmp_path / "prunable.py", PRUNABLE)
    sweep_id = create_sweep(tmp_path, """
        program: prunable.py
        method: grid
        metric: {name: loss, goal: minimize}
        early_terminate: {type: hyperband, min_iter: 2, eta: 2}
        parameters:
          q: {values: [0, 1, 2, 3]}
    """)
    out = nbtrack_cli("agent", sweep_id, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    runs = disk.list_runs(sweep_id=sweep_id)
    assert [(r.config["q"], r.state) for r in runs] == [(0, "finished"), (1, "finished"), (2, "pruned"),
                                                        (3, "pruned")], [r.error for r in runs]
    history = disk.read_history([r.id for r in runs], ["loss"])
    assert [len(history[r.id]["loss"].values) for r in runs] == [6, 6, 2, 2]  # pruned runs keep their points
    assert all("Hyperband" in r.error for r in runs[2:])
    assert disk.get_sweep(sweep_id).state == "finished"


def test_cli_agent_marks_a_program_that_never_attaches_as_failed(tmp_path: Path, disk: Store) -> None:
    write(tmp_path / "noop.py", "import sys\nsys.exit(int(sys.argv[1].split('=')[1]))\n")
    sweep_id = create_sweep(tmp_path, """
        program: noop.py
        method: grid
        parameters:
          code: {values: [0, 3]}
    """)
    out = nbtrack_cli("agent", sweep_id, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    runs = disk.list_runs(sweep_id=sweep_id)
    assert [r.state for r in runs] == ["failed", "failed"]
    assert "did not call nbtrack.init()" in runs[0].error
    assert "exited with code 3" in runs[1].error


SLOW = """
import os, pathlib, time
import nbtrack

run = nbtrack.init()
run.log({"loss": 1.0})
pathlib.Path(os.environ["MARK"]).write_text(run.id)
time.sleep(120)
"""


def test_cli_agent_ctrl_c_in_a_terminal_kills_the_run_and_exits(tmp_path: Path, disk: Store) -> None:
    """Ctrl-C in a terminal reaches the agent and its program (one process group): no hang, run killed."""
    import signal
    import time

    write(tmp_path / "slow.py", SLOW)
    sweep_id = create_sweep(tmp_path, """
        program: slow.py
        method: grid
        parameters:
          x: {values: [1, 2]}
    """)
    mark = tmp_path / "mark"
    proc = subprocess.Popen([PYTHON, "-m", "nbtrack", "agent", sweep_id], cwd=tmp_path, start_new_session=True,
                            env={**os.environ, "MARK": str(mark)}, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    deadline = time.monotonic() + TIMEOUT
    while not mark.exists():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the program never started"
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGINT)
    try:
        _, err = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        pytest.fail(f"the agent hung after Ctrl-C: {proc.communicate()}")
    assert proc.returncode == 0, err
    assert "interrupted" in err
    runs = disk.list_runs(sweep_id=sweep_id)
    assert [(r.id, r.state) for r in runs] == [(mark.read_text(), "killed")]  # the second point never started
    assert disk.get_sweep(sweep_id).state == "running"  # resumable


@pytest.mark.postgres
def test_cli_agents_in_different_directories_share_a_postgres_sweep(tmp_path: Path, pg_url: str) -> None:
    env = {k: v for k, v in os.environ.items() if k != "NBTRACK_DIR"}
    env["NBTRACK_STORE"] = pg_url
    home = tmp_path / "laptop"
    home.mkdir()
    write(home / "sweep.yaml", """
        program: train.py
        method: grid
        parameters:
          lr: {values: [0.1, 0.2, 0.8]}
    """)
    out = nbtrack_cli("sweep", "sweep.yaml", "--project", "team", cwd=home, env=env)
    assert out.returncode == 0, out.stderr
    sweep_id = out.stdout.strip()
    machines = []
    for name in ("gpu-a", "gpu-b"):
        machine = tmp_path / name
        machine.mkdir()
        write(machine / "train.py", TRAIN)
        machines.append(subprocess.Popen([PYTHON, "-m", "nbtrack", "agent", sweep_id], cwd=machine, env=env,
                                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    for proc in machines:
        _, err = proc.communicate(timeout=TIMEOUT)
        assert proc.returncode == 0, err
    st = _connect(pg_url)
    try:
        runs = st.list_runs(sweep_id=sweep_id)
        assert sorted(r.config["lr"] for r in runs) == [0.1, 0.2, 0.8]
        assert {r.state for r in runs} == {"finished"} and {r.project for r in runs} == {"team"}
        assert st.get_sweep(sweep_id).state == "finished"
    finally:
        st.close()
    assert not any((tmp_path / d / ".nbtrack").exists() for d in ("laptop", "gpu-a", "gpu-b"))
