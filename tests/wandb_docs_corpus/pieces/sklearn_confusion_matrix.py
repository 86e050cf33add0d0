# exercises the API documented at: https://docs.wandb.ai/ko/guides/integrations/scikit
# wandb.sklearn.plot_confusion_matrix(y_true, y_pred, labels) on the current run.
import numpy as np

import nbtrack as wandb

wandb.init(project="corpus-sklearn")
actual = np.array([0, 1, 1, 0, 1, 0, 1, 1, 0, 0])
predicted = np.array([0, 1, 0, 0, 1, 1, 1, 1, 0, 1])
wandb.sklearn.plot_confusion_matrix(actual, predicted, ["spam", "ham"])
wandb.finish()
