# exercises the API documented at: https://docs.wandb.ai/models/track/log/plots
# wandb.plot.line(table, x, y, title=) over a two-column Table, logged under one key.
import nbtrack as wandb

points = [[t, (t - 5) ** 2 / 10] for t in range(15)]
with wandb.init() as run:
    curve = wandb.Table(data=points, columns=["epoch", "gap"])
    run.log({"gap_curve": wandb.plot.line(curve, "epoch", "gap", title="Train/val gap")})
