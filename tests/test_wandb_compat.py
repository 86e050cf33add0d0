"""`import nbtrack as wandb`: ordinary W&B scripts run unchanged. One test per README compatibility row."""

from __future__ import annotations

import argparse
import subprocess
import sys
import textwrap

import pytest

import nbtrack
import nbtrack as wandb


def test_init_config_log_summary_finish_script(tmp_path):
    """A typical W&B training script, run as a real process."""
    script = tmp_path / "train.py"
    script.write_text(textwrap.dedent("""
        import nbtrack as wandb
        wandb.login()
        run = wandb.init(project="compat", entity="me", config={"lr": 0.01, "epochs": 3},
                         tags=["baseline"], notes="first", group="g", job_type="train",
                         reinit=True, mode="offline", settings=wandb.Settings(silent=True))
        assert wandb.run is run and run.project == "compat" and run.entity == "me"
        for epoch in range(wandb.config.epochs):
            wandb.log({"loss": 1.0 / (epoch + 1), "epoch": epoch})
        wandb.run.summary["best_loss"] = 1 / 3
        wandb.config.update({"batch_size": 32}, allow_val_change=True)
        print(run.name, run.id, run.path)
        wandb.finish()
        assert wandb.run is None
    """))
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, cwd=tmp_path, timeout=60)
    assert out.returncode == 0, out.stderr
    name, run_id, path = out.stdout.split()
    runs = nbtrack.runs("compat")
    row = runs.iloc[0]
    assert (row["id"], row["name"], row["state"]) == (run_id, name, "finished")
    assert row["config.batch_size"] == 32 and row["summary.best_loss"] == pytest.approx(1 / 3)
    assert path == f"me/compat/{run_id}"
    assert list(nbtrack.history(run_id)["loss"]) == [1.0, 0.5, pytest.approx(1 / 3)]


def test_config_accepts_argparse_namespace():
    args = argparse.Namespace(lr=0.1, layers=4)
    with wandb.init(project="compat", config=args) as run:
        assert run.config.lr == 0.1 and run.config["layers"] == 4


def test_mode_disabled_logs_nowhere():
    with wandb.init(project="compat-off", mode="disabled") as run:
        run.log({"x": 1})
    assert nbtrack.runs("compat-off").empty


def test_reinit_modes():
    first = wandb.init(project="compat")
    second = wandb.init(project="compat", reinit="create_new")
    assert first.state == "running" and wandb.run is second
    assert wandb.init(project="compat", reinit="return_previous") is second
    third = wandb.init(project="compat", reinit=True)
    assert second.state == "finished" and third.state == "running"
    first.finish()
    third.finish()


def test_sweep_and_agent_function_flow():
    sweep_config = {
        "method": "grid",
        "metric": {"name": "loss", "goal": "minimize"},
        "parameters": {"lr": {"values": [0.1, 0.01]}, "optimizer": {"value": "adam"}},
    }
    sweep_id = wandb.sweep(sweep_config, project="compat-sweep")

    def train():
        with wandb.init(config={"lr": 1.0, "epochs": 2}):
            for epoch in range(wandb.config.epochs):
                wandb.log({"loss": wandb.config.lr / (epoch + 1)})

    wandb.agent(sweep_id, function=train, count=5)
    runs = nbtrack.runs("compat-sweep")
    assert sorted(runs["config.lr"]) == [0.01, 0.1]
    assert set(runs["config.optimizer"]) == {"adam"} and set(runs["config.epochs"]) == {2}
    assert set(runs["sweep_id"]) == {sweep_id} and set(runs["state"]) == {"finished"}


def test_api_runs_config_summary_history():
    for lr in (0.1, 0.2):
        with wandb.init(project="compat-api", config={"lr": lr}) as run:
            run.log({"acc": lr})
            run.log({"acc": 2 * lr})
    api = wandb.Api()
    runs = api.runs("someone/compat-api")
    assert [r.config["lr"] for r in runs] == [0.1, 0.2]
    assert runs[1].summary["acc"] == pytest.approx(0.4)
    assert list(runs[0].history()["acc"]) == [0.1, 0.2]
    assert [r.config["lr"] for r in api.runs("compat-api", filters={"config.lr": {"$gt": 0.15}})] == [0.2]
    assert api.run(f"someone/compat-api/{runs[0].id}").name == runs[0].name
    assert list(runs[0].scan_history())[1]["acc"] == pytest.approx(0.2)


def test_login_is_a_noop_that_says_so(capsys):
    assert wandb.login(key="anything") is True
    assert "not needed" in capsys.readouterr().err


@pytest.mark.parametrize("name", ["Molecule", "controller"])
def test_unsupported_calls_raise_a_clear_error(name):
    with pytest.raises(wandb.UnsupportedError, match=rf"wandb\.{name}"):
        getattr(wandb, name)
    assert not hasattr(wandb, name)


def test_log_before_init_names_the_fix():
    with pytest.raises(wandb.UsageError, match=r"nbtrack\.init\(\)"):
        wandb.log({"x": 1})


def test_run_dir_and_save_keep_files_with_the_run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "model.h5").write_bytes(b"weights")
    (tmp_path / "logs").mkdir()
    (tmp_path / "logs" / "a.txt").write_text("a")
    with wandb.init(project="compat-files") as run:
        with open(f"{run.dir}/notes.txt", "w") as f:  # the W&B habit: write into run.dir
            f.write("hi")
        saved = wandb.save("model.h5")
        nested = run.save("logs/*.txt", base_path=".")
    files = sorted(p.relative_to(run.dir).as_posix() for p in __import__("pathlib").Path(run.dir).rglob("*") if p.is_file())
    assert files == ["logs/a.txt", "model.h5", "notes.txt"]
    assert open(saved[0], "rb").read() == b"weights" and nested[0].endswith("logs/a.txt")
    with wandb.init(project="compat-files") as other:
        with pytest.raises(ValueError, match="outside base_path"):
            other.save(str(tmp_path / "model.h5"), base_path=str(tmp_path / "logs"))


def test_wandb_mode_environment_variable(monkeypatch):
    monkeypatch.setenv("WANDB_MODE", "disabled")
    with wandb.init(project="compat-env-off") as run:
        run.log({"x": 1})
    assert nbtrack.runs("compat-env-off").empty
