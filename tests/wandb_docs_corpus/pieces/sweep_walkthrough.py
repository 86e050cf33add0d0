# exercises the API documented at: https://docs.wandb.ai/guides/sweeps/walkthrough/
# A sweep dict (method, metric, parameters with min/max and values), sweep(sweep=, project=),
# then agent(sweep_id, function=, count=) running a trial function that reads run.config.
import nbtrack as wandb

PROJECT = "corpus-sweep"


def trial() -> None:
    with wandb.init(project=PROJECT) as run:
        cfg = run.config
        run.log({"cost": (cfg.width - 0.5) ** 2 + cfg.depth / 10})


search_space = {
    "method": "random",
    "metric": {"name": "cost", "goal": "minimize"},
    "parameters": {"width": {"min": 0.1, "max": 0.9}, "depth": {"values": [2, 4, 8]}},
}
sweep_id = wandb.sweep(sweep=search_space, project=PROJECT)
wandb.agent(sweep_id, function=trial, count=6)
