"""`nbtrack.Video`: frames logged as an animated GIF, MP4 or WebM file (W&B's `wandb.Video`).

An array of shape (T, C, H, W) (or (B, T, C, H, W), tiled into a grid as W&B
does) is encoded as GIF with Pillow, or as MP4/WebM with PyAV (the `video`
extra: `pip install nbtrack[video]`); a file is stored as it is. A poster PNG
(the first frame) is stored beside it, so a shared notebook shows a still
where no player is available. Tagged `{"_type": "video-file"}`.
"""

from __future__ import annotations

import io
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from ._media import _expect, _get, _put, _root_of, encode_png

__all__ = ["Video", "VIDEO_MIME"]

VIDEO_MIME = {"gif": "image/gif", "mp4": "video/mp4", "webm": "video/webm"}
_CODECS = {"mp4": "libx264", "webm": "libvpx-vp9"}


def _frames(data: Any) -> Any:
    """A (T, C, H, W) or (B, T, C, H, W) array as uint8 (T, H, W, 3) frames (a batch tiled into a grid)."""
    import numpy as np

    if type(data).__module__.split(".")[0] == "torch":
        data = data.detach().cpu().numpy()
    arr = np.asarray(data)
    if arr.ndim == 5:
        b, t, c, h, w = arr.shape
        cols = int(np.ceil(np.sqrt(b)))
        rows = int(np.ceil(b / cols))
        grid = np.zeros((t, c, rows * h, cols * w), dtype=arr.dtype)
        for i in range(b):
            r, k = divmod(i, cols)
            grid[:, :, r * h:(r + 1) * h, k * w:(k + 1) * w] = arr[i]
        arr = grid
    if arr.ndim != 4 or arr.shape[1] not in (1, 3, 4) or 0 in arr.shape:
        raise ValueError(f"nbtrack.Video: expected frames of shape (T, C, H, W) or (B, T, C, H, W) with C in 1, 3, 4;"
                         f" got {arr.shape}")
    if arr.dtype.kind == "f":
        arr = np.clip(np.rint(arr * 255.0 if arr.max() <= 1.0 else arr), 0, 255)
    arr = np.clip(arr, 0, 255).astype(np.uint8).transpose(0, 2, 3, 1)
    if arr.shape[3] == 1:
        arr = np.repeat(arr, 3, axis=3)
    return np.ascontiguousarray(arr[..., :3])


def _encode_gif(frames: Any, fps: float) -> bytes:
    try:
        from PIL import Image as PILImage
    except ImportError as exc:
        raise ImportError("nbtrack.Video: a GIF needs Pillow: pip install pillow") from exc
    images = [PILImage.fromarray(f) for f in frames]
    buf = io.BytesIO()
    images[0].save(buf, format="GIF", save_all=True, append_images=images[1:], duration=int(1000 / fps), loop=0)
    return buf.getvalue()


def _av() -> Any:
    try:
        import av
    except ImportError as exc:
        raise ImportError("nbtrack.Video: MP4/WebM encoding needs PyAV: pip install 'nbtrack[video]' "
                          "(or log format='gif', which needs only Pillow)") from exc
    return av


def _encode_av(frames: Any, fps: float, fmt: str) -> bytes:
    av = _av()
    h, w = frames.shape[1:3]
    if h % 2 or w % 2:  # yuv420p needs even sides
        import numpy as np

        frames = np.pad(frames, ((0, 0), (0, h % 2), (0, w % 2), (0, 0)))
    buf = io.BytesIO()
    with av.open(buf, mode="w", format=fmt) as container:
        stream = container.add_stream(_CODECS[fmt], rate=max(1, round(fps)))
        stream.width, stream.height, stream.pix_fmt = frames.shape[2], frames.shape[1], "yuv420p"
        for f in frames:
            container.mux(stream.encode(av.VideoFrame.from_ndarray(f, format="rgb24")))
        container.mux(stream.encode())
    return buf.getvalue()


def _first_frame(data: bytes, fmt: str) -> Any:
    """The first frame of an encoded file as an (H, W, 3) uint8 array, or None when it cannot be decoded here."""
    import numpy as np

    try:
        if fmt == "gif":
            from PIL import Image as PILImage

            return np.asarray(PILImage.open(io.BytesIO(data)).convert("RGB"))
        with _av().open(io.BytesIO(data)) as container:
            return next(container.decode(video=0)).to_ndarray(format="rgb24")
    except (ImportError, OSError, StopIteration, ValueError):
        return None


class Video:
    """A video from frames `(T, C, H, W)` / `(B, T, C, H, W)` or from a GIF/MP4/WebM file."""

    def __init__(self, data_or_path: Any, caption: str | None = None, fps: float | None = None,
                 format: Literal["gif", "mp4", "webm"] | None = None) -> None:
        self.caption = None if caption is None else str(caption)
        self.fps = float(fps) if fps is not None else 4.0
        if self.fps <= 0:
            raise ValueError(f"nbtrack.Video: fps must be positive, not {fps}")
        if isinstance(data_or_path, (str, os.PathLike)):
            path = Path(data_or_path)
            self.format = path.suffix.lower().lstrip(".")
            if self.format not in VIDEO_MIME:
                raise ValueError(f"nbtrack.Video: {path.name}: expected a .gif, .mp4 or .webm file")
            self._data = path.read_bytes()
            first = _first_frame(self._data, self.format)
            self.frames = None
        else:
            self.format = format or "gif"
            if self.format not in VIDEO_MIME:
                raise ValueError(f"nbtrack.Video: format must be 'gif', 'mp4' or 'webm', not {format!r}")
            frames = _frames(data_or_path)
            self._data = (_encode_gif(frames, self.fps) if self.format == "gif"
                          else _encode_av(frames, self.fps, self.format))
            first, self.frames = frames[0], len(frames)
        self._poster = encode_png(first) if first is not None else None
        self.height, self.width = (first.shape[:2] if first is not None else (None, None))

    def data(self) -> bytes:
        """The encoded file."""
        return self._data

    def poster_png(self) -> bytes | None:
        """The first frame as PNG (None for a file this machine cannot decode)."""
        return self._poster

    @property
    def mime(self) -> str:
        """The MIME type it plays as."""
        return VIDEO_MIME[self.format]

    def _nbtrack_json(self, run: Any, key: str) -> dict[str, Any]:
        root = _root_of(run)
        out: dict[str, Any] = {"_type": "video-file", **_put(root, "video", self._data, "." + self.format),
                               "format": self.format, "fps": self.fps, "frames": self.frames,
                               "width": self.width, "height": self.height}
        if self._poster is not None:
            out["poster"] = _put(root, "images", self._poster, ".png")
        if self.caption is not None:
            out["caption"] = self.caption
        return out

    @classmethod
    def from_json(cls, value: Mapping[str, Any], *, store: Any = None) -> Video:
        """The video a stored `video-file` value refers to."""
        _expect(value, "video-file")
        root = _root_of(None, store)
        video = cls.__new__(cls)
        video._data = _get(root, value)
        video.format = str(value.get("format", "gif"))
        if video.format not in VIDEO_MIME:
            raise ValueError(f"nbtrack.Video: unknown stored video format {video.format!r}")
        poster = value.get("poster")
        video._poster = _get(root, poster) if isinstance(poster, Mapping) else None
        video.fps, video.frames = value.get("fps", 4.0), value.get("frames")
        video.width, video.height, video.caption = value.get("width"), value.get("height"), value.get("caption")
        return video

    def __repr__(self) -> str:
        return f"<nbtrack.Video {self.format} {self.width}x{self.height} {self.frames or '?'} frames>"
