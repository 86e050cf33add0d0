# exercises the API documented at: https://docs.wandb.ai/ko/guides/integrations/scikit
# A scikit-learn metric logged with wandb.log and also written to wandb.summary.
import sklearn.metrics
from sklearn.datasets import make_classification
from sklearn.tree import DecisionTreeClassifier

import nbtrack as wandb

X, y = make_classification(n_samples=160, n_features=6, random_state=3)
model = DecisionTreeClassifier(max_depth=3, random_state=3).fit(X[:120], y[:120])

wandb.init(project="corpus-sklearn")
f1 = sklearn.metrics.f1_score(y[120:], model.predict(X[120:]))
wandb.log({"f1": f1})
wandb.summary["f1"] = f1
wandb.finish()
