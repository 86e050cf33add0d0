"""Durability and process behaviour, with real subprocesses: SIGKILL, concurrent writers, exit hooks, imports."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

import nbtrack
from nbtrack.store import Store, _connect, store_url

PYTHON = sys.executable  # the venv's interpreter


@pytest.fixture
def disk() -> Iterator[Store]:
    st = _connect(store_url())
    yield st
    st.close()


def write_script(tmp_path: Path, name: str, body: str) -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(body))
    return path


def run_script(path: Path, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([PYTHON, str(path), *args], cwd=path.parent, capture_output=True, text=True,
                          timeout=timeout)


def read_line(proc: subprocess.Popen[str], timeout: float) -> str:
    """The child's next stdout line, failing the test (with its stderr) if none comes in time."""
    box: list[str] = []
    reader = threading.Thread(target=lambda: box.append(proc.stdout.readline()), daemon=True)  # type: ignore[union-attr]
    reader.start()
    reader.join(timeout)
    if not box or not box[0]:
        proc.kill()
        _, err = proc.communicate(timeout=10)
        pytest.fail(f"child printed nothing within {timeout} s; stderr:\n{err}")
    return box[0].strip()


# -- (a) SIGKILL ---------------------------------------------------------------------

CRASH_SCRIPT = """
    import time
    import nbtrack

    run = nbtrack.init(project="crash", id="victim")
    print("started", flush=True)
    step = 0
    while True:
        run.log({"x": float(step), "y": -float(step)})
        step += 1
        if step % 50 == 0:
            time.sleep(0.001)
"""


def test_sigkill_leaves_a_crashed_run_with_a_contiguous_prefix(tmp_path: Path, disk: Store) -> None:
    script = write_script(tmp_path, "crash.py", CRASH_SCRIPT)
    proc = subprocess.Popen([PYTHON, str(script)], cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        assert read_line(proc, 60) == "started"
        time.sleep(2.0)
        deadline = time.time() + 10
        while disk.last_step("victim") is None and time.time() < deadline:  # at least one flush landed
            time.sleep(0.1)
        assert proc.poll() is None, proc.communicate()[1]
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)  # reaped: its pid is gone
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
        proc.stdout.close()  # type: ignore[union-attr]
        proc.stderr.close()  # type: ignore[union-attr]
    assert proc.returncode == -signal.SIGKILL

    assert disk.get_run("victim").state == "running"  # type: ignore[union-attr]  # as the child left it
    frame = nbtrack.runs(project="crash")
    assert frame["state"].tolist() == ["crashed"]
    assert disk.get_run("victim").state == "running"  # type: ignore[union-attr]  # a read never writes

    h = disk.read_history(["victim"])["victim"]
    n = len(h["x"].steps)
    assert n > 0
    assert h["x"].steps.tolist() == list(range(n))
    assert np.array_equal(h["x"].values, np.arange(n, dtype=float))
    assert h["y"].steps.tolist() == list(range(n))  # both keys of each log call were written together
    assert np.array_equal(h["y"].values, -np.arange(n, dtype=float))
    assert disk.get_run("victim").summary["x"] == float(n - 1)  # type: ignore[union-attr]
    db = store_url()[len("sqlite:///"):]
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)


# -- (b) + (e) many writing processes ---------------------------------------------------

WORKER_SCRIPT = """
    import os, sys, time
    import nbtrack

    idx, go, steps = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    print("ready", flush=True)
    while not os.path.exists(go):  # all processes open the (fresh) store at the same moment
        time.sleep(0.002)
    run = nbtrack.init(project="conc", id=f"worker{idx}", config={"idx": idx})
    for step in range(steps):
        run.log({"a": float(step), "b": float(idx * 1_000_000 + step), "c": (step % 7) / 7})
        if step % 500 == 499:
            time.sleep(0.03)  # spread the logging over a few flush intervals
    run.finish()
    print("done", flush=True)
"""

N_PROCS, N_STEPS = 4, 20_000


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def shared_store_env(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Where the worker processes write: the default SQLite store (NBTRACK_DIR) or NBTRACK_STORE=<PostgreSQL>."""
    if request.param == "postgres":
        monkeypatch.setenv("NBTRACK_STORE", request.getfixturevalue("pg_url"))
    return str(request.param)


def test_concurrent_processes_lose_no_point(tmp_path: Path, shared_store_env: str) -> None:
    script = write_script(tmp_path, "worker.py", WORKER_SCRIPT)
    go = tmp_path / "go"
    procs = [
        subprocess.Popen([PYTHON, str(script), str(i), str(go), str(N_STEPS)], cwd=tmp_path,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for i in range(N_PROCS)
    ]
    try:
        for p in procs:
            assert read_line(p, 60) == "ready"
        go.touch()
        results = [p.communicate(timeout=180) for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.communicate()
    for p, (out, err) in zip(procs, results):
        assert p.returncode == 0, err
        assert out.strip() == "done", err
        assert "locked" not in err.lower(), err
        assert "could not write" not in err, err  # the writer never had to retry

    st = _connect(store_url())
    try:
        assert st.url.startswith("postgresql" if shared_store_env == "postgres" else "sqlite")
        ids = [f"worker{i}" for i in range(N_PROCS)]
        runs = {r.id: r for r in st.list_runs("conc")}
        assert sorted(runs) == ids
        history = st.read_history(ids)
        steps = np.arange(N_STEPS)
        for i, rid in enumerate(ids):
            assert runs[rid].state == "finished" and runs[rid].config == {"idx": i}
            h = history[rid]
            assert sorted(h) == ["a", "b", "c"]
            for key in "abc":
                assert np.array_equal(h[key].steps, steps), (rid, key)
            assert np.array_equal(h["a"].values, steps.astype(float))
            assert np.array_equal(h["b"].values, (i * 1_000_000 + steps).astype(float))
            assert np.array_equal(h["c"].values, (steps % 7) / 7)
            assert runs[rid].summary == {"a": N_STEPS - 1.0, "b": i * 1_000_000 + N_STEPS - 1.0,
                                         "c": ((N_STEPS - 1) % 7) / 7}
        total = sum(len(history[rid][k].steps) for rid in ids for k in "abc")
        assert total == N_PROCS * N_STEPS * 3
    finally:
        st.close()


# -- (c) scripts that end without finish() ---------------------------------------------

def test_script_without_finish_has_its_run_finished(tmp_path: Path, disk: Store) -> None:
    script = write_script(tmp_path, "nofinish.py", """
        import nbtrack
        run = nbtrack.init(project="exit", id="nofinish", config={"k": 1})
        for i in range(5):
            run.log({"x": float(i)})
        run.summary["best"] = 4.0
    """)
    proc = run_script(script)
    assert proc.returncode == 0, proc.stderr
    stored = disk.get_run("nofinish")
    assert stored is not None
    assert (stored.state, stored.exit_code, stored.error) == ("finished", 0, None)
    assert stored.summary == {"x": 4.0, "best": 4.0}
    assert disk.read_history(["nofinish"])["nofinish"]["x"].steps.tolist() == [0, 1, 2, 3, 4]
    assert nbtrack.runs(project="exit")["state"].tolist() == ["finished"]


def test_script_ending_with_an_uncaught_exception_has_its_run_failed(tmp_path: Path, disk: Store) -> None:
    script = write_script(tmp_path, "uncaught.py", """
        import nbtrack
        run = nbtrack.init(project="exit", id="uncaught")
        run.log({"x": 1.0})

        def explode():
            raise RuntimeError("uncaught boom")

        explode()
    """)
    proc = run_script(script)
    assert proc.returncode != 0
    assert "RuntimeError: uncaught boom" in proc.stderr  # the script's own traceback still prints
    stored = disk.get_run("uncaught")
    assert stored is not None and stored.state == "failed" and stored.exit_code != 0
    assert stored.error is not None and stored.error.startswith("Traceback (most recent call last):")
    assert "in explode" in stored.error and "RuntimeError: uncaught boom" in stored.error
    assert disk.read_history(["uncaught"])["uncaught"]["x"].values.tolist() == [1.0]


def test_script_interrupted_by_ctrl_c_has_its_run_killed(tmp_path: Path, disk: Store) -> None:
    script = write_script(tmp_path, "interrupted.py", """
        import nbtrack
        run = nbtrack.init(project="exit", id="interrupted")
        run.log({"x": 1.0})
        raise KeyboardInterrupt
    """)
    proc = run_script(script)
    assert proc.returncode != 0
    stored = disk.get_run("interrupted")
    assert stored is not None and stored.state == "killed"


# -- (d) import hygiene ------------------------------------------------------------

HEAVY = ["IPython", "ipywidgets", "anywidget", "plotly", "optuna", "pandas", "numpy", "psycopg", "sqlalchemy",
         "nbtrack.magics", "nbtrack.ui"]


def _loaded_in_fresh_interpreter(code: str, tmp_path: Path) -> list[str]:
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)))"
    proc = subprocess.run([PYTHON, "-c", probe], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return list(json.loads(proc.stdout.strip().splitlines()[-1]))


def test_import_nbtrack_imports_nothing_heavy(tmp_path: Path) -> None:
    assert _loaded_in_fresh_interpreter("import nbtrack", tmp_path) == []


def test_tracking_from_a_script_imports_no_notebook_layer(tmp_path: Path) -> None:
    code = ("import nbtrack\n"
            "with nbtrack.init(project='imp') as run:\n"
            "    run.log({'a': 1.0, 'b': 'text'})\n")
    loaded = _loaded_in_fresh_interpreter(code, tmp_path)
    assert not set(loaded) & {"IPython", "ipywidgets", "anywidget", "plotly", "optuna", "psycopg",
                              "nbtrack.magics", "nbtrack.ui"}, loaded
