# exercises the API documented at: https://docs.wandb.ai/ja/weave/reference/typescript-sdk/functions/init
# Module-level init(project=, entity=) then module-level finish().
import nbtrack as wandb

wandb.init(project="corpus-init-finish", entity="corpus-team")
for epoch in range(3):
    pass  # a training loop would run here
wandb.finish()
