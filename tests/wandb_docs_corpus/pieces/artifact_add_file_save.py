# exercises the API documented at: https://docs.wandb.ai/_print/ko/guides/artifacts
# wandb.Artifact(name=, type=), add_file(local_path=, name=), artifact.save() inside a run.
from pathlib import Path

import nbtrack as wandb

Path("features.csv").write_text("id,value\n" + "".join(f"{i},{i * i}\n" for i in range(50)))
run = wandb.init(project="corpus-artifacts", job_type="build-features")
features = wandb.Artifact(name="feature-table", type="dataset")
features.add_file(local_path="features.csv", name="features/v1.csv")
features.save()
run.finish()
