"""Artifacts: versions and aliases, content-addressed storage, streaming, verification, path safety,
lineage (data and figure) and the CLI, with real files on disk."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import nbtrack as nbt
from nbtrack import RunFinishedError
from nbtrack.artifacts import ArtifactCorruptedError, ArtifactError, ArtifactNotFoundError, blob_dir
from nbtrack.artifacts._blobs import BlobStore, hash_file
from nbtrack.cli import main
from nbtrack.store import Store


def write(path: Path, data: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8")
    else:
        path.write_bytes(data)
    return path


def blobs_on_disk(store: Store) -> dict[str, int]:
    root = blob_dir(store) / "sha256"
    return {p.name: p.stat().st_size for p in root.rglob("*") if p.is_file()} if root.exists() else {}


def dataset(tmp_path: Path, name: str = "data", **files: str) -> nbt.Artifact:
    art = nbt.Artifact(name, "dataset")
    for member, content in files.items():
        art.add_file(write(tmp_path / "src" / name / member, content), name=member)
    return art


# -- versions and aliases -------------------------------------------------------

def test_versions_aliases_and_identical_content(tmp_path: Path) -> None:
    with nbt.init(project="p") as run:
        first = dataset(tmp_path, a="one", b="two")
        assert (first.version, first.state, first.aliases) == (None, "PENDING", [])
        draft_digest = first.digest
        assert run.log_artifact(first, aliases=["best"]) is first
        assert (first.version, first.state, first.aliases, first.digest) == ("v0", "COMMITTED", ["latest", "best"],
                                                                             draft_digest)
        second = run.log_artifact(dataset(tmp_path, a="one", b="TWO"), aliases="candidate")
        third = run.log_artifact(dataset(tmp_path, a="ONE", b="TWO"), aliases=["best"])
        assert (second.version, third.version) == ("v1", "v2")
        assert nbt.artifact("data:best").version == "v2"  # the alias moved
        assert nbt.artifact("data:v0").aliases == []
        assert nbt.artifact("data").version == nbt.artifact("data:latest").version == "v2"
        # identical content again: no new version, the aliases (and `latest`) go to the existing one
        blobs_before = blobs_on_disk(run.store)
        same = dataset(tmp_path, a="one", b="TWO")
        same.description = "ignored: the version keeps what it was first logged with"
        run.log_artifact(same, aliases=["prod"])
        assert (same.version, same.aliases) == ("v1", ["latest", "candidate", "prod"])
        assert same.description is None
        assert [a.version for a in map(nbt.artifact, ["data:v0", "data:v1", "data:v2"])] == ["v0", "v1", "v2"]
        with pytest.raises(ArtifactNotFoundError, match=r"'data' has no version 'v3'.*v0\.\.v2.*best, candidate"):
            nbt.artifact("data:v3")
        assert blobs_on_disk(run.store) == blobs_before
        assert nbt.artifact("data:latest").version == "v1"


def test_logged_versions_read_back(tmp_path: Path) -> None:
    with nbt.init(project="p") as run:
        art = nbt.Artifact("model", "model", description="a tiny model", metadata={"acc": 0.9, "layers": [1, 2]})
        art.add_file(write(tmp_path / "w.bin", b"\x00\x01\x02"), name="weights/w.bin")
        art.add_reference("s3://bucket/big/table.parquet")
        run.log_artifact(art)
    got = nbt.artifact("model:latest", type="model")
    assert (got.name, got.type, got.version, got.description) == ("model:latest", "model", "v0", "a tiny model")
    assert dict(got.metadata) == {"acc": 0.9, "layers": [1, 2]}
    got.metadata["acc"] = 1.0  # an edit stays in the object until save()
    assert nbt.artifact("model:v0").metadata["acc"] == 0.9
    assert [(f.path, f.size, f.ref) for f in got.files()] == [
        ("table.parquet", None, "s3://bucket/big/table.parquet"), ("weights/w.bin", 3, None)]
    assert got.files()[1].digest == hash_file(tmp_path / "w.bin")[0]
    assert got.digest == art.digest and got.size == 3
    assert got.logged_by().id == run.id  # type: ignore[union-attr]
    assert repr(got) == "<nbtrack.Artifact model:v0 (model, 2 files, 3 bytes) aliases=latest>"
    with pytest.raises(ArtifactError, match="of type 'model', not 'dataset'"):
        nbt.artifact("model:v0", type="dataset")
    with pytest.raises(ArtifactError, match=r"model:v0: it is already logged"):
        got.add_file(tmp_path / "w.bin")


def test_names_types_and_aliases_are_checked(tmp_path: Path) -> None:
    for bad in ["../x", "a/b", "..", ".", "", "a:b", "a b", "x" * 129, "ünï"]:
        with pytest.raises(ArtifactError, match="invalid artifact name"):
            nbt.Artifact(bad, "dataset")
    with pytest.raises(ArtifactError, match="type"):
        nbt.Artifact("ok", "")
    with nbt.init(project="p") as run:
        for alias in ["v3", "bad alias", "../up", ""]:
            with pytest.raises(ArtifactError, match="alias"):
                run.log_artifact(dataset(tmp_path, a="x"), aliases=[alias])
        run.log_artifact(dataset(tmp_path, a="x"))
        with pytest.raises(ArtifactError, match=r"'data' holds artifacts of type 'dataset', not 'model'"):
            run.log_artifact(nbt.Artifact("data", "model"))
        with pytest.raises(ArtifactNotFoundError, match="no artifact named 'nothing'"):
            run.use_artifact("nothing:latest")
        with pytest.raises(ArtifactError, match="reference"):
            nbt.artifact("data:")


def test_new_file_and_path_logging(tmp_path: Path) -> None:
    art = nbt.Artifact("made", "dataset")
    with art.new_file("notes/readme.md") as f:
        f.write("# hello ✓")
    with art.new_file("raw.bin", mode="wb") as f:
        f.write(b"\xff" * 10)
    with pytest.raises(RuntimeError):
        with art.new_file("broken.txt") as f:
            f.write("half")
            raise RuntimeError("boom")
    with pytest.raises(ArtifactError, match="already has a file named 'raw.bin'"):
        with art.new_file("raw.bin", mode="wb"):
            pass
    with pytest.raises(ArtifactError, match="mode"):
        with art.new_file("x.txt", mode="a"):
            pass
    with nbt.init(project="p") as run:
        run.log_artifact(art)
        by_path = run.log_artifact(str(write(tmp_path / "single.csv", "a,b\n1,2\n")), type="table")
    assert [f.path for f in art.files()] == ["notes/readme.md", "raw.bin"]
    out = Path(nbt.artifact("made:v0").download(root=tmp_path / "dl"))
    assert (out / "notes/readme.md").read_text(encoding="utf-8") == "# hello ✓"
    assert (out / "raw.bin").read_bytes() == b"\xff" * 10
    assert (by_path.name, by_path.type, [f.path for f in by_path.files()]) == (f"run-{run.id}-single.csv", "table", ["single.csv"])


def test_runs_must_be_running(tmp_path: Path) -> None:
    run = nbt.init(project="p")
    run.log_artifact(dataset(tmp_path, a="x"))
    run.finish()
    with pytest.raises(RunFinishedError):
        run.log_artifact(dataset(tmp_path, a="y"))
    with pytest.raises(RunFinishedError):
        run.use_artifact("data:latest")


# -- storage: dedup, streaming, verification ------------------------------------

def test_identical_files_are_stored_once_across_versions_and_artifacts(tmp_path: Path) -> None:
    size = 256 * 1024
    a, b, c, c2 = (os.urandom(size) for _ in range(4))
    with nbt.init(project="p") as run:
        v0 = nbt.Artifact("data", "dataset")
        for name, data in (("a.bin", a), ("b.bin", b), ("c.bin", c)):
            v0.add_file(write(tmp_path / "v0" / name, data))
        run.log_artifact(v0)
        v1 = nbt.Artifact("data", "dataset")
        for name, data in (("a.bin", a), ("b.bin", b), ("c.bin", c2)):
            v1.add_file(write(tmp_path / "v1" / name, data))
        run.log_artifact(v1)
        other = nbt.Artifact("other", "dataset")
        other.add_file(write(tmp_path / "copy.bin", a))
        run.log_artifact(other)
        on_disk = blobs_on_disk(run.store)
    assert (v0.version, v1.version, other.version) == ("v0", "v1", "v0")
    assert sorted(on_disk.values()) == [size] * 4  # a, b, c, c2: 7 files logged, 4 stored
    assert v0.size + v1.size + other.size == 7 * size


def test_unchanged_files_are_not_read_again_and_rewritten_ones_are(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from nbtrack.artifacts import _blobs

    reads: list[str] = []
    real_copy = _blobs._copy_hashing
    monkeypatch.setattr(_blobs, "_copy_hashing", lambda src, fd: (reads.append(Path(src).name), real_copy(src, fd))[1])
    settled = write(tmp_path / "settled.bin", b"A" * 1000)
    os.utime(settled, ns=(1_000_000_000, 1_000_000_000))  # last modified long ago
    fresh = write(tmp_path / "fresh.bin", b"B" * 1000)  # modified just now: never trusted from memory
    with nbt.init(project="p") as run:
        for _ in range(2):
            art = nbt.Artifact("cached", "dataset")
            art.add_file(settled)
            art.add_file(fresh)
            run.log_artifact(art)
        assert art.version == "v0" and reads == ["fresh.bin", "settled.bin", "fresh.bin"]
        fresh.write_bytes(b"C" * 1000)  # same size, same inode, within the same clock tick
        changed = nbt.Artifact("cached", "dataset")
        changed.add_file(settled)
        changed.add_file(fresh)
        run.log_artifact(changed)
    assert changed.version == "v1"
    assert {f.path: f.digest for f in changed.files()}["fresh.bin"] == hash_file(fresh)[0]


def test_a_large_sparse_file_streams_in_constant_memory(tmp_path: Path) -> None:
    """Log and download a 1.1 GB file in a fresh process: its peak memory grows by a few MB, not by GBs."""
    big = tmp_path / "big.bin"
    size = 1_100_000_000
    with open(big, "wb") as f:
        f.write(b"head")
        f.seek(size // 2)
        f.write(os.urandom(3 * 1024 * 1024 + 17))
        f.truncate(size)
    script = textwrap.dedent(f"""
        import hashlib, json, resource, time
        import nbtrack as nbt, nbtrack._run
        nbtrack._run.CAPTURE_DELAY = 3600  # keep the slow context capture out of the measurement
        run = nbt.init(project="big")
        art = nbt.Artifact("big", "dataset")
        art.add_file({str(big)!r})
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        t0 = time.perf_counter()
        run.log_artifact(art)
        t1 = time.perf_counter()
        out = art.download(root={str(tmp_path / "dl")!r})
        t2 = time.perf_counter()
        after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        run.finish()
        print(json.dumps({{"grew_kb": after - before, "log_s": t1 - t0, "download_s": t2 - t1,
                           "digest": art.files()[0].digest, "out": out}}))
    """)
    env = {**os.environ, "NBTRACK_DIR": str(tmp_path / ".nbtrack")}
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=280)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["grew_kb"] < 40 * 1024, result
    h = hashlib_sha256_of(big)
    assert result["digest"] == h
    copy = Path(result["out"]) / "big.bin"
    assert copy.stat().st_size == size and hashlib_sha256_of(copy) == h
    blob = BlobStore(tmp_path / ".nbtrack" / "blobs").path(h)
    assert blob.stat().st_size == size
    assert blob.stat().st_blocks * 512 < 64 * 1024 * 1024  # the zero runs stayed holes
    print(f"\nlog {size / 1e6 / result['log_s']:.0f} MB/s, download {size / 1e6 / result['download_s']:.0f} MB/s")


def hashlib_sha256_of(path: Path) -> str:
    import hashlib

    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(8 * 1024 * 1024):
            h.update(chunk)
    return h.hexdigest()


def test_download_verifies_digests_and_names_the_corrupted_file(tmp_path: Path) -> None:
    with nbt.init(project="p") as run:
        run.log_artifact(dataset(tmp_path, **{"good.txt": "fine", "bad.txt": "precious data"}))
        blobs = BlobStore(blob_dir(run.store))
    art = nbt.artifact("data:v0")
    bad = next(f for f in art.files() if f.path == "bad.txt")
    blob = blobs.path(bad.digest or "")
    os.chmod(blob, 0o644)
    blob.write_bytes(b"precious DATA")  # same size, different bytes
    root = tmp_path / "dl"
    with pytest.raises(ArtifactCorruptedError, match=r"data:v0: file 'bad.txt' is corrupted in the store"):
        art.download(root=root)
    assert not (root / "bad.txt").exists()
    assert [p.name for p in root.iterdir() if p.name != "good.txt"] == []  # no temporary files left behind
    blob.write_bytes(b"short")
    with pytest.raises(ArtifactCorruptedError, match="bad.txt"):
        art.download(root=root)
    blob.unlink()
    with pytest.raises(ArtifactCorruptedError, match=r"bad.txt.*missing.*NBTRACK_BLOBS"):
        art.download(root=root)
    # logging the same file again heals the store
    with nbt.init(project="p") as run:
        run.log_artifact(dataset(tmp_path, **{"good.txt": "fine", "bad.txt": "precious data"}))
    assert (Path(art.download(root=root)) / "bad.txt").read_text() == "precious data"


def test_download_refreshes_changed_copies_and_defaults_to_artifacts_dir(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with nbt.init(project="p") as run:
        run.log_artifact(dataset(tmp_path, **{"x.txt": "original"}))
    monkeypatch.chdir(tmp_path)
    out = Path(nbt.artifact("data:latest").download())
    assert out == Path("artifacts") / ("data:v0" if os.name != "nt" else "data-v0")
    (out / "x.txt").write_text("edited locally")
    nbt.artifact("data:latest").download()
    assert (out / "x.txt").read_text() == "original"


# -- path safety ------------------------------------------------------------------

BAD_MEMBERS = ["../x", "a/../../x", "/etc/passwd", "C:/x", "a\\b", "", "a//b", "./a", "a/.", "x\0y", "a/"]


@pytest.mark.parametrize("member", BAD_MEMBERS)
def test_file_names_must_stay_inside_the_artifact(tmp_path: Path, member: str) -> None:
    src = write(tmp_path / "f.txt", "x")
    art = nbt.Artifact("data", "dataset")
    with pytest.raises(ArtifactError, match=r"artifact 'data': invalid file name"):
        art.add_file(src, name=member)
    with pytest.raises(ArtifactError, match="invalid file name"):
        with art.new_file(member):
            pass
    with pytest.raises(ArtifactError, match="invalid file name"):
        art.add_reference("s3://bucket/key", name=member)
    if member:  # add_dir's name is a prefix: "" means the top level
        with pytest.raises(ArtifactError, match="invalid file name"):
            art.add_dir(tmp_path, name=member)
    assert art.files() == []


def test_add_dir_refuses_links_that_leave_the_directory(tmp_path: Path) -> None:
    outside = write(tmp_path / "secret" / "key.pem", "secret")
    data = tmp_path / "data"
    write(data / "a.txt", "a")
    write(data / "sub" / "b.txt", "b")
    (data / "inner-link.txt").symlink_to(data / "a.txt")
    (data / "loop").symlink_to(data)  # a link back to the root must not loop forever
    art = nbt.Artifact("data", "dataset")
    art.add_dir(data, name="prefix")
    assert [f.path for f in art.files()] == ["prefix/a.txt", "prefix/inner-link.txt", "prefix/sub/b.txt"]
    (data / "escape.pem").symlink_to(outside)
    with pytest.raises(ArtifactError, match=r"escape.pem'? is a link leading outside"):
        nbt.Artifact("d2", "dataset").add_dir(data)
    (data / "escape.pem").unlink()
    (data / "sub" / "out").symlink_to(outside.parent, target_is_directory=True)
    refused = nbt.Artifact("d3", "dataset")
    with pytest.raises(ArtifactError, match=r"sub/out'? is a link leading outside"):
        refused.add_dir(data)
    assert refused.files() == []  # nothing half-added
    (data / "sub" / "out").unlink()
    (data / "dangling").symlink_to(tmp_path / "missing")
    with pytest.raises(ArtifactError, match="dangling"):
        nbt.Artifact("d4", "dataset").add_dir(data)


def test_download_never_writes_through_links_outside_the_root(tmp_path: Path) -> None:
    with nbt.init(project="p") as run:
        run.log_artifact(dataset(tmp_path, **{"sub/x.txt": "artifact", "top.txt": "artifact"}))
    art = nbt.artifact("data:v0")
    outside = tmp_path / "outside"
    outside.mkdir()
    root = tmp_path / "dl"
    root.mkdir()
    (root / "sub").symlink_to(outside, target_is_directory=True)
    with pytest.raises(ArtifactError, match=r"'sub/x.txt' would be written outside"):
        art.download(root=root)
    assert list(outside.iterdir()) == []
    (root / "sub").unlink()
    victim = write(tmp_path / "victim.txt", "do not touch")
    (root / "top.txt").symlink_to(victim)
    art.download(root=root)
    assert victim.read_text() == "do not touch"
    assert not (root / "top.txt").is_symlink() and (root / "top.txt").read_text() == "artifact"


def test_a_tampered_store_cannot_write_outside_the_root(tmp_path: Path) -> None:
    with nbt.init(project="p") as run:
        run.log_artifact(dataset(tmp_path, **{"x.txt": "fine"}))
        db = run.store.url[len("sqlite:///"):]
    art_id = nbt.artifact("data:v0").id
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("UPDATE artifact_files SET path = ? WHERE artifact_id = ?", ("../evil.txt", art_id))
    conn.close()
    root = tmp_path / "dl" / "inner"
    with pytest.raises(ArtifactError, match=r"invalid file name '\.\./evil\.txt'"):
        nbt.artifact("data:v0").download(root=root)
    assert not (tmp_path / "dl" / "evil.txt").exists()
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("UPDATE artifact_files SET path = ?, digest = ? WHERE artifact_id = ?", ("x.txt", "../../etc", art_id))
    conn.close()
    with pytest.raises(ArtifactError, match="invalid sha256 digest"):
        nbt.artifact("data:v0").download(root=root)


# -- use, lineage, figure ---------------------------------------------------------

def make_generations(tmp_path: Path) -> None:
    """ingest -> raw -> preprocess -> data -> train -> model -> finetune -> model-ft, plus a side branch."""
    with nbt.init(project="p", name="ingest") as run:
        run.log_artifact(dataset(tmp_path, "raw", **{"raw.csv": "1,2,3"}))
    with nbt.init(project="p", name="preprocess") as run:
        raw = run.use_artifact("raw:latest")
        out = Path(raw.download(root=tmp_path / "raw-copy"))
        clean = nbt.Artifact("data", "dataset")
        with clean.new_file("clean.csv") as f:
            f.write((out / "raw.csv").read_text().replace(",", ";"))
        run.log_artifact(clean)
    with nbt.init(project="p", name="train", job_type="train") as run:
        run.use_artifact("data:v0", type="dataset")
        model = nbt.Artifact("model", "model")
        with model.new_file("w.bin", mode="wb") as f:
            f.write(b"\x01\x02")
        run.log_artifact(model, aliases=["best"])
    with nbt.init(project="p", name="finetune") as run:
        run.use_artifact(nbt.artifact("model:best"))
        run.log_artifact(dataset(tmp_path, "model-ft", **{"w.bin": "tuned"}))
    with nbt.init(project="p", name="side") as run:
        run.use_artifact("raw:v0")
        run.log_artifact(dataset(tmp_path, "other", **{"o.txt": "o"}))


def test_lineage_across_generations(tmp_path: Path) -> None:
    make_generations(tmp_path)
    graph = nbt.lineage("data:v0")
    chain = [("ingest", "raw:v0"), ("raw:v0", "preprocess"), ("preprocess", "data:v0"), ("data:v0", "train"),
             ("train", "model:v0"), ("model:v0", "finetune"), ("finetune", "model-ft:v0")]
    assert sorted(graph.pairs()) == sorted(chain)
    assert graph.root == "artifact:" + nbt.artifact("data:v0").id  # type: ignore[operator]
    assert graph.labels()[0] == "data:v0"
    assert sorted(nbt.lineage("data:v0", direction="upstream").pairs()) == sorted(chain[:3])
    assert sorted(nbt.lineage("data:v0", direction="downstream").pairs()) == sorted(chain[3:])
    assert sorted(nbt.lineage("model-ft:latest").pairs()) == sorted(chain)  # any depth upstream
    from_raw = nbt.lineage(nbt.artifact("raw:v0"))  # any depth downstream, both branches
    assert sorted(from_raw.pairs()) == sorted(chain + [("raw:v0", "side"), ("side", "other:v0")])
    train = next(n for n in graph.nodes if n.label == "train")
    assert (train.kind, train.type, train.project, train.state) == ("run", "train", "p", "finished")
    assert next(n for n in graph.nodes if n.label == "model:v0").aliases == ("latest", "best")
    data = json.loads(json.dumps(graph.to_dict()))
    assert len(data["nodes"]) == 8 and len(data["edges"]) == 7
    assert [r.name for r in nbt.artifact("raw:v0").used_by()] == ["preprocess", "side"]
    assert repr(graph) == "<nbtrack.Lineage of data:v0: 4 artifact versions, 4 runs, 7 edges>"


def test_use_artifact_with_a_draft_stores_it_without_a_producer(tmp_path: Path) -> None:
    with nbt.init(project="p", name="consumer") as run:
        art = run.use_artifact(dataset(tmp_path, "external", **{"e.txt": "e"}))
        assert art.version == "v0" and art.logged_by() is None
    assert nbt.lineage("external:v0").pairs() == [("external:v0", "consumer")]


def test_lineage_layout_and_figure(tmp_path: Path) -> None:
    from nbtrack.ui.lineage import lineage_figure, lineage_layers, lineage_layout

    make_generations(tmp_path)
    with nbt.init(project="p", name="eval") as run:
        run.use_artifact("model:v0")
    graph = nbt.lineage("model:v0")
    by_label = {graph.node(k).label: v for k, v in lineage_layout(graph).items()}
    assert by_label == {
        "ingest": (0.0, 0.0), "raw:v0": (1.0, 0.0), "preprocess": (2.0, 0.0), "data:v0": (3.0, 0.0),
        "train": (4.0, 0.0), "model:v0": (5.0, 0.0), "finetune": (6.0, 0.5), "eval": (6.0, -0.5),
        "model-ft:v0": (7.0, 0.0),
    }
    fig = lineage_figure(graph)
    edges, artifacts, runs = fig.data
    assert set(artifacts.text) == {"raw:v0", "data:v0", "model:v0", "model-ft:v0"}
    assert set(runs.text) == {"ingest", "preprocess", "train", "finetune", "eval"}
    assert artifacts.marker.symbol == "square" and runs.marker.symbol == "circle"
    assert list(artifacts.marker.size) == [22 if t == "model:v0" else 16 for t in artifacts.text]
    assert len(fig.layout.annotations) == len(graph.edges) == 8
    assert sum(x is None for x in edges.x) == 8
    assert fig.layout.title.text == "Lineage of model:v0"
    assert lineage_figure("raw:v0").layout.title.text == "Lineage of raw:v0"
    # a run that uses a version and logs identical content makes a cycle: layering still ends
    with nbt.init(project="p", name="cycle") as run:
        run.use_artifact("other:v0")
        run.log_artifact(dataset(tmp_path, "other", **{"o.txt": "o"}))
        run.log_artifact(dataset(tmp_path, "made-in-cycle", **{"m.txt": "m"}))
    cyclic = nbt.lineage("other:v0")
    assert {("cycle", "other:v0"), ("other:v0", "cycle"), ("cycle", "made-in-cycle:v0")} <= set(cyclic.pairs())
    assert set(lineage_layers(cyclic).values()) <= set(range(len(cyclic.nodes)))
    assert lineage_figure(cyclic).data


# -- backends, blob location, CLI, import -------------------------------------------

def test_round_trip_on_each_backend_and_where_blobs_live(
        store: Store, backend_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NBTRACK_BLOBS", raising=False)
    expected = (tmp_path / "store" / "blobs") if backend_url.startswith("sqlite") else (tmp_path / ".nbtrack" / "blobs")
    assert blob_dir(store) == expected.resolve()
    with nbt.init(project="p", store=store) as run:
        run.log_artifact(dataset(tmp_path, **{"x.txt": "on every backend"}), aliases=["best"])
    with nbt.init(project="p", store=store) as run:
        got = run.use_artifact("data:best")
        assert (Path(got.download(root=tmp_path / "dl")) / "x.txt").read_text() == "on every backend"
    assert len(list(expected.rglob("sha256/*/*"))) == 1
    assert nbt.artifact("data:v0", store=store).used_by()[0].id == run.id
    shared = tmp_path / "team-share"
    monkeypatch.setenv("NBTRACK_BLOBS", str(shared))
    assert blob_dir(store) == shared.resolve()
    with nbt.init(project="p", store=store) as run:
        run.log_artifact(dataset(tmp_path, "shared", **{"y.txt": "shared blobs"}))
    assert [p.read_text() for p in shared.rglob("sha256/*/*")] == ["shared blobs"]


def test_cli_lists_and_shows_artifacts(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    make_generations(tmp_path)
    assert main(["artifacts"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["NAME", "TYPE", "VERSIONS", "LATEST", "ALIASES", "SIZE", "UPDATED"]
    assert [line.split()[:4] for line in lines[1:]] == [
        ["data", "dataset", "1", "v0"], ["model", "model", "1", "v0"], ["model-ft", "dataset", "1", "v0"],
        ["other", "dataset", "1", "v0"], ["raw", "dataset", "1", "v0"]]
    assert "best=v0" in lines[2]
    assert main(["artifacts", "--type", "model"]) == 0
    assert [line.split()[0] for line in capsys.readouterr().out.splitlines()[1:]] == ["model"]
    assert main(["artifact", "show", "model:best"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("artifact model:v0 (model)\n  aliases:     latest, best\n")
    produced, used = out.split("produced by:\n")[1].split("used by:\n")
    assert produced.strip().startswith("train (") and used.split("\n")[0].strip().startswith("finetune (")
    assert re.search(r"^files of v0:\n +PATH +SIZE +SHA256 / REFERENCE\n +w\.bin +2 B +[0-9a-f]{16}$", out, re.M)
    assert re.search(r"^versions of model:\n.*\n +v0 \* +latest, best +1 +2 B ", out, re.M)
    assert main(["artifact", "show", "model:v7"]) == 2
    assert "artifact 'model' has no version 'v7'" in capsys.readouterr().err
    assert main(["artifacts", "--type", "nothing"]) == 0
    assert capsys.readouterr().out.strip() == "no artifacts of type 'nothing'"


def test_import_stays_lazy() -> None:
    code = ("import sys, nbtrack; assert 'nbtrack.artifacts' not in sys.modules; "
            "a = nbtrack.Artifact('x', 'dataset'); assert nbtrack.artifact and nbtrack.lineage; "
            "assert 'plotly' not in sys.modules and 'pandas' not in sys.modules, sorted(sys.modules)")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
