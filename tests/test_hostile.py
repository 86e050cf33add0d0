"""Hostile conditions: values and steps beyond what the store holds, configs it cannot encode, a store that
fails on write (disk full, a lock held by another process), forked children, SIGTERM, a resumed run read
from another process and a read-only store. Real subprocesses, real SQLite files, real signals."""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest

import nbtrack
from nbtrack import NbtrackWarning, _current
from nbtrack._writer import DROPPED_KEY, MAX_PENDING
from nbtrack.store import Store, _connect, open_store, store_url

PYTHON = sys.executable


@pytest.fixture
def disk() -> Iterator[Store]:
    st = _connect(store_url())
    yield st
    st.close()


def db_path() -> str:
    return store_url()[len("sqlite:///"):]


def integrity_ok() -> bool:
    with sqlite3.connect(db_path()) as conn:
        return conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def run_script(tmp_path: Path, name: str, body: str, *args: str,
               timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Write `body` (dedented) to tmp_path/name and run it there to the end, capturing its output."""
    script = tmp_path / name
    script.write_text(textwrap.dedent(body))
    return subprocess.run([PYTHON, str(script), *args], cwd=tmp_path, capture_output=True, text=True,
                          timeout=timeout)


@contextlib.contextmanager
def store_locked() -> Iterator[None]:
    """Another process holds an exclusive lock on the SQLite store for the duration of the block."""
    holder = subprocess.Popen(
        [PYTHON, "-c", textwrap.dedent(f"""
            import sqlite3, sys
            conn = sqlite3.connect({db_path()!r}, isolation_level=None)
            conn.execute("BEGIN EXCLUSIVE")
            print("locked", flush=True)
            sys.stdin.readline()
            conn.execute("ROLLBACK")
        """)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"  # type: ignore[union-attr]
        yield
    finally:
        holder.communicate("\n", timeout=30)


def wait_for(what: Callable[[], object], timeout: float, message: str) -> object:
    """Poll `what` until it returns something truthy; fail with `message` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        got = what()
        if got:
            return got
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout} s: {message}")
        time.sleep(0.05)


class Child:
    """A Python script in a subprocess, driven line by line over stdin/stdout."""

    def __init__(self, tmp_path: Path, body: str, env: dict[str, str] | None = None) -> None:
        script = tmp_path / f"child_{id(self)}.py"
        script.write_text(textwrap.dedent(body))
        self.proc = subprocess.Popen(
            [PYTHON, str(script)], cwd=tmp_path, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True, env={**os.environ, **(env or {})})
        self.err: list[str] = []
        threading.Thread(target=lambda: self.err.extend(self.proc.stderr), daemon=True).start()  # type: ignore[arg-type]

    def line(self, timeout: float = 60) -> str:
        box: list[str] = []
        reader = threading.Thread(target=lambda: box.append(self.proc.stdout.readline()), daemon=True)  # type: ignore[union-attr]
        reader.start()
        reader.join(timeout)
        if not box or not box[0]:
            self.proc.kill()
            self.proc.wait(10)
            time.sleep(0.2)
            pytest.fail(f"child printed nothing within {timeout} s; stderr:\n{self.stderr}")
        return box[0].strip()

    def send(self, command: str, timeout: float = 60) -> list[str]:
        """Send a command; return the words of the child's acknowledgement (`ack <command> <step>`)."""
        self.proc.stdin.write(command + "\n")  # type: ignore[union-attr]
        self.proc.stdin.flush()  # type: ignore[union-attr]
        words = self.line(timeout).split()
        assert words[:2] == ["ack", command], (words, self.stderr)
        return words

    @property
    def stderr(self) -> str:
        return "".join(self.err)

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(10)


@pytest.fixture
def child(tmp_path: Path) -> Iterator[Callable[..., Child]]:
    made: list[Child] = []

    def make(body: str, env: dict[str, str] | None = None) -> Child:
        made.append(Child(tmp_path, body, env))
        return made[-1]

    yield make
    for c in made:
        c.close()


# -- (2) a bad value costs only itself ---------------------------------------------------

def test_an_int_beyond_float64_is_refused_at_the_call_naming_the_key(disk: Store) -> None:
    run = nbtrack.init(project="hostile", id="big")
    run.log({"x": 1.0})
    with pytest.raises(ValueError, match=r"key 'big'.*float64"):
        run.log({"x": 2.0, "big": 10**400})
    with pytest.raises(ValueError, match=r"key 'nested/big'"):
        run.log({"nested": {"big": -(10**400)}})
    with pytest.raises(ValueError, match=r"key 'np'"):
        run.log({"np": np.array(10**400, dtype=object)[()]})  # an object scalar is a plain int: refused
    run.log({"x": 3.0, "huge": 2**1000, "u64": np.uint64(2**64 - 1), "nan": float("nan"), "inf": float("-inf")})
    run.finish()
    assert disk.get_run("big").state == "finished"  # type: ignore[union-attr]
    h = disk.read_history(["big"])["big"]
    assert h["x"].values.tolist() == [1.0, 3.0]  # the refused calls stored nothing, the others everything
    assert h["huge"].values.tolist() == [float(2**1000)]
    assert h["u64"].values.tolist() == [float(2**64 - 1)]
    assert np.isnan(h["nan"].values[0]) and h["inf"].values.tolist() == [float("-inf")]
    assert "big" not in disk.get_run("big").summary  # type: ignore[union-attr]


def test_steps_outside_int64_are_refused_and_the_extremes_are_stored_exactly(disk: Store) -> None:
    run = nbtrack.init(project="hostile", id="steps")
    for bad in (2**63, 2**63 - 1, -(2**63) - 1, 10**30, float(2**70)):
        with pytest.raises(ValueError, match="int64"):
            run.log({"x": 0.0}, step=bad)
    extremes = [-(2**63), 2**63 - 2, 0, -5]
    with pytest.warns(NbtrackWarning, match="lower than the last logged step"):
        for s in extremes:
            run.log({"x": float(s % 7)}, step=s)
    run.finish()
    h = disk.read_history(["steps"])["steps"]
    assert h["x"].steps.tolist() == extremes  # the codec's int64 deltas wrap and unwrap exactly
    assert disk.get_run("steps").state == "finished"  # type: ignore[union-attr]


class _Unstorable:
    """A rich value whose JSON form is not JSON: the store fails on it, not `log`."""

    def _nbtrack_json(self, run: object, key: str) -> object:
        return {"_type": "custom", "payload": {1j}}


def test_a_value_the_store_cannot_write_costs_only_its_key(disk: Store, caplog: pytest.LogCaptureFixture) -> None:
    run = nbtrack.init(project="hostile", id="isolate")
    with caplog.at_level(logging.WARNING, logger="nbtrack"):
        for i in range(20):
            run.log({"a": float(i), "odd": _Unstorable()} if i == 7 else {"a": float(i)})
        run.log({"ok": 1.0, "bad\ud800key": 2.0})  # a key SQLite cannot encode (a lone surrogate)
        run._writer.flush()
        run.log({"ok": 2.0, "bad\ud800key": 3.0})  # left out at once: no second failing write
        run.finish()
    assert disk.get_run("isolate").state == "finished"  # type: ignore[union-attr]
    h = disk.read_history(["isolate"])["isolate"]
    assert h["a"].values.tolist() == [float(i) for i in range(20)]  # the batch lived on
    assert h["ok"].values.tolist() == [1.0, 2.0]
    assert "odd" not in h
    assert run._writer.dropped == 3  # odd's one point, the bad key's two
    warnings = [r.getMessage() for r in caplog.records]
    assert any("'odd'" in w and "points dropped" in w for w in warnings), warnings
    assert any("bad" in w and "points dropped" in w for w in warnings), warnings
    assert not any("could not write run" in w for w in warnings), warnings  # not mistaken for a store failure


def test_a_rejected_key_costs_only_itself_on_every_backend(backend_url: str,
                                                          caplog: pytest.LogCaptureFixture) -> None:
    st = open_store(backend_url)
    run = nbtrack.init(project="hostile", id="reject", store=st)
    with caplog.at_level(logging.WARNING, logger="nbtrack"):
        for i in range(3):
            run.log({"a": float(i), "odd": _Unstorable(), "nul\x00key": 1.0, "sur\ud800key": 1.0})
            assert run._writer.flush()
        run.finish()
    assert st.get_run("reject").state == "finished"  # type: ignore[union-attr]
    h = st.read_history(["reject"])["reject"]
    assert h["a"].values.tolist() == [0.0, 1.0, 2.0]
    assert "odd" not in h and "sur\ud800key" not in h
    if backend_url.startswith("postgres"):  # PostgreSQL text cannot hold NUL; SQLite's can
        assert "nul\x00key" not in h
    warned = [r.getMessage() for r in caplog.records if "cannot take" in r.getMessage()]
    assert len(warned) == len(set(warned)) >= 2, warned  # once per key


def test_non_string_config_keys_become_str_on_the_callers_thread(disk: Store) -> None:
    run = nbtrack.init(project="hostile", id="cfgkeys", config={"opt": {"lr": 0.1}})
    run.config.opt[1] = 2
    run.config.opt[(3, 4)] = {5: [6, {7: 8}]}
    run.config[9] = "nine"
    assert run.config.opt[1] == 2 and run.config.opt["1"] == 2 and 1 in run.config.opt
    assert run.config[9] == "nine"
    loop = {"a": 1}
    loop["self"] = loop
    with pytest.raises(ValueError, match="circular"):
        run.config.loop = loop
    run.log({"x": 1.0})
    run.finish()
    rec = disk.get_run("cfgkeys")
    assert rec.state == "finished"  # type: ignore[union-attr]
    assert rec.config == {"opt": {"lr": 0.1, "1": 2, "(3, 4)": {"5": [6, {"7": 8}]}}, "9": "nine"}  # type: ignore[union-attr]
    assert disk.read_history(["cfgkeys"])["cfgkeys"]["x"].values.tolist() == [1.0]


def test_a_config_edited_from_another_thread_while_the_writer_flushes(disk: Store) -> None:
    run = nbtrack.init(project="hostile", id="cfgthread", config={"layers": [], "opt": {}})
    stop = threading.Event()
    edits = [0]

    def edit() -> None:
        i = 0
        while not stop.is_set():  # keys come and go: a walk over the live dict would see it change size
            run.config.opt[f"k{i}"] = {"v": i}
            if i >= 500:
                del run.config.opt[f"k{i - 500}"]
            run.config.layers.append(i)
            if len(run.config.layers) > 200:
                del run.config.layers[:100]
            run.config.update({"n": i, "deep": {"i": i}})
            i += 1
        edits[0] = i

    editor = threading.Thread(target=edit)
    switch = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # threads take turns often: a race shows up within the test's few seconds
    editor.start()
    try:
        for i in range(40):  # flushes while the config changes under it
            run.log({"x": float(i)})
            assert run._writer.flush(), run._writer.error
            time.sleep(0.02)
    finally:
        stop.set()
        editor.join()
        sys.setswitchinterval(switch)
    run.finish()
    rec = disk.get_run("cfgthread")
    assert edits[0] > 100
    assert rec.state == "finished"  # type: ignore[union-attr]
    assert rec.config == run.config.as_dict()  # type: ignore[union-attr]  # the last edit is what is stored
    assert rec.config["n"] == edits[0] - 1  # type: ignore[union-attr]
    assert len(disk.read_history(["cfgthread"])["cfgthread"]["x"].steps) == 40


# -- (3) a store that fails on write ---------------------------------------------------

LOGGER = """
    import os, resource, signal, sys, threading, time
    import nbtrack

    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past RLIMIT_FSIZE fails with EFBIG instead
    run = nbtrack.init(project="hostile", id="victim")
    commands = []
    threading.Thread(target=lambda: [commands.append(line.strip()) for line in sys.stdin], daemon=True).start()
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    print("started", flush=True)
    step = 0
    while True:
        if commands:
            command = commands.pop(0)
            if command == "limit":  # every write to a file fails: a full disk
                resource.setrlimit(resource.RLIMIT_FSIZE, (1, hard))
            elif command == "unlimit":
                resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
            elif command == "finish":
                run.finish()
            print("ack", command, step, flush=True)
            if command == "finish":
                break
        run.log({"x": float(step), "y": -float(step)})
        step += 1
        if step % 200 == 0:
            time.sleep(0.001)
"""


def _check_ran_through_a_failure(disk: Store, c: Child, stored_before: int, logged: int) -> None:
    """The run ended `finished`; what was stored before the failure is still there; every logged row is
    either stored or counted as dropped; the file is intact; one warning named the cause."""
    rec = disk.get_run("victim")
    assert rec.state == "finished", c.stderr  # type: ignore[union-attr]
    h = disk.read_history(["victim"])["victim"]
    steps = h["x"].steps.tolist()
    assert steps[:stored_before] == list(range(stored_before))  # nothing already stored was lost
    assert steps == sorted(set(steps)) and h["y"].steps.tolist() == steps
    assert np.array_equal(h["x"].values, np.array(steps, dtype=float))
    dropped = rec.summary.get(DROPPED_KEY, 0)  # type: ignore[union-attr]
    assert len(steps) + dropped == logged, (len(steps), dropped, logged)
    assert integrity_ok()
    assert c.stderr.count("could not write run victim") == 1, c.stderr
    assert "works again" in c.stderr, c.stderr
    assert "Traceback" not in c.stderr, c.stderr


def test_a_full_disk_keeps_the_loop_running_bounds_memory_and_recovers(
        child: Callable[..., Child], disk: Store) -> None:
    c = child(LOGGER)
    assert c.line() == "started"
    stored = wait_for(lambda: disk.last_step("victim"), 30, "a first flush")
    stored_before = int(stored) + 1  # type: ignore[call-overload]
    c.send("limit")
    wait_for(lambda: "could not write run victim" in c.stderr, 30, "the warning that the store fails")
    assert "database or disk is full" in c.stderr or "disk I/O error" in c.stderr, c.stderr
    start = int(c.send("ping")[2])
    # the loop goes on, well past the bound of rows kept in memory
    wait_for(lambda: int(c.send("ping")[2]) > start + MAX_PENDING + 20_000, 120, "logging past the bound")
    c.send("unlimit")
    after = int(c.send("ping")[2])
    wait_for(lambda: (disk.last_step("victim") or 0) >= after, 60, "the writer recovering on its own")
    logged = int(c.send("finish")[2])
    assert c.proc.wait(60) == 0, c.stderr
    _check_ran_through_a_failure(disk, c, stored_before, logged)
    assert disk.get_run("victim").summary[DROPPED_KEY] > 0  # type: ignore[union-attr]
    assert "dropped while it failed" in c.stderr, c.stderr


def test_a_lock_held_past_the_busy_timeout_keeps_the_loop_running_and_recovers(
        child: Callable[..., Child], disk: Store) -> None:
    c = child(LOGGER, env={"NBTRACK_SQLITE_BUSY_TIMEOUT_MS": "200"})
    assert c.line() == "started"
    stored = wait_for(lambda: disk.last_step("victim"), 30, "a first flush")
    stored_before = int(stored) + 1  # type: ignore[call-overload]
    with store_locked():
        wait_for(lambda: "could not write run victim" in c.stderr, 30, "the warning that the store is locked")
        assert "locked" in c.stderr, c.stderr
        start = int(c.send("ping")[2])
        time.sleep(2.5)  # the lock is held for 12+ busy timeouts while the loop goes on
        assert int(c.send("ping")[2]) > start
    after = int(c.send("ping")[2])
    wait_for(lambda: (disk.last_step("victim") or 0) >= after, 60, "the writer recovering on its own")
    logged = int(c.send("finish")[2])
    assert c.proc.wait(60) == 0, c.stderr
    _check_ran_through_a_failure(disk, c, stored_before, logged)


def test_a_write_hanging_on_a_lock_bounds_memory_before_it_times_out(
        child: Callable[..., Child], disk: Store) -> None:
    c = child(LOGGER)  # the default busy timeout: a write waits a minute on the lock
    assert c.line() == "started"
    stored = wait_for(lambda: disk.last_step("victim"), 30, "a first flush")
    stored_before = int(stored) + 1  # type: ignore[call-overload]
    with store_locked():
        wait_for(lambda: "has not answered for" in c.stderr, 40, "the watchdog noticing the hanging write")
        start = int(c.send("ping")[2])
        wait_for(lambda: int(c.send("ping")[2]) > start + MAX_PENDING + 20_000, 120, "logging past the bound")
    after = int(c.send("ping")[2])
    wait_for(lambda: (disk.last_step("victim") or 0) >= after, 60, "the writer going on once the lock is gone")
    logged = int(c.send("finish")[2])
    assert c.proc.wait(60) == 0, c.stderr
    rec = disk.get_run("victim")
    assert rec.state == "finished" and rec.summary[DROPPED_KEY] > 0, c.stderr  # type: ignore[union-attr]
    steps = disk.read_history(["victim"])["victim"]["x"].steps.tolist()
    assert steps[:stored_before] == list(range(stored_before))
    assert len(steps) + rec.summary[DROPPED_KEY] == logged  # type: ignore[union-attr]
    assert "could not write run" not in c.stderr and "works again" in c.stderr, c.stderr
    assert integrity_ok()


UNPRIVILEGED_LOGGER = """
    import os, sys, threading
    import nbtrack

    with nbtrack.init(project="warm-up", mode="disabled") as warm:  # import what a run needs, while we may
        warm.log({"x": 0.0})
    if os.getuid() == 0:  # as root, become nobody: permissions apply to this writer
        os.setgid(65534)
        os.setuid(65534)
    run = nbtrack.init(project="hostile", id="victim", settings={"_disable_stats": True})
    commands = []
    threading.Thread(target=lambda: [commands.append(line.strip()) for line in sys.stdin], daemon=True).start()
    print("started", flush=True)
    step = 0
    while True:
        if commands:
            command = commands.pop(0)
            if command == "finish":
                run.finish()
            print("ack", command, step, flush=True)
            if command == "finish":
                break
        run.log({"x": float(step), "y": -float(step)})
        step += 1
        if step % 200 == 0:
            import time; time.sleep(0.001)
"""


def test_a_store_made_read_only_mid_run_loses_nothing(readable_dir: Path, child: Callable[..., Child]) -> None:
    # POSIX checks permissions when a file is opened: the writer's open connection keeps writing the file.
    store_dir = Path(db_path()).parent
    store_dir.mkdir()
    if os.getuid() == 0:
        os.chown(store_dir, 65534, 65534)
    c = child(UNPRIVILEGED_LOGGER)
    assert c.line() == "started"
    disk = _connect(store_url())
    try:
        wait_for(lambda: disk.last_step("victim"), 30, "a first flush")
        for path in [*store_dir.iterdir(), store_dir]:
            path.chmod(path.stat().st_mode & ~0o222)
        start = int(c.send("ping")[2])
        wait_for(lambda: (disk.last_step("victim") or 0) > start, 30, "writes after the chmod")
        logged = int(c.send("finish")[2])
        assert c.proc.wait(60) == 0, c.stderr
        assert disk.get_run("victim").state == "finished", c.stderr  # type: ignore[union-attr]
        assert disk.read_history(["victim"])["victim"]["x"].steps.tolist() == list(range(logged))
        assert "could not write" not in c.stderr and "Traceback" not in c.stderr, c.stderr
    finally:
        disk.close()
        for path in [store_dir, *store_dir.iterdir()]:
            path.chmod(path.stat().st_mode | 0o200)
    assert integrity_ok()


def test_a_failed_commit_is_rolled_back_so_the_connection_writes_again(tmp_path: Path) -> None:
    out = run_script(tmp_path, "full.py", """
        import resource, signal, sys
        from nbtrack.store import ChunkWrite, open_store
        from nbtrack._run import new_record

        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        st = open_store(sys.argv[1])
        st.create_run(new_record(run_id="r", project="p", name="r", config={}, tags=(), notes=None, group=None,
                                 job_type=None, entity=None, sweep_id=None))
        soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
        resource.setrlimit(resource.RLIMIT_FSIZE, (1, hard))
        big = ChunkWrite("x", 0, list(range(5000)), [1.0] * 5000, [float(i) * 1.1 for i in range(5000)])
        try:
            st.flush("r", chunks=[big])
        except Exception as exc:
            print("failed:", exc)
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        st.flush("r", chunks=[big])
        print("written", st.last_step("r"))
    """, str(tmp_path / "s.db"))
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0].startswith("failed:") and lines[1] == "written 4999", out.stdout


def test_a_commit_that_fails_with_its_transaction_still_open_is_rolled_back(tmp_path: Path) -> None:
    # SQLite rolls back by itself after most I/O errors, not after all: a deferred constraint fails the
    # COMMIT itself and leaves the transaction open, as SQLITE_BUSY and some SQLITE_FULL cases do.
    from nbtrack.store._sqlite import SQLiteStore

    st = SQLiteStore(tmp_path / "s.db")
    st._conn.execute("PRAGMA foreign_keys = ON")
    with st._write() as cur:
        cur.execute("CREATE TABLE parent (id INTEGER PRIMARY KEY)")
        cur.execute("CREATE TABLE child (p INTEGER REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED)")
    with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
        with st._write() as cur:
            cur.execute("INSERT INTO child VALUES (1)")  # checked at COMMIT
    assert not st._conn.in_transaction
    run = nbtrack.init(project="hostile", id="after", store=st)  # BEGIN IMMEDIATE works again
    run.finish()
    assert st.get_run("after").state == "finished"  # type: ignore[union-attr]
    st.close()


# -- (4) liveness from every process -----------------------------------------------------

HOLDER = """
    import sys
    import nbtrack

    run = nbtrack.init(project="hostile", id="held", resume="allow")
    run.log({"x": 1.0})
    print("ack resumed", run.step, flush=True)
    sys.stdin.readline()
    run.finish()
    print("ack finish", run.step, flush=True)
"""

READER = """
    import json, os, sys
    import dataclasses, pandas, numpy, psutil
    import nbtrack, nbtrack._query, nbtrack._liveness, nbtrack.store._sqlite

    if os.getuid() == 0:  # as root, become nobody: the store's files are root's, so this reader cannot write them
        os.setgid(65534)
        os.setuid(65534)
    st = nbtrack.store.open_store()
    frame = nbtrack.runs("hostile", store=st)
    print(json.dumps({"read_only": st.read_only, "states": dict(zip(frame["id"], frame["state"]))}), flush=True)
"""


@pytest.fixture
def readable_dir(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A store directory others may enter and read (pytest's tmp_path is private to root)."""
    import shutil
    import tempfile

    base = Path(tempfile.mkdtemp(prefix="nbtrack-hostile-", dir="/tmp"))
    base.chmod(0o755)
    monkeypatch.setenv("NBTRACK_DIR", str(base / ".nbtrack"))
    yield base
    shutil.rmtree(base, ignore_errors=True)


def test_a_resumed_run_reads_running_from_another_process_and_reading_writes_nothing(
        readable_dir: Path, child: Callable[..., Child]) -> None:
    disk = _connect(store_url())
    first = nbtrack.init(project="hostile", id="held")
    first.log({"x": 0.0})
    first.finish()
    time.sleep(1.1)  # the holder below starts after the run was created: its start time proves nothing
    holder = child(HOLDER)
    assert holder.line().startswith("ack resumed")
    before = disk.get_run("held")
    assert before.state == "running" and before.pid == holder.proc.pid  # type: ignore[union-attr]

    store_dir = Path(db_path()).parent
    if os.getuid() != 0:  # not root: take write permission away instead (the holder's open files keep theirs)
        for path in [store_dir, *store_dir.iterdir()]:
            path.chmod(path.stat().st_mode & ~0o222)
    try:
        reader = subprocess.run([PYTHON, "-c", textwrap.dedent(READER)], cwd=readable_dir, capture_output=True,
                                text=True, timeout=60)
    finally:
        for path in [store_dir, *store_dir.iterdir()]:
            path.chmod(path.stat().st_mode | 0o200)
    assert reader.returncode == 0, reader.stderr
    import json

    seen = json.loads(reader.stdout)
    assert seen == {"read_only": True, "states": {"held": "running"}}, seen
    assert nbtrack.runs("hostile")["state"].tolist() == ["running"]  # and from this process too

    with pytest.raises(_current.UsageError, match=f"running in process {holder.proc.pid}"):
        nbtrack.init(project="hostile", id="held", resume="allow")  # a second writer is refused
    after = disk.get_run("held")
    assert (after.state, after.pid, after.finished_at) == (before.state, before.pid, None)  # type: ignore[union-attr]

    holder.proc.stdin.write("\n")  # type: ignore[union-attr]
    holder.proc.stdin.flush()  # type: ignore[union-attr]
    assert holder.line().startswith("ack finish")
    assert holder.proc.wait(30) == 0, holder.stderr
    assert disk.get_run("held").state == "finished"  # type: ignore[union-attr]
    again = nbtrack.init(project="hostile", id="held", resume="allow")  # once it has ended, it may be resumed
    again.log({"x": 2.0})
    again.finish()
    assert disk.read_history(["held"])["held"]["x"].values.tolist() == [0.0, 1.0, 2.0]
    disk.close()


def test_a_run_held_by_a_live_run_of_this_process_is_not_resumed_twice() -> None:
    run = nbtrack.init(project="hostile", id="twice")
    with pytest.raises(_current.UsageError, match="running in this process"):
        nbtrack.init(project="hostile", id="twice", resume="allow", reinit="create_new")
    assert not run.finished


def test_claim_run_takes_a_run_only_from_the_heartbeat_it_saw(backend_url: str) -> None:
    st = open_store(backend_url)
    run = nbtrack.init(project="hostile", id="claim", store=st)
    run.finish()
    seen = st.get_run("claim").heartbeat_at  # type: ignore[union-attr]
    assert st.claim_run("claim", seen, pid=1, heartbeat_at=seen + 1.0)
    assert not st.claim_run("claim", seen, pid=2, heartbeat_at=seen + 2.0)  # someone else took it meanwhile
    assert st.get_run("claim").pid == 1  # type: ignore[union-attr]


# -- (5) forked children and SIGTERM ---------------------------------------------------

FORKS = """
    import multiprocessing, os, sys
    import nbtrack
    from nbtrack.store import _connect, store_url

    run = nbtrack.init(project="hostile", id="forks")
    for i in range(5):
        run.log({"x": float(i)})

    def logs_into_the_parents_run():
        run.log({"x": -1.0})
        run.log({"x": -2.0})
        nbtrack.log({"y": 1.0})

    def quiet():
        pass

    ctx = multiprocessing.get_context("fork")
    for target in (logs_into_the_parents_run, quiet):
        p = ctx.Process(target=target)
        p.start()
        p.join()
        assert p.exitcode == 0, p.exitcode
    pid = os.fork()
    if pid == 0:
        run.log({"x": -3.0})
        sys.exit(0)  # exits through atexit, where nbtrack finishes the runs it holds
    os.waitpid(pid, 0)
    run._writer.flush()
    print("after children:", _connect(store_url()).get_run("forks").state, flush=True)
    for i in range(5, 10):
        run.log({"x": float(i)})
    run.finish()
"""


def test_forked_children_warn_once_and_never_end_the_parents_run(tmp_path: Path, disk: Store) -> None:
    out = run_script(tmp_path, "forks.py", FORKS, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "after children: running" in out.stdout, (out.stdout, out.stderr)
    # one warning per child that logged (the multiprocessing one logged three times, the os.fork one once)
    assert out.stderr.count("is not recorded (warned once)") == 2, out.stderr
    assert "Traceback" not in out.stderr, out.stderr
    rec = disk.get_run("forks")
    assert rec.state == "finished"  # type: ignore[union-attr]
    h = disk.read_history(["forks"])["forks"]
    assert h["x"].values.tolist() == [float(i) for i in range(10)] and "y" not in h


DATALOADER = """
    import torch
    from torch.utils.data import DataLoader, Dataset
    import nbtrack

    class Logging(Dataset):
        def __len__(self):
            return 8

        def __getitem__(self, i):
            nbtrack.log({"item": float(i)})  # in a worker process: not recorded, one warning per worker
            return torch.tensor(float(i))

    run = nbtrack.init(project="hostile", id="loader")
    total = 0.0
    for epoch in range(2):
        for batch in DataLoader(Logging(), batch_size=2, num_workers=2, multiprocessing_context="fork"):
            total += float(batch.sum())
        run.log({"epoch": float(epoch), "total": total})
    run.finish()
"""


def test_dataloader_workers_that_log_warn_once_each_and_the_run_goes_on(tmp_path: Path, disk: Store) -> None:
    out = run_script(tmp_path, "loader.py", DATALOADER, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stderr.count("is not recorded (warned once)") == 4, out.stderr  # 2 epochs x 2 fresh workers
    assert disk.get_run("loader").state == "finished"  # type: ignore[union-attr]
    h = disk.read_history(["loader"])["loader"]
    assert h["total"].values.tolist() == [28.0, 56.0] and "item" not in h


SIGTERM = """
    import signal, sys, time
    import nbtrack

    if sys.argv[1] == "chained":
        def previous(signum, frame):
            open("previous-ran", "w").close()
            sys.exit(3)
        signal.signal(signal.SIGTERM, previous)
    run = nbtrack.init(project="hostile", id=sys.argv[1])
    print("started", flush=True)
    step = 0
    while True:
        run.log({"x": float(step)})
        step += 1
        if step % 100 == 0:
            time.sleep(0.001)
"""


@pytest.mark.parametrize("mode", ["default", "chained"])
def test_sigterm_flushes_and_marks_the_run_killed(tmp_path: Path, disk: Store, mode: str) -> None:
    script = tmp_path / "term.py"
    script.write_text(textwrap.dedent(SIGTERM))
    proc = subprocess.Popen([PYTHON, str(script), mode], cwd=tmp_path, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "started"  # type: ignore[union-attr]
        wait_for(lambda: disk.last_step(mode), 30, "a first flush")
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
    assert proc.returncode == (3 if mode == "chained" else -signal.SIGTERM), err
    assert (tmp_path / "previous-ran").exists() == (mode == "chained")
    rec = disk.get_run(mode)
    assert (rec.state, rec.error, rec.exit_code) == ("killed", "SIGTERM", 128 + signal.SIGTERM), err  # type: ignore[union-attr]
    h = disk.read_history([mode])[mode]
    n = len(h["x"].steps)
    assert h["x"].steps.tolist() == list(range(n))  # flushed up to the last logged step
    assert rec.summary["x"] == float(n - 1)  # type: ignore[union-attr]
    assert integrity_ok()


def test_inside_a_jupyter_kernel_sigterm_is_left_to_the_kernel(tmp_path: Path) -> None:
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(textwrap.dedent("""
        import signal, nbtrack
        before = signal.getsignal(signal.SIGTERM)
        run = nbtrack.init(project="kernel")
        run.log({"x": 1.0})
        after = signal.getsignal(signal.SIGTERM)
        run.finish()
        print(after is before, run.state)
    """))]
    NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    out = "".join(o.get("text", "") for o in nb.cells[0].outputs)
    assert out.strip() == "True finished", nb.cells[0].outputs


def test_a_run_started_from_a_thread_leaves_sigterm_alone(tmp_path: Path) -> None:
    out = run_script(tmp_path, "threaded.py", """
        import signal, threading
        import nbtrack

        def work():
            run = nbtrack.init(project="hostile", id="threaded")
            run.log({"x": 1.0})
            print(signal.getsignal(signal.SIGTERM) is signal.SIG_DFL, flush=True)
            run.finish()

        t = threading.Thread(target=work)
        t.start()
        t.join()
    """)
    assert (out.returncode, out.stdout.strip()) == (0, "True"), out.stderr
