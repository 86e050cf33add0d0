"""The data behind nbtrack's charts, computed from the runs and history frames.

Pure functions, no plotting: :mod:`nbtrack.ui.charts` draws what they return,
so the live view, the dashboard and the report always agree.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np

if TYPE_CHECKING:  # pandas, optuna (and the scikit-learn optuna's importance pulls in) load on first use:
    import optuna  # the live view draws its first chart without them
    import pandas as pd
    from optuna.distributions import BaseDistribution
    from optuna.importance import BaseImportanceEvaluator

XAxis = Literal["step", "wall", "relative"]
Scale = Literal["linear", "log", "category"]

DEFAULT_GROUP = "charts"
SYSTEM_GROUP = "system"
MAX_POINTS = 2000
MIN_RUNS_FOR_IMPORTANCE = 3
IMPORTANCE_COLUMNS = ("param", "importance", "correlation")

# A positive parameter whose largest value is at least this many times its
# smallest (two decades) is drawn on a log axis.
_LOG_SPAN = 100.0
_MISSING = "None"
# The unit of each system metric (by its name's ending, see nbtrack._system).
_SYSTEM_UNITS = (("cpu", "%"), ("memory", "%"), ("disk", "%"), ("proc_cpu", "%"), ("util", "%"),
                 ("mem_percent", "%"), ("_mb_s", "MiB/s"), ("_mb", "MiB"), ("temp_c", "°C"), ("power_w", "W"))


@dataclass(frozen=True, eq=False)
class Curve:
    """One run's points for one metric key, ready to draw (x: int steps, datetime64 or seconds)."""

    run_id: str
    name: str
    x: np.ndarray
    y: np.ndarray


@dataclass(frozen=True, eq=False)
class Axis:
    """One parallel-coordinates axis: values as plotted (category codes, log10) and their ticks."""

    column: str
    label: str
    scale: Scale
    values: np.ndarray
    tickvals: tuple[float, ...] = ()
    ticktext: tuple[str, ...] = ()


@dataclass(frozen=True, eq=False)
class Parallel:
    """Parallel-coordinates data: one line per run, parameter axes first and the metric last."""

    run_ids: tuple[str, ...]
    axes: tuple[Axis, ...]


# -- metric lines ---------------------------------------------------------------


def ema(values: np.ndarray, weight: float) -> np.ndarray:
    """Debiased exponential moving average, W&B's and TensorBoard's smoothing; NaNs skipped."""
    if not 0.0 <= weight < 1.0:
        raise ValueError(f"smoothing weight must be in [0, 1), got {weight!r}")
    out = np.full(len(values), np.nan)
    last, count = 0.0, 0
    for i, value in enumerate(np.asarray(values, dtype=float).tolist()):
        if math.isnan(value):
            continue
        count += 1
        last = weight * last + (1.0 - weight) * value
        out[i] = last / (1.0 - weight**count)
    return out


def downsample_minmax(
    x: np.ndarray, y: np.ndarray, max_points: int = MAX_POINTS
) -> tuple[np.ndarray, np.ndarray]:
    """Thin a series to at most max_points, keeping each bucket's min and max so spikes show."""
    if max_points < 4:
        raise ValueError(f"max_points must be at least 4, got {max_points}")
    n = len(y)
    if n <= max_points:
        return x, y
    y = np.asarray(y, dtype=float)
    n_buckets = (max_points - 2) // 2  # the first and last points are kept too
    starts = np.linspace(0, n, n_buckets + 1).astype(np.intp)[:-1]
    bucket = np.repeat(np.arange(n_buckets), np.diff(np.append(starts, n)))
    keep = [np.array([0, n - 1])]
    for reduce in (np.fmin, np.fmax):
        extreme = reduce.reduceat(y, starts)
        hits = np.flatnonzero(y == extreme[bucket])
        _, first = np.unique(bucket[hits], return_index=True)
        keep.append(hits[first])
    index = np.unique(np.concatenate(keep))
    return np.asarray(x)[index], y[index]


def metric_curves(
    history: pd.DataFrame,
    key: str,
    *,
    x: XAxis = "step",
    smoothing: float = 0.0,
    names: Mapping[str, str] | None = None,
    max_points: int = MAX_POINTS,
) -> list[Curve]:
    """One Curve per run (in order of appearance) for key: smoothed on all points, then thinned."""
    import pandas as pd
    if key not in history.columns:
        return []
    names = names or {}
    out = []
    for run_id, frame in history.groupby("run_id", sort=False):
        points = frame[frame[key].notna()].sort_values("_step", kind="stable")
        if points.empty:
            continue
        y = points[key].to_numpy(dtype=float)
        if smoothing:
            y = ema(y, smoothing)
        if x == "step":
            xs = points["_step"].to_numpy(dtype=np.int64)
        elif x == "wall":
            xs = pd.to_datetime(points["_timestamp"].to_numpy(), unit="s").to_numpy()
        else:
            xs = (points["_timestamp"] - frame["_timestamp"].min()).to_numpy(dtype=float)
        xs, y = downsample_minmax(xs, y, max_points)
        out.append(Curve(str(run_id), names.get(str(run_id), str(run_id)), xs, y))
    return out


def system_axis(key: str, values: np.ndarray | None = None) -> tuple[str, tuple[float, float] | None]:
    """The unit of a ``system/...`` key and its fixed y range (0-100 for a percentage); ("", None) otherwise."""
    if not key.startswith(SYSTEM_GROUP + "/"):
        return "", None
    name = key.rsplit("/", 1)[-1]
    for suffix, unit in _SYSTEM_UNITS:
        if name == suffix or name.endswith("." + suffix) or (suffix.startswith("_") and name.endswith(suffix)):
            break
    else:
        return "", None
    if unit != "%":
        return unit, None
    top = 100.0
    if values is not None and len(values):
        finite = np.asarray(values, dtype=float)
        finite = finite[np.isfinite(finite)]
        if finite.size and finite.max() > 97:  # a busy core's line or dot is not cut in half by the top edge;
            top = max(104.0, float(finite.max()) * 1.05)  # a process using several cores goes past 100 %
    return unit, (0.0, top)


def group_keys(keys: Iterable[str]) -> dict[str, list[str]]:
    """Sort metric keys into panels by the prefix before the first '/', as W&B sections do.

    Keys without a prefix go to DEFAULT_GROUP (first); SYSTEM_GROUP comes last.
    ``run_id`` and ``_``-prefixed keys are skipped, so a history frame's columns
    can be passed as they are.
    """
    groups: dict[str, list[str]] = {DEFAULT_GROUP: []}
    for key in keys:
        if key == "run_id" or key.startswith("_"):
            continue
        prefix, slash, _ = key.partition("/")
        groups.setdefault(prefix if slash and prefix else DEFAULT_GROUP, []).append(key)
    if SYSTEM_GROUP in groups:
        groups[SYSTEM_GROUP] = groups.pop(SYSTEM_GROUP)
    return {group: members for group, members in groups.items() if members}


# -- parameters -----------------------------------------------------------------


def column_label(column: str) -> str:
    """A runs-frame column as people read it: ``config.optimizer.lr`` -> ``optimizer.lr``."""
    for prefix in ("config.", "summary."):
        if column.startswith(prefix):
            return column[len(prefix) :]
    return column


def param_columns(runs: pd.DataFrame) -> list[str]:
    """The ``config.*`` columns whose value differs between runs: the parameters worth plotting."""
    return [
        column
        for column in runs.columns
        if column.startswith("config.") and _labels(runs[column].dropna()).nunique() > 1
    ]


def param_scale(values: pd.Series) -> Scale:
    """How to draw a parameter: category for non-numbers, log for positives spanning 2 decades."""
    numeric = _numeric(values)
    if numeric is None:
        return "category"
    finite = numeric[np.isfinite(numeric)]
    if finite.size and finite.min() > 0 and finite.max() >= _LOG_SPAN * finite.min():
        return "log"
    return "linear"


def parallel_data(
    runs: pd.DataFrame, metric: str, params: Sequence[str] | None = None
) -> Parallel:
    """Axes for params + metric over the runs that have the metric (and every numeric param).

    params defaults to :func:`param_columns`; a missing categorical value shows as "None".
    """
    import pandas as pd

    y = _metric_values(runs, metric)
    keep = np.isfinite(y)
    params = param_columns(runs[keep]) if params is None else [p for p in params if p in runs]
    for param in params:
        numeric = _numeric(runs[param])
        if numeric is not None:
            keep &= ~np.isnan(numeric)
    rows = runs[keep]
    axes = [_axis(column, rows[column]) for column in params]
    axes.append(_axis(metric, pd.Series(y[keep], index=rows.index)))
    return Parallel(tuple(rows["id"].astype(str)), tuple(axes))


def scatter_points(runs: pd.DataFrame, param: str, metric: str) -> pd.DataFrame:
    """Columns ``id, name, x, y`` for a param-vs-metric scatter; categorical x as labels."""
    import pandas as pd
    y = _metric_values(runs, metric)
    values = runs[param] if param in runs else pd.Series(np.nan, index=runs.index)
    numeric = _numeric(values)
    x = _labels(values) if numeric is None else pd.Series(numeric, index=runs.index)
    keep = np.isfinite(y) & x.notna().to_numpy()
    names = runs["name"].where(runs["name"].notna(), runs["id"]).astype(str)
    return pd.DataFrame(
        {
            "id": runs["id"].astype(str)[keep].to_numpy(),
            "name": names[keep].to_numpy(),
            "x": x[keep].to_numpy(),
            "y": y[keep],
        }
    )


def param_importance(
    runs: pd.DataFrame,
    metric: str,
    *,
    params: Sequence[str] | None = None,
    evaluator: BaseImportanceEvaluator | None = None,
    goal: Literal["minimize", "maximize"] = "minimize",
    correlation: Literal["pearson", "spearman"] = "pearson",
) -> pd.DataFrame:
    """Each parameter's importance for metric and its correlation with it, most important first.

    The runs that have the metric become trials of an in-memory Optuna study
    (distributions inferred from the values) scored by ``evaluator``, PED-ANOVA
    by default (Optuna's default; fANOVA and mean-decrease-impurity need
    scikit-learn). A numeric parameter missing from some of those runs is left
    out. The correlation is NaN for categorical parameters. Returns an empty
    frame when fewer than MIN_RUNS_FOR_IMPORTANCE runs, a constant metric or no
    varying parameter leave nothing to measure.
    """
    import pandas as pd

    y = _metric_values(runs, metric)
    rows, y = runs[np.isfinite(y)], y[np.isfinite(y)]
    candidates = param_columns(rows) if params is None else [p for p in params if p in rows]
    columns: dict[str, pd.Series] = {}
    for param in candidates:
        numeric = _numeric(rows[param])
        if numeric is None:
            values = _labels(rows[param])
        elif np.isnan(numeric).any():
            continue
        else:
            values = pd.Series(numeric, index=rows.index)
        if values.nunique() > 1:
            columns[param] = values
    if len(y) < MIN_RUNS_FOR_IMPORTANCE or np.ptp(y) == 0 or not columns:
        return pd.DataFrame({name: [] for name in IMPORTANCE_COLUMNS}).astype(
            {"param": str, "importance": float, "correlation": float}
        )
    import optuna.importance

    study = _study_of(columns, y, goal)
    scores = optuna.importance.get_param_importances(
        study, evaluator=evaluator or optuna.importance.PedAnovaImportanceEvaluator(), params=list(columns)
    )
    table = pd.DataFrame(
        [
            (param, float(scores[param]), _correlation(values, y, correlation))
            for param, values in columns.items()
        ],
        columns=list(IMPORTANCE_COLUMNS),
    )
    return table.sort_values("importance", ascending=False, kind="stable", ignore_index=True)


# -- helpers --------------------------------------------------------------------


def _numeric(values: pd.Series) -> np.ndarray | None:
    """The values as floats (NaN where missing), or None when they are not all numbers."""
    import pandas as pd
    if pd.api.types.is_bool_dtype(values):
        return None
    if pd.api.types.is_numeric_dtype(values):
        return values.to_numpy(dtype=float, na_value=np.nan)
    present = values.dropna()
    numbers = (int, float, np.integer, np.floating)
    if all(isinstance(v, numbers) and not isinstance(v, (bool, np.bool_)) for v in present):
        return values.astype(object).where(values.notna(), np.nan).to_numpy(dtype=float)
    return None


def _labels(values: pd.Series) -> pd.Series:
    """Each value as a category label; missing values become "None"."""
    import pandas as pd
    present = values.notna()
    return pd.Series(
        [str(v) if ok else _MISSING for v, ok in zip(values.tolist(), present.tolist())],
        index=values.index,
        dtype=object,
    )


def _metric_values(runs: pd.DataFrame, metric: str) -> np.ndarray:
    """The metric as floats; missing or non-numeric values become NaN."""
    import pandas as pd
    if metric not in runs:
        return np.full(len(runs), np.nan)
    values = runs[metric]
    if pd.api.types.is_bool_dtype(values):
        values = values.astype(float)
    return pd.to_numeric(values, errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def _decade_label(exponent: int) -> str:
    """A power of ten as a short tick label: 0.001, 1, 1000, then 1e-4, 1e4."""
    return f"1e{exponent}" if abs(exponent) > 3 else f"{10.0**exponent:g}"


def _axis(column: str, values: pd.Series) -> Axis:
    """A parallel-coordinates axis for one column: category codes, log10 or plain values."""
    scale = param_scale(values)
    if scale == "category":
        labels = _labels(values)
        categories = sorted(labels.unique())
        codes = labels.map({c: i for i, c in enumerate(categories)}).to_numpy(dtype=float)
        ticks = tuple(float(i) for i in range(len(categories)))
        return Axis(column, column_label(column), scale, codes, ticks, tuple(categories))
    numeric = _numeric(values)
    assert numeric is not None  # param_scale said it is numeric
    if scale == "log":
        logs = np.log10(numeric)
        decades = range(math.ceil(logs.min()), math.floor(logs.max()) + 1)
        return Axis(
            column,
            column_label(column),
            scale,
            logs,
            tuple(float(d) for d in decades),
            tuple(_decade_label(d) for d in decades),
        )
    return Axis(column, column_label(column), scale, numeric)


def _distribution(values: pd.Series) -> tuple[BaseDistribution, list[object]]:
    from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution

    """An Optuna distribution covering the values, and the values as its trial params."""
    if values.dtype == object:
        return CategoricalDistribution(sorted(values.unique())), values.tolist()
    array = values.to_numpy(dtype=float)
    log = param_scale(values) == "log"
    if np.all(array == np.round(array)):
        ints = [int(v) for v in array]
        return IntDistribution(min(ints), max(ints), log=log), list(ints)
    return FloatDistribution(float(array.min()), float(array.max()), log=log), array.tolist()


def _study_of(
    columns: Mapping[str, pd.Series], y: np.ndarray, goal: Literal["minimize", "maximize"]
) -> optuna.Study:
    """An in-memory study holding one completed trial per run."""
    import optuna

    distributions, values = {}, {}
    for param, column in columns.items():
        distributions[param], values[param] = _distribution(column)
    verbosity = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(optuna.logging.WARNING)  # no "A new study created" line
    try:
        study = optuna.create_study(direction=goal)
    finally:
        optuna.logging.set_verbosity(verbosity)
    study.add_trials(
        [
            optuna.trial.create_trial(
                params={param: values[param][i] for param in columns},
                distributions=distributions,
                value=float(value),
            )
            for i, value in enumerate(y)
        ]
    )
    return study


def _correlation(
    values: pd.Series, y: np.ndarray, method: Literal["pearson", "spearman"]
) -> float:
    """Correlation of a numeric parameter with the metric; NaN for a categorical one."""
    import pandas as pd
    if values.dtype == object:
        return math.nan
    return float(pd.Series(values.to_numpy(dtype=float)).corr(pd.Series(y), method=method))
