"""`nbtrack.plot` presets: W&B's signatures, W&B's table columns and spec ids, stored as one
`custom-chart` value, read back, and drawn by the shared figure builders (the same ones the
live view, dashboard, export and report use)."""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np
import pytest

import nbtrack
from nbtrack._media import load
from nbtrack.ui.charts import custom_chart_figure
from nbtrack.ui.media import MediaPanel

WANDB_PLOT = ("line", "scatter", "bar", "histogram", "line_series", "confusion_matrix", "roc_curve", "pr_curve")


def stored(chart: Any) -> Any:
    with nbtrack.init(project="plots") as run:
        run.log({"chart": chart})
    value = next(v for v in nbtrack.history(run, keys=["chart"])["chart"] if isinstance(v, dict))
    assert value["_type"] == "custom-chart"
    return value, load(value)


@pytest.mark.parametrize("name", WANDB_PLOT)
def test_signatures_match_the_installed_wandb(name: str) -> None:
    wandb_plot = pytest.importorskip("wandb.plot")
    ours = inspect.signature(getattr(nbtrack.plot, name)).parameters
    theirs = inspect.signature(getattr(wandb_plot, name)).parameters
    assert list(ours) == list(theirs)
    assert [p.default for p in ours.values()] == [p.default for p in theirs.values()]


def _table() -> Any:
    return nbtrack.Table(columns=["x", "y", "run"], data=[[i, i * i, "a" if i % 2 else "b"] for i in range(6)])


def test_line_stores_table_and_spec_and_draws_one_line_per_stroke() -> None:
    value, chart = stored(nbtrack.plot.line(_table(), "x", "y", stroke="run", title="squares"))
    assert chart.spec_name == "wandb/line/v0" and chart.fields == {"x": "x", "y": "y", "stroke": "run"}
    assert chart.string_fields == {"title": "squares"} and chart.table.get_column("y") == [0, 1, 4, 9, 16, 25]
    fig = custom_chart_figure(chart.spec_name, chart.table.columns, chart.table.data, chart.fields,
                              chart.string_fields)
    assert sorted(t.name for t in fig.data) == ["a", "b"] and fig.layout.title.text == "squares"
    assert list(fig.data[0].y) == [0, 4, 16]


def test_scatter_bar_histogram() -> None:
    _, s = stored(nbtrack.plot.scatter(_table(), "x", "y", title="s"))
    fig = custom_chart_figure(s.spec_name, s.table.columns, s.table.data, s.fields, s.string_fields)
    assert s.spec_name == "wandb/scatter/v0" and fig.data[0].mode == "markers"
    _, b = stored(nbtrack.plot.bar(_table(), "run", "y"))
    fig = custom_chart_figure(b.spec_name, b.table.columns, b.table.data, b.fields, b.string_fields)
    assert b.spec_name == "wandb/bar/v0" and fig.data[0].type == "bar" and len(fig.data[0].x) == 6
    _, h = stored(nbtrack.plot.histogram(nbtrack.Table(columns=["v"], data=[[float(v)] for v in range(100)]), "v"))
    fig = custom_chart_figure(h.spec_name, h.table.columns, h.table.data, h.fields, h.string_fields)
    assert h.spec_name == "wandb/histogram/v0" and sum(fig.data[0].y) == 100


def test_line_series_with_shared_x() -> None:
    _, c = stored(nbtrack.plot.line_series(xs=[0, 1, 2], ys=[[1, 2, 3], [3, 2, 1]], keys=["up", "down"],
                                           title="t", xname="epoch"))
    assert c.spec_name == "wandb/lineseries/v0" and c.table.columns == ["step", "lineKey", "lineVal"]
    assert c.table.data[:3] == [[0, "up", 1], [1, "up", 2], [2, "up", 3]]
    fig = custom_chart_figure(c.spec_name, c.table.columns, c.table.data, c.fields, c.string_fields)
    assert [t.name for t in fig.data] == ["up", "down"] and fig.layout.xaxis.title.text == "epoch"


def test_confusion_matrix_from_preds_and_from_probs() -> None:
    _, c = stored(nbtrack.plot.confusion_matrix(y_true=[0, 1, 1, 2], preds=[0, 1, 2, 2], class_names=["a", "b", "c"]))
    assert c.spec_name == "wandb/confusion_matrix/v1" and c.table.columns == ["Actual", "Predicted", "nPredictions"]
    counts = {(a, p): n for a, p, n in c.table.data}
    assert counts[("b", "c")] == 1 and counts[("c", "c")] == 1 and counts[("a", "b")] == 0
    fig = custom_chart_figure(c.spec_name, c.table.columns, c.table.data, c.fields, c.string_fields)
    assert fig.data[0].type == "heatmap" and np.asarray(fig.data[0].z).sum() == 4
    probs = np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4]])
    c2 = nbtrack.plot.confusion_matrix(probs=probs, y_true=[0, 1, 1])
    assert {(a, p): n for a, p, n in c2.table.data}[("Class_2", "Class_1")] == 1
    with pytest.raises(ValueError, match="not both"):
        nbtrack.plot.confusion_matrix(probs=probs, y_true=[0, 1, 1], preds=[0, 1, 1])


def test_roc_and_pr_curves_agree_with_scikit_learn() -> None:
    from sklearn.metrics import auc, roc_curve

    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 200)
    p1 = np.clip(y * 0.4 + rng.random(200) * 0.6, 0, 1)
    probas = np.stack([1 - p1, p1], axis=1)
    _, roc = stored(nbtrack.plot.roc_curve(y, probas, labels=["neg", "pos"]))
    assert roc.spec_name == "wandb/area-under-curve/v0" and roc.fields == {"x": "fpr", "y": "tpr", "class": "class"}
    pos = [(f, t) for c, f, t in roc.table.data if c == "pos"]
    fpr, tpr, _ = roc_curve(y, p1)
    assert auc([f for f, _ in pos], [t for _, t in pos]) == pytest.approx(auc(fpr, tpr), abs=0.01)
    _, pr = stored(nbtrack.plot.pr_curve(y, probas, interp_size=11))
    assert pr.table.columns == ["class", "recall", "precision"] and len(pr.table) == 22
    precisions = [p for c, _, p in pr.table.data if c == 1]
    assert all(a >= b for a, b in zip(precisions, precisions[1:]))  # interpolated precision never rises with recall
    fig = custom_chart_figure(pr.spec_name, pr.table.columns, pr.table.data, pr.fields, pr.string_fields)
    assert len(fig.data) == 2 and fig.layout.xaxis.title.text == "Recall"


def test_a_missing_column_names_it() -> None:
    with pytest.raises(ValueError, match="'nope'"):
        nbtrack.plot.line(_table(), "x", "nope")


def test_custom_charts_show_in_the_media_panel_and_its_static_figures() -> None:
    with nbtrack.init(project="plots") as run:
        run.log({"cm": nbtrack.plot.confusion_matrix(y_true=[0, 1], preds=[1, 1]),
                 "custom": nbtrack.plot_table("me/custom/v1", _table(), {"x": "x", "y": "y"})})
    panel = MediaPanel(run.store)
    assert panel.add_history(nbtrack.history(run)) == 2
    panel.refresh()
    assert panel.sections["charts"].label.value == "step 0 (1/1)"
    titles = [f.layout.title.text for f in panel.static_figures()]
    assert "Confusion Matrix Curve" in titles and "custom" in titles
