"""Import round-trip: runs written by real MLflow and real wandb (offline) come back identical.

The writers run in subprocesses (MLflow to a SQLite database and to an `mlruns` file store,
wandb with WANDB_MODE=offline; no network), then `python -m nbtrack import ...` brings each
into its own store; the file store and wandb are imported twice (the second import must
replace, not duplicate). That expensive part (importing mlflow alone takes seconds) runs once
per module, the writers and the imports of the sources in parallel.
"""

from __future__ import annotations

import json
import math
import os
import struct
import subprocess
import sys
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import nbtrack
from nbtrack import store as store_pkg
from nbtrack.importers._common import require, save_run, stable_id
from nbtrack.importers._mlflow import parse_param, tracking_uri
from nbtrack.importers._wandb_log import LogScan
from nbtrack.importers._wandb_offline import find_logs
from nbtrack.store import RunRecord, open_store

# -- what the writers log ----------------------------------------------------------------------

MLFLOW_PARAMS = {"lr": 0.001, "epochs": 3, "opt": "adam", "use_bn": True, "dims": [64, 32],
                 "decay": 1e-05, "lr_text": "1e-3", "dropout": None, "sched": {"kind": "cos", "warmup": 2}}
# parse_param's reading of str(value): what MLflow stored as text comes back as the value
MLFLOW_CONFIG = {**MLFLOW_PARAMS}
LR_POINTS = 9000  # more than one stored chunk (8192 points)

MLFLOW_WRITER = """
import json, sys, time
import mlflow
from mlflow.entities import Metric
from mlflow.tracking import MlflowClient

params = json.loads(sys.argv[1])
out = {}
for uri in sys.argv[3:]:
    mlflow.set_tracking_uri(uri)
    client = MlflowClient(tracking_uri=uri)
    mlflow.set_experiment("mnist")
    with mlflow.start_run(run_name="baseline") as run:
        mlflow.log_params(params)
        mlflow.set_tags({"team": "vision", "stage": ""})
        mlflow.set_tag("mlflow.note.content", "first try")
        for step in range(5):
            mlflow.log_metric("loss", 1 / (step + 1), step=step)
        for step in (0, 2, 4):
            mlflow.log_metric("val_acc", 0.5 + step / 10, step=step * 10)
        t0 = int(time.time() * 1000)
        for start in range(0, %(lr_points)d, 1000):
            client.log_batch(run.info.run_id, metrics=[
                Metric("lr", 0.1 * 0.999 ** s, t0 + s, s) for s in range(start, start + 1000)])
    try:
        with mlflow.start_run(run_name="broken"):
            mlflow.log_param("lr", "0.1")
            mlflow.log_metric("loss", 2.5, step=0)
            mlflow.log_metric("loss", float("nan"), step=1)
            raise RuntimeError("diverged")
    except RuntimeError:
        pass
    exp = mlflow.set_experiment("search")
    with mlflow.start_run(run_name="search") as parent:
        mlflow.log_param("n_trials", 1)
    child = client.create_run(exp.experiment_id, run_name="trial-0",
                              tags={"mlflow.parentRunId": parent.info.run_id, "trial": "0"})
    for step in range(3):
        client.log_metric(child.info.run_id, "score", step * 1.5, step=step)
    client.set_terminated(child.info.run_id, status="KILLED")
    truth = {}
    for e in client.search_experiments():
        for r in client.search_runs([e.experiment_id]):
            truth[r.info.run_id] = {
                "experiment": e.name, "name": r.info.run_name, "status": r.info.status,
                "start": r.info.start_time, "end": r.info.end_time, "params": r.data.params,
                "tags": r.data.tags,
                "metrics": {k: [[m.step, m.timestamp, m.value] for m in client.get_metric_history(r.info.run_id, k)]
                            for k in r.data.metrics},
            }
    out[uri] = truth
with open(sys.argv[2], "w") as f:
    json.dump(out, f)
""" % {"lr_points": LR_POINTS}

WANDB_STEPS = 1500
WANDB_CONFIG = {"lr": 0.01, "arch": {"depth": 3, "act": "relu"}, "sizes": [1, 2], "name_text": "1e-3"}

WANDB_WRITER = """
import json, sys, time
import wandb

t0 = time.time()
config = json.loads(sys.argv[1])
run = wandb.init(project="wbproj", name="wb-baseline", config=config, tags=["baseline", "v1"],
                 notes="a note", group="g1", job_type="train")
ids = [run.id]
for i in range(%(steps)d):
    row = {"loss": 1 / (i + 1)}
    if i %% 100 == 0:
        row["val/acc"] = i / %(steps)d
        row["grad"] = {"norm": 2.0 + i}
        row["text"] = "step %%d" %% i
    run.log(row, step=i)
run.summary["best_acc"] = 0.97
run.finish()
run = wandb.init(project="wbproj", name="wb-crash", config={"lr": 0.1})
ids.append(run.id)
run.log({"loss": 3.0})
run.log({"loss": 2.0})
run.finish(exit_code=1)
with open(sys.argv[2], "w") as f:
    json.dump({"start": t0, "end": time.time(), "ids": ids}, f)
""" % {"steps": WANDB_STEPS}


def _wandb_loss(i: int) -> float:
    return 1 / (i + 1)


# -- running the writers and the imports ----------------------------------------------------


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NBTRACK_", "WANDB_", "MLFLOW_"))}
    env.update(MLFLOW_DISABLE_TELEMETRY="true", DO_NOT_TRACK="true", **extra)
    return env


def _start(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, *args], env=env, cwd=cwd, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait(procs: dict[str, subprocess.Popen[str]]) -> dict[str, str]:
    outputs = {}
    for name, proc in procs.items():
        out, err = proc.communicate(timeout=240)
        assert proc.returncode == 0, f"{name} failed ({proc.returncode}):\n{out}\n{err}"
        outputs[name] = out
    return outputs


def _snapshot(store_dir: Path) -> dict[str, Any]:
    """The runs' ids and full history, read through a store that is closed afterwards."""
    store = open_store(str(store_dir))
    try:
        frame = nbtrack.runs(store=store)
        return {"ids": sorted(frame["id"]), "history": nbtrack.history(sorted(frame["id"]), store=store)}
    finally:
        with store_pkg._open_lock:  # as conftest does: this module fixture outlives a test's cleanup
            store_pkg._open.pop((os.getpid(), store.url), None)
        store.close()


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """Write with MLflow (SQLite + file store) and wandb offline; import each twice with the CLI."""
    base = tmp_path_factory.mktemp("import")
    sqlite_uri = f"sqlite:///{base / 'mlflow.db'}"
    mlruns = base / "mlruns"
    wandb_dir = base / "wb"
    wandb_dir.mkdir()
    writers = {
        "mlflow writer": _start(["-c", MLFLOW_WRITER, json.dumps(MLFLOW_PARAMS), str(base / "mlflow.json"),
                                 sqlite_uri, str(mlruns)], _env(MLFLOW_ALLOW_FILE_STORE="true"), base),
        "wandb writer": _start(["-c", WANDB_WRITER, json.dumps(WANDB_CONFIG), str(base / "wandb.json")],
                               _env(WANDB_MODE="offline", WANDB_DIR=str(wandb_dir), WANDB_SILENT="true",
                                    WANDB_DISABLE_GIT="true", WANDB_CONSOLE="off",
                                    WANDB_CONFIG_DIR=str(base / "wbconfig"), WANDB_CACHE_DIR=str(base / "wbcache"),
                                    WANDB_DATA_DIR=str(base / "wbdata")), base),
    }
    _wait(writers)
    imports = {  # name: (store directory, CLI arguments)
        "mlflow-sqlite": (base / "store-sqlite", ["mlflow", sqlite_uri]),
        "mlflow-mlruns": (base / "store-mlruns", ["mlflow", str(mlruns)]),
        "wandb": (base / "store-wandb", ["wandb-offline", str(wandb_dir / "wandb")]),
    }
    result: dict[str, Any] = {"mlflow": json.loads((base / "mlflow.json").read_text()),
                              "wandb": json.loads((base / "wandb.json").read_text()),
                              "sqlite_uri": sqlite_uri, "mlruns": mlruns, "stores": {}, "first": {},
                              "second": {}, "before": {}}
    for rnd in ("first", "second"):  # the second import of the SQLite database would only repeat the file store's
        procs = {name: _start(["-m", "nbtrack", "import", *args], _env(NBTRACK_DIR=str(store)), base)
                 for name, (store, args) in imports.items() if rnd == "first" or name != "mlflow-sqlite"}
        result[rnd] = _wait(procs)
        if rnd == "first":
            result["before"] = {name: _snapshot(store) for name, (store, _) in imports.items()}
    result["stores"] = {name: store for name, (store, _) in imports.items()}
    yield result


# -- MLflow -------------------------------------------------------------------------------


def _check_mlflow(store_dir: Path, truth: dict[str, Any]) -> None:
    store = open_store(str(store_dir))
    frame = nbtrack.runs(store=store)
    assert len(frame) == len(truth) == 4
    states = {"FINISHED": "finished", "FAILED": "failed", "KILLED": "killed"}
    by_name = {t["name"]: rid for rid, t in truth.items()}
    for source_id, t in truth.items():
        rec = store.get_run(stable_id("mlflow", source_id))
        assert rec is not None, t["name"]
        assert (rec.name, rec.project, rec.state) == (t["name"], t["experiment"], states[t["status"]])
        assert rec.created_at == t["start"] / 1000 and rec.finished_at == t["end"] / 1000
        assert dict(rec.config) == {k: parse_param(v) for k, v in t["params"].items()}
        user_tags = {k: v for k, v in t["tags"].items() if not k.startswith("mlflow.")}
        assert sorted(rec.tags) == sorted(f"{k}={v}" if v else k for k, v in user_tags.items())
        # identical metrics: every point's step, value and (millisecond) timestamp
        hist = store.read_history([rec.id])[rec.id]
        assert sorted(hist) == sorted(t["metrics"])
        for key, points in t["metrics"].items():
            series = hist[key]
            expected = sorted(points, key=lambda p: p[0])
            assert series.steps.tolist() == [p[0] for p in expected], key
            assert [round(x * 1000) for x in series.times.tolist()] == [p[1] for p in expected], key
            got = series.values.tolist()
            assert all(a == b or (math.isnan(a) and math.isnan(b)) for a, b in zip(got, [p[2] for p in expected]))
            assert len(got) == len(expected)
        capture = store.get_capture(rec.id) or {}
        assert capture["imported_from"]["run_id"] == source_id
    # the mapped labels, spelled out
    base = store.get_run(stable_id("mlflow", by_name["baseline"]))
    assert base is not None
    assert base.config == MLFLOW_CONFIG and base.notes == "first try" and sorted(base.tags) == ["stage", "team=vision"]
    assert base.summary["loss"] == 0.2 and base.summary["lr"] == 0.1 * 0.999 ** (LR_POINTS - 1)
    broken = store.get_run(stable_id("mlflow", by_name["broken"]))
    assert broken is not None and broken.config == {"lr": 0.1} and broken.state == "failed"
    child = store.get_run(stable_id("mlflow", by_name["trial-0"]))
    assert child is not None and child.group == stable_id("mlflow", by_name["search"]) and child.tags == ("trial=0",)
    assert set(nbtrack.runs("search", store=store)["name"]) == {"search", "trial-0"}
    # nbtrack.history: the aligned frame carries MLflow's steps and values
    hist = nbtrack.history(base.id, keys=["loss", "val_acc"], store=store)
    assert hist["_step"].tolist() == [0, 1, 2, 3, 4, 20, 40]
    assert hist["loss"].tolist()[:5] == [1 / (s + 1) for s in range(5)]
    assert hist["val_acc"].dropna().tolist() == [0.5, 0.7, 0.9]


def test_mlflow_sqlite_round_trip(imported: dict[str, Any]) -> None:
    truth = imported["mlflow"][imported["sqlite_uri"]]
    _check_mlflow(imported["stores"]["mlflow-sqlite"], truth)
    assert "4 new, 0 replaced" in imported["first"]["mlflow-sqlite"]


def test_mlflow_file_store_round_trip(imported: dict[str, Any]) -> None:
    truth = imported["mlflow"][str(imported["mlruns"])]
    _check_mlflow(imported["stores"]["mlflow-mlruns"], truth)


# -- wandb offline ---------------------------------------------------------------------------


def test_wandb_offline_round_trip(imported: dict[str, Any]) -> None:
    info = imported["wandb"]
    store = open_store(str(imported["stores"]["wandb"]))
    frame = nbtrack.runs(store=store)
    assert len(frame) == 2
    base = store.get_run(stable_id("wandb", info["ids"][0]))
    crash = store.get_run(stable_id("wandb", info["ids"][1]))
    assert base is not None and crash is not None
    assert (base.name, base.project, base.state, base.exit_code) == ("wb-baseline", "wbproj", "finished", 0)
    assert (base.notes, base.group, base.job_type, base.tags) == ("a note", "g1", "train", ("baseline", "v1"))
    assert base.config == WANDB_CONFIG
    assert (crash.name, crash.state, crash.exit_code, crash.config) == ("wb-crash", "failed", 1, {"lr": 0.1})
    assert info["start"] - 1 <= base.created_at <= base.finished_at <= info["end"] + 1
    # identical metrics: every step and value, timestamps inside the writer's lifetime
    hist = nbtrack.history(base.id, store=store)
    assert hist["_step"].tolist() == list(range(WANDB_STEPS))
    assert hist["loss"].tolist() == [_wandb_loss(i) for i in range(WANDB_STEPS)]
    every = hist[hist["_step"] % 100 == 0]
    assert every["val/acc"].tolist() == [i / WANDB_STEPS for i in range(0, WANDB_STEPS, 100)]
    assert every["grad/norm"].tolist() == [2.0 + i for i in range(0, WANDB_STEPS, 100)]
    assert every["text"].tolist() == [f"step {i}" for i in range(0, WANDB_STEPS, 100)]
    assert hist[hist["_step"] % 100 != 0]["val/acc"].isna().all()
    times = hist["_timestamp"].tolist()
    assert times == sorted(times) and base.created_at - 1 <= times[0] and times[-1] <= base.finished_at + 1
    assert base.summary == {"loss": _wandb_loss(WANDB_STEPS - 1), "val/acc": 1400 / WANDB_STEPS,
                            "grad/norm": 1402.0, "text": "step 1400", "best_acc": 0.97}
    crash_hist = nbtrack.history(crash.id, store=store)
    assert crash_hist["_step"].tolist() == [0, 1] and crash_hist["loss"].tolist() == [3.0, 2.0]


# -- importing twice ----------------------------------------------------------------------------


@pytest.mark.parametrize("source", ["mlflow-mlruns", "wandb"])
def test_importing_again_replaces_instead_of_duplicating(imported: dict[str, Any], source: str) -> None:
    before = imported["before"][source]
    after = _snapshot(imported["stores"][source])
    assert after["ids"] == before["ids"]
    assert after["history"].equals(before["history"])
    n = len(before["ids"])
    assert f"({n} new, 0 replaced" in imported["first"][source]
    assert f"(0 new, {n} replaced" in imported["second"][source]


# -- pieces, without the real libraries' writers ------------------------------------------------


@pytest.mark.parametrize(("text", "value"), [
    ("3", 3), ("-2", -2), ("0.001", 0.001), ("1e-05", 1e-05), ("True", True), ("None", None),
    ("[1, 2]", [1, 2]), ("(1, 'a')", [1, "a"]), ("{'a': 1, 'b': [2.5]}", {"a": 1, "b": [2.5]}),
    ("adam", "adam"), ("1e-3", "1e-3"), ("007", "007"), ("1_000", "1_000"), ("[1,2]", "[1,2]"),
    ("true", "true"), ("'quoted'", "'quoted'"), ("{1, 2}", "{1, 2}"), ("", ""), (" 3", " 3"),
])
def test_mlflow_params_parse_only_what_str_wrote(text: str, value: Any) -> None:
    assert parse_param(text) == value and type(parse_param(text)) is type(value)


def test_mlflow_special_floats() -> None:
    assert math.isnan(parse_param("nan")) and parse_param("inf") == math.inf and parse_param("-inf") == -math.inf


def test_mlflow_locations(tmp_path: Path) -> None:
    assert tracking_uri("sqlite:///x.db") == "sqlite:///x.db"
    assert tracking_uri("http://localhost:5000") == "http://localhost:5000"
    mlruns = tmp_path / "proj" / "mlruns"
    (mlruns / "0").mkdir(parents=True)
    (mlruns / "0" / "meta.yaml").write_text("name: Default\n")
    assert tracking_uri(mlruns) == mlruns.resolve().as_uri()
    assert tracking_uri(tmp_path / "proj") == mlruns.resolve().as_uri()  # a directory holding mlruns/
    (tmp_path / "db").mkdir()
    (tmp_path / "db" / "mlflow.db").write_bytes(b"")
    assert tracking_uri(tmp_path / "db") == f"sqlite:///{(tmp_path / 'db' / 'mlflow.db').resolve()}"
    assert tracking_uri(tmp_path / "db" / "mlflow.db") == f"sqlite:///{(tmp_path / 'db' / 'mlflow.db').resolve()}"
    with pytest.raises(FileNotFoundError):
        tracking_uri(tmp_path / "missing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="no MLflow data"):
        tracking_uri(tmp_path / "empty")


def test_cli_reports_a_bad_location(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from nbtrack.cli import main

    assert main(["import", "wandb-offline", str(tmp_path / "nowhere")]) == 2
    assert "no such file or directory" in capsys.readouterr().err
    (tmp_path / "empty").mkdir()
    assert main(["import", "wandb-offline", str(tmp_path / "empty")]) == 2
    assert "no W&B run files" in capsys.readouterr().err


def test_missing_library_is_named() -> None:
    with pytest.raises(ImportError, match=r"needs the 'nbtrack-no-such-package' package.*pip install"):
        require("nbtrack_no_such_module", "nbtrack-no-such-package", "nbtrack import test")


def test_stable_ids_are_distinct_per_source() -> None:
    assert stable_id("mlflow", "abc") == stable_id("mlflow", "abc")
    assert stable_id("mlflow", "abc") != stable_id("wandb", "abc")
    assert len(stable_id("wandb", "x")) == 8 and stable_id("wandb", "x").isalnum()


def test_an_import_never_overwrites_a_run_from_elsewhere(tmp_path: Path) -> None:
    store = open_store(str(tmp_path / "s"))
    rid = stable_id("wandb", "run1")
    native = RunRecord(id=rid, project="p", name="mine", state="finished", created_at=1.0, heartbeat_at=1.0)
    store.create_run(native)
    store.put_capture(rid, {"imported_from": {"source": "mlflow", "run_id": "other"}}, None, None)
    with pytest.raises(ValueError, match="nothing was overwritten"):
        save_run(store, native, {}, origin={"source": "wandb", "run_id": "run1"})
    assert store.get_run(rid) is not None and store.get_run(rid).name == "mine"  # type: ignore[union-attr]


# the W&B container format, written here independently to exercise block boundaries and torn tails
def _log_bytes(payloads: list[bytes]) -> bytes:
    out = bytearray(struct.pack("<4sHB", b":W&B", 0xBEE1, 0))

    def record(kind: int, data: bytes) -> None:
        out.extend(struct.pack("<IHB", zlib.crc32(data, zlib.crc32(bytes([kind]))) & 0xFFFFFFFF, len(data), kind))
        out.extend(data)

    for payload in payloads:
        left = 32768 - len(out) % 32768
        if left < 7:
            out.extend(b"\0" * left)
            left = 32768
        if len(payload) + 7 <= left:
            record(1, payload)
            continue
        record(2, payload[:left - 7])
        rest = payload[left - 7:]
        while len(rest) > 32768 - 7:
            record(3, rest[:32768 - 7])
            rest = rest[32768 - 7:]
        record(4, rest)
    return bytes(out)


def test_wandb_log_reader_spans_blocks_and_stops_at_a_torn_tail(tmp_path: Path) -> None:
    payloads = [bytes([i % 251]) * size for i, size in enumerate([10, 32740, 5, 70000, 1, 32761, 300])]
    path = tmp_path / "run-x.wandb"
    path.write_bytes(_log_bytes(payloads))
    scan = LogScan(path)
    assert list(scan) == payloads and scan.problem is None
    path.write_bytes(_log_bytes(payloads)[:-50])
    scan = LogScan(path)
    assert list(scan) == payloads[:-1] and scan.problem is not None and "torn" in scan.problem
    path.write_bytes(b"not a log at all")
    with pytest.raises(ValueError, match="not a W&B transaction log"):
        list(LogScan(path))


def test_wandb_logs_are_found_in_the_usual_places(tmp_path: Path) -> None:
    run_dir = tmp_path / "wandb" / "offline-run-20240101_000000-abc"
    run_dir.mkdir(parents=True)
    log = run_dir / "run-abc.wandb"
    log.write_bytes(_log_bytes([]))
    (tmp_path / "wandb" / "latest-run").symlink_to(run_dir)
    assert find_logs(tmp_path) == [log] and find_logs(tmp_path / "wandb") == [log]
    assert find_logs(run_dir) == [log] and find_logs(log) == [log]
