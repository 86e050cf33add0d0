"""W&B's parameter-importance panel, computed from the runs table, beside Optuna's PED-ANOVA.

For a metric (a ``summary.*`` column the user picks) over the runs that have a finite value of it,
each varying ``config.*`` parameter gets:

- ``importance``: W&B's column. A scikit-learn ``RandomForestRegressor`` (100 trees, fixed seed)
  is fitted to predict the metric from every parameter at once; a parameter's importance is its
  mean decrease in impurity (summed over its one-hot columns for a categorical one). They add up to 1.
- ``correlation``: W&B's other column, the Pearson correlation of the parameter with the metric.
  A log-scaled parameter (positive, spanning two decades) is correlated through its log10; a
  categorical one through the indicator (1 for this value, 0 otherwise) of the value that
  correlates most strongly, named in ``level``.
- ``ped_anova``: Optuna's PED-ANOVA importance (how much the parameter's distribution differs
  between the best runs and all runs), NaN where it cannot be computed (a numeric parameter
  missing from some runs).

Encoding for the forest: numbers as they are (log10 for log-scaled ones; a missing value takes
the median), categories (missing as "None") one-hot.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal

import numpy as np

if TYPE_CHECKING:  # loaded on first use: the live view imports the chart module without pandas
    import pandas as pd

from ._series import (MIN_RUNS_FOR_IMPORTANCE, _labels, _metric_values, _numeric, param_columns, param_importance,
                      param_scale)

__all__ = ["IMPORTANCE_TABLE_COLUMNS", "importance_table", "FOREST_TREES"]

IMPORTANCE_TABLE_COLUMNS = ("param", "importance", "correlation", "level", "ped_anova")
FOREST_TREES = 100


def _empty() -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame({name: [] for name in IMPORTANCE_TABLE_COLUMNS}).astype(
        {"param": str, "importance": float, "correlation": float, "level": object, "ped_anova": float})


def _pearson(x: np.ndarray, y: np.ndarray) -> float:
    """Pearson's r over the pairs where x is present; NaN when either side is constant."""
    ok = ~np.isnan(x)
    x, y = x[ok], y[ok]
    if len(x) < 2 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return float("nan")
    return float(np.corrcoef(x, y)[0, 1])


def importance_table(runs: pd.DataFrame, metric: str, *, params: Sequence[str] | None = None,
                     goal: Literal["minimize", "maximize"] = "minimize", seed: int = 0) -> pd.DataFrame:
    """One row per varying parameter: random-forest importance, Pearson correlation, PED-ANOVA; most important first.

    Empty when fewer than MIN_RUNS_FOR_IMPORTANCE runs have the metric, the metric is constant or no
    parameter varies.
    """
    import pandas as pd

    y = _metric_values(runs, metric)
    rows, y = runs[np.isfinite(y)], y[np.isfinite(y)]
    candidates = param_columns(rows) if params is None else [p for p in params if p in rows]
    if len(y) < MIN_RUNS_FOR_IMPORTANCE or np.ptp(y) == 0 or not candidates:
        return _empty()
    features: list[pd.DataFrame] = []
    owner: list[str] = []
    correlation: dict[str, tuple[float, str | None]] = {}
    for param in candidates:
        numeric = _numeric(rows[param])
        if numeric is None:
            labels = _labels(rows[param])
            onehot = pd.DataFrame({level: (labels == level).to_numpy(dtype=float)
                                   for level in sorted(labels.unique())}, index=rows.index)
            scored = [(_pearson(onehot[level].to_numpy(), y), level) for level in onehot.columns]
            scored = [(r, level) for r, level in scored if not np.isnan(r)]
            correlation[param] = max(scored, key=lambda s: (abs(s[0]), s[0]), default=(float("nan"), None))
            features.append(onehot)
            owner.extend([param] * onehot.shape[1])
            continue
        x = np.log10(numeric) if param_scale(rows[param]) == "log" else numeric
        correlation[param] = (_pearson(x, y), None)
        filled = np.where(np.isnan(x), np.nanmedian(x), x)
        features.append(pd.DataFrame({param: filled}, index=rows.index))
        owner.append(param)
    from sklearn.ensemble import RandomForestRegressor

    matrix = pd.concat(features, axis=1).to_numpy(dtype=float)
    forest = RandomForestRegressor(n_estimators=FOREST_TREES, random_state=seed).fit(matrix, y)
    importance = pd.Series(forest.feature_importances_, index=owner).groupby(level=0, sort=False).sum()
    ped = param_importance(rows, metric, params=candidates, goal=goal)
    ped_anova = dict(zip(ped["param"], ped["importance"]))
    table = pd.DataFrame(
        [(p, float(importance[p]), correlation[p][0], correlation[p][1], float(ped_anova.get(p, np.nan)))
         for p in candidates],
        columns=list(IMPORTANCE_TABLE_COLUMNS))
    table["level"] = table["level"].astype(object).where(table["level"].notna(), None)
    return table.sort_values("importance", ascending=False, kind="stable", ignore_index=True)
