"""Multi-process training: torchrun with 2 real processes (gloo on CPU) makes one run, not two, unless asked."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest

import nbtrack
from nbtrack._distributed import RankPlan, rank_label, rank_plan

SCRIPT = Path(__file__).parent / "distributed" / "ddp_train.py"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def torchrun(phase: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NBTRACK_DIR": str(tmp_path / ".nbtrack"), "NBTRACK_LIVE": "0", "OMP_NUM_THREADS": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node=2", "--master_addr=127.0.0.1",
         f"--master_port={_free_port()}", str(SCRIPT), phase],
        capture_output=True, text=True, env=env, timeout=240, cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    return done


def printed(done: subprocess.CompletedProcess[str]) -> dict[int, tuple[str, bool]]:
    found = re.findall(r"RANK (\d) RUN (\S+) DISABLED (True|False)", done.stdout)
    return {int(r): (run_id, disabled == "True") for r, run_id, disabled in found}


def test_rank_labels_from_each_launcher() -> None:
    assert rank_label({}) is None
    assert rank_label({"RANK": "3", "LOCAL_RANK": "1"}) == "rank_3"  # torchrun, Accelerate
    assert rank_label({"LOCAL_RANK": "1"}) == "rank_1"  # Lightning's subprocesses
    assert rank_label({"LOCAL_RANK": "0", "NODE_RANK": "2"}) == "node_2_rank_0"
    assert rank_label({"RANK": "x"}) is None


def test_rank_plans() -> None:
    worker = {"RANK": "1"}
    assert rank_plan(mode=None, group=None, id=None, settings=None, environ={"RANK": "0"}) == RankPlan("rank_0")
    assert rank_plan(mode=None, group="g", id=None, settings=None, environ=worker) == RankPlan("rank_1")
    assert rank_plan(mode=None, group=None, id="r0", settings={"mode": "shared"}, environ=worker) == RankPlan(
        "rank_1", disabled=True, shared_into="r0")
    assert rank_plan(mode="shared", group=None, id="r0", settings={"x_label": "gpu-7"}, environ=worker) == RankPlan(
        "gpu-7", disabled=True, shared_into="r0")
    assert rank_plan(mode=None, group=None, id=None, settings={"x_primary": True}, environ=worker) == RankPlan(
        "rank_1")
    with pytest.raises(ValueError, match="needs id="):
        rank_plan(mode="shared", group=None, id=None, settings=None, environ=worker)


def test_a_worker_rank_logs_nowhere_and_says_so_once(tmp_path: Path) -> None:
    done = torchrun("default", tmp_path)
    ranks = printed(done)
    assert ranks[0][1] is False and ranks[1][1] is True
    assert done.stderr.count("logs nowhere") == 1 and "rank_1 of a multi-process launch" in done.stderr
    st = nbtrack.open_store(str(tmp_path / ".nbtrack"))
    frame = nbtrack.runs("ddp", store=st)
    assert frame["state"].tolist() == ["finished", "finished"]  # rank 0's two inits; nothing from rank 1
    assert set(frame["id"]) >= {ranks[0][0]} and ranks[1][0] not in set(frame["id"])
    assert nbtrack.history(ranks[0][0], store=st)["rank"].tolist() == [0.0] * 5


def test_group_gives_one_run_per_rank(tmp_path: Path) -> None:
    done = torchrun("group", tmp_path)
    assert "logs nowhere" not in done.stderr
    st = nbtrack.open_store(str(tmp_path / ".nbtrack"))
    frame = nbtrack.runs("ddp", store=st)
    assert len(frame) == 2 and frame["group"].tolist() == ["exp-1", "exp-1"]
    ranks = printed(done)
    for rank in (0, 1):
        assert nbtrack.history(ranks[rank][0], store=st)["rank"].tolist() == [float(rank)] * 5


def test_shared_mode_adds_the_worker_system_metrics_to_rank_zero_run(tmp_path: Path) -> None:
    done = torchrun("shared", tmp_path)
    st = nbtrack.open_store(str(tmp_path / ".nbtrack"))
    frame = nbtrack.runs("ddp", store=st)
    assert frame["name"].tolist() == ["shared"]
    run_id = frame["id"].iloc[0]
    assert printed(done)[0][0] == run_id
    assert nbtrack.history(run_id, store=st)["rank"].tolist() == [0.0] * 5  # only rank 0 logs metrics
    keys = set(nbtrack.system_history(run_id, store=st).columns)
    assert any(k.startswith("system/rank_1/") for k in keys), keys
    assert any(k.startswith("system/") and "rank_" not in k for k in keys), keys


def test_a_worker_rank_of_a_sweep_trial_leaves_the_trial_to_rank_zero(monkeypatch: pytest.MonkeyPatch) -> None:
    from nbtrack._current import TRIAL_ENV

    monkeypatch.setenv("RANK", "1")
    monkeypatch.setenv(TRIAL_ENV, "trial-of-rank-0")  # what an agent's program (torchrun) hands every rank
    with nbtrack.init(project="ddp-sweep") as run:
        run.log({"loss": 1.0})
    assert run.store.url == "sqlite:///:memory:" and run.id != "trial-of-rank-0"
    assert nbtrack.runs("ddp-sweep").empty
