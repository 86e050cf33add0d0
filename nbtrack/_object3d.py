"""`nbtrack.Object3D`: a point cloud logged as JSON points (W&B's `wandb.Object3D` for numpy clouds).

Points are (N, 3) xyz, (N, 4) xyz + category, or (N, 6) xyz + rgb; stored as a
content-addressed `.points.json` file tagged `{"_type": "object3d-file"}` and
drawn as a plotly 3-D scatter (static form: a top-down PNG projection).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ._media import _expect, _get, _put, _root_of

__all__ = ["Object3D"]

MAX_POINTS = 200_000


def _points(data: Any) -> Any:
    import numpy as np

    if type(data).__module__.split(".")[0] == "torch":
        data = data.detach().cpu().numpy()
    arr = np.asarray(data, dtype=np.float64)
    if arr.ndim != 2 or arr.shape[1] not in (3, 4, 6):
        raise ValueError(f"nbtrack.Object3D: expected points of shape (N, 3), (N, 4) or (N, 6), got {arr.shape}")
    if len(arr) > MAX_POINTS:
        raise ValueError(f"nbtrack.Object3D: at most {MAX_POINTS} points, got {len(arr)} (subsample the cloud)")
    if not np.isfinite(arr).all():
        raise ValueError("nbtrack.Object3D: points must be finite (found NaN or inf)")
    return arr


class Object3D:
    """A point cloud from a numpy array, or a `.pts.json` file of points."""

    def __init__(self, data_or_path: Any, caption: str | None = None, **kwargs: Any) -> None:
        if isinstance(data_or_path, (str, os.PathLike)):
            path = Path(data_or_path)
            if not path.name.endswith(".pts.json"):
                raise ValueError(f"nbtrack.Object3D: {path.name}: only point clouds are supported "
                                 "(a numpy array or a .pts.json file); meshes (.obj, .glb, .gltf, .stl) are not")
            data_or_path = json.loads(path.read_text())
        elif isinstance(data_or_path, Mapping):
            raise ValueError("nbtrack.Object3D: scene dicts (boxes, vectors) are not supported; give an (N, 3|4|6) "
                             "array of points")
        self.points = _points(data_or_path)
        self.caption = None if caption is None else str(caption)

    @classmethod
    def from_numpy(cls, data: Any) -> Object3D:
        """W&B's `Object3D.from_numpy`."""
        return cls(data)

    def _nbtrack_json(self, run: Any, key: str) -> dict[str, Any]:
        payload = json.dumps(self.points.tolist(), separators=(",", ":")).encode()
        out = {"_type": "object3d-file", **_put(_root_of(run), "object3d", payload, ".points.json"),
               "npoints": len(self.points), "columns": int(self.points.shape[1])}
        if self.caption is not None:
            out["caption"] = self.caption
        return out

    @classmethod
    def from_json(cls, value: Mapping[str, Any], *, store: Any = None) -> Object3D:
        """The point cloud a stored `object3d-file` value refers to."""
        _expect(value, "object3d-file")
        return cls(json.loads(_get(_root_of(None, store), value)), caption=value.get("caption"))

    def __repr__(self) -> str:
        return f"<nbtrack.Object3D {len(self.points)} points x {self.points.shape[1]}>"
