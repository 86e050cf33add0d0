# exercises the API documented at: https://docs.wandb.ai/models/integrations/xgboost
# WandbCallback(log_model=True) from wandb.integration.xgboost, handed to an XGBClassifier inside a run.
import numpy as np
import xgboost

import nbtrack as wandb
from nbtrack.integration.xgboost import WandbCallback

rng = np.random.default_rng(5)
X = rng.random((150, 4))
y = (X[:, 1] + X[:, 2] > 1).astype(int)
with wandb.init(project="corpus-xgboost") as run:
    clf = xgboost.XGBClassifier(n_estimators=8, max_depth=2, callbacks=[WandbCallback(log_model=True)])
    clf.fit(X, y, eval_set=[(X, y)], verbose=False)
