"""`nbtrack.Object3D`: a point cloud (or a small OBJ mesh) logged as JSON (W&B's `wandb.Object3D`).

Points are (N, 3) xyz, (N, 4) xyz + category, or (N, 6) xyz + rgb; W&B's scene dict
(`{"type": "lidar/beta", "points": ..., "boxes": [...]}`) keeps its boxes; an `.obj` file
or glTF `.gltf`/`.glb` file (path or open file) keeps its vertices and triangular faces. Stored as a content-addressed
`.points.json` file tagged `{"_type": "object3d-file"}`; drawn as a plotly 3-D scatter
(boxes as wireframes, faces as a mesh); static form: a top-down PNG projection.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ._gltf import read_gltf
from ._media import _expect, _get, _put, _root_of

__all__ = ["Object3D", "box3d"]

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


def _parse_obj(text: str) -> tuple[list[list[float]], list[list[int]]]:
    """Vertices and (fan-triangulated, 0-based) faces of a Wavefront OBJ text."""
    vertices, faces = [], []
    for line in text.splitlines():
        parts = line.split()
        if parts[:1] == ["v"] and len(parts) >= 4:
            vertices.append([float(x) for x in parts[1:4]])
        elif parts[:1] == ["f"] and len(parts) >= 4:
            idx = [int(p.split("/")[0]) for p in parts[1:]]
            idx = [i - 1 if i > 0 else len(vertices) + i for i in idx]
            faces += [[idx[0], idx[k], idx[k + 1]] for k in range(1, len(idx) - 1)]
    if not vertices:
        raise ValueError("nbtrack.Object3D: the OBJ file has no vertices")
    return vertices, faces


def _boxes(boxes: Any) -> list[dict[str, Any]]:
    out = []
    for box in list(boxes):
        corners = [[float(x) for x in c] for c in box["corners"]]
        if len(corners) != 8:
            raise ValueError("nbtrack.Object3D: a box needs 8 corners")
        out.append({"corners": corners, "label": str(box.get("label") or ""),
                    "color": [int(c) for c in box.get("color", (255, 0, 0))][:3]})
        if box.get("score") is not None:
            out[-1]["score"] = float(box["score"])
    return out


def _rotation(q: Any) -> Any:
    """The rotation matrix of the quaternion r + xi + yj + zk (any non-zero scale)."""
    import numpy as np

    r, x, y, z = np.asarray(q, dtype=np.float64) / np.linalg.norm(q)
    return np.array([[1 - 2 * (y * y + z * z), 2 * (x * y - z * r), 2 * (x * z + y * r)],
                     [2 * (x * y + z * r), 1 - 2 * (x * x + z * z), 2 * (y * z - x * r)],
                     [2 * (x * z - y * r), 2 * (y * z + x * r), 1 - 2 * (x * x + y * y)]])


def box3d(*, center: Any, size: Any, orientation: Any, color: Any, label: str | None = None,
          score: float | None = None) -> dict[str, Any]:
    """W&B's `wandb.box3d`: a 3-D box from its center, size, orientation quaternion [r, x, y, z] and
    (r, g, b) colour in 0..1, as the 8-corner box `Object3D.from_point_cloud` takes."""
    import itertools

    import numpy as np

    center, size, q = (np.asarray(v, dtype=np.float64) for v in (center, size, orientation))
    if center.shape != (3,) or size.shape != (3,) or q.shape != (4,) or not np.linalg.norm(q):
        raise ValueError("nbtrack.box3d: center and size need 3 numbers, orientation a non-zero quaternion of 4")
    if len(color) != 3 or not all(0 <= c <= 1 for c in color):
        raise ValueError(f"nbtrack.box3d: color is (r, g, b) with each in 0..1, got {color!r}")
    unit = np.array(list(itertools.product((-1, 1), (-1, 1), (-1, 1))), dtype=np.float64)
    corners = center + (0.5 * size * unit) @ _rotation(q)
    return {"corners": corners.tolist(), "color": [round(255 * c) for c in color], "label": label, "score": score}


class Object3D:
    """A point cloud from a numpy array, W&B's `lidar/beta` scene dict, a `.pts.json` or an `.obj` file."""

    def __init__(self, data_or_path: Any, caption: str | None = None, **kwargs: Any) -> None:
        self.faces: list[list[int]] = []
        self.boxes: list[dict[str, Any]] = []
        if hasattr(data_or_path, "read"):
            name = str(getattr(data_or_path, "name", ""))
            kind = kwargs.get("file_type") or Path(name).suffix.lower().lstrip(".")
            if kind not in ("obj", "gltf", "glb"):
                raise ValueError(f"nbtrack.Object3D: {name or 'a file object'}: supported files are .obj, .gltf "
                                 "and .glb (give file_type= for a file object without a name)")
            content = data_or_path.read()
            if kind == "obj":
                data_or_path, self.faces = _parse_obj(content if isinstance(content, str) else content.decode())
            else:
                data = content.encode("utf-8", "surrogateescape") if isinstance(content, str) else content
                data_or_path, self.faces = read_gltf(data, Path(name).parent if name else None)
        elif isinstance(data_or_path, (str, os.PathLike)):
            path = Path(data_or_path)
            if path.suffix.lower() == ".obj":
                data_or_path, self.faces = _parse_obj(path.read_text())
            elif path.suffix.lower() in (".gltf", ".glb"):
                data_or_path, self.faces = read_gltf(path.read_bytes(), path.parent)
            elif path.name.endswith(".pts.json"):
                data_or_path = json.loads(path.read_text())
            else:
                raise ValueError(f"nbtrack.Object3D: {path.name}: supported are point clouds (a numpy array, a "
                                 ".pts.json file) and .obj, .gltf and .glb meshes; .stl and .babylon are not")
        elif isinstance(data_or_path, Mapping):
            if data_or_path.get("type") != "lidar/beta":
                raise ValueError("nbtrack.Object3D: a scene dict needs type='lidar/beta' (W&B's point-cloud scene)")
            self.boxes = _boxes(data_or_path.get("boxes", []))
            data_or_path = data_or_path["points"]
        self.points = _points(data_or_path)
        if any(i < 0 or i >= len(self.points) for f in self.faces for i in f):
            raise ValueError("nbtrack.Object3D: an OBJ face refers to a missing vertex")
        self.caption = None if caption is None else str(caption)

    @classmethod
    def from_numpy(cls, data: Any) -> Object3D:
        """W&B's `Object3D.from_numpy`."""
        return cls(data)

    @classmethod
    def from_point_cloud(cls, points: Any, boxes: Any = (), vectors: Any = None,
                         point_cloud_type: str = "lidar/beta") -> Object3D:
        """W&B's `Object3D.from_point_cloud`: points with labelled 3-D boxes (`nbtrack.box3d`)."""
        if vectors:
            import warnings

            from .errors import NbtrackWarning

            warnings.warn("nbtrack.Object3D.from_point_cloud: vectors are not kept (points and boxes are)",
                          NbtrackWarning, stacklevel=2)
        if point_cloud_type != "lidar/beta":
            raise ValueError(f"nbtrack.Object3D: point_cloud_type {point_cloud_type!r} is not 'lidar/beta'")
        return cls({"type": "lidar/beta", "points": points, "boxes": list(boxes)})

    def _nbtrack_json(self, run: Any, key: str) -> dict[str, Any]:
        payload = json.dumps({"points": self.points.tolist(), "faces": self.faces, "boxes": self.boxes},
                             separators=(",", ":")).encode()
        out = {"_type": "object3d-file", **_put(_root_of(run), "object3d", payload, ".points.json"),
               "npoints": len(self.points), "columns": int(self.points.shape[1]), "nfaces": len(self.faces),
               "nboxes": len(self.boxes)}
        if self.caption is not None:
            out["caption"] = self.caption
        return out

    @classmethod
    def from_json(cls, value: Mapping[str, Any], *, store: Any = None) -> Object3D:
        """The point cloud a stored `object3d-file` value refers to."""
        _expect(value, "object3d-file")
        stored = json.loads(_get(_root_of(None, store), value))
        obj = cls(stored["points"], caption=value.get("caption"))
        obj.faces, obj.boxes = stored.get("faces", []), _boxes(stored.get("boxes", []))
        return obj

    def __repr__(self) -> str:
        return f"<nbtrack.Object3D {len(self.points)} points x {self.points.shape[1]}>"
