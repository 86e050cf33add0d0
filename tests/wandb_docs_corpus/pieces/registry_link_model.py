# exercises the API documented at: https://docs.wandb.ai/models/registry/model_registry/link-model-version
# run.link_model(path=, registered_model_name=) logs a model file and links it into a registered model.
from pathlib import Path

import nbtrack as wandb

Path("ranker.bin").write_bytes(bytes(range(256)) * 16)
run = wandb.init(project="corpus-registry")
run.link_model(path="ranker.bin", registered_model_name="search-ranker")
run.finish()
