# exercises the API documented at: https://docs.wandb.ai/support/plot_multiple_lines_plot_legend
# wandb.plot.line_series(xs=, ys=, keys=): several lines sharing one x axis, with a legend.
import nbtrack as wandb

steps = list(range(12))
curves = [[0.8 ** s for s in steps], [0.9 ** s for s in steps], [1 / (s + 1) for s in steps]]
with wandb.init(project="corpus-line-series") as run:
    run.log({"decays": wandb.plot.line_series(xs=steps, ys=curves, keys=["fast", "slow", "harmonic"])})
