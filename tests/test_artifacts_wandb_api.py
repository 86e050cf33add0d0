"""W&B's everyday artifact API: keyword names, paths and references, entries, editing a logged
version then `save()`, `Api().artifact(s)`, and deleting versions with their blobs collected."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from test_artifacts import blobs_on_disk, write

import nbtrack as wandb
from nbtrack.artifacts import ArtifactError
from nbtrack.artifacts._blobs import BlobStore, blob_dir, hash_file


def test_wandb_keyword_names_and_paths(tmp_path: Path) -> None:
    src = write(tmp_path / "data" / "train.csv", "a,b\n1,2\n")
    write(tmp_path / "data" / "sub" / "val.csv", "a,b\n3,4\n")
    with wandb.init(project="p") as run:
        art = run.log_artifact(artifact_or_path=str(tmp_path / "data"), name="ds", type="dataset",
                               aliases=["raw"], tags=["v1-data"])
        single = run.log_artifact(src)  # W&B names a path `run-<id>-<base name>`
        used = run.use_artifact(artifact_or_name="ds:raw", type="dataset", aliases=None)
    assert (art.name, art.type, art.aliases, art.tags) == ("ds", "dataset", ["latest", "raw"], ["v1-data"])
    assert [f.path for f in art.files()] == ["sub/val.csv", "train.csv"]
    assert single.name == f"run-{run.id}-train.csv" and single.type == "unspecified"
    assert used.id == art.id and used.used_by()[0].id == run.id
    with wandb.init(project="p") as run2:
        with pytest.raises(ArtifactError, match="neither a file"):
            run2.log_artifact(str(tmp_path / "missing"))


def test_file_references_are_recorded_not_copied_and_downloaded_verified(tmp_path: Path) -> None:
    big = write(tmp_path / "shared" / "big.bin", b"\x07" * 5000)
    write(tmp_path / "shared" / "dir" / "x.txt", "x")
    write(tmp_path / "shared" / "dir" / "y" / "z.txt", "z")
    with wandb.init(project="p") as run:
        art = wandb.Artifact("refs", "dataset")
        [entry] = art.add_reference(big.as_uri())
        assert (entry.path, entry.size, entry.ref) == ("big.bin", 5000, big.as_uri())
        art.add_reference((tmp_path / "shared" / "dir").as_uri(), name="tree")
        art.add_reference("s3://bucket/key.parquet")
        run.log_artifact(art)
    assert blobs_on_disk(run.store) == {}  # nothing copied into the store
    got = wandb.artifact("refs:latest")
    assert [(f.path, f.size) for f in got.files()] == [
        ("big.bin", 5000), ("key.parquet", None), ("tree/x.txt", 1), ("tree/y/z.txt", 1)]
    assert got.get_entry("big.bin").digest == hash_file(big)[0]
    assert got.get_entry("tree/y/z.txt").ref_target() == (tmp_path / "shared" / "dir").as_uri() + "/y/z.txt"
    out = Path(got.download(root=tmp_path / "out"))
    assert (out / "big.bin").read_bytes() == b"\x07" * 5000
    assert (out / "tree" / "y" / "z.txt").read_text() == "z"
    assert not (out / "key.parquet").exists()  # other schemes are not fetched
    big.write_bytes(b"changed")
    os.unlink(out / "big.bin")
    with pytest.raises(ArtifactError, match="corrupted at its reference"):
        got.download(root=tmp_path / "out")
    assert not (out / "big.bin").exists()


def test_new_file_entries_and_same_file_twice(tmp_path: Path) -> None:
    write(tmp_path / "d" / "a.txt", "A")
    write(tmp_path / "d" / "b.txt", "B")
    art = wandb.Artifact("mix", "dataset")
    with art.new_file("notes.txt") as f:
        f.write("hello")
    art.add_file(str(tmp_path / "d" / "a.txt"))
    art.add_dir(str(tmp_path / "d"))  # a.txt again, same content: accepted (W&B)
    write(tmp_path / "other" / "a.txt", "different")
    with pytest.raises(ArtifactError, match="different file named 'a.txt'"):
        art.add_file(tmp_path / "other" / "a.txt")
    art.add_file(tmp_path / "other" / "a.txt", overwrite=True)
    with wandb.init(project="p") as run:
        run.log_artifact(art)
    got = wandb.artifact("mix:v0")
    assert [f.name for f in got.files()] == ["a.txt", "b.txt", "notes.txt"]
    assert [f.path for f in got.files(names=["b.txt"])] == ["b.txt"]
    assert got.get_path("notes.txt").size == 5
    path = got.get_entry("a.txt").download(root=tmp_path / "one")
    assert Path(path).read_text() == "different" and sorted(os.listdir(tmp_path / "one")) == ["a.txt"]
    with pytest.raises(KeyError, match="no file 'zzz'"):
        got.get_entry("zzz")
    assert got.wait() is got
    with pytest.raises(ArtifactError, match="not logged yet"):
        wandb.Artifact("x", "y").wait()


def test_editing_a_logged_version_then_save(tmp_path: Path) -> None:
    with wandb.init(project="p") as run:
        v0 = run.log_artifact(write(tmp_path / "a.txt", "0"), name="data", type="dataset", aliases=["best"])
        v1 = run.log_artifact(write(tmp_path / "a.txt", "1"), name="data", type="dataset")
    v0.description = "first cut"
    v0.metadata["rows"] = 10
    v0.aliases.append("golden")
    v0.tags = ["audited"]
    assert wandb.artifact("data:v0").description is None  # not written before save()
    v0.save()
    got = wandb.artifact("data:golden")
    assert (got.version, got.description, dict(got.metadata), got.aliases, got.tags) == (
        "v0", "first cut", {"rows": 10}, ["best", "golden"], ["audited"])
    v1.aliases = ["latest", "best"]  # `best` moves to v1
    v1.save()
    assert wandb.artifact("data:best").version == "v1"
    assert wandb.Api().artifact("data:v0").aliases == ["golden"]
    with pytest.raises(ArtifactError, match="reserved"):
        v1.aliases = ["v3"]
    with pytest.raises(ArtifactError, match="already logged"):
        v1.add_file(tmp_path / "a.txt")


def test_api_artifact_and_artifacts(tmp_path: Path) -> None:
    with wandb.init(project="p") as run:
        for text in ("0", "1", "2"):
            run.log_artifact(write(tmp_path / "w.bin", text), name="net", type="model")
        run.log_artifact(write(tmp_path / "d.csv", "x"), name="tbl", type="dataset")
    api = wandb.Api()
    assert api.artifact("entity/p/net:v1", type="model").version == "v1"
    assert [a.version for a in api.artifacts("model", "net")] == ["v0", "v1", "v2"]
    assert [a.qualified_name for a in api.artifacts(type_name="dataset", name="p/tbl")] == ["tbl:v0"]
    assert api.artifact_exists("net:v2") and not api.artifact_exists("net:v9")
    with pytest.raises(ArtifactError, match="type 'model', not 'dataset'"):
        api.artifact("net:latest", type="dataset")


def test_deleting_versions_collects_only_unshared_blobs(tmp_path: Path) -> None:
    with wandb.init(project="p") as run:
        shared = write(tmp_path / "shared.bin", b"S" * 100)
        a = wandb.Artifact("data", "dataset")
        a.add_file(shared)
        a.add_file(write(tmp_path / "only0.bin", b"0" * 50))
        run.log_artifact(a, aliases=["keep"])
        b = wandb.Artifact("data", "dataset")
        b.add_file(shared)
        b.add_file(write(tmp_path / "only1.bin", b"1" * 60))
        run.log_artifact(b)
    blobs = BlobStore(blob_dir(run.store))
    digest = {p: hash_file(tmp_path / p)[0] for p in ("shared.bin", "only0.bin", "only1.bin")}
    assert set(blobs_on_disk(run.store)) == set(digest.values())
    v0 = wandb.artifact("data:v0")
    with pytest.raises(ArtifactError, match="delete_aliases=True"):
        v0.delete()
    assert set(blobs_on_disk(run.store)) == set(digest.values())  # refused: nothing lost
    v0.delete(delete_aliases=True)
    with pytest.raises(ArtifactError, match="was deleted"):
        v0.save()
    with pytest.raises(ArtifactError, match="was deleted"):
        v0.add_file(shared)
    assert set(blobs_on_disk(run.store)) == {digest["shared.bin"], digest["only1.bin"]}
    assert [a.version for a in wandb.Api().artifacts("dataset", "data")] == ["v1"]
    wandb.artifact("data:latest").delete()  # `latest` alone needs no delete_aliases
    assert blobs_on_disk(run.store) == {}
    assert not blobs.path(digest["shared.bin"]).exists()
    with pytest.raises(ArtifactError, match="no artifact named 'data'"):
        wandb.artifact("data")


def test_media_objects_added_and_got_back(tmp_path: Path) -> None:
    import numpy as np

    with wandb.init(project="p") as run:
        table = wandb.Table(columns=["id", "image", "label"])
        table.add_data(0, wandb.Image(np.full((4, 4, 3), 200, dtype=np.uint8)), "cat")
        art = wandb.Artifact("preds", "predictions")
        entry = art.add(table, "val_predictions")
        assert entry.path == "val_predictions.table.json"
        with pytest.raises(ArtifactError, match="not dict"):
            art.add({"a": 1}, "bad")
        run.log_artifact(art)
    got = wandb.artifact("preds:latest").get("val_predictions")
    assert got.columns == ["id", "image", "label"] and got.data[0][0] == 0 and got.data[0][2] == "cat"
    assert got.data[0][1].to_numpy().shape == (4, 4, 3)
    assert wandb.artifact("preds:latest").get("missing") is None


def test_collecting_keeps_a_blob_a_version_still_references(tmp_path: Path) -> None:
    with wandb.init(project="p") as run:
        art = run.log_artifact(write(tmp_path / "a.bin", b"A" * 10), name="data", type="dataset")
    blobs = BlobStore(blob_dir(run.store))
    digest = art.files()[0].digest
    assert digest is not None
    assert blobs.collect(run.store, [digest]) == []  # still referenced: moved aside, asked again, moved back
    assert blobs.has(digest, 10)
    assert list(blobs.path(digest).parent.iterdir()) == [blobs.path(digest)]  # nothing left aside
    assert Path(art.download(root=tmp_path / "out"), "a.bin").read_bytes() == b"A" * 10


def test_a_drafts_own_aliases_and_tags_are_stored_when_logged(tmp_path: Path) -> None:
    art = wandb.Artifact("d", "dataset")
    art.add_file(write(tmp_path / "x.txt", "x"))
    art.aliases = ["candidate"]
    art.tags = ["nightly"]
    with wandb.init(project="p") as run:
        run.log_artifact(art, aliases=["best"])
        newer = run.log_artifact(write(tmp_path / "x.txt", "y"), name="d", type="dataset", aliases=["best"])
        run.log_artifact(art)  # logging the v0 object again does not pull `best` back from v1
    assert (art.version, art.aliases, art.tags) == ("v0", ["latest", "candidate"], ["nightly"])  # latest moves back
    assert wandb.artifact("d:best").version == "v1"
