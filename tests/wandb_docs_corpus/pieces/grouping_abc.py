# exercises the API documented at: https://docs.wandb.ai/guides/runs/grouping/
# init(group=, name=) in a loop: several runs per group, each logging metrics.
import nbtrack as wandb

for fold_set in ("fold-x", "fold-y"):
    for seed in range(2):
        with wandb.init(project="corpus-groups", group=fold_set, name=f"{fold_set}-seed{seed}") as run:
            for it in range(20):
                run.log({"auc": 0.6 + it / 100 + seed / 50, "bce": 0.7 - it / 50})
