# exercises the API documented at: https://docs.wandb.ai/models/track/log/plots
# wandb.plot.scatter(table, x, y) from a Table of paired scores.
import nbtrack as wandb

pairs = [[i / 30, ((i * 7) % 30) / 30] for i in range(30)]
with wandb.init() as run:
    tbl = wandb.Table(data=pairs, columns=["recall", "precision"])
    run.log({"pr_points": wandb.plot.scatter(tbl, "recall", "precision")})
