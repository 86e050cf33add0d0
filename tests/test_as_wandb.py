"""`nbtrack.as_wandb()`: third-party code that imports `wandb` itself logs into nbtrack.

Each integration runs in its own interpreter (the route edits `sys.modules`), with the real
library's own W&B code: Transformers' `WandbCallback` (`report_to="wandb"`), Lightning's
`WandbLogger` and W&B's Keras callbacks, on tiny models. The store is then read back.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from nbtrack.store import open_store

ROOT = Path(__file__).resolve().parents[1]


def run_script(tmp_path: Path, code: str, timeout: int = 240) -> str:
    env = {**os.environ, "NBTRACK_DIR": str(tmp_path / ".nbtrack"), "PYTHONPATH": str(ROOT),
           "WANDB_MODE": "offline", "TOKENIZERS_PARALLELISM": "false", "KERAS_BACKEND": "torch"}
    env.pop("NBTRACK_STORE", None)
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=timeout)
    assert proc.returncode == 0, proc.stderr[-4000:]
    return proc.stdout


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


def test_transformers_trainer_report_to_wandb(tmp_path: Path) -> None:
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
    """)
    [(project, state, keys)] = runs_and_keys(tmp_path)
    assert project == "huggingface" and state == "finished"
    assert {"train/loss", "train/global_step", "eval/loss"} <= keys


def test_lightning_wandb_logger(tmp_path: Path) -> None:
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
    """)
    [(project, state, keys)] = runs_and_keys(tmp_path)
    assert project == "pl-tiny" and state == "finished"
    assert {"train_loss", "val_loss", "trainer/global_step", "samples"} <= keys
    store = open_store(f"sqlite:///{tmp_path / '.nbtrack' / 'nbtrack.db'}")
    [checkpoint] = store.list_artifacts()  # log_model=True: Lightning's checkpoint, logged by WandbLogger
    assert checkpoint.type == "model" and checkpoint.name.startswith("model-")


def test_keras_wandb_callbacks(tmp_path: Path) -> None:
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
    """)
    [(project, state, keys)] = runs_and_keys(tmp_path)
    assert project == "keras-tiny" and state == "finished" and {"loss", "val_loss", "batch/loss"} <= keys
    store = open_store(f"sqlite:///{tmp_path / '.nbtrack' / 'nbtrack.db'}")
    assert [a.type for a in store.list_artifacts()] == ["model", "model"]  # one version per epoch's checkpoint


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
