"""Writing a logged version's files to disk: stored blobs and `file://` references, each verified."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from ..errors import ArtifactError
from ..store import Store
from ..store._records import ArtifactFileRecord
from ._blobs import BlobStore, blob_dir, copy_verified, hash_file
from ._names import check_member
from ._paths import safe_destination
from ._references import local_target

__all__ = ["write_files"]


def write_files(store: Store, qualified_name: str, files: list[ArtifactFileRecord], dest_root: Path, *,
                allow_missing_references: bool = False) -> list[str]:
    """Write `files` of version `qualified_name` under `dest_root`; returns where each went.

    A file already there with the right content is left alone; references of schemes other
    than `file://` are not fetched (nbtrack reads no network).
    """
    dest_root.mkdir(parents=True, exist_ok=True)
    real_root = dest_root.resolve()
    name = qualified_name.split(":")[0]
    blobs = BlobStore(blob_dir(store))
    written = []
    for f in files:
        label = f"artifact {qualified_name}: file {f.path!r}"
        dest = safe_destination(real_root, check_member(name, f.path), label=label)
        written.append(os.fspath(dest_root / f.path))
        target = local_target(f.ref) if f.ref is not None else None
        if f.ref is not None and target is None:
            continue
        if (f.digest is not None and not dest.is_symlink() and dest.is_file() and dest.stat().st_size == f.size
                and hash_file(dest)[0] == f.digest):
            continue
        if target is None:
            blobs.materialize(f.digest or "", f.size or 0, dest, label=label)
        elif not target.is_file():
            if not allow_missing_references:
                raise ArtifactError(f"{label}: the referenced file {os.fspath(target)!r} is gone")
        elif f.digest is None:
            shutil.copyfile(target, dest)
        else:
            copy_verified(target, f.digest, f.size or 0, dest, label=label, where="at its reference")
    return written
