"""Rich values for `run.log`: Table, Image, Histogram and Plotly (Audio, Video, Html, Object3D: their own modules).

Each turns itself into a JSON value tagged `{"_type": ...}` when logged (the
`_nbtrack_json` seam of `_values.py`). Images, tables and plotly figures are
written as content-addressed files (PNG, compact JSON) in the store's media
directory and referenced by relative path; histograms are stored inline as
bins. Nothing is pickled. `from_json` (or `load`) turns a stored value back
into an object. No plotly, PIL or matplotlib import happens at module level.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import struct
import tempfile
import threading
import zlib
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

__all__ = ["Table", "Image", "Histogram", "Plotly", "load", "media_root"]

MEDIA_DIRNAME = "media"
MAX_BINS = 512
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_REL_PATH = re.compile(r"^(images|tables|plotly|audio|video|html|object3d)/[0-9a-f]{2}/[0-9a-f]{64}"
                       r"\.(png|table\.json|plotly\.json|wav|flac|mp3|ogg|gif|mp4|webm|html|points\.json)$")
_memory_root: list[Path] = []
_memory_lock = threading.Lock()


# -- where media files live -------------------------------------------------------

def media_root(store: Any = None) -> Path:
    """The media directory of a store: beside the SQLite file, else under NBTRACK_DIR."""
    path = getattr(store, "path", None)
    if isinstance(path, Path):
        if str(path) != ":memory:":
            return path.parent / MEDIA_DIRNAME
        with _memory_lock:  # an in-memory store (mode="disabled") keeps its media in a temp dir
            if not _memory_root:
                _memory_root.append(Path(tempfile.mkdtemp(prefix="nbtrack-media-")))
            return _memory_root[0]
    return Path(os.environ.get("NBTRACK_DIR", ".nbtrack")).resolve() / MEDIA_DIRNAME


def _root_of(run: Any, store: Any = None) -> Path:
    if store is None and run is not None:
        store = run.store
    if store is None:
        from .store import open_store

        store = open_store()
    return media_root(store)


def _put(root: Path, kind: str, data: bytes, suffix: str) -> dict[str, Any]:
    """Write `data` once under its sha256 (atomic rename); return path, digest and size."""
    digest = hashlib.sha256(data).hexdigest()
    rel = f"{kind}/{digest[:2]}/{digest}{suffix}"
    dest = root / rel
    if not dest.exists():
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = dest.with_name(f".{digest}.{os.getpid()}.{threading.get_ident()}.tmp")
        tmp.write_bytes(data)
        os.replace(tmp, dest)
    return {"path": rel, "sha256": digest, "size": len(data)}


def _get(root: Path, value: Mapping[str, Any]) -> bytes:
    """Read a media file named by a stored value, refusing paths outside the media dir and bad digests."""
    rel = str(value.get("path", ""))
    if not _REL_PATH.match(rel):
        raise ValueError(f"nbtrack media: refusing media path {rel!r} (not a content-addressed media file)")
    data = (root / rel).read_bytes()
    if hashlib.sha256(data).hexdigest() != value.get("sha256", rel.rsplit("/", 1)[-1].split(".")[0]):
        raise ValueError(f"nbtrack media: {root / rel} does not match its sha256 (corrupted?)")
    return data


# -- PNG without Pillow -------------------------------------------------------------

def _png_chunk(tag: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)


def encode_png(pixels: Any) -> bytes:
    """Encode a uint8 array (HxW, HxWx2, HxWx3 or HxWx4) as PNG with zlib only."""
    import numpy as np

    arr = np.ascontiguousarray(pixels, dtype=np.uint8)
    h, w = arr.shape[:2]
    channels = 1 if arr.ndim == 2 else arr.shape[2]
    color = {1: 0, 2: 4, 3: 2, 4: 6}[channels]
    raw = np.concatenate([np.zeros((h, 1), np.uint8), arr.reshape(h, w * channels)], axis=1)
    header = struct.pack(">IIBBBBB", w, h, 8, color, 0, 0, 0)
    return (_PNG_SIGNATURE + _png_chunk(b"IHDR", header) + _png_chunk(b"IDAT", zlib.compress(raw.tobytes(), 6))
            + _png_chunk(b"IEND", b""))


def png_size(data: bytes) -> tuple[int, int]:
    """(width, height) from a PNG's header."""
    if data[:8] != _PNG_SIGNATURE or data[12:16] != b"IHDR":
        raise ValueError("not a PNG file")
    width, height = struct.unpack(">II", data[16:24])
    return int(width), int(height)


def _array_pixels(x: Any) -> Any:
    """A numpy/torch image (HxW, HxWxC, CxHxW; float 0-1 or 0-255 ints) as uint8 HxW[xC]."""
    import numpy as np

    if type(x).__module__.split(".")[0] == "torch":
        x = x.detach().cpu().numpy()
    arr = np.asarray(x)
    if arr.ndim == 3 and arr.shape[0] in (1, 3, 4) and arr.shape[2] not in (1, 3, 4):
        arr = np.transpose(arr, (1, 2, 0))  # CHW -> HWC
    if arr.ndim == 3 and arr.shape[2] == 1:
        arr = arr[:, :, 0]
    if arr.ndim not in (2, 3) or (arr.ndim == 3 and arr.shape[2] not in (3, 4)) or 0 in arr.shape:
        raise ValueError(f"nbtrack.Image: expected an HxW, HxWx3 or HxWx4 array, got shape {arr.shape}")
    if arr.dtype == bool:
        return arr.astype(np.uint8) * 255
    if arr.dtype.kind == "f":
        arr = np.nan_to_num(arr.astype(np.float64), nan=0.0, posinf=255.0, neginf=0.0)
        if arr.size and arr.max() <= 1.0:
            arr = arr * 255.0
        return np.clip(np.rint(arr), 0, 255).astype(np.uint8)
    if arr.dtype.kind in "iu":
        return np.clip(arr, 0, 255).astype(np.uint8)
    raise TypeError(f"nbtrack.Image: unsupported array dtype {arr.dtype}")


def _to_png(x: Any) -> bytes:
    module = type(x).__module__
    if isinstance(x, (str, os.PathLike)):
        data = Path(x).read_bytes()
        if data[:8] == _PNG_SIGNATURE:
            return data
        x = _pil().open(io.BytesIO(data))
        module = "PIL."
    if module.startswith("PIL."):
        buf = io.BytesIO()
        x.save(buf, format="PNG")
        return buf.getvalue()
    if getattr(x, "__name__", None) == "matplotlib.pyplot":
        x = x.gcf()
    if module.startswith("matplotlib") and hasattr(x, "savefig"):
        buf = io.BytesIO()
        x.savefig(buf, format="png")
        return buf.getvalue()
    if hasattr(x, "__array__") or hasattr(x, "shape") or isinstance(x, (list, tuple)):
        return encode_png(_array_pixels(x))
    raise TypeError(f"nbtrack.Image: cannot make an image from {type(x).__name__} "
                    "(give a numpy array, a PIL image, a matplotlib figure or a path)")


def _pil() -> Any:
    try:
        from PIL import Image as PILImage
    except ImportError as exc:
        raise ImportError("this needs Pillow: pip install pillow") from exc
    return PILImage


# -- value types --------------------------------------------------------------------

_IMAGE_FILE_TYPES = ("png", "jpg", "jpeg", "bmp", "gif")


class Image:
    """An image logged as a PNG file: from a numpy array, a PIL image, a matplotlib figure or a path.

    W&B's overlays are kept with it (see _overlays.py): `boxes`, `masks` and the `classes` naming
    them. `file_type` takes W&B's values; the image is stored as lossless PNG whatever it says
    (every view and export reads PNG).
    """

    def __init__(self, data_or_path: Any, caption: str | None = None, *, mode: str | None = None,
                 classes: Any = None, boxes: Mapping[str, Any] | None = None, masks: Mapping[str, Any] | None = None,
                 file_type: str | None = None) -> None:
        from ._overlays import check_boxes, check_masks, class_set

        if file_type is not None and file_type.lower() not in _IMAGE_FILE_TYPES:
            raise ValueError(f"nbtrack.Image: file_type {file_type!r} is not one of {', '.join(_IMAGE_FILE_TYPES)}")
        if isinstance(data_or_path, Image):
            self._png = data_or_path.png_bytes()
        else:
            if mode is not None and type(data_or_path).__module__.startswith("PIL."):
                data_or_path = data_or_path.convert(mode)
            self._png = _to_png(data_or_path)
        self.caption = None if caption is None else str(caption)
        self.width, self.height = png_size(self._png)
        self.path: Path | None = None
        self.classes = class_set(classes)
        self.boxes = check_boxes(boxes) if boxes is not None else {}
        self._masks = check_masks(masks) if masks is not None else {}
        self.masks: dict[str, dict[str, Any]] = {}  # stored mask refs (after logging, or when read back)
        self._root: Path | None = None
        self._drawn: bytes | None = None  # the image with its overlays drawn (what the views show)
        if self.boxes or self._masks:
            self._drawn = self._draw(data_or_path)

    def _draw(self, source: Any) -> bytes | None:
        """The PNG with masks and boxes drawn on it (None when the pixels need Pillow and it is missing)."""
        from ._overlays import draw_overlays

        module = type(source).__module__
        if not isinstance(source, (str, os.PathLike, Image)) and not module.startswith(("PIL.", "matplotlib")) and (
                hasattr(source, "__array__") or hasattr(source, "shape") or isinstance(source, (list, tuple))):
            pixels = _array_pixels(source)
        else:
            try:
                pixels = self.to_numpy()
            except ImportError:
                return None
        return encode_png(draw_overlays(pixels, self.boxes, self._masks))

    def display_png(self) -> bytes:
        """What the views show: the image with its boxes and masks drawn, else the image."""
        return self._drawn or self._png

    def png_bytes(self) -> bytes:
        """The encoded PNG."""
        return self._png

    def to_pil(self) -> Any:
        """The image as a PIL image (needs Pillow)."""
        image = _pil().open(io.BytesIO(self._png))
        image.load()
        return image

    def to_numpy(self) -> Any:
        """The pixels as a uint8 numpy array (needs Pillow)."""
        import numpy as np

        return np.asarray(self.to_pil())

    def _nbtrack_json(self, run: Any, key: str) -> dict[str, Any]:
        root = self._root = _root_of(run)
        ref = _put(root, "images", self._png, ".png")
        self.path = root / ref["path"]
        out = {"_type": "image-file", **ref, "format": "png", "width": self.width, "height": self.height}
        if self.caption is not None:
            out["caption"] = self.caption
        if self._masks:
            self.masks = {group: {**_put(root, "images", encode_png(data), ".png"), "class_labels": labels}
                          for group, (data, labels) in self._masks.items()}
        overlays = {"boxes": self.boxes, "masks": self.masks, "classes": self.classes}
        out.update({k: v for k, v in overlays.items() if v})
        if self._drawn:
            out["drawn"] = _put(root, "images", self._drawn, ".png")
        return out

    def mask_data(self, group: str) -> Any:
        """A logged mask's class ids as an HxW uint8 array (needs Pillow)."""
        import numpy as np

        if group not in self.masks:
            raise KeyError(f"nbtrack.Image: no mask {group!r} (have {sorted(self.masks)})")
        data = _get(self._root or _root_of(None), self.masks[group])
        return np.asarray(_pil().open(io.BytesIO(data)))

    @classmethod
    def from_json(cls, value: Mapping[str, Any], *, store: Any = None) -> Image:
        """The image a stored `image-file` value refers to."""
        _expect(value, "image-file")
        root = _root_of(None, store)
        image = cls.__new__(cls)
        image._png = _get(root, value)
        image.caption = value.get("caption")
        image.width, image.height = png_size(image._png)
        image.path = root / str(value["path"])
        image.classes, image.boxes, image._masks = value.get("classes"), dict(value.get("boxes", {})), {}
        image.masks, image._root = dict(value.get("masks", {})), root
        image._drawn = _get(root, value["drawn"]) if isinstance(value.get("drawn"), Mapping) else None
        return image

    def _repr_png_(self) -> bytes:
        return self.display_png()

    def __repr__(self) -> str:
        caption = f" {self.caption!r}" if self.caption else ""
        return f"<nbtrack.Image {self.width}x{self.height}{caption}>"


_TABLE_LOG_MODES = ("IMMUTABLE", "MUTABLE", "INCREMENTAL")


class Table:
    """Rows and columns (cells may hold Images), logged as a JSON file; W&B's `Table`."""

    def __init__(self, columns: Sequence[str] | None = None, data: Sequence[Sequence[Any]] | None = None, *,
                 rows: Sequence[Sequence[Any]] | None = None, dataframe: Any = None,
                 log_mode: str = "IMMUTABLE") -> None:
        if log_mode not in _TABLE_LOG_MODES:
            raise ValueError(f"nbtrack.Table: log_mode {log_mode!r} is not one of {', '.join(_TABLE_LOG_MODES)}")
        self.log_mode = log_mode  # W&B's modes; every log here stores the whole table as it is then
        if dataframe is not None:
            columns = [str(c) for c in dataframe.columns] if columns is None else columns
            data = dataframe.itertuples(index=False, name=None)
        data = rows if data is None else data
        data = [list(r) for r in data] if data is not None else []
        if columns is None:
            columns = [str(i) for i in range(len(data[0]))] if data else ["Input", "Output", "Expected"]
        self.columns: list[str] = [str(c) for c in columns]
        if len(set(self.columns)) != len(self.columns):
            raise ValueError(f"nbtrack.Table: duplicate column names in {self.columns}")
        self.data: list[list[Any]] = []
        for row in data:
            self.add_data(*row)

    def add_data(self, *row: Any) -> None:
        """Append one row (one value per column)."""
        if len(row) != len(self.columns):
            raise ValueError(f"nbtrack.Table: a row needs {len(self.columns)} values ({self.columns}), got {len(row)}")
        self.data.append(list(row))

    def add_column(self, name: str, data: Sequence[Any]) -> None:
        """Append a column; `data` has one value per existing row."""
        if name in self.columns:
            raise ValueError(f"nbtrack.Table: column {name!r} exists")
        if len(data) != len(self.data):
            raise ValueError(f"nbtrack.Table: column {name!r} needs {len(self.data)} values, got {len(data)}")
        self.columns.append(str(name))
        for row, value in zip(self.data, data):
            row.append(value)

    def add_computed_columns(self, fn: Callable[[int, dict[str, Any]], Mapping[str, Any]]) -> None:
        """W&B's: append the columns `fn(index, row_as_dict)` returns for every row (the same names each row)."""
        computed = [dict(fn(i, dict(zip(self.columns, row)))) for i, row in enumerate(self.data)]
        names = list(computed[0]) if computed else []
        if any(list(c) != names for c in computed):
            raise ValueError("nbtrack.Table.add_computed_columns: fn must return the same column names for every row")
        for name in names:
            self.add_column(name, [c[name] for c in computed])

    def get_index(self) -> list[int]:
        """W&B's row index: 0..len-1, for reading rows of a table another table refers to."""
        return list(range(len(self.data)))

    def get_column(self, name: str) -> list[Any]:
        """The values of one column."""
        i = self.columns.index(name)
        return [row[i] for row in self.data]

    def get_dataframe(self) -> Any:
        """The table as a pandas DataFrame (image cells stay Image objects)."""
        import pandas as pd

        return pd.DataFrame(self.data, columns=self.columns)

    def _nbtrack_json(self, run: Any, key: str) -> dict[str, Any]:
        cells = [[_cell_json(v, run, key, self.columns[i]) for i, v in enumerate(row)] for row in self.data]
        payload = json.dumps({"columns": self.columns, "data": cells}, separators=(",", ":"), allow_nan=True)
        ref = _put(_root_of(run), "tables", payload.encode(), ".table.json")
        return {"_type": "table-file", **ref, "ncols": len(self.columns), "nrows": len(self.data)}

    @classmethod
    def from_json(cls, value: Mapping[str, Any], *, store: Any = None) -> Table:
        """The table a stored `table-file` value refers to (image cells become Images)."""
        _expect(value, "table-file")
        stored = json.loads(_get(_root_of(None, store), value))
        table = cls(columns=stored["columns"])
        table.data = [[load(v, store=store) for v in row] for row in stored["data"]]
        return table

    def __len__(self) -> int:
        return len(self.data)

    def __repr__(self) -> str:
        return f"<nbtrack.Table {len(self.data)} rows x {len(self.columns)} columns {self.columns}>"


def _cell_json(value: Any, run: Any, key: str, column: str) -> Any:
    """A table cell as JSON: scalars as they are, rich values as their stored refs."""
    if value is None or type(value) in (str, int, float, bool):
        return value
    to_json = getattr(value, "_nbtrack_json", None)
    if to_json is not None:
        return to_json(run, key)
    from ._values import scalar_or_none

    item = scalar_or_none(value)
    if item is not None:
        return item
    if isinstance(value, (str, int, float)):
        return value if isinstance(value, str) else float(value)
    if isinstance(value, Mapping):
        return {str(k): _cell_json(v, run, key, column) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_cell_json(v, run, key, column) for v in value]
    raise TypeError(f"nbtrack.Table: unsupported value in column {column!r}: {type(value).__name__}")


class Histogram:
    """A distribution logged as bins: from values (binned with numpy) or `np_histogram=(counts, edges)`."""

    def __init__(self, sequence: Any = None, np_histogram: tuple[Any, Any] | None = None, num_bins: int = 64) -> None:
        import numpy as np

        if not 1 <= int(num_bins) <= MAX_BINS:
            raise ValueError(f"nbtrack.Histogram: num_bins must be between 1 and {MAX_BINS}, not {num_bins}")
        if np_histogram is not None:
            counts, bins = (np.asarray(a) for a in np_histogram)
            if counts.ndim != 1 or bins.shape != (len(counts) + 1,):
                raise ValueError("nbtrack.Histogram: np_histogram needs len(edges) == len(counts) + 1")
        elif sequence is not None:
            if type(sequence).__module__.split(".")[0] == "torch":
                sequence = sequence.detach().cpu().numpy()
            values = np.asarray(sequence, dtype=np.float64).ravel()
            counts, bins = np.histogram(values[np.isfinite(values)], bins=int(num_bins))
        else:
            raise ValueError("nbtrack.Histogram: give a sequence of values or np_histogram=(counts, edges)")
        if len(counts) > MAX_BINS:
            raise ValueError(f"nbtrack.Histogram: at most {MAX_BINS} bins, got {len(counts)}")
        self.histogram: list[float] = [c.item() for c in counts]
        self.bins: list[float] = [float(b) for b in bins]

    def _nbtrack_json(self, run: Any, key: str) -> dict[str, Any]:
        return {"_type": "histogram", "values": list(self.histogram), "bins": list(self.bins)}

    @classmethod
    def from_json(cls, value: Mapping[str, Any], *, store: Any = None) -> Histogram:
        """The histogram of a stored `histogram` value."""
        _expect(value, "histogram")
        return cls(np_histogram=(value["values"], value["bins"]))

    def __repr__(self) -> str:
        return f"<nbtrack.Histogram {len(self.histogram)} bins [{self.bins[0]:.4g}, {self.bins[-1]:.4g}]>"


class Plotly:
    """A plotly figure (or its dict) logged as a compact JSON file."""

    def __init__(self, figure: Any) -> None:
        if hasattr(figure, "to_json"):
            text = figure.to_json()
        elif isinstance(figure, Mapping):
            text = json.dumps(figure, default=_json_default)
        else:
            raise TypeError(f"nbtrack.Plotly: expected a plotly figure or its dict, not {type(figure).__name__} "
                            "(log a matplotlib figure directly, or as nbtrack.Image)")
        self._dict: dict[str, Any] = json.loads(text)
        if not isinstance(self._dict, dict):
            raise TypeError("nbtrack.Plotly: a figure serialises to a JSON object")

    def to_dict(self) -> dict[str, Any]:
        """The figure as plotly's JSON dict."""
        return self._dict

    def to_figure(self) -> Any:
        """The figure as a `plotly.graph_objects.Figure` (imports plotly)."""
        import plotly.graph_objects as go

        return go.Figure(self._dict)

    def _nbtrack_json(self, run: Any, key: str) -> dict[str, Any]:
        payload = json.dumps(self._dict, separators=(",", ":"), allow_nan=True).encode()
        return {"_type": "plotly-file", **_put(_root_of(run), "plotly", payload, ".plotly.json")}

    @classmethod
    def from_json(cls, value: Mapping[str, Any], *, store: Any = None) -> Plotly:
        """The figure a stored `plotly-file` value refers to."""
        _expect(value, "plotly-file")
        return cls(json.loads(_get(_root_of(None, store), value)))

    def __repr__(self) -> str:
        return f"<nbtrack.Plotly {len(self._dict.get('data', []))} traces>"


def _json_default(obj: Any) -> Any:
    if hasattr(obj, "tolist"):
        return obj.tolist()
    raise TypeError(f"nbtrack.Plotly: {type(obj).__name__} is not JSON serialisable")


def _expect(value: Any, kind: str) -> None:
    if not isinstance(value, Mapping) or value.get("_type") != kind:
        raise ValueError(f"expected a stored {kind!r} value, got {value!r:.80}")


_LOADERS: dict[str, Any] = {"image-file": Image, "table-file": Table, "histogram": Histogram, "plotly-file": Plotly}
# stored types whose classes live in their own modules (imported when a value of that type is read)
_LAZY_LOADERS: dict[str, tuple[str, str]] = {
    "audio-file": ("._audio", "Audio"), "video-file": ("._video", "Video"), "html-file": ("._html", "Html"),
    "object3d-file": ("._object3d", "Object3D"), "custom-chart": (".plot", "CustomChart"),
}


def load(value: Any, *, store: Any = None) -> Any:
    """A stored media value (from `nbtrack.history`) as its object; anything else unchanged."""
    kind = value.get("_type") if isinstance(value, Mapping) else None
    loader = _LOADERS.get(kind) if isinstance(kind, str) else None
    if loader is None and kind in _LAZY_LOADERS:
        import importlib

        module, name = _LAZY_LOADERS[kind]
        loader = getattr(importlib.import_module(module, __package__), name)
    return loader.from_json(value, store=store) if loader is not None else value
