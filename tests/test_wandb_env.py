"""W&B's environment variables, as W&B documents them: init() defaults, nbtrack's names first, arguments above both."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import nbtrack
import nbtrack as wandb


def test_wandb_variables_fill_init_and_arguments_win(monkeypatch: pytest.MonkeyPatch) -> None:
    for var, value in {"WANDB_PROJECT": "envproj", "WANDB_ENTITY": "team", "WANDB_NAME": "from-env",
                       "WANDB_NOTES": "noted", "WANDB_TAGS": "a, b,,c ", "WANDB_RUN_GROUP": "g1",
                       "WANDB_JOB_TYPE": "eval", "WANDB_RUN_ID": "envrun1"}.items():
        monkeypatch.setenv(var, value)
    with wandb.init() as run:
        pass
    assert (run.id, run.project, run.entity, run.name, run.notes, run.tags, run.group, run.job_type) == (
        "envrun1", "envproj", "team", "from-env", "noted", ("a", "b", "c"), "g1", "eval")
    monkeypatch.setenv("NBTRACK_PROJECT", "ours")  # nbtrack's own names come first
    monkeypatch.setenv("NBTRACK_TAGS", "x")
    monkeypatch.delenv("WANDB_RUN_ID")
    with wandb.init(name="given", group="g2") as second:  # explicit arguments come before both
        pass
    assert (second.project, second.tags, second.name, second.group, second.job_type) == (
        "ours", ("x",), "given", "g2", "eval")
    assert second.id != "envrun1"


def test_wandb_run_id_and_resume_allow_continue_one_run_across_processes(tmp_path: Path) -> None:
    script = tmp_path / "train.py"
    script.write_text(textwrap.dedent("""
        import sys
        import nbtrack as wandb
        run = wandb.init(project="resumed")
        start = int(sys.argv[1])
        for step in range(start, start + 3):
            wandb.log({"loss": 1.0 / (step + 1)})
        print(run.id, run.step)
        wandb.finish()
    """))
    env = {**os.environ, "WANDB_RUN_ID": "fixed-id-1", "WANDB_RESUME": "allow"}
    outputs = []
    for start in (0, 3):
        out = subprocess.run([sys.executable, str(script), str(start)], capture_output=True, text=True, env=env,
                             cwd=tmp_path, timeout=60)
        assert out.returncode == 0, out.stderr
        outputs.append(out.stdout.split())
    assert [o[0] for o in outputs] == ["fixed-id-1", "fixed-id-1"]
    runs = nbtrack.runs("resumed")
    assert list(runs["id"]) == ["fixed-id-1"] and runs.iloc[0]["state"] == "finished"
    hist = nbtrack.history("fixed-id-1")
    assert list(hist["_step"]) == [0, 1, 2, 3, 4, 5]
    assert list(hist["loss"]) == pytest.approx([1 / (s + 1) for s in range(6)])
    env["WANDB_RESUME"] = "never"
    refused = subprocess.run([sys.executable, str(script), "6"], capture_output=True, text=True, env=env,
                             cwd=tmp_path, timeout=60)
    assert refused.returncode != 0 and "already exists" in refused.stderr
    env["WANDB_RESUME"] = "sometimes"
    bad = subprocess.run([sys.executable, str(script), "6"], capture_output=True, text=True, env=env,
                         cwd=tmp_path, timeout=60)
    assert bad.returncode != 0 and "WANDB_RESUME='sometimes'" in bad.stderr
    assert len(nbtrack.history("fixed-id-1")) == 6  # nothing logged by the refused processes


def test_wandb_resume_must_needs_the_run(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WANDB_RUN_ID", "nobody")
    monkeypatch.setenv("WANDB_RESUME", "must")
    with pytest.raises(ValueError, match="resume='must'"):
        wandb.init(project="p")
    monkeypatch.setenv("NBTRACK_RESUME", "allow")  # nbtrack's name first
    with wandb.init(project="p") as run:
        pass
    assert run.id == "nobody"


def test_wandb_dir_places_the_store_unless_nbtrack_says(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NBTRACK_DIR")
    monkeypatch.setenv("WANDB_DIR", str(tmp_path / "wdir"))
    with wandb.init(project="p") as run:
        pass
    assert run.store.url == f"sqlite:///{tmp_path / 'wdir' / '.nbtrack' / 'nbtrack.db'}"
    monkeypatch.setenv("NBTRACK_DIR", str(tmp_path / "ours"))
    with wandb.init(project="p") as run2:
        pass
    assert run2.store.url == f"sqlite:///{tmp_path / 'ours' / 'nbtrack.db'}"


def test_wandb_silent_quiets_nbtrack(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    wandb.login()
    assert "not needed" in capsys.readouterr().err
    monkeypatch.setenv("WANDB_SILENT", "true")
    assert wandb.login() is True
    assert capsys.readouterr().err == ""


def test_wandb_mode_and_console(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WANDB_CONSOLE", "off")  # accepted; nbtrack captures no console output
    monkeypatch.setenv("WANDB_MODE", "disabled")
    monkeypatch.setenv("NBTRACK_MODE", "offline")  # nbtrack's name first: this run is stored
    with wandb.init(project="modes") as run:
        run.log({"x": 1})
    assert list(nbtrack.runs("modes")["id"]) == [run.id]
    with wandb.init(project="modes", mode="disabled"):  # the argument first
        pass
    assert len(nbtrack.runs("modes")) == 1


def test_wandb_silent_quiets_the_agent(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    sweep_id = wandb.sweep({"method": "grid", "parameters": {"x": {"values": [1]}}}, project="quiet")
    wandb.agent(sweep_id, function=lambda: wandb.init().log({"y": 1}), count=1)
    assert f"sweep {sweep_id}" in capsys.readouterr().err  # the progress bar
    monkeypatch.setenv("WANDB_SILENT", "true")
    sweep2 = wandb.sweep({"method": "grid", "parameters": {"x": {"values": [1]}}}, project="quiet")
    wandb.agent(sweep2, function=lambda: wandb.init().log({"y": 1}), count=1)
    assert capsys.readouterr().err == ""
