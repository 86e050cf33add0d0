"""W&B's smaller calls: Api run edits written back, wandb.join, run URLs, module-level artifact and model
verbs, restore, require/teardown, Lightning's logger.watch, and what stays unsupported (with the alternative)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import nbtrack
import nbtrack as wandb


def test_api_run_update_writes_back(tmp_path: Path) -> None:
    with wandb.init(project="edit", name="before", config={"lr": 0.1}, tags=["a"]) as run:
        run.log({"loss": 0.5})
    api_run = wandb.Api().run(f"local/edit/{run.id}")
    api_run.name = "after"
    api_run.notes = "checked by hand"
    api_run.tags.append("reviewed")
    api_run.config["batch_size"] = 64
    api_run.summary["final_acc"] = 0.93
    api_run.update()
    again = wandb.Api().run(run.id)
    assert (again.name, again.notes, again.tags) == ("after", "checked by hand", ["a", "reviewed"])
    assert again.config == {"lr": 0.1, "batch_size": 64}
    assert again.summary["final_acc"] == 0.93 and again.summary["loss"] == 0.5
    again.summary.update({"test_acc": 0.9})  # W&B's summary.update() writes at once
    assert wandb.Api().run(run.id).summary["test_acc"] == 0.9
    again.display_name = "renamed"
    again.update()
    assert nbtrack.runs("edit").iloc[0]["name"] == "renamed"
    again.name = 3  # type: ignore[assignment]
    again.display_name = again.name
    with pytest.raises(ValueError, match="must be a string"):
        again.update()
    assert wandb.Api().run(run.id).name == "renamed"  # nothing written


def test_api_run_artifacts_and_delete_with_them(tmp_path: Path) -> None:
    (tmp_path / "w.bin").write_bytes(b"w")
    (tmp_path / "d.csv").write_text("x")
    with wandb.init(project="gone") as producer:
        producer.log_artifact(str(tmp_path / "d.csv"), name="data", type="dataset")
    with wandb.init(project="gone") as run:
        run.use_artifact("data:latest")
        run.log_artifact(str(tmp_path / "w.bin"), name="weights", type="model", aliases=["best"])
    api_run = wandb.Api().run(run.id)
    assert [a.qualified_name for a in api_run.logged_artifacts()] == ["weights:v0"]
    assert [a.qualified_name for a in api_run.used_artifacts()] == ["data:v0"]
    api_run.delete(delete_artifacts=True)
    assert list(nbtrack.runs("gone")["id"]) == [producer.id]
    assert wandb.Api().artifacts("model", "weights") == []
    assert [a.version for a in wandb.Api().artifacts("dataset", "data")] == ["v0"]  # used, not logged: kept


def test_join_urls_and_module_level_verbs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # use_model downloads under ./artifacts, as W&B
    (tmp_path / "m.pt").write_bytes(b"model")
    sweep_id = wandb.sweep({"method": "grid", "parameters": {"x": {"values": [1]}}}, project="urls")
    seen: dict[str, Any] = {}

    def trial() -> None:
        run = wandb.init()
        seen.update(url=run.get_url(), project=run.get_project_url(), sweep=run.get_sweep_url())

    wandb.agent(sweep_id, function=trial, count=1, progress=False)
    store_url = wandb.open_store().url
    assert seen["sweep"] == f"{store_url}#sweep={sweep_id}"
    assert seen["project"] == f"{store_url}#project=urls" and seen["url"].startswith(f"{store_url}#run=")
    run = wandb.init(project="urls")
    assert run.get_sweep_url() is None
    wandb.log_model(tmp_path / "m.pt", name="m")
    art = wandb.use_artifact("m:latest", type="model")
    wandb.link_model(tmp_path / "m.pt", "reg", name="m")
    assert Path(wandb.use_model("wandb-registry-model/reg:latest")).read_bytes() == b"model"
    logged = wandb.log_artifact(str(tmp_path / "m.pt"), name="raw", type="dataset")
    wandb.join()
    assert wandb.run is None and run.state == "finished"
    assert art.used_by()[0].id == run.id and logged.logged_by().id == run.id  # type: ignore[union-attr]
    with pytest.raises(wandb.UsageError, match="log_model"):
        wandb.log_model(tmp_path / "m.pt")


def test_restore_a_file_the_run_saved(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "model.h5").write_text("weights")
    with wandb.init(project="files") as run:
        wandb.save(str(tmp_path / "model.h5"))
    monkeypatch.chdir(tmp_path / "..")
    with wandb.init(project="files") as later:
        with wandb.restore("model.h5", run_path=f"me/files/{run.id}") as f:
            assert f.read() == "weights"
        assert (Path(later.dir) / "model.h5").read_text() == "weights"
        assert wandb.restore("absent.txt", run_path=run.id) is None
        with pytest.raises(ValueError, match="outside"):
            wandb.restore("../../x", run_path=run.id)
    out = tmp_path / "restored"
    assert wandb.restore("model.h5", run_path=run.id, root=str(out)).read() == "weights"  # type: ignore[union-attr]


def test_require_and_teardown() -> None:
    assert wandb.require("core") is None
    first = wandb.init(project="td")
    second = wandb.init(project="td", reinit="create_new")
    wandb.teardown()
    assert first.finished and second.finished and wandb.run is None


@pytest.mark.parametrize("name", ["controller", "mark_preempting", "tensorboard", "sync"])
def test_what_does_not_apply_offline_raises_naming_the_alternative(name: str) -> None:
    from nbtrack._compat import UNSUPPORTED

    with pytest.raises(wandb.UnsupportedError, match=rf"wandb\.{name}") as caught:
        getattr(wandb, name)
    assert UNSUPPORTED[name] in str(caught.value) and "nbtrack" in UNSUPPORTED[name].lower()  # the alternative
    assert not hasattr(wandb, name)


def test_lightning_logger_watch_logs_gradients(tmp_path: Path) -> None:
    import pytorch_lightning as pl
    import torch
    from torch.utils.data import DataLoader, TensorDataset

    from nbtrack.integrations.lightning import NbtrackLogger

    class Tiny(pl.LightningModule):
        def __init__(self) -> None:
            super().__init__()
            self.net = torch.nn.Linear(3, 1)

        def forward(self, x: Any) -> Any:
            return self.net(x).squeeze(-1)

        def training_step(self, batch: Any, _: int) -> Any:
            x, y = batch
            return torch.nn.functional.mse_loss(self(x), y)

        def configure_optimizers(self) -> Any:
            return torch.optim.SGD(self.parameters(), lr=0.1)

    torch.manual_seed(0)
    data = TensorDataset(torch.randn(32, 3), torch.randn(32))
    logger = NbtrackLogger(project="lw", log_model=False)
    model = Tiny()
    logger.watch(model, log="all", log_freq=1)
    trainer = pl.Trainer(max_epochs=1, logger=logger, log_every_n_steps=1, default_root_dir=tmp_path,
                         enable_progress_bar=False, enable_model_summary=False, enable_checkpointing=False,
                         accelerator="cpu")
    trainer.fit(model, DataLoader(data, batch_size=8))
    run = logger.experiment
    run.finish()
    keys = set(run.store.history_keys(run.id))
    assert {"gradients/net.weight", "parameters/net.weight"} <= keys
