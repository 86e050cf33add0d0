"""glTF 2.0 meshes (`.gltf`, `.glb`) as vertices and triangles, for `nbtrack.Object3D` (W&B logs these files).

Reads every mesh primitive's POSITION accessor and its triangle indices (mode 4, the default);
node transforms, materials and other primitive modes are not applied (points are still kept).
Buffers come from the GLB's binary chunk, base64 `data:` URIs, or files beside a `.gltf`
(relative names only: nothing outside that folder is read, nothing is fetched).
"""

from __future__ import annotations

import base64
import json
import struct
from pathlib import Path
from typing import Any

__all__ = ["read_gltf"]

_GLB_MAGIC, _JSON_CHUNK, _BIN_CHUNK = b"glTF", 0x4E4F534A, 0x004E4942
_COMPONENTS = {5120: "i1", 5121: "u1", 5122: "<i2", 5123: "<u2", 5125: "<u4", 5126: "<f4"}
_WIDTHS = {"SCALAR": 1, "VEC2": 2, "VEC3": 3, "VEC4": 4}


def _fail(what: str) -> ValueError:
    return ValueError(f"nbtrack.Object3D: not a readable glTF 2.0 file: {what}")


def _glb(data: bytes) -> tuple[dict[str, Any], bytes | None]:
    if len(data) < 20:
        raise _fail("the GLB file is truncated")
    _, version, _ = struct.unpack_from("<4sII", data)
    if version != 2:
        raise _fail(f"GLB version {version}, expected 2")
    doc, binary, at = None, None, 12
    while at + 8 <= len(data):
        length, kind = struct.unpack_from("<II", data, at)
        chunk = data[at + 8:at + 8 + length]
        if kind == _JSON_CHUNK:
            doc = json.loads(chunk)
        elif kind == _BIN_CHUNK and binary is None:
            binary = chunk
        at += 8 + length
    if not isinstance(doc, dict):
        raise _fail("the GLB file has no JSON chunk")
    return doc, binary


def _buffer(uri: str | None, binary: bytes | None, folder: Path | None) -> bytes:
    if uri is None:
        if binary is None:
            raise _fail("a buffer without a URI needs the GLB binary chunk")
        return binary
    if uri.startswith("data:"):
        return base64.b64decode(uri.split(",", 1)[1])
    rel = Path(uri)
    if folder is None or ":" in uri or rel.is_absolute() or ".." in rel.parts:
        raise _fail(f"buffer {uri!r} is not a file beside the .gltf (only relative names are read)")
    return (folder / rel).read_bytes()


def _accessor(doc: dict[str, Any], buffers: list[bytes], index: int) -> Any:
    import numpy as np

    acc = doc["accessors"][index]
    view = doc["bufferViews"][acc["bufferView"]]
    dtype = np.dtype(_COMPONENTS[acc["componentType"]])
    width = _WIDTHS[acc["type"]]
    stride = view.get("byteStride") or dtype.itemsize * width
    offset = view.get("byteOffset", 0) + acc.get("byteOffset", 0)
    return np.ndarray((acc["count"], width), dtype=dtype, buffer=buffers[view["buffer"]], offset=offset,
                      strides=(stride, dtype.itemsize)).copy()


def read_gltf(data: bytes, folder: Path | None = None) -> tuple[list[list[float]], list[list[int]]]:
    """Vertices and 0-based triangles of all meshes in a glTF/GLB file's bytes (`folder`: where its buffers lie)."""
    import numpy as np

    try:
        doc, binary = _glb(data) if data[:4] == _GLB_MAGIC else (json.loads(data), None)
        buffers = [_buffer(b.get("uri"), binary, folder) for b in doc.get("buffers", [])]
        vertices: list[list[float]] = []
        faces: list[list[int]] = []
        for mesh in doc.get("meshes", []):
            for prim in mesh.get("primitives", []):
                points = _accessor(doc, buffers, prim["attributes"]["POSITION"]).astype(np.float64)
                base = len(vertices)
                vertices += points[:, :3].tolist()
                if prim.get("mode", 4) == 4:
                    idx = (_accessor(doc, buffers, prim["indices"]).ravel() if "indices" in prim
                           else np.arange(len(points)))
                    faces += (idx[: len(idx) - len(idx) % 3].reshape(-1, 3).astype(np.int64) + base).tolist()
    except (KeyError, IndexError, TypeError, ValueError, struct.error, OSError) as exc:
        if str(exc).startswith("nbtrack.Object3D"):
            raise
        raise _fail(str(exc) or type(exc).__name__) from exc
    if not vertices:
        raise _fail("it has no mesh vertices")
    return vertices, faces
