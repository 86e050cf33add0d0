# exercises the API documented at: https://docs.wandb.ai/ko/models/ref/python/custom-charts
# wandb.plot.confusion_matrix(y_true=, preds=, class_names=).
import nbtrack as wandb

truth = [2, 0, 1, 1, 2, 0, 0, 2]
guess = [2, 0, 0, 1, 2, 1, 0, 1]
with wandb.init(project="corpus-confusion") as run:
    cm = wandb.plot.confusion_matrix(y_true=truth, preds=guess, class_names=["red", "green", "blue"])
    run.log({"colour_cm": cm})
