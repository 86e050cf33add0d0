"""Changing what is already logged: saving a version's edited labels, deleting a version (and the
blobs only it held), removing a registry link."""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING

from ..errors import ArtifactError
from ._blobs import BlobStore, blob_dir

if TYPE_CHECKING:
    from ._artifact import Artifact

__all__ = ["save", "delete", "unlink"]


def save(art: Artifact) -> None:
    """Log a draft (by the current run, else without a producer), or write a logged version's edits."""
    from .. import _current
    from ._api import default_store

    record = art._record
    if record is None:
        run = _current.get()
        if run is not None and not run.finished:
            run.log_artifact(art)
        else:
            art._commit(default_store(), aliases=["latest"], run_id=None, now=time.time())
        return
    assert art._store is not None
    changes: dict[str, object] = {}
    if art.description != record.description:
        changes["description"] = art.description
    try:
        metadata = json.loads(json.dumps(art.metadata))
    except (TypeError, ValueError) as exc:
        raise ArtifactError(f"artifact {art.qualified_name}: metadata must be JSON serialisable: {exc}") from exc
    if metadata != record.metadata:
        changes["metadata"] = metadata
    aliases = art._checked_aliases(art.aliases)  # applied as a change to what this object last saw, as W&B does
    if art._link is None:  # through the registry, the aliases are the link's (below)
        added = [a for a in aliases if a not in record.aliases]
        removed = [a for a in record.aliases if a not in aliases]
        if added or removed:
            changes.update(add_aliases=added, remove_aliases=removed)
    tags = art._checked_tags(art.tags)
    if sorted(tags) != sorted(record.tags):
        changes["tags"] = tags
    if changes:
        try:
            updated = art._store.update_artifact(record.id, **changes)
        except KeyError as exc:
            raise ArtifactError(f"artifact {art.qualified_name} is no longer in the store (deleted?)") from exc
        art._record, art._tags = updated, list(updated.tags)
        art._description, art._metadata = updated.description, dict(updated.metadata)
        if art._link is None:
            art._aliases = list(updated.aliases)
    if art._link is not None:
        _save_link_aliases(art, aliases)


def _save_link_aliases(art: Artifact, aliases: list[str]) -> None:
    """Move the registry aliases of the link `art` was fetched through to match `aliases` (`latest` stays put)."""
    assert art._link is not None and art._store is not None
    collection, version = art._link
    current = art._store.registry_version(collection, f"v{version}")
    if current is None:
        raise ArtifactError(f"{art.qualified_name} is no longer in the registry (unlinked?)")
    for alias in aliases:
        if alias != "latest" and alias not in current.aliases:
            art._store.set_registry_alias(collection, alias, version)
    for alias in current.aliases:
        if alias != "latest" and alias not in aliases:
            art._store.remove_registry_alias(collection, alias)
    saved = art._store.registry_version(collection, f"v{version}")
    art._aliases = list(saved.aliases) if saved is not None else []


def delete(art: Artifact, *, delete_aliases: bool) -> None:
    """Delete the version and collect its unshared blobs; through the registry, remove only the link."""
    if art._link is not None:
        unlink(art)
        return
    if art._record is None or art._store is None:
        raise ArtifactError(f"cannot delete artifact {art.name!r}: it is not logged")
    try:
        freed = art._store.delete_artifact(art._record.id, delete_aliases=delete_aliases)
    except KeyError as exc:
        raise ArtifactError(f"artifact {art.qualified_name} is no longer in the store") from exc
    except ValueError as exc:
        raise ArtifactError(str(exc)) from None
    BlobStore(blob_dir(art._store)).collect(art._store, freed)
    art._record, art._files, art._aliases, art._deleted = None, None, [], True


def unlink(art: Artifact) -> None:
    """Remove the registry link `art` was fetched through."""
    if art._link is None or art._store is None:
        raise ArtifactError(f"artifact {art.qualified_name} was not fetched through the registry: nothing to unlink")
    collection, version = art._link
    try:
        art._store.unlink_registry(collection, version)
    except KeyError as exc:
        raise ArtifactError(str(exc)) from None
    assert art._record is not None
    art._link, art._label = None, f"v{art._record.version}"  # now the version itself, as `source_artifact`
