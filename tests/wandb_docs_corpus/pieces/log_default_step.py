# exercises the API documented at: https://docs.wandb.ai/ja/models/track/log/customize-logging-axes
# run.log with no step: each call advances the run's own step.
import nbtrack as wandb

with wandb.init() as run:
    for n in range(12):
        run.log({"val_error": 2.0 / (n + 2)})
