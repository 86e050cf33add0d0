"""scikit-learn: `log_estimator()`, which records a fitted estimator and its scores in an nbtrack run.

```python
from nbtrack.integrations.sklearn import log_estimator

model = GradientBoostingClassifier(n_estimators=50).fit(X_train, y_train)
log_estimator(model, {"accuracy": model.score(X_test, y_test)}, project="iris")
```

What it logs:

- config: `estimator` (the class name) and every `get_params()` value (nested estimators'
  parameters as `step__param`, the estimators themselves by class name), plus `config=`;
- history: the per-iteration curves a fitted estimator keeps (`loss_curve_` as `loss`,
  `validation_scores_` as `validation_score`, `train_score_` as `train_score`,
  `oob_scores_` as `oob_score`), one step per iteration, then one point with the given scores;
- summary: the given scores;
- artifact: the estimator in skops' format (`model.skops`: a zip of JSON and arrays, no
  pickle), in a `model` artifact named `model-<run id>` whose metadata lists the types to
  trust when loading: `skops.io.load(path, trusted=metadata["trusted_types"])`. Needs the
  `skops` package; `log_model=False` skips the file.

The run: the one passed as `run=`, else the current run, else a new one from `project`,
`name`, `config` and any other `nbtrack.init` keyword; it is returned.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from typing import Any

from .._run import Run
from ._common import artifact_name, log_model_files, plain_params, resolve_run

__all__ = ["log_estimator"]

# Fitted attributes holding one value per iteration, and the history key each is logged under.
_CURVES = {"loss_curve_": "loss", "validation_scores_": "validation_score", "train_score_": "train_score",
           "oob_scores_": "oob_score"}


def log_estimator(
    estimator: Any,
    scores: Mapping[str, float] | None = None,
    *,
    run: Run | None = None,
    project: str | None = None,
    name: str | None = None,
    config: Mapping[str, Any] | None = None,
    log_model: bool = True,
    model_name: str | None = None,
    **init_kwargs: Any,
) -> Run:
    """Log a fitted estimator's parameters, training curves, `scores` and the model file; return the run."""
    if not hasattr(estimator, "get_params"):
        raise TypeError(f"log_estimator: expected a scikit-learn estimator, not {type(estimator).__name__}")
    if log_model:
        try:
            import skops.io  # noqa: F401
        except ImportError as exc:
            raise ImportError(
                "log_estimator(log_model=True) stores the model with skops (no pickle): "
                "`pip install skops`, or pass log_model=False"
            ) from exc
    target = resolve_run(run, {"project": project, "name": name, "config": config, **init_kwargs})
    params = {"estimator": type(estimator).__name__, **plain_params(estimator.get_params(deep=True))}
    target.config.update({**params, **plain_params(config or {})})

    curves = {key: list(getattr(estimator, attr)) for attr, key in _CURVES.items()
              if getattr(estimator, attr, None) is not None}
    for i in range(max((len(v) for v in curves.values()), default=0)):
        target.log({key: float(values[i]) for key, values in curves.items() if i < len(values)})
    if scores:
        row = {str(k): float(v) for k, v in scores.items()}
        target.log(row)
        for key, value in row.items():
            target.summary[key] = value

    if log_model:
        _log_skops(target, estimator, artifact_name(target, model_name))
    return target


def _log_skops(run: Run, estimator: Any, name: str) -> None:
    import sklearn
    import skops
    import skops.io

    with tempfile.TemporaryDirectory(prefix="nbtrack-sklearn-") as tmp:
        path = os.path.join(tmp, "model.skops")
        skops.io.dump(estimator, path)
        metadata = {
            "framework": "scikit-learn",
            "version": sklearn.__version__,
            "skops_version": skops.__version__,
            "class": f"{type(estimator).__module__}.{type(estimator).__qualname__}",
            "trusted_types": skops.io.get_untrusted_types(file=path),
        }
        log_model_files(run, path, name=name, metadata=metadata)
