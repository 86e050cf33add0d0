"""W&B's importance columns (random forest, Pearson) beside PED-ANOVA: computed with ==/approx, then drawn."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import RandomForestRegressor

from nbtrack.ui._importance import IMPORTANCE_TABLE_COLUMNS, importance_table
from nbtrack.ui.charts import param_importance

N = 40


def frame() -> pd.DataFrame:
    """Runs whose loss depends strongly on lr (log-scaled), somewhat on the optimizer, not on the seed."""
    rng = np.random.default_rng(0)
    lr = 10 ** rng.uniform(-5, -1, N)
    opt = np.array(["adam", "sgd", "rmsprop"])[rng.integers(0, 3, N)]
    seed = rng.integers(0, 1000, N).astype(float)
    loss = -np.log10(lr) + np.where(opt == "sgd", 1.0, 0.0) + rng.normal(0, 0.05, N)
    return pd.DataFrame({"id": [f"r{i}" for i in range(N)], "name": [f"n{i}" for i in range(N)],
                         "config.lr": lr, "config.opt": opt, "config.seed": seed, "config.const": 1.0,
                         "summary.loss": loss})


def test_columns_values_and_order() -> None:
    runs = frame()
    table = importance_table(runs, "summary.loss")
    assert tuple(table.columns) == IMPORTANCE_TABLE_COLUMNS
    assert table["param"].tolist() == ["config.lr", "config.opt", "config.seed"]  # const does not vary
    assert table["importance"].sum() == pytest.approx(1.0)
    by = table.set_index("param")
    y = runs["summary.loss"].to_numpy()
    # Pearson as W&B, through log10 for a log-scaled parameter
    assert by.loc["config.lr", "correlation"] == pytest.approx(np.corrcoef(np.log10(runs["config.lr"]), y)[0, 1])
    assert by.loc["config.lr", "correlation"] < -0.9 and by.loc["config.lr", "level"] is None
    assert by.loc["config.seed", "correlation"] == pytest.approx(np.corrcoef(runs["config.seed"], y)[0, 1])
    # a categorical parameter: the indicator of its most correlated value
    indicator = (runs["config.opt"] == "sgd").to_numpy(dtype=float)
    assert by.loc["config.opt", "level"] == "sgd"
    assert by.loc["config.opt", "correlation"] == pytest.approx(np.corrcoef(indicator, y)[0, 1])
    # the forest: one-hot categories, log10 numbers, importances summed per parameter
    levels = sorted(runs["config.opt"].unique())
    x = np.column_stack([np.log10(runs["config.lr"]), *[(runs["config.opt"] == v).to_numpy(float) for v in levels],
                         runs["config.seed"]])
    forest = RandomForestRegressor(n_estimators=100, random_state=0).fit(x, y).feature_importances_
    assert by.loc["config.lr", "importance"] == pytest.approx(forest[0])
    assert by.loc["config.opt", "importance"] == pytest.approx(forest[1:4].sum())
    assert by.loc["config.seed", "importance"] == pytest.approx(forest[4])
    # PED-ANOVA as the existing (Optuna) computation gives it
    ped = param_importance(runs, "summary.loss", params=["config.lr", "config.opt", "config.seed"])
    assert by["ped_anova"].to_dict() == pytest.approx(dict(zip(ped["param"], ped["importance"])))


def test_the_user_picks_the_metric() -> None:
    runs = frame().assign(**{"summary.other": lambda f: f["config.seed"] * 2.0})
    table = importance_table(runs, "summary.other", goal="maximize")
    assert table["param"].iloc[0] == "config.seed"
    assert table.set_index("param").loc["config.seed", "correlation"] == pytest.approx(1.0)


def test_missing_values_and_too_few_runs() -> None:
    runs = frame()
    runs.loc[:4, "config.seed"] = np.nan  # a numeric parameter missing from some runs
    runs.loc[:2, "summary.loss"] = np.nan  # runs without the metric are left out
    by = importance_table(runs, "summary.loss").set_index("param")
    assert math.isnan(by.loc["config.seed", "ped_anova"]) and by.loc["config.seed", "importance"] >= 0
    kept = runs.loc[3:]
    ok = kept["config.seed"].notna()
    assert by.loc["config.seed", "correlation"] == pytest.approx(
        np.corrcoef(kept.loc[ok, "config.seed"], kept.loc[ok, "summary.loss"])[0, 1])
    assert importance_table(runs.head(5), "summary.loss").empty  # 2 runs with the metric
    assert importance_table(runs.assign(**{"summary.loss": 1.0}), "summary.loss").empty
    assert list(importance_table(runs, "summary.nothing").columns) == list(IMPORTANCE_TABLE_COLUMNS)


def test_figure_has_the_three_columns_per_parameter() -> None:
    from nbtrack.ui.charts import importance_table_figure

    table = importance_table(frame(), "summary.loss")
    fig = importance_table_figure(table, metric="summary.loss")
    assert [t.name for t in fig.data] == ["importance", "correlation", "PED-ANOVA"]
    assert [list(t.y) for t in fig.data] == [["lr", "opt", "seed"]] * 3
    assert list(fig.data[0].x) == pytest.approx(table["importance"].tolist())
    assert list(fig.data[1].x) == pytest.approx(table["correlation"].tolist())
    assert list(fig.data[2].x) == pytest.approx(table["ped_anova"].tolist())
    assert "opt = sgd" in list(fig.data[1].customdata)
    assert [a.text for a in fig.layout.annotations] == ["importance (random forest)", "correlation (Pearson)",
                                                        "PED-ANOVA"]
    empty = importance_table_figure(importance_table(frame().head(2), "summary.loss"), metric="summary.loss")
    assert "Needs at least" in empty.layout.annotations[0].text
