# exercises the API documented at: https://docs.wandb.ai/ref/python/data-types/histogram
# wandb.Histogram from a sequence, and from np_histogram=np.histogram(...); no run needed.
import numpy as np

import nbtrack as wandb

wandb.Histogram([4, 4, 5, 9])
counts_edges = np.histogram(np.linspace(-2, 2, 400) ** 3, bins=12)
wandb.Histogram(np_histogram=counts_edges)
