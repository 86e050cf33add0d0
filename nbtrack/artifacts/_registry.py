"""The model registry: named collections whose numbered versions link to artifact versions.

    run.link_model("model.pt", "fraud-detector", aliases=["staging"])  # logs a model, links it as v0
    nbtrack.Api().registry.set_alias("fraud-detector", "production", "v0")  # one version per alias
    path = run.use_model("fraud-detector:production")                   # a lineage edge, then the files

W&B's registry paths are accepted: `wandb-registry-model/NAME`, `ENTITY/model-registry/NAME`,
`model-registry/NAME`, each optionally with `:ALIAS` or `:vN`.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..errors import ArtifactError, ArtifactNotFoundError
from ..store import Store
from ..store._records import RegistryCollectionRecord, RegistryVersionRecord
from ._names import check_alias, check_name, no_such_version, ref_label

if TYPE_CHECKING:
    from ._artifact import Artifact

__all__ = ["Registry", "RegistryVersion", "is_registry_path", "collection_of", "link_artifact", "resolve_registry", "versions",
           "collections", "set_alias", "remove_alias", "fetch"]


def is_registry_path(ref: str) -> bool:
    """Whether `ref` names a registry collection in W&B's spelling (rather than an artifact)."""
    parts = ref.split(":", 1)[0].strip("/").split("/")
    return len(parts) >= 2 and (parts[-2] == "model-registry" or parts[-2].startswith("wandb-registry-"))


def collection_of(target_path: str) -> str:
    """The collection a W&B target path (`wandb-registry-model/NAME`, `ENTITY/model-registry/NAME`, `NAME`) names."""
    if not isinstance(target_path, str) or not target_path.strip("/"):
        raise ArtifactError(f"registry target must be a path like 'wandb-registry-model/NAME', not {target_path!r}")
    name = target_path.strip("/").split("/")[-1]
    if ":" in name:
        raise ArtifactError(f"registry target {target_path!r}: give the collection without ':alias' (use aliases=...)")
    return check_name(name)


def _aliases(collection: str, aliases: Sequence[str] | str | None) -> list[str]:
    given = [aliases] if isinstance(aliases, str) else list(aliases or ())
    return [a if a == "latest" else check_alias(collection, a) for a in given]


def link_artifact(art: Artifact, target_path: str, *, aliases: Sequence[str] | str | None,
                  run_id: str | None) -> Artifact:
    """Link a logged version into the collection `target_path` names (a draft is logged first)."""
    if art.is_draft():
        art.save()
    assert art._store is not None and art._record is not None
    collection = collection_of(target_path)
    try:
        linked, _ = art._store.link_registry(collection, art._record.id, aliases=_aliases(collection, aliases),
                                             run_id=run_id, created_at=time.time())
    except ValueError as exc:
        raise ArtifactError(str(exc)) from None
    return _linked_artifact(art._store, linked)


def _linked_artifact(store: Store, version: RegistryVersionRecord, label: str | None = None) -> Artifact:
    from ._artifact import Artifact

    [record] = store.list_artifacts(ids=[version.artifact_id])
    art = Artifact._from_record(store, record)
    art._link, art._label = (version.collection, version.version), label or f"v{version.version}"
    art._aliases = list(version.aliases)  # as W&B: a linked artifact's aliases are the collection's
    return art


def resolve_registry(store: Store, ref: str) -> RegistryVersionRecord:
    """The registry version `ref` (`[prefix/]NAME[:ALIAS|:vN]`, latest by default) names, or a clear error."""
    base = ref.strip("/").split("/")[-1]
    name, sep, alias = base.partition(":")
    check_name(name)
    alias = alias if sep else "latest"
    found = store.registry_version(name, alias)
    if found is not None:
        return found
    held = store.list_registry_versions(collection=name)
    if not held:
        raise ArtifactNotFoundError(f"there is no registry collection named {name!r} in {store.url}")
    raise no_such_version(f"registry collection {name!r}", alias, held)


def fetch(store: Store, ref: str) -> Artifact:
    """The artifact version a registry reference links to (remembering the link, for `unlink()`)."""
    return _linked_artifact(store, resolve_registry(store, ref), ref_label(ref))


@dataclass(frozen=True)
class RegistryVersion:
    """A collection version: `collection:vN`, its aliases, the artifact version it links, and who linked it."""

    collection: str
    version: int
    aliases: tuple[str, ...]
    artifact: str  # `name:vN` of the linked artifact version
    artifact_id: str
    linked_at: float
    linked_by: str | None  # the run that linked it
    logged_by: str | None  # the run that produced the artifact version

    @property
    def qualified_name(self) -> str:
        """`collection:vN`."""
        return f"{self.collection}:v{self.version}"


def versions(store: Store, collection: str | None = None) -> list[RegistryVersion]:
    """The versions of one collection (or all), with the artifact each links."""
    linked = store.list_registry_versions(collection=collection)
    if collection is not None and not linked and not any(c.name == collection for c in collections(store)):
        raise ArtifactNotFoundError(f"there is no registry collection named {collection!r} in {store.url}")
    arts = {a.id: a for a in store.list_artifacts(ids=[v.artifact_id for v in linked])} if linked else {}
    out = []
    for v in linked:
        a = arts.get(v.artifact_id)
        out.append(RegistryVersion(
            collection=v.collection, version=v.version, aliases=v.aliases,
            artifact=f"{a.name}:v{a.version}" if a else v.artifact_id, artifact_id=v.artifact_id,
            linked_at=v.created_at, linked_by=v.run_id, logged_by=a.run_id if a else None))
    return out


def collections(store: Store) -> list[RegistryCollectionRecord]:
    """Every registry collection (name, type, number of versions)."""
    return store.list_registry_collections()


def set_alias(store: Store, collection: str, alias: str, version: Any) -> RegistryVersion:
    """Point `alias` (e.g. `production`) at a version (`"v3"`, 3, or another alias), moving it off any other."""
    if alias != "latest":
        check_alias(collection, alias)
    target = resolve_registry(store, f"{collection}:{version if isinstance(version, str) else f'v{version}'}")
    store.set_registry_alias(collection, alias, target.version)
    return next(v for v in versions(store, collection) if v.version == target.version)


def remove_alias(store: Store, collection: str, alias: str) -> None:
    """Take `alias` off the collection, or a clear error when it holds no such alias."""
    if not store.remove_registry_alias(collection, alias):
        raise ArtifactNotFoundError(f"registry collection {collection!r} has no alias {alias!r}")


class Registry:
    """The registry of one store: what `Api().registry` and `nbtrack registry ...` work on."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def collections(self) -> list[RegistryCollectionRecord]:
        """Every collection (name, type, number of versions), by name."""
        return collections(self.store)

    def versions(self, collection: str | None = None) -> list[RegistryVersion]:
        """The versions of one collection (or all), each with its aliases and linked artifact version."""
        return versions(self.store, collection)

    def get(self, ref: str) -> Artifact:
        """The artifact version `"COLLECTION:ALIAS"` / `"COLLECTION:vN"` links to."""
        return fetch(self.store, ref)

    def link(self, artifact: Artifact | str, collection: str, aliases: Sequence[str] | str | None = None) -> Artifact:
        """Link a logged version (an Artifact or `"name:alias"`) into `collection`."""
        from ._api import fetch as fetch_artifact

        art = fetch_artifact(self.store, artifact) if isinstance(artifact, str) else artifact
        return link_artifact(art, collection, aliases=aliases, run_id=None)

    def set_alias(self, collection: str, alias: str, version: Any) -> RegistryVersion:
        """Point `alias` at a version (`"v3"`, 3, or another alias), moving it off any other version."""
        return set_alias(self.store, collection, alias, version)

    def remove_alias(self, collection: str, alias: str) -> None:
        """Take `alias` off the collection."""
        remove_alias(self.store, collection, alias)

    def unlink(self, collection: str, version: Any) -> None:
        """Remove a version from the collection (the artifact version stays)."""
        target = resolve_registry(self.store, f"{collection}:{version if isinstance(version, str) else f'v{version}'}")
        self.store.unlink_registry(collection, target.version)

    def __repr__(self) -> str:
        return f"<nbtrack registry of {self.store.url}: {len(self.collections())} collections>"
