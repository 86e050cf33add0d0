"""`nbtrack.as_wandb()`: third-party code that imports `wandb` itself logs into nbtrack.

Each integration runs in its own interpreter (the route edits `sys.modules`), with the real
library's own W&B code: Transformers' `WandbCallback` (`report_to="wandb"`), Lightning's
`WandbLogger` and W&B's Keras callbacks, on tiny models. The store is then read back.

Each runs twice: in the dev virtualenv (the real `wandb` installed and set aside), and in a
virtualenv built here holding every package of the dev one except `wandb` (as a user who never
installed it), where Lightning finds the route's stand-in `wandb` distribution metadata.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import textwrap
from pathlib import Path

import pytest

from nbtrack.store import open_store

ROOT = Path(__file__).resolve().parents[1]


def run_script(tmp_path: Path, code: str, timeout: int = 240, python: str = sys.executable) -> str:
    env = {**os.environ, "NBTRACK_DIR": str(tmp_path / ".nbtrack"), "PYTHONPATH": str(ROOT),
           "WANDB_MODE": "offline", "TOKENIZERS_PARALLELISM": "false", "KERAS_BACKEND": "torch"}
    env.pop("NBTRACK_STORE", None)
    proc = subprocess.run([python, "-c", textwrap.dedent(code)], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=timeout)
    assert proc.returncode == 0, proc.stderr[-4000:]
    return proc.stdout


@pytest.fixture(scope="module")
def without_wandb(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The python of a virtualenv holding every package of this one except `wandb` (nbtrack via PYTHONPATH)."""
    home = tmp_path_factory.mktemp("no-wandb") / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(home)], check=True)
    python = str(home / "bin" / "python")
    ours = Path(sysconfig.get_paths()["purelib"])
    theirs = Path(subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                 check=True, capture_output=True, text=True).stdout.strip())
    for entry in ours.iterdir():
        if entry.name != "wandb" and not (entry.name.startswith("wandb-") and entry.name.endswith(".dist-info")):
            (theirs / entry.name).symlink_to(entry)
    return python


@pytest.fixture(params=["wandb installed", "wandb absent"])
def python(request: pytest.FixtureRequest) -> str:
    """Each route test runs with the real wandb installed (set aside) and in an environment without it."""
    return sys.executable if request.param == "wandb installed" else request.getfixturevalue("without_wandb")


def runs_and_keys(tmp_path: Path) -> list[tuple[str, str, set[str]]]:
    store = open_store(f"sqlite:///{tmp_path / '.nbtrack' / 'nbtrack.db'}")
    return [(r.project, r.state, set(store.history_keys(r.id))) for r in store.list_runs()]


def test_route_is_explicit_and_undone(tmp_path: Path) -> None:
    out = run_script(tmp_path, """
        import sys, nbtrack
        import wandb as real                      # the installed package, untouched by import nbtrack
        assert not getattr(real, "__nbtrack__", False)
        with nbtrack.as_wandb() as wandb:
            import wandb as routed
            from wandb.sdk.lib import RunDisabled
            from wandb.wandb_run import Run
            from wandb.integration.sklearn import plot_roc
            assert routed is wandb and routed.__nbtrack__ and Run is nbtrack.Run
            assert routed.plot.line is nbtrack.plot.line and routed.Table is nbtrack.Table
            try:
                routed.no_such_thing
            except AttributeError as exc:
                print("missing:", exc)
        import wandb as back
        assert back is real, "undo puts the real package back"
        print("ok")
    """)
    assert "ok" in out and "wandb.no_such_thing is not provided by nbtrack" in out


def test_stand_in_metadata_only_without_a_real_wandb(tmp_path: Path, without_wandb: str) -> None:
    absent = run_script(tmp_path, """
        import importlib.metadata as md, importlib.util, nbtrack
        from nbtrack._as_wandb import WANDB_VERSION
        def version():
            try:
                return md.version("wandb")
            except md.PackageNotFoundError:
                return None
        assert version() is None and importlib.util.find_spec("wandb") is None  # nothing without the call
        route = nbtrack.as_wandb()
        import wandb
        assert version() == WANDB_VERSION == wandb.__version__
        assert [d.metadata["Name"] for d in md.distributions() if d.metadata["Name"] == "wandb"] == ["wandb"]
        assert md.packages_distributions()["wandb"] == ["wandb"]
        from lightning_utilities.core.imports import RequirementCache
        assert RequirementCache("wandb>=0.12.10")     # what Lightning's WandbLogger checks
        route.undo()
        assert version() is None
        print("ok")
    """, python=without_wandb)
    assert "ok" in absent
    installed = run_script(tmp_path, """
        import importlib.metadata as md, nbtrack
        nbtrack.as_wandb()
        found = [d for d in md.distributions() if d.metadata["Name"] == "wandb"]
        assert len(found) == 1 and found[0].read_text("RECORD"), "the real distribution, never shadowed"
        print("ok")
    """)
    assert "ok" in installed


def test_load_ext_honours_the_environment_variable(tmp_path: Path) -> None:
    out = run_script(tmp_path, """
        import os, sys
        from IPython.testing.globalipapp import start_ipython
        ip = start_ipython()
        os.environ["NBTRACK_AS_WANDB"] = "1"
        ip.run_line_magic("load_ext", "nbtrack")
        import wandb
        print("routed", getattr(wandb, "__nbtrack__", False))
    """)
    assert "routed True" in out


def test_transformers_trainer_report_to_wandb(tmp_path: Path, python: str) -> None:
    run_script(tmp_path, """
        import nbtrack
        nbtrack.as_wandb()
        import torch
        from transformers import BertConfig, BertForSequenceClassification, Trainer, TrainingArguments
        cfg = BertConfig(vocab_size=50, hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                         intermediate_size=32, num_labels=2)
        class DS(torch.utils.data.Dataset):
            def __len__(self): return 16
            def __getitem__(self, i):
                g = torch.Generator().manual_seed(i)
                return {"input_ids": torch.randint(0, 50, (8,), generator=g), "labels": torch.tensor(i % 2)}
        args = TrainingArguments(output_dir="out", report_to="wandb", num_train_epochs=1, logging_steps=1,
                                 per_device_train_batch_size=8, eval_strategy="epoch", save_strategy="no",
                                 run_name="hf-tiny", use_cpu=True, disable_tqdm=True)
        Trainer(model=BertForSequenceClassification(cfg), args=args, train_dataset=DS(), eval_dataset=DS()).train()
        import wandb
        assert wandb.run.config["model/num_parameters"] > 0
        wandb.finish()
    """, python=python)
    [(project, state, keys)] = runs_and_keys(tmp_path)
    assert project == "huggingface" and state == "finished"
    assert {"train/loss", "train/global_step", "eval/loss"} <= keys


def test_lightning_wandb_logger(tmp_path: Path, python: str) -> None:
    run_script(tmp_path, """
        import nbtrack
        nbtrack.as_wandb()
        import torch, pytorch_lightning as pl
        from pytorch_lightning.loggers import WandbLogger
        class M(pl.LightningModule):
            def __init__(self, lr=0.01):
                super().__init__(); self.save_hyperparameters(); self.l = torch.nn.Linear(4, 1)
            def training_step(self, b, i):
                loss = torch.nn.functional.mse_loss(self.l(b[0]), b[1]); self.log("train_loss", loss); return loss
            def validation_step(self, b, i):
                self.log("val_loss", torch.nn.functional.mse_loss(self.l(b[0]), b[1]))
            def configure_optimizers(self): return torch.optim.SGD(self.parameters(), lr=self.hparams.lr)
        dl = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(torch.randn(32, 4), torch.randn(32, 1)),
                                         batch_size=8)
        logger = WandbLogger(project="pl-tiny", log_model=True)
        logger.log_table("samples", columns=["a", "b"], data=[[1, "x"]])
        pl.Trainer(max_epochs=1, logger=logger, log_every_n_steps=1, enable_progress_bar=False,
                   accelerator="cpu", default_root_dir="out").fit(M(), dl, dl)
        assert logger.experiment.config["lr"] == 0.01
        import wandb; wandb.finish()
    """, python=python)
    [(project, state, keys)] = runs_and_keys(tmp_path)
    assert project == "pl-tiny" and state == "finished"
    assert {"train_loss", "val_loss", "trainer/global_step", "samples"} <= keys
    store = open_store(f"sqlite:///{tmp_path / '.nbtrack' / 'nbtrack.db'}")
    [run] = store.list_runs()
    assert run.config["lr"] == 0.01
    [checkpoint] = store.list_artifacts()  # log_model=True: Lightning's checkpoint, logged by WandbLogger
    assert checkpoint.type == "model" and checkpoint.name.startswith("model-") and checkpoint.run_id == run.id
    assert [f.path for f in store.artifact_files(checkpoint.id)][0].endswith(".ckpt")


def test_keras_wandb_callbacks(tmp_path: Path, python: str) -> None:
    run_script(tmp_path, """
        import nbtrack
        nbtrack.as_wandb()
        import numpy as np, keras, wandb
        from wandb.integration.keras import WandbMetricsLogger, WandbModelCheckpoint
        wandb.init(project="keras-tiny", config={"epochs": 2})
        model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
        model.compile(optimizer="adam", loss="mse")
        model.fit(np.random.rand(32, 4), np.random.rand(32, 1), epochs=2, validation_split=0.25, verbose=0,
                  callbacks=[WandbMetricsLogger(log_freq="batch"), WandbModelCheckpoint("model.keras")])
        wandb.finish()
    """, python=python)
    [(project, state, keys)] = runs_and_keys(tmp_path)
    assert project == "keras-tiny" and state == "finished"
    assert {"epoch/loss", "epoch/val_loss", "epoch/epoch", "batch/loss", "batch/batch_step"} <= keys
    store = open_store(f"sqlite:///{tmp_path / '.nbtrack' / 'nbtrack.db'}")
    assert [a.type for a in store.list_artifacts()] == ["model", "model"]  # one version per epoch's checkpoint


def test_keras_metrics_logger_names_and_steps_as_wandb(tmp_path: Path) -> None:
    # W&B's WandbMetricsLogger: epoch/<name>, epoch/epoch, epoch/learning_rate per epoch; with log_freq=N also
    # batch/<name>, batch/batch_step (advancing by N), batch/learning_rate every N-th batch of each epoch; one
    # log() call each, so the rows take consecutive steps
    run_script(tmp_path, """
        import numpy as np, keras, nbtrack
        from nbtrack.keras import WandbMetricsLogger
        x, y = np.random.rand(32, 4), np.random.rand(32, 1)
        for project, freq in (("k-epoch", "epoch"), ("k-batch", 2)):
            nbtrack.init(project=project)
            model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
            model.compile(optimizer=keras.optimizers.SGD(0.05), loss="mse")
            model.fit(x, y, batch_size=8, epochs=2, validation_split=0.25, verbose=0,
                      callbacks=[WandbMetricsLogger(log_freq=freq)])   # 24 training rows: 3 batches per epoch
            nbtrack.finish()
    """)
    store = open_store(f"sqlite:///{tmp_path / '.nbtrack' / 'nbtrack.db'}")
    runs = {r.project: r.id for r in store.list_runs()}
    epoch = store.read_history([runs["k-epoch"]])[runs["k-epoch"]]
    assert set(epoch) == {"epoch/loss", "epoch/val_loss", "epoch/epoch", "epoch/learning_rate"}
    assert epoch["epoch/epoch"].steps.tolist() == [0, 1] and epoch["epoch/epoch"].values.tolist() == [0, 1]
    assert epoch["epoch/learning_rate"].values.tolist() == pytest.approx([0.05, 0.05])
    batch = store.read_history([runs["k-batch"]])[runs["k-batch"]]
    assert {"batch/loss", "batch/batch_step", "batch/learning_rate", "epoch/loss", "epoch/epoch"} <= set(batch)
    # per epoch: batches 0 and 2 (every 2nd of 3), then the epoch row
    assert batch["batch/batch_step"].steps.tolist() == [0, 1, 3, 4]
    assert batch["batch/batch_step"].values.tolist() == [0, 2, 4, 6]
    assert batch["epoch/epoch"].steps.tolist() == [2, 5]
    capture = store.get_capture(runs["k-batch"]) or {}
    assert "batch/batch_step" in str(capture.get("metric_defs"))  # W&B's x-axis for batch rows


@pytest.mark.parametrize("module", ["sklearn", "xgboost", "lightgbm", "keras", "integration.lightning"])
def test_w_and_b_integration_names_resolve(module: str, tmp_path: Path) -> None:
    # in a fresh interpreter: the libraries behind these names (Keras, absl, Lightning) bind logging
    # handlers to the streams of the process that imports them
    said = run_script(tmp_path, f"""
        import importlib
        mod = importlib.import_module("nbtrack.{module}")
        assert mod.__all__ and all(hasattr(mod, n) for n in mod.__all__)
        print(len(mod.__all__))
    """)
    assert int(said.split()[-1]) > 0
