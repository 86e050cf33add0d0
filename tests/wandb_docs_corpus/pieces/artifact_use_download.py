# exercises the API documented at: https://docs.wandb.ai/ja/models/artifacts/download-and-use-an-artifact
# A producer run logs an artifact; a consumer run calls use_artifact("name:alias"), download(), get_entry().
from pathlib import Path

import nbtrack as wandb

Path("labels.json").write_text('{"0": "negative", "1": "positive"}')
with wandb.init(project="corpus-use-artifact", job_type="produce") as producer:
    vocab = wandb.Artifact("label-map", type="dataset")
    vocab.add_file("labels.json")
    producer.log_artifact(vocab)

with wandb.init(project="corpus-use-artifact", job_type="consume") as consumer:
    used = consumer.use_artifact("label-map:latest")
    folder = used.download()
    assert (Path(folder) / "labels.json").exists()
    used.get_entry("labels.json")
