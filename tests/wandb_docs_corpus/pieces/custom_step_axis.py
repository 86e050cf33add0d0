# exercises the API documented at: https://docs.wandb.ai/ko/models/track/log/customize-logging-axes
# Module-level define_metric: one metric plotted against a custom step metric.
import nbtrack as wandb

wandb.init()
wandb.define_metric("seen_samples")
wandb.define_metric("eval_loss", step_metric="seen_samples")
for batch in range(8):
    wandb.log({"seen_samples": 32 * (batch + 1), "eval_loss": 0.9 ** batch, "lr": 0.1 / (batch + 1)})
wandb.finish()
