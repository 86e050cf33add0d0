# exercises the API documented at: https://docs.wandb.ai/ja/models/tables/log_tables
# wandb.Table(columns=, data=, log_mode="IMMUTABLE") logged with run.log.
import nbtrack as wandb

with wandb.init(project="corpus-tables") as run:
    results = wandb.Table(columns=["model", "score"], data=[["lin", 0.71], ["mlp", 0.83], ["gbm", 0.86]],
                          log_mode="IMMUTABLE")
    run.log({"leaderboard": results})
