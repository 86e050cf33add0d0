"""`Artifact.name` as W&B gives it for every way an artifact is obtained: the bare name while a draft (and
after `log_artifact` until `wait()`), `{collection}:{version or alias asked for}` once waited for or fetched."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from test_artifacts import write

import nbtrack as wandb
from nbtrack.artifacts import ArtifactError


def dataset(tmp_path: Path, text: str = "rows") -> wandb.Artifact:
    art = wandb.Artifact("my-data", "dataset")
    art.add_file(write(tmp_path / "d.csv", text))
    return art


def test_name_is_bare_until_waited_for_then_collection_and_version(tmp_path: Path) -> None:
    art = dataset(tmp_path)
    assert (art.name, art.source_name, art.collection.name) == ("my-data", "my-data", "my-data")
    with pytest.raises(ArtifactError, match="not logged yet"):
        art.wait()
    with wandb.init(project="p") as run:
        assert run.log_artifact(art) is art
        # as W&B (checked against the real package offline): logging alone does not rename it
        assert (art.name, art.source_name, art.version) == ("my-data", "my-data", "v0")
        assert art.wait() is art
        assert (art.name, art.source_name, art.qualified_name) == ("my-data:v0", "my-data:v0", "my-data:v0")
        nxt = dataset(tmp_path, "more rows")
        run.log_artifact(nxt, aliases=["best"])
        assert nxt.wait().name == "my-data:v1" and art.name == "my-data:v0"


def test_a_draft_used_or_saved_is_named_as_wandb_names_it(tmp_path: Path) -> None:
    with wandb.init(project="p") as run:
        used = run.use_artifact(dataset(tmp_path))  # W&B logs the draft and waits for it
        assert used.name == "my-data:v0"
        saved = dataset(tmp_path, "other")
        saved.save()  # W&B's save() of a draft logs it without waiting
        assert (saved.name, saved.version) == ("my-data", "v1")


def test_use_artifact_keeps_the_alias_it_was_asked_by(tmp_path: Path) -> None:
    with wandb.init(project="p") as run:
        run.log_artifact(dataset(tmp_path), aliases=["best"])
        run.log_artifact(dataset(tmp_path, "v1 rows"))
    with wandb.init(project="p") as run:
        got = {ref: run.use_artifact(ref) for ref in ("my-data:latest", "my-data:best", "my-data:v0", "my-data",
                                                      "entity/p/my-data:latest")}
    assert {ref: (a.name, a.version) for ref, a in got.items()} == {
        "my-data:latest": ("my-data:latest", "v1"), "my-data:best": ("my-data:best", "v0"),
        "my-data:v0": ("my-data:v0", "v0"), "my-data": ("my-data:v1", "v1"),
        "entity/p/my-data:latest": ("my-data:latest", "v1")}
    # the W&B docs' round trip: the collection name back from `name`
    assert {a.name.split(":")[0] for a in got.values()} == {"my-data"}
    assert {a.collection.name for a in got.values()} == {a.source_collection.name for a in got.values()} == {"my-data"}
    assert {a.source_name for a in got.values()} == {"my-data:v0", "my-data:v1"}


def test_api_listings_and_run_artifacts_name_each_version(tmp_path: Path) -> None:
    with wandb.init(project="p") as producer:
        producer.log_artifact(dataset(tmp_path))
        producer.log_artifact(dataset(tmp_path, "v1 rows"))
    with wandb.init(project="p") as consumer:
        consumer.use_artifact("my-data:latest")
    api = wandb.Api()
    assert api.artifact("p/my-data:latest").name == "my-data:latest"
    assert api.artifact("my-data:v0").name == "my-data:v0"
    assert [a.name for a in api.artifacts("dataset", "my-data")] == ["my-data:v0", "my-data:v1"]
    assert [a.name for a in api.artifact_collection("dataset", "my-data").artifacts()] == ["my-data:v1", "my-data:v0"]
    assert [a.name for a in api.run(f"p/{producer.id}").logged_artifacts()] == ["my-data:v0", "my-data:v1"]
    assert [a.name for a in api.run(f"p/{consumer.id}").used_artifacts()] == ["my-data:v1"]
    assert wandb.artifact("my-data").name == "my-data:v1"


def test_through_the_registry_the_collection_names_it(tmp_path: Path) -> None:
    with wandb.init(project="p") as run:
        art = run.log_artifact(dataset(tmp_path))
        linked = art.link("wandb-registry-model/tables", aliases=["production"])
    assert (linked.name, linked.source_name, linked.collection.name) == ("tables:v0", "my-data:v0", "tables")
    fetched = wandb.Api().artifact("wandb-registry-model/tables:production")
    assert (fetched.name, fetched.version, fetched.source_name) == ("tables:production", "v0", "my-data:v0")
    fetched.unlink()  # no longer a link: the version itself
    assert (fetched.name, fetched.is_link) == ("my-data:v0", False)


_BOTH = """\
import json, IMPORT_LINE
open("d.csv", "w").write("rows")
run = wandb.init(project="p")
art = wandb.Artifact("my-data", "dataset")
art.add_file("d.csv")
seen = [art.name, art.source_name]
run.log_artifact(art)
seen += [art.name, art.source_name]
run.finish()
print(json.dumps(seen))
"""


def test_what_works_offline_matches_the_real_wandb(tmp_path: Path) -> None:
    """The same script on nbtrack and on the real wandb offline (where `wait()` and fetching are refused)."""
    seen = {}
    for route, line in (("nbtrack", "nbtrack as wandb"), ("wandb", "wandb")):
        folder = tmp_path / route
        folder.mkdir()
        env = {k: v for k, v in os.environ.items() if not k.startswith("WANDB_")}
        env.update(WANDB_MODE="offline", WANDB_SILENT="true", WANDB_DIR=str(folder), NBTRACK_DIR=str(folder))
        done = subprocess.run([sys.executable, "-c", _BOTH.replace("IMPORT_LINE", line)], cwd=folder, env=env,
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr[-2000:]
        seen[route] = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["nbtrack"] == seen["wandb"] == ["my-data"] * 4
