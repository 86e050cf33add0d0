"""W&B's scikit-learn plots (`wandb.sklearn.plot_*`, `wandb.integration.sklearn`) as `nbtrack.plot` charts.

Each logs to the current run under W&B's key (`roc`, `confusion_matrix`, `precision_recall`,
`feature_importances`, `class_proportions`, `summary_metrics`, `learning_curve`,
`calibration_curve`, `residuals`, `outlier_candidates`, `elbow_curve`, `silhouette_plot`),
as a table plus a chart spec drawn by nbtrack's figure builders. `plot_classifier`,
`plot_regressor` and `plot_clusterer` log their groups of charts, as W&B's do.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from . import plot as _plot
from ._media import Table

__all__ = [
    "plot_calibration_curve", "plot_class_proportions", "plot_classifier", "plot_clusterer", "plot_confusion_matrix",
    "plot_elbow_curve", "plot_feature_importances", "plot_learning_curve", "plot_outlier_candidates",
    "plot_precision_recall", "plot_regressor", "plot_residuals", "plot_roc", "plot_silhouette",
    "plot_summary_metrics",
]


def _log(key: str, chart: Any) -> None:
    from . import _current

    _current.require(f"sklearn.plot_{key}").log({key: chart})


def _np(x: Any) -> Any:
    import numpy as np

    return np.asarray(x)


def plot_roc(y_true: Any = None, y_probas: Any = None, labels: Any = None, plot_micro: bool = True,
             plot_macro: bool = True, classes_to_plot: Any = None) -> None:
    """One-vs-rest ROC curves per class (key `roc`)."""
    _log("roc", _plot.roc_curve(_np(y_true), _np(y_probas), labels=labels, classes_to_plot=classes_to_plot))


def plot_precision_recall(y_true: Any = None, y_probas: Any = None, labels: Any = None, plot_micro: bool = True,
                          classes_to_plot: Any = None) -> None:
    """Precision-recall curves per class (key `precision_recall`)."""
    _log("precision_recall", _plot.pr_curve(_np(y_true), _np(y_probas), labels=labels,
                                            classes_to_plot=classes_to_plot))


def plot_confusion_matrix(y_true: Any = None, y_pred: Any = None, labels: Any = None, true_labels: Any = None,
                          pred_labels: Any = None, normalize: bool = False) -> None:
    """Counts of (actual, predicted) pairs (key `confusion_matrix`); `labels` name the sorted classes."""
    import numpy as np

    y_true, y_pred = _np(y_true), _np(y_pred)
    classes = sorted(set(y_true.tolist()) | set(y_pred.tolist()))
    index = {c: i for i, c in enumerate(classes)}
    names = [str(labels[c]) if labels is not None and isinstance(c, int) and c < len(labels) else str(c)
             for c in classes]
    counts = np.zeros((len(classes), len(classes)))
    for t, p in zip(y_true.tolist(), y_pred.tolist()):
        counts[index[t], index[p]] += 1
    if normalize:
        counts = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
    data = [[names[i], names[j], float(counts[i, j])] for i in range(len(names)) for j in range(len(names))]
    chart = _plot.plot_table("wandb/confusion_matrix/v1", Table(columns=["Actual", "Predicted", "nPredictions"],
                                                                 data=data),
                             {"Actual": "Actual", "Predicted": "Predicted", "nPredictions": "nPredictions"},
                             {"title": "Confusion Matrix"})
    _log("confusion_matrix", chart)


def plot_feature_importances(model: Any = None, feature_names: Sequence[str] | None = None,
                             title: str = "Feature Importance", max_num_features: int = 50) -> None:
    """The model's `feature_importances_` (or `|coef_|`) as bars, largest first (key `feature_importances`)."""
    import numpy as np

    values = getattr(model, "feature_importances_", None)
    if values is None and hasattr(model, "coef_"):
        values = np.abs(np.asarray(model.coef_)).reshape(-1, np.asarray(model.coef_).shape[-1]).mean(axis=0)
    if values is None:
        raise TypeError(f"plot_feature_importances: {type(model).__name__} has no feature_importances_ or coef_")
    values = np.asarray(values, dtype=float)
    names = list(feature_names) if feature_names is not None else [f"feature_{i}" for i in range(len(values))]
    order = np.argsort(-values)[:max_num_features]
    table = Table(columns=["feature_names", "importance"], data=[[str(names[i]), float(values[i])] for i in order])
    _log("feature_importances", _plot.bar(table, "feature_names", "importance", title=title))


def plot_class_proportions(y_train: Any = None, y_test: Any = None, labels: Any = None) -> None:
    """How many samples of each class in train and test (key `class_proportions`)."""
    import numpy as np

    rows = []
    for split, y in (("train", y_train), ("test", y_test)):
        classes, counts = np.unique(_np(y), return_counts=True)
        for c, n in zip(classes.tolist(), counts.tolist()):
            name = labels[c] if labels is not None and isinstance(c, int) and c < len(labels) else c
            rows.append([f"{name} ({split})", int(n)])
    _log("class_proportions", _plot.bar(Table(columns=["class", "count"], data=rows), "class", "count",
                                        title="Class Proportions"))


def plot_summary_metrics(model: Any = None, X: Any = None, y: Any = None, X_test: Any = None,  # noqa: N803
                         y_test: Any = None) -> None:
    """The estimator's test scores as bars (key `summary_metrics`): accuracy/precision/recall/f1 or MAE/MSE/R²."""
    from sklearn import metrics

    pred = model.predict(X_test)
    if getattr(model, "_estimator_type", None) == "classifier" or hasattr(model, "predict_proba"):
        scores = {"accuracy": metrics.accuracy_score(y_test, pred),
                  "precision": metrics.precision_score(y_test, pred, average="weighted", zero_division=0),
                  "recall": metrics.recall_score(y_test, pred, average="weighted", zero_division=0),
                  "f1": metrics.f1_score(y_test, pred, average="weighted", zero_division=0)}
    else:
        scores = {"mae": metrics.mean_absolute_error(y_test, pred), "mse": metrics.mean_squared_error(y_test, pred),
                  "r2": metrics.r2_score(y_test, pred)}
    table = Table(columns=["metric_name", "metric_value"], data=[[k, round(float(v), 5)] for k, v in scores.items()])
    _log("summary_metrics", _plot.bar(table, "metric_name", "metric_value", title=f"{type(model).__name__} metrics"))


def plot_learning_curve(model: Any = None, X: Any = None, y: Any = None, cv: Any = None,  # noqa: N803
                        shuffle: bool = False, random_state: Any = None, train_sizes: Any = None, n_jobs: int = 1,
                        scoring: Any = None) -> None:
    """Train and cross-validation scores over training-set sizes (key `learning_curve`)."""
    import numpy as np
    from sklearn.model_selection import learning_curve

    sizes = np.linspace(0.1, 1.0, 5) if train_sizes is None else train_sizes
    n, train, test = learning_curve(model, X, y, cv=cv, shuffle=shuffle, random_state=random_state,
                                    train_sizes=sizes, n_jobs=n_jobs, scoring=scoring)
    _log("learning_curve", _plot.line_series(n.tolist(), [train.mean(axis=1).tolist(), test.mean(axis=1).tolist()],
                                             keys=["train", "test"], title="Learning Curve", xname="dataset size"))


def plot_calibration_curve(clf: Any = None, X: Any = None, y: Any = None,  # noqa: N803
                           clf_name: str = "Classifier") -> None:
    """Fraction of positives against mean predicted probability, binary task (key `calibration_curve`)."""
    from sklearn.calibration import calibration_curve

    prob = clf.predict_proba(X)[:, 1]
    frac, mean = calibration_curve(y, prob, n_bins=10)
    _log("calibration_curve", _plot.line_series([[0, 1], mean.tolist()], [[0, 1], frac.tolist()],
                                                keys=["Perfectly calibrated", clf_name], title="Calibration Curve",
                                                xname="mean predicted value"))


def plot_residuals(regressor: Any = None, X: Any = None, y: Any = None) -> None:  # noqa: N803
    """Residuals against predictions (key `residuals`)."""
    pred = regressor.predict(X)
    table = Table(columns=["y_pred", "residuals"], data=[[float(p), float(t - p)] for p, t in zip(pred, _np(y))])
    _log("residuals", _plot.scatter(table, "y_pred", "residuals", title="Residuals Plot"))


def plot_outlier_candidates(regressor: Any = None, X: Any = None, y: Any = None) -> None:  # noqa: N803
    """Each sample's squared residual scaled by the mean (Cook's-distance-like influence; key `outlier_candidates`)."""
    import numpy as np

    resid = _np(y) - regressor.predict(X)
    influence = resid ** 2 / max(float(np.mean(resid ** 2)), 1e-12) / len(resid)
    table = Table(columns=["instance", "distance"], data=[[i, float(d)] for i, d in enumerate(influence)])
    _log("outlier_candidates", _plot.bar(table, "instance", "distance", title="Outlier Candidates"))


def plot_elbow_curve(clusterer: Any = None, X: Any = None, cluster_ranges: Any = None,  # noqa: N803
                     n_jobs: int = 1, show_cluster_time: bool = True) -> None:
    """K-means inertia over numbers of clusters (key `elbow_curve`)."""
    from sklearn.base import clone

    ks = list(cluster_ranges or range(1, 10, 2))
    inertia = [float(clone(clusterer).set_params(n_clusters=k).fit(X).inertia_) for k in ks]
    _log("elbow_curve", _plot.line(Table(columns=["cluster_ranges", "errors"], data=list(map(list, zip(ks, inertia)))),
                                   "cluster_ranges", "errors", title="Elbow Plot"))


def plot_silhouette(clusterer: Any = None, X: Any = None, cluster_labels: Any = None, labels: Any = None,  # noqa: N803
                    metric: str = "euclidean", kmeans: bool = True) -> None:
    """Each sample's silhouette coefficient by cluster (key `silhouette_plot`)."""
    from sklearn.metrics import silhouette_samples

    assigned = clusterer.fit_predict(X) if kmeans else _np(cluster_labels)
    values = silhouette_samples(X, assigned, metric=metric)
    table = Table(columns=["sample", "silhouette", "cluster"],
                  data=[[i, float(v), str(c)] for i, (v, c) in enumerate(zip(values, assigned))])
    _log("silhouette_plot", _plot.line(table, "sample", "silhouette", stroke="cluster", title="Silhouette"))


def plot_classifier(model: Any, X_train: Any, X_test: Any, y_train: Any, y_test: Any, y_pred: Any,  # noqa: N803
                    y_probas: Any, labels: Any, is_binary: bool = False, model_name: str = "Classifier",
                    feature_names: Any = None, log_learning_curve: bool = False) -> None:
    """W&B's classifier group: feature importances, class proportions, summary metrics, ROC, PR, confusion matrix."""
    if hasattr(model, "feature_importances_") or hasattr(model, "coef_"):
        plot_feature_importances(model, feature_names)
    plot_class_proportions(y_train, y_test, labels)
    if log_learning_curve:
        plot_learning_curve(model, X_train, y_train)
    plot_roc(y_test, y_probas, labels)
    plot_precision_recall(y_test, y_probas, labels)
    plot_confusion_matrix(y_test, y_pred, labels)
    plot_summary_metrics(model, X_train, y_train, X_test, y_test)
    if is_binary:
        plot_calibration_curve(model, X_test, y_test, model_name)


def plot_regressor(model: Any, X_train: Any, X_test: Any, y_train: Any, y_test: Any,  # noqa: N803
                   model_name: str = "Regressor") -> None:
    """W&B's regressor group: summary metrics, residuals, outlier candidates."""
    plot_summary_metrics(model, X_train, y_train, X_test, y_test)
    plot_residuals(model, X_test, y_test)
    plot_outlier_candidates(model, X_test, y_test)


def plot_clusterer(model: Any, X_train: Any, cluster_labels: Any, labels: Any = None,  # noqa: N803
                   model_name: str = "Clusterer") -> None:
    """W&B's clusterer group: elbow curve and silhouette."""
    plot_elbow_curve(model, X_train)
    plot_silhouette(model, X_train, cluster_labels, labels=labels, kmeans=False)
