# exercises the API documented at: https://docs.wandb.ai/integrations/scikit
# The context-manager form: `with wandb.init(...) as run:`, run.log and run.summary of a sklearn metric.
import sklearn.metrics
from sklearn.datasets import make_regression
from sklearn.linear_model import Ridge

import nbtrack as wandb

X, y = make_regression(n_samples=120, n_features=5, noise=0.5, random_state=11)
reg = Ridge(alpha=0.3).fit(X[:90], y[:90])

with wandb.init(project="corpus-sklearn") as run:
    mae = sklearn.metrics.mean_absolute_error(y[90:], reg.predict(X[90:]))
    run.log({"mae": mae})
    run.summary["mae"] = mae
