# exercises the API documented at: https://docs.wandb.ai/ja/guides/track/log/log-summary/
# The module-level wandb.summary[key] = value form, with init(config=argparse.Namespace).
import argparse

import nbtrack as wandb

opts = argparse.Namespace(rounds=4, dropout=0.2)
wandb.init(config=opts)
lowest = float("inf")
for rnd, loss in enumerate([1.3, 0.9, 1.1, 0.7]):
    if loss < lowest:
        lowest = loss
        wandb.summary["min_val_loss"] = lowest
wandb.finish()
