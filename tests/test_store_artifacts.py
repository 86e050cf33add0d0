"""The artifact part of the store contract, run unchanged on SQLite and PostgreSQL."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable

import pytest
from test_store_contract import raw_sql, record

from nbtrack.store import Store
from nbtrack.store._records import ArtifactEdge, ArtifactFileRecord, ArtifactRecord
from nbtrack.store._schema import MIGRATIONS, SCHEMA_VERSION

A = "a" * 64
B = "b" * 64


def entries(*paths: str, digest: str = A, size: int = 10) -> list[ArtifactFileRecord]:
    return [ArtifactFileRecord(path=p, digest=digest, size=size) for p in paths]


def put(store: Store, name: str, digest: str, *, type: str = "dataset", aliases: tuple[str, ...] = ("latest",),
        run_id: str | None = None, at: float = 100.0, files: list[ArtifactFileRecord] | None = None,
        description: str | None = None, metadata: dict[str, object] | None = None) -> tuple[ArtifactRecord, bool]:
    return store.put_artifact(name, type, digest, entries("f.txt") if files is None else files, aliases=aliases,
                              run_id=run_id, created_at=at, description=description, metadata=metadata)


def test_versions_are_numbered_per_name_and_round_trip(store: Store) -> None:
    v0, new0 = put(store, "data", "d0", description="first", metadata={"rows": 3, "nested": {"x": [1, 2]}}, at=1.5)
    v1, new1 = put(store, "data", "d1", at=2.5)
    m0, _ = put(store, "model", "d0", type="model")
    assert (new0, new1) == (True, True)
    assert (v0.version, v1.version, m0.version) == (0, 1, 0)
    assert v0.id != v1.id != m0.id
    got = store.get_artifact("data", "v0")
    assert got == ArtifactRecord(id=v0.id, name="data", version=0, type="dataset", digest="d0", created_at=1.5,
                                 description="first", metadata={"rows": 3, "nested": {"x": [1, 2]}}, size=10,
                                 file_count=1, run_id=None, aliases=())
    assert store.get_artifact("data", "v1").aliases == ("latest",)  # type: ignore[union-attr]
    assert store.get_artifact("data", "latest").id == v1.id  # type: ignore[union-attr]
    assert store.get_artifact("data", "v2") is None
    assert store.get_artifact("data", "best") is None
    assert store.get_artifact("nope", "latest") is None


def test_same_digest_reuses_the_version_and_moves_aliases(store: Store) -> None:
    v0, _ = put(store, "data", "d0", aliases=("latest", "best"), description="kept", metadata={"k": 1})
    put(store, "data", "d1")
    again, created = put(store, "data", "d0", aliases=("latest", "prod"), description="ignored", metadata={"k": 2})
    assert created is False
    assert again.id == v0.id and again.version == 0
    assert (again.description, again.metadata) == ("kept", {"k": 1})
    assert again.aliases == ("latest", "best", "prod")  # latest first, then sorted
    assert [v.version for v in store.list_artifacts(name="data")] == [0, 1]
    assert store.get_artifact("data", "v1").aliases == ()  # type: ignore[union-attr]


def test_aliases_are_unique_per_name_and_move(store: Store) -> None:
    v0, _ = put(store, "data", "d0", aliases=("latest", "best"))
    v1, _ = put(store, "data", "d1", aliases=("latest",))
    other, _ = put(store, "other", "d0", aliases=("latest", "best"))
    assert store.get_artifact("data", "best").id == v0.id  # type: ignore[union-attr]
    v2, _ = put(store, "data", "d2", aliases=("latest", "best", "best"))
    assert store.get_artifact("data", "best").id == v2.id  # type: ignore[union-attr]
    assert store.get_artifact("other", "best").id == other.id  # type: ignore[union-attr]
    assert [(v.version, v.aliases) for v in store.list_artifacts(name="data")] == [
        (0, ()), (1, ()), (2, ("latest", "best"))]


def test_a_name_keeps_its_type_and_a_refused_put_changes_nothing(store: Store) -> None:
    put(store, "data", "d0")
    with pytest.raises(ValueError, match=r"'data'.*'dataset'.*'model'"):
        put(store, "data", "d1", type="model", run_id="r1")
    assert [v.digest for v in store.list_artifacts()] == ["d0"]
    assert store.artifact_edges(run_ids=["r1"]) == []
    assert put(store, "data", "d1")[0].version == 1  # still usable after the failed transaction


def test_files_round_trip_with_references_in_byte_order(store: Store) -> None:
    entries = [
        ArtifactFileRecord(path="b/Z.txt", digest=A, size=5),
        ArtifactFileRecord(path="a.txt", digest=B, size=7),
        ArtifactFileRecord(path="B.txt", digest=A, size=5),
        ArtifactFileRecord(path="_x", digest=A, size=0),
        ArtifactFileRecord(path="remote.csv", ref="s3://bucket/remote.csv"),
        ArtifactFileRecord(path="ünï/cødé ✓.bin", digest=B, size=2**40),
    ]
    v, _ = put(store, "data", "d0", files=entries)
    got = store.artifact_files(v.id)
    assert [f.path for f in got] == sorted(f.path for f in entries)  # code-point order on every backend
    assert set(got) == set(entries)
    assert (v.size, v.file_count) == (5 + 7 + 5 + 0 + 2**40, 6)
    assert store.artifact_files("missing") == []
    empty, _ = put(store, "empty", "d-empty", files=[])
    assert (empty.size, empty.file_count, store.artifact_files(empty.id)) == (0, 0, [])


def test_list_artifacts_filters(store: Store) -> None:
    d0, _ = put(store, "data", "d0")
    m0, _ = put(store, "model", "m0", type="model")
    d1, _ = put(store, "data", "d1")
    a0, _ = put(store, "Alpha", "a0")
    assert [(v.name, v.version) for v in store.list_artifacts()] == [
        ("Alpha", 0), ("data", 0), ("data", 1), ("model", 0)]
    assert [v.id for v in store.list_artifacts(type="model")] == [m0.id]
    assert [v.id for v in store.list_artifacts(name="data", type="dataset")] == [d0.id, d1.id]
    assert store.list_artifacts(name="data", type="model") == []
    assert [v.id for v in store.list_artifacts(ids=[d1.id, a0.id, "nope", d1.id])] == [a0.id, d1.id]
    assert store.list_artifacts(ids=[]) == []


def test_lineage_edges(store: Store) -> None:
    store.create_run(record("producer"))
    store.create_run(record("consumer"))
    v0, _ = put(store, "data", "d0", run_id="producer", at=10.0)
    again, _ = put(store, "data", "d0", run_id="producer", at=11.0)  # recorded once
    store.use_artifact("consumer", v0.id, used_at=20.0)
    store.use_artifact("consumer", v0.id, used_at=30.0)  # idempotent
    assert v0.run_id == "producer" and again.run_id == "producer"
    expected = [ArtifactEdge("producer", v0.id, "output", 10.0), ArtifactEdge("consumer", v0.id, "input", 20.0)]
    assert store.artifact_edges(artifact_ids=[v0.id]) == expected
    assert store.artifact_edges(run_ids=["consumer"]) == expected[1:]
    assert store.artifact_edges(artifact_ids=[v0.id], run_ids=["producer", "consumer"]) == expected
    assert store.artifact_edges() == []
    with pytest.raises(KeyError, match="nope"):
        store.use_artifact("consumer", "nope", used_at=1.0)
    # a second run logging identical content is a producer too; the version keeps its first producer
    store.create_run(record("again"))
    third, created = put(store, "data", "d0", run_id="again", at=40.0)
    assert created is False and third.run_id == "producer"
    assert [e.run_id for e in store.artifact_edges(artifact_ids=[v0.id]) if e.direction == "output"] == [
        "producer", "again"]


def test_concurrent_writers_get_distinct_consecutive_versions(store: Store, open_new: Callable[[], Store]) -> None:
    stores = [store] + [open_new() for _ in range(3)]
    errors: list[BaseException] = []
    created: list[tuple[int, bool]] = []
    lock = threading.Lock()

    def writer(st: Store, k: int) -> None:
        try:
            for i in range(5):
                rec, new = put(st, "shared", f"digest-{k}-{i}")
                same, again = put(st, "shared", "one-digest-for-all")
                with lock:
                    created.append((rec.version, new))
                    created.append((same.version, again))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(st, k)) for k, st in enumerate(stores)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    versions = store.list_artifacts(name="shared")
    assert [v.version for v in versions] == list(range(21))  # 20 distinct digests + the shared one, no gaps
    assert sum(new for _, new in created) == 21
    assert len({v.digest for v in versions}) == 21
    assert [v.version for v in versions if "latest" in v.aliases].__len__() == 1


def test_migrating_a_store_from_before_artifacts(store: Store, open_new: Callable[[], Store],
                                                backend_url: str) -> None:
    """A store written before the artifact migration upgrades in place and keeps its runs."""
    mine = next(i for i, m in enumerate(MIGRATIONS) if any("artifact_versions" in sql for sql in m))
    store.create_run(record("old"))
    later = [re.match(r"\s*CREATE TABLE (\w+)", sql) for m in MIGRATIONS[mine:] for sql in m]
    for match in reversed([m for m in later if m]):
        raw_sql(backend_url, f"DROP TABLE {match.group(1)}")
    raw_sql(backend_url, "UPDATE nbtrack_meta SET value = ? WHERE key = ?", (str(mine), "schema_version"))
    upgraded = open_new()
    assert upgraded.get_run("old") is not None
    v, _ = put(upgraded, "data", "d0", run_id="old")
    assert upgraded.get_artifact("data", "latest") == v
    assert raw_sql(backend_url, "SELECT value FROM nbtrack_meta WHERE key = ?", ("schema_version",)) == [
        (str(SCHEMA_VERSION),)]
