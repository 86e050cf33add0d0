"""Artifacts: versioned, content-addressed datasets and models with lineage, stored offline.

    art = nbtrack.Artifact("mnist", "dataset")
    art.add_dir("data/")
    run.log_artifact(art, aliases=["best"])          # v0, v1, ... ; `latest` moves
    data = run.use_artifact("mnist:latest")           # a lineage edge
    path = data.download()                            # verified copies
    graph = nbtrack.lineage("mnist:v0")               # runs and versions, both directions

File contents live in a blob directory (see `nbtrack.artifacts._blobs`: `NBTRACK_BLOBS`,
else beside a SQLite store, else `NBTRACK_DIR/blobs`); the store holds the manifests.
"""

from __future__ import annotations

from ..errors import ArtifactCorruptedError, ArtifactError, ArtifactNotFoundError
from ._api import artifact
from ._artifact import Artifact
from ._blobs import BLOBS_ENV, blob_dir
from ._lineage import Lineage, LineageEdge, LineageNode, lineage

__all__ = [
    "Artifact", "artifact", "lineage", "Lineage", "LineageNode", "LineageEdge", "ArtifactError",
    "ArtifactNotFoundError", "ArtifactCorruptedError", "BLOBS_ENV", "blob_dir",
]
