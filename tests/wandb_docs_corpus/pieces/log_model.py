# exercises the API documented at: https://docs.wandb.ai/ko/models/track/log/log-models
# run.log_model(path=, name=) versions a model file as a model artifact.
from pathlib import Path

import nbtrack as wandb

Path("weights.npz").write_bytes(b"\x00\x01" * 2048)
run = wandb.init(project="corpus-log-model")
run.log_model(path="weights.npz", name="tiny-regressor")
run.finish()
