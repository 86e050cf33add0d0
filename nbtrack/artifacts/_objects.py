"""Media objects inside artifacts, as W&B's `artifact.add(table, "predictions")` / `artifact.get("predictions")`:
the object's stored JSON becomes the file `NAME.<kind>.json`; the media it refers to (images of a table)
live in the store's media directory, content-addressed, like logged media."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from ..errors import ArtifactError
from ._blobs import BlobStore, blob_dir
from ._names import check_member

if TYPE_CHECKING:
    from ._artifact import Artifact

__all__ = ["add_object", "get_object"]


def add_object(art: Artifact, obj: Any, name: str, *, overwrite: bool) -> str:
    """Store `obj` (an nbtrack media object) in the draft `art` as `name.<kind>.json`; returns that member."""
    from .. import _current

    to_json = getattr(obj, "_nbtrack_json", None)
    if to_json is None:
        raise ArtifactError(f"artifact {art.source_collection.name!r}: add() takes an nbtrack media object "
                            f"(Table, Image, Histogram, ...), not {obj.__class__.__name__}; use add_file for files")
    check_member(art.source_collection.name, name)
    value = to_json(_current.get(), name)
    member = f"{name}.{str(value['_type']).removesuffix('-file')}.json"
    with art.new_file(member, mode="w", overwrite=overwrite) as f:
        json.dump(value, f, separators=(",", ":"), allow_nan=True)
    return member


def get_object(art: Artifact, name: str) -> Any:
    """The media object `add(obj, name)` stored in the logged `art`, or None when it holds none of that name."""
    from .._media import load

    found = [f for f in art._manifest() if f.path.startswith(f"{name}.") and f.path.endswith(".json")
             and f.path.count(".") == name.count(".") + 2 and f.ref is None]
    if not found:
        return None
    assert art._store is not None
    blob = BlobStore(blob_dir(art._store)).path(found[0].digest or "")
    return load(json.loads(blob.read_text(encoding="utf-8")), store=art._store)
