# exercises the API documented at: https://docs.wandb.ai/ja/models/track/log/customize-logging-axes
# run.define_metric(step_metric=..., name=...) given as keywords, then integer x and y values logged.
import nbtrack as wandb

x_axis, y_metric = "tokens_seen", "perplexity"
with wandb.init() as run:
    run.define_metric(step_metric=x_axis, name=y_metric)
    for chunk in range(10):
        run.log({x_axis: 1000 * (chunk + 1), y_metric: 200 - 15 * chunk})
