# exercises the API documented at: https://docs.wandb.ai/ko/weave/reference/typescript-sdk/functions/init
# init(project=, config=dict) records the hyperparameters; finish() closes the run.
import nbtrack as wandb

hyperparams = {"lr": 3e-4, "backbone": "resnet18", "batch": 64, "max_epochs": 4}
run = wandb.init(project="corpus-init-config", config=hyperparams)
assert run.config["backbone"] == "resnet18"
run.finish()
