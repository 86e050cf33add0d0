# exercises the API documented at: https://docs.wandb.ai/models/track/log/log-summary
# init(config=argparse.Namespace); run.summary[key] = value keeps the best score seen.
import argparse

import nbtrack as wandb

opts = argparse.Namespace(rounds=6, momentum=0.9)
scores = [0.42, 0.55, 0.51, 0.63, 0.66, 0.6]
with wandb.init(config=opts) as run:
    best = 0.0
    for rnd in range(opts.rounds):
        if scores[rnd] > best:
            best = scores[rnd]
            run.summary["top_f1"] = best
