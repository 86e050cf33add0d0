"""`nbtrack.plot`: W&B's chart presets with W&B's signatures (`wandb.plot.line(table, "x", "y")`).

Each preset returns a `CustomChart`: a `Table` plus the chart spec W&B stores with it
(the Vega spec id, its field mapping and string settings). Logged, it becomes one value
tagged `{"_type": "custom-chart"}` holding the spec and the table's stored reference;
the figure is drawn by `nbtrack.ui.charts.custom_chart_figure` wherever charts are drawn.
Only numpy is needed (the ROC and PR curves are computed here, without scikit-learn).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ._media import Table, _expect

__all__ = ["CustomChart", "bar", "confusion_matrix", "histogram", "line", "line_series", "plot_table", "pr_curve",
           "roc_curve", "scatter"]


@dataclass
class CustomChart:
    """A table and the chart spec that draws it (W&B's `CustomChart`)."""

    table: Table
    spec_name: str
    fields: dict[str, Any]
    string_fields: dict[str, Any] = field(default_factory=dict)
    split_table: bool = False

    def _nbtrack_json(self, run: Any, key: str) -> dict[str, Any]:
        return {"_type": "custom-chart", "spec_name": self.spec_name, "fields": dict(self.fields),
                "string_fields": dict(self.string_fields), "table": self.table._nbtrack_json(run, key)}

    @classmethod
    def from_json(cls, value: Mapping[str, Any], *, store: Any = None) -> CustomChart:
        """The chart of a stored `custom-chart` value (its table read back from the store)."""
        _expect(value, "custom-chart")
        return cls(Table.from_json(value["table"], store=store), str(value["spec_name"]), dict(value["fields"]),
                   dict(value.get("string_fields") or {}))

    @property
    def title(self) -> str:
        """The chart's title string setting."""
        return str(self.string_fields.get("title") or "")

    def __repr__(self) -> str:
        return f"<nbtrack.plot.CustomChart {self.spec_name} {len(self.table)} rows>"


def _require_columns(table: Table, *names: str | None) -> None:
    missing = [n for n in names if n is not None and n not in table.columns]
    if missing:
        raise ValueError(f"nbtrack.plot: table has no column {missing[0]!r} (columns: {table.columns})")


def plot_table(vega_spec_name: str, data_table: Table, fields: dict[str, Any],
               string_fields: dict[str, Any] | None = None, split_table: bool = False) -> CustomChart:
    """A custom chart from a Vega spec id, a table and the spec's field mapping (W&B's `plot_table`)."""
    if not isinstance(data_table, Table):
        raise TypeError(f"nbtrack.plot: data_table must be an nbtrack.Table, not {type(data_table).__name__}")
    return CustomChart(data_table, vega_spec_name, dict(fields), dict(string_fields or {}), split_table)


def line(table: Table, x: str, y: str, stroke: str | None = None, title: str = "",
         split_table: bool = False) -> CustomChart:
    """A line chart of column `y` over `x` (one line per value of `stroke`)."""
    _require_columns(table, x, y, stroke)
    return plot_table("wandb/line/v0", table, {"x": x, "y": y, "stroke": stroke}, {"title": title}, split_table)


def scatter(table: Table, x: str, y: str, title: str = "", split_table: bool = False) -> CustomChart:
    """A scatter plot of column `y` against `x`."""
    _require_columns(table, x, y)
    return plot_table("wandb/scatter/v0", table, {"x": x, "y": y}, {"title": title}, split_table)


def bar(table: Table, label: str, value: str, title: str = "", split_table: bool = False) -> CustomChart:
    """A bar per row: `label` against `value`."""
    _require_columns(table, label, value)
    return plot_table("wandb/bar/v0", table, {"label": label, "value": value}, {"title": title}, split_table)


def histogram(table: Table, value: str, title: str = "", split_table: bool = False) -> CustomChart:
    """A histogram of column `value`."""
    _require_columns(table, value)
    return plot_table("wandb/histogram/v0", table, {"value": value}, {"title": title}, split_table)


def line_series(xs: Iterable[Iterable[Any]] | Iterable[Any], ys: Iterable[Iterable[Any]],
                keys: Iterable[str] | None = None, title: str = "", xname: str = "x",
                split_table: bool = False) -> CustomChart:
    """Several lines on shared or per-line x values (W&B's `line_series`)."""
    ys = [list(y) for y in ys]
    xs = list(xs)
    if not ys:
        raise ValueError("nbtrack.plot.line_series: ys is empty")
    if not xs or not isinstance(xs[0], Iterable) or isinstance(xs[0], (str, bytes)):
        xs = [xs] * len(ys)
    xs = [list(x) for x in xs]
    if len(xs) != len(ys):
        raise ValueError(f"nbtrack.plot.line_series: {len(xs)} x-series for {len(ys)} y-series")
    keys = [f"line_{i}" for i in range(len(ys))] if keys is None else [str(k) for k in keys]
    if len(keys) != len(ys):
        raise ValueError(f"nbtrack.plot.line_series: {len(keys)} keys for {len(ys)} y-series")
    data = [[x, keys[i], y] for i, (xx, yy) in enumerate(zip(xs, ys)) for x, y in zip(xx, yy)]
    table = Table(columns=["step", "lineKey", "lineVal"], data=data)
    return plot_table("wandb/lineseries/v0", table, {"step": "step", "lineKey": "lineKey", "lineVal": "lineVal"},
                      {"title": title, "xname": xname}, split_table)


def confusion_matrix(probs: Sequence[Sequence[float]] | None = None, y_true: Sequence[Any] | None = None,
                     preds: Sequence[Any] | None = None, class_names: Sequence[str] | None = None,
                     title: str = "Confusion Matrix Curve", split_table: bool = False) -> CustomChart:
    """Counts of (actual, predicted) class pairs, from predictions or class probabilities."""
    import numpy as np

    if probs is not None and preds is not None:
        raise ValueError("nbtrack.plot.confusion_matrix: give probs or preds, not both")
    if y_true is None or (probs is None and preds is None):
        raise ValueError("nbtrack.plot.confusion_matrix: needs y_true and one of probs / preds")
    y_true = [v.item() if hasattr(v, "item") else v for v in y_true]
    preds = np.argmax(np.asarray(probs), axis=1).tolist() if probs is not None else \
        [v.item() if hasattr(v, "item") else v for v in preds]  # type: ignore[union-attr]
    if len(preds) != len(y_true):
        raise ValueError(f"nbtrack.plot.confusion_matrix: {len(preds)} predictions for {len(y_true)} labels")
    if class_names is not None:
        idx: Iterable[Any] = range(len(class_names))
        if len(set(preds)) > len(class_names) or len(set(y_true)) > len(class_names):
            raise ValueError("nbtrack.plot.confusion_matrix: more distinct classes than class_names")
    else:
        idx = set(preds) | set(y_true)
        class_names = [f"Class_{i + 1}" for i in range(len(idx))]
    index = {v: i for i, v in enumerate(sorted(idx))}
    n = len(class_names)
    counts = np.zeros((n, n))
    for t, p in zip(y_true, preds):
        if t not in index or p not in index:
            bad = t if t not in index else p
            raise ValueError(f"nbtrack.plot.confusion_matrix: label {bad!r} is not a class index")
        counts[index[t], index[p]] += 1
    data = [[class_names[i], class_names[j], float(counts[i, j])] for i in range(n) for j in range(n)]
    table = Table(columns=["Actual", "Predicted", "nPredictions"], data=data)
    return plot_table("wandb/confusion_matrix/v1", table,
                      {"Actual": "Actual", "Predicted": "Predicted", "nPredictions": "nPredictions"},
                      {"title": title}, split_table)


def _class_columns(y_true: Any, y_probas: Any, labels: list[str] | None,
                   classes_to_plot: list[Any] | None) -> list[tuple[Any, Any, Any]]:
    """(label, positive mask, score column) per class to plot, as W&B names them."""
    import numpy as np

    y_true, y_probas = np.asarray(y_true), np.asarray(y_probas, dtype=float)
    if y_probas.ndim != 2 or len(y_probas) != len(y_true):
        raise ValueError(f"nbtrack.plot: y_probas must be (n_samples, n_classes) for {len(y_true)} labels, "
                         f"got shape {y_probas.shape}")
    classes = np.unique(y_true)
    wanted = classes if classes_to_plot is None else classes_to_plot
    out = []
    for i in np.where(np.isin(classes, wanted))[0]:
        c = classes[i]
        label = labels[int(c)] if labels is not None and isinstance(c, (int, np.integer)) else c
        label = label.item() if hasattr(label, "item") else label
        out.append((label, y_true == c, y_probas[:, i]))
    return out


def _roc(positive: Any, score: Any) -> tuple[Any, Any]:
    import numpy as np

    order = np.argsort(-score, kind="mergesort")
    score, positive = score[order], positive[order]
    last = np.r_[np.where(np.diff(score))[0], len(score) - 1]
    tps, fps = np.cumsum(positive)[last], np.cumsum(~positive)[last]
    tps, fps = np.r_[0, tps], np.r_[0, fps]
    return fps / max(fps[-1], 1), tps / max(tps[-1], 1)


def roc_curve(y_true: Sequence[Any], y_probas: Sequence[Sequence[float]] | None = None,
              labels: list[str] | None = None, classes_to_plot: list[Any] | None = None, title: str = "ROC Curve",
              split_table: bool = False) -> CustomChart:
    """One-vs-rest ROC curves per class (columns class, fpr, tpr)."""
    data = []
    for label, positive, score in _class_columns(y_true, y_probas, labels, classes_to_plot):
        fpr, tpr = _roc(positive, score)
        data += [[label, round(float(f), 3), round(float(t), 3)] for f, t in zip(fpr, tpr)]
    table = Table(columns=["class", "fpr", "tpr"], data=data)
    return plot_table("wandb/area-under-curve/v0", table, {"x": "fpr", "y": "tpr", "class": "class"},
                      {"title": title, "x-axis-title": "False positive rate", "y-axis-title": "True positive rate"},
                      split_table)


def pr_curve(y_true: Iterable[Any] | None = None, y_probas: Iterable[Any] | None = None,
             labels: list[str] | None = None, classes_to_plot: list[Any] | None = None, interp_size: int = 21,
             title: str = "Precision-Recall Curve", split_table: bool = False) -> CustomChart:
    """One-vs-rest precision-recall curves per class, interpolated at `interp_size` recall points."""
    import numpy as np

    if y_true is None or y_probas is None:
        raise ValueError("nbtrack.plot.pr_curve: needs y_true and y_probas")
    recall_grid = np.linspace(0, 1, int(interp_size))
    data = []
    for label, positive, score in _class_columns(list(y_true), list(y_probas), labels, classes_to_plot):
        fpr, tpr = _roc(positive, score)
        tp = tpr * positive.sum()
        predicted = tp + fpr * (~positive).sum()
        precision = np.where(predicted > 0, tp / np.maximum(predicted, 1e-12), 1.0)
        best = np.maximum.accumulate(precision[::-1])[::-1]  # interpolated precision: best at recall >= r
        at = np.searchsorted(tpr, recall_grid, side="left").clip(0, len(best) - 1)
        data += [[label, round(float(r), 3), round(float(p), 3)] for r, p in zip(recall_grid, best[at])]
    table = Table(columns=["class", "recall", "precision"], data=data)
    return plot_table("wandb/area-under-curve/v0", table, {"x": "recall", "y": "precision", "class": "class"},
                      {"title": title, "x-axis-title": "Recall", "y-axis-title": "Precision"}, split_table)
