"""Framework integrations: each trains a tiny model built here on synthetic data for a few steps,
then checks the run's config, history keys and the model artifact (read back and reloaded).

No downloads: models come from code or configs, data from a seeded generator.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import nbtrack


def _data(n: int = 64, features: int = 4, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, features)).astype("float32")
    y = (x @ np.arange(1, features + 1, dtype="float32") + 0.1 * rng.normal(size=n)).astype("float32")
    return x, y


def _stored(run: Any) -> tuple[dict[str, Any], set[str], dict[str, Any]]:
    """(config, history keys, summary) of a finished run, as read back from the store."""
    assert run.state == "finished"
    rows = nbtrack.runs(run.project)
    row = rows[rows["id"] == run.id].iloc[0]
    config = {k[len("config."):]: v for k, v in row.items() if k.startswith("config.")}
    summary = {k[len("summary."):]: v for k, v in row.items() if k.startswith("summary.")}
    hist = nbtrack.history(run.id)
    keys = {c for c in hist.columns if c not in ("run_id", "_step", "_timestamp") and hist[c].notna().any()}
    return config, keys, summary


def _model(run: Any, tmp_path: Path, files: set[str]) -> tuple[Any, Path]:
    """The run's model artifact: logged by the run, holding exactly `files`; downloaded to tmp_path."""
    art = nbtrack.artifact(f"model-{run.id}:latest")
    assert art.type == "model"
    assert art.logged_by().id == run.id
    assert {f.path for f in art.files()} == files
    return art, Path(art.download(tmp_path / "model"))


def test_lightning_logger(tmp_path: Path) -> None:
    import pytorch_lightning as pl
    import torch
    from safetensors.torch import load_model
    from torch.utils.data import DataLoader, TensorDataset

    from nbtrack.integrations.lightning import NbtrackLogger

    torch.manual_seed(0)

    class Regressor(pl.LightningModule):
        def __init__(self, lr: float = 0.05, hidden: int = 8) -> None:
            super().__init__()
            self.save_hyperparameters()
            self.net = torch.nn.Sequential(torch.nn.Linear(4, hidden), torch.nn.ReLU(), torch.nn.Linear(hidden, 1))

        def training_step(self, batch: Any, _: int) -> Any:
            x, y = batch
            loss = torch.nn.functional.mse_loss(self.net(x).squeeze(-1), y)
            self.log("train_loss", loss)
            return loss

        def validation_step(self, batch: Any, _: int) -> None:
            x, y = batch
            self.log("val_loss", torch.nn.functional.mse_loss(self.net(x).squeeze(-1), y))

        def configure_optimizers(self) -> Any:
            return torch.optim.SGD(self.parameters(), lr=self.hparams.lr)

    x, y = _data()
    loader = DataLoader(TensorDataset(torch.from_numpy(x), torch.from_numpy(y)), batch_size=16)
    logger = NbtrackLogger(project="lightning", name="tiny")
    checkpoint = pl.callbacks.ModelCheckpoint(monitor="val_loss")
    trainer = pl.Trainer(max_epochs=2, logger=logger, log_every_n_steps=1, callbacks=[checkpoint],
                         default_root_dir=tmp_path, enable_progress_bar=False, enable_model_summary=False,
                         accelerator="cpu")
    model = Regressor()
    trainer.fit(model, loader, loader)
    run = logger.experiment
    assert run.name == "tiny" and logger.version == run.id
    run.finish()

    config, keys, summary = _stored(run)
    assert config == {"lr": 0.05, "hidden": 8}
    assert {"train_loss", "val_loss", "epoch"} <= keys
    hist = nbtrack.history(run.id, ["train_loss"]).dropna()
    assert list(hist["_step"]) == list(range(8))  # 4 batches x 2 epochs, at Lightning's global step
    art, root = _model(run, tmp_path, {"model.safetensors"})
    assert art.metadata["global_step"] == 8 and art.metadata["framework"] == "lightning"
    assert art.metadata["monitor"] == "val_loss"
    assert art.metadata["best_model_score"] == pytest.approx(float(checkpoint.best_model_score))
    # Lightning's checkpoints go under <project>/<run id>/ of the root dir
    assert Path(checkpoint.best_model_path).parent == tmp_path / "lightning" / run.id / "checkpoints"
    restored = Regressor()
    load_model(restored, str(root / "model.safetensors"))
    assert all(torch.equal(a, b) for a, b in zip(restored.state_dict().values(), model.state_dict().values()))


def test_transformers_callback(tmp_path: Path) -> None:
    import torch
    from transformers import BertConfig, BertForSequenceClassification, Trainer, TrainingArguments

    from nbtrack.integrations.transformers import NbtrackCallback

    torch.manual_seed(0)
    config = BertConfig(vocab_size=50, hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                        intermediate_size=32, max_position_embeddings=16, num_labels=2)
    model = BertForSequenceClassification(config)
    rng = np.random.default_rng(0)
    ids = rng.integers(1, 50, size=(32, 8))
    data = [{"input_ids": torch.tensor(row), "attention_mask": torch.ones(8, dtype=torch.long),
             "labels": torch.tensor(int(row[0] > 25))} for row in ids]
    args = TrainingArguments(
        output_dir=str(tmp_path / "out"), report_to="none", per_device_train_batch_size=8,
        per_device_eval_batch_size=8, num_train_epochs=2, learning_rate=1e-3, logging_steps=2,
        eval_strategy="epoch", save_strategy="no", use_cpu=True, disable_tqdm=True, seed=0,
    )
    callback = NbtrackCallback(project="transformers", name="tiny-bert")
    trainer = Trainer(model=model, args=args, train_dataset=data, eval_dataset=data[:8], callbacks=[callback])
    trainer.train()
    run = callback.run
    run.finish()

    config_, keys, summary = _stored(run)
    assert config_["learning_rate"] == 1e-3 and config_["num_train_epochs"] == 2
    assert config_["per_device_train_batch_size"] == 8
    assert config_["model.hidden_size"] == 16 and config_["model.vocab_size"] == 50
    assert config_["model_parameters"] == model.num_parameters()
    assert {"train/loss", "train/learning_rate", "train/epoch", "eval/loss"} <= keys
    assert "train_runtime" in summary and "train_loss" in summary and "train/train_runtime" not in keys
    steps = nbtrack.history(run.id, ["train/loss"]).dropna()["_step"]
    assert list(steps) == [2, 4, 6, 8]  # logging_steps=2 over 8 optimizer steps
    art, root = _model(run, tmp_path, {"config.json", "model.safetensors"})
    assert art.metadata["global_step"] == 8
    restored = BertForSequenceClassification.from_pretrained(str(root))
    assert all(torch.equal(a, b) for a, b in zip(restored.state_dict().values(), model.state_dict().values()))


@pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")  # keras' torch backend
def test_keras_callback(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KERAS_BACKEND", "torch")
    import keras

    if keras.backend.backend() != "torch":
        pytest.fail(f"keras was imported earlier with the {keras.backend.backend()!r} backend")
    from nbtrack.integrations.keras import NbtrackCallback

    keras.utils.set_random_seed(0)
    x, y = _data()
    model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(8, activation="relu"),
                              keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01), loss="mse", metrics=["mae"])
    callback = NbtrackCallback(project="keras", name="tiny", log_freq=2)
    model.fit(x, y, epochs=3, batch_size=16, validation_split=0.25, verbose=0, callbacks=[callback])
    run = callback.run
    run.finish()

    config, keys, summary = _stored(run)
    assert config["epochs"] == 3 and config["steps_per_epoch"] == 3 and config["loss"] == "mse"
    assert config["optimizer.name"] == "Adam"
    assert config["optimizer.learning_rate"] == pytest.approx(0.01)
    assert config["model_parameters"] == model.count_params()
    assert {"loss", "val_loss", "mae", "val_mae", "epoch", "batch/loss", "batch/step"} <= keys
    epochs = nbtrack.history(run.id, ["epoch"]).dropna()
    assert list(epochs["epoch"]) == [0, 1, 2]
    art, root = _model(run, tmp_path, {"model.keras"})
    assert art.metadata["backend"] == "torch"
    restored = keras.saving.load_model(root / "model.keras")
    np.testing.assert_allclose(restored.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-5)


def test_xgboost_callback(tmp_path: Path) -> None:
    import xgboost as xgb

    from nbtrack.integrations.xgboost import NbtrackCallback

    x, y = _data()
    train, valid = xgb.DMatrix(x[:48], label=y[:48]), xgb.DMatrix(x[48:], label=y[48:])
    params = {"max_depth": 2, "eta": 0.5, "objective": "reg:squarederror", "eval_metric": ["rmse", "mae"],
              "nthread": 1}
    callback = NbtrackCallback(project="xgboost", name="tiny", config={"rounds": 5})
    booster = xgb.train(params, train, num_boost_round=5, evals=[(train, "train"), (valid, "valid")],
                        callbacks=[callback], verbose_eval=False)
    run = callback.run
    run.finish()

    config, keys, summary = _stored(run)
    assert config["max_depth"] == 2 and config["eta"] == pytest.approx(0.5)
    assert config["objective"] == "reg:squarederror" and config["num_feature"] == 4 and config["rounds"] == 5
    assert keys == {"train-rmse", "train-mae", "valid-rmse", "valid-mae", "iteration"}
    assert list(nbtrack.history(run.id, ["iteration"])["iteration"]) == [0, 1, 2, 3, 4]
    art, root = _model(run, tmp_path, {"model.json"})
    assert art.metadata["rounds"] == 5
    restored = xgb.Booster(model_file=str(root / "model.json"))
    np.testing.assert_allclose(restored.predict(valid), booster.predict(valid))


def test_lightgbm_callback(tmp_path: Path) -> None:
    import lightgbm as lgb

    from nbtrack.integrations.lightgbm import log_booster, nbtrack_callback

    x, y = _data(n=200)
    train = lgb.Dataset(x[:150], label=y[:150])
    valid = lgb.Dataset(x[150:], label=y[150:], reference=train)
    params = {"objective": "regression", "learning_rate": 0.3, "num_leaves": 4, "min_data_in_leaf": 5,
              "metric": ["l2", "l1"], "verbose": -1, "num_threads": 1}
    booster = lgb.train(params, train, num_boost_round=6, valid_sets=[train, valid], valid_names=["train", "valid"],
                        callbacks=[nbtrack_callback(project="lightgbm", name="tiny")])
    run = nbtrack.run
    assert run is not None and run.project == "lightgbm"
    run.finish()

    config, keys, summary = _stored(run)
    assert config["objective"] == "regression" and config["num_leaves"] == 4
    assert config["learning_rate"] == pytest.approx(0.3) and config["num_boost_round"] == 6
    assert keys == {"train_l2", "train_l1", "valid_l2", "valid_l1", "iteration"}
    assert list(nbtrack.history(run.id, ["iteration"])["iteration"]) == [0, 1, 2, 3, 4, 5]
    art, root = _model(run, tmp_path, {"model.txt"})
    assert art.metadata["rounds"] == 6
    restored = lgb.Booster(model_file=str(root / "model.txt"))
    np.testing.assert_allclose(restored.predict(x[150:]), booster.predict(x[150:]))

    # early stopping ends before the last round: log_booster stores the best model afterwards
    with nbtrack.init("lightgbm", name="early") as early:
        stopped = lgb.train(params, train, num_boost_round=200, valid_sets=[valid], valid_names=["valid"],
                            callbacks=[nbtrack_callback(), lgb.early_stopping(3, verbose=False)])
        assert stopped.best_iteration < 200
        log_booster(stopped)
    assert early.summary["best_iteration"] == stopped.best_iteration
    assert "best_valid_l2" in early.summary
    assert nbtrack.artifact(f"model-{early.id}").metadata["best_iteration"] == stopped.best_iteration


def test_sklearn_log_estimator(tmp_path: Path) -> None:
    import skops.io
    from sklearn.ensemble import GradientBoostingRegressor

    from nbtrack.integrations.sklearn import log_estimator

    x, y = _data()
    model = GradientBoostingRegressor(n_estimators=5, max_depth=2, random_state=0).fit(x[:48], y[:48])
    run = log_estimator(model, {"r2": model.score(x[48:], y[48:])}, project="sklearn", name="gbr")
    run.finish()

    config, keys, summary = _stored(run)
    assert config["estimator"] == "GradientBoostingRegressor"
    assert config["n_estimators"] == 5 and config["max_depth"] == 2 and config["loss"] == "squared_error"
    assert keys == {"train_score", "r2"}
    assert nbtrack.history(run.id, ["train_score"])["train_score"].notna().sum() == 5
    assert summary["r2"] == pytest.approx(model.score(x[48:], y[48:]))
    art, root = _model(run, tmp_path, {"model.skops"})
    restored = skops.io.load(root / "model.skops", trusted=art.metadata["trusted_types"])
    np.testing.assert_allclose(restored.predict(x), model.predict(x))


def test_sklearn_needs_a_fitted_style_estimator() -> None:
    from nbtrack.integrations.sklearn import log_estimator

    with pytest.raises(TypeError, match="scikit-learn estimator"):
        log_estimator(object(), project="sklearn")


def test_optuna_callback_one_run_per_trial() -> None:
    import optuna

    from nbtrack.integrations.optuna import NbtrackOptunaCallback

    optuna.logging.set_verbosity(optuna.logging.WARNING)

    def objective(trial: optuna.Trial) -> float:
        x = trial.suggest_float("x", -4.0, 4.0)
        layers = trial.suggest_int("layers", 1, 3)
        loss = (x - 1.0) ** 2 + layers
        for step in range(3):
            trial.report(loss + 2 - step, step)
        trial.set_user_attr("double", 2 * x)
        if trial.number == 3:
            raise optuna.TrialPruned()
        return loss

    with nbtrack.init("optuna", name="outer") as outer:
        study = optuna.create_study(study_name="quad", sampler=optuna.samplers.RandomSampler(seed=0))
        callback = NbtrackOptunaCallback(project="optuna", metric_name="loss")
        study.optimize(objective, n_trials=4, callbacks=[callback])
        assert nbtrack.run is outer  # trial runs never replace the open run

    runs = nbtrack.runs("optuna")
    trials = runs[runs["group"] == "quad"].sort_values("summary.trial_number")
    assert list(trials["name"]) == [f"trial-{i}" for i in range(4)]
    assert list(trials["state"]) == ["finished"] * 3 + ["pruned"]
    assert set(trials["job_type"]) == {"optuna-trial"}
    for (_, row), trial in zip(trials.iterrows(), study.trials):
        assert row["config.x"] == trial.params["x"] and row["config.layers"] == trial.params["layers"]
        assert row["summary.user_attrs/double"] == pytest.approx(2 * trial.params["x"])
        hist = nbtrack.history(row["id"])
        assert list(hist["_step"]) == [0, 1, 2] and set(hist.columns) == {"run_id", "_step", "_timestamp", "loss"}
        if trial.value is not None:
            assert row["summary.loss"] == trial.value
    assert len(callback.runs) == 4
    assert not [r for r in nbtrack.runs("optuna")["state"] if r == "running"]


def test_optuna_log_study_mirrors_a_finished_study() -> None:
    import optuna

    from nbtrack.integrations.optuna import log_study

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(study_name="two", directions=["minimize", "maximize"],
                                sampler=optuna.samplers.RandomSampler(seed=1))
    study.optimize(lambda t: (t.suggest_float("a", 0, 1), t.suggest_float("b", 0, 1)), n_trials=2)
    runs = log_study(study, "optuna-mo", metric_name=["cost", "gain"])
    assert [r.state for r in runs] == ["finished", "finished"]
    frame = nbtrack.runs("optuna-mo").sort_values("summary.trial_number")
    for (_, row), trial in zip(frame.iterrows(), study.trials):
        assert (row["summary.cost"], row["summary.gain"]) == tuple(trial.values)
        assert set(nbtrack.history(row["id"]).columns) == {"run_id", "_step", "_timestamp", "cost", "gain"}


def test_integrations_package_imports_no_framework() -> None:
    import subprocess
    import sys

    code = ("import sys, nbtrack.integrations; "
            "print(sorted(m for m in ('torch', 'transformers', 'keras', 'xgboost', 'lightgbm', 'optuna', "
            "'sklearn', 'pytorch_lightning', 'lightning') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONWARNINGS": "ignore"})
    assert out.stdout.strip() == "[]"
