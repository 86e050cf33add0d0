# exercises the API documented at: https://docs.wandb.ai/ko/models/track/log/customize-logging-axes
# define_metric with a glob: every "fit/" metric uses "fit/iteration" as its x axis.
import nbtrack as wandb

wandb.init()
wandb.define_metric("fit/iteration")
wandb.define_metric("fit/*", step_metric="fit/iteration")
for k in range(7):
    wandb.log({"fit/iteration": 3 * k + 1, "fit/mse": 1.0 / (k + 1), "fit/r2": k / 7, "holdout/mse": 1.2 / (k + 1)})
wandb.finish()
