"""Store contract for mutable artifact versions, their deletion, and the model registry (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from test_store_artifacts import entries, put

from nbtrack.store import Store

A = "a" * 64
B = "b" * 64
C = "c" * 64


def test_update_artifact_changes_labels_and_moves_aliases(store: Store) -> None:
    v0, _ = put(store, "data", "d0", aliases=("latest", "best"))
    v1, _ = put(store, "data", "d1")
    got = store.update_artifact(v0.id, description="edited", metadata={"rows": 5}, tags=["raw", "eu", "raw"])
    assert (got.description, got.metadata, got.tags) == ("edited", {"rows": 5}, ("eu", "raw"))
    assert store.get_artifact("data", "v0").tags == ("eu", "raw")  # type: ignore[union-attr]
    moved = store.update_artifact(v1.id, add_aliases=["best", "prod"])
    assert moved.aliases == ("latest", "best", "prod")
    assert store.get_artifact("data", "v0").aliases == ()  # type: ignore[union-attr]
    kept = store.update_artifact(v1.id, remove_aliases=["best", "latest"])  # `latest` only ever moves
    assert kept.aliases == ("latest", "prod")
    assert store.get_artifact("data", "best") is None
    with pytest.raises(KeyError, match="nope"):
        store.update_artifact("nope", description="x")


def test_delete_artifact_refuses_aliases_then_reports_last_references(store: Store) -> None:
    v0, _ = put(store, "data", "d0", files=entries("a.txt", digest=A) + entries("b.txt", digest=B))
    v1, _ = put(store, "data", "d1", aliases=("latest", "best"), files=entries("a.txt", digest=A)
                + entries("c.txt", digest=C))
    store.use_artifact("r1", v1.id, used_at=1.0)
    with pytest.raises(ValueError, match="best"):
        store.delete_artifact(v1.id)
    assert store.get_artifact("data", "v1") is not None  # refused: nothing changed
    gone = store.delete_artifact(v1.id, delete_aliases=True)
    assert gone == [C]  # A is still referenced by v0
    assert store.get_artifact("data", "v1") is None
    assert store.get_artifact("data", "latest").id == v0.id  # type: ignore[union-attr]
    assert store.artifact_files(v1.id) == []
    assert store.artifact_edges(artifact_ids=[v1.id]) == []
    assert store.unreferenced_digests([A, B, C]) == [C]
    assert sorted(store.delete_artifact(v0.id)) == [A, B]  # `latest` alone needs no delete_aliases
    assert store.list_artifacts(name="data") == []
    put(store, "data", "d2", type="model")  # the emptied name may take another type
    with pytest.raises(KeyError):
        store.delete_artifact(v0.id)


def test_registry_links_number_versions_and_aliases_move(store: Store) -> None:
    m0, _ = put(store, "clf", "d0", type="model")
    m1, _ = put(store, "clf", "d1", type="model")
    r0, new0 = store.link_registry("fraud", m0.id, aliases=["staging"], run_id="r1", created_at=10.0)
    r1, new1 = store.link_registry("fraud", m1.id, aliases=["production"], created_at=11.0)
    assert (new0, new1, r0.version, r1.version) == (True, True, 0, 1)
    assert r0.run_id == "r1" and r0.artifact_id == m0.id and r0.created_at == 10.0
    assert r1.aliases == ("latest", "production")
    again, created = store.link_registry("fraud", m0.id, aliases=["production"], created_at=12.0)
    assert (created, again.version) == (False, 0)
    assert again.aliases == ("production", "staging")  # production moved back; latest stays on v1
    assert store.registry_version("fraud", "production").artifact_id == m0.id  # type: ignore[union-attr]
    assert store.registry_version("fraud", "latest").version == 1  # type: ignore[union-attr]
    assert store.registry_version("fraud", "v7") is None
    store.set_registry_alias("fraud", "production", 1)
    assert store.registry_version("fraud", "production").version == 1  # type: ignore[union-attr]
    with pytest.raises(KeyError, match="v9"):
        store.set_registry_alias("fraud", "x", 9)
    assert store.remove_registry_alias("fraud", "staging") is True
    assert store.remove_registry_alias("fraud", "staging") is False
    [coll] = store.list_registry_collections()
    assert (coll.name, coll.type, coll.version_count) == ("fraud", "model", 2)
    assert [v.version for v in store.list_registry_versions(artifact_ids=[m1.id])] == [1]
    d, _ = put(store, "data", "d9")
    with pytest.raises(ValueError, match="type 'model'"):
        store.link_registry("fraud", d.id, created_at=1.0)
    with pytest.raises(ValueError, match=r"fraud:v1"):
        store.delete_artifact(m1.id, delete_aliases=True)
    store.unlink_registry("fraud", 1)
    assert store.registry_version("fraud", "latest").version == 0  # type: ignore[union-attr]
    assert store.registry_version("fraud", "production") is None
    assert store.delete_artifact(m1.id) == []  # unlinked: it can go now
