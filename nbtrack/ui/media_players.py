"""HTML players for logged audio, video, HTML and point clouds, shared by the live view, the
dashboard, notebook static outputs, export and the report.

Every form here works without script: `<audio>` / `<video>` / `<img>` from data: URIs,
HTML inside `<iframe sandbox srcdoc=...>` (its scripts never run, never in the notebook's
origin), and a point cloud as a top-down PNG plus a text card. Files too large to inline
become a text card naming the file. `object3d_figure` is the interactive plotly form.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Mapping
from typing import Any

import numpy as np
import plotly.graph_objects as go

from .._audio import Audio
from .._html import Html
from .._media import encode_png
from .._object3d import Object3D
from .._video import Video
from .charts import HEIGHT, PALETTE, custom_chart_figure

__all__ = ["RICH_TYPES", "audio_html", "custom_chart_value_figure", "html_iframe", "object3d_figure", "object3d_png",
           "object3d_static_html", "rich_html", "video_html", "MAX_INLINE_BYTES"]

# stored type -> media panel section name
RICH_TYPES = {"audio-file": "audio", "video-file": "video", "html-file": "html", "object3d-file": "object3d"}
MAX_INLINE_BYTES = 8_000_000
_PROJECTION_SIDE = 240


def _uri(mime: str, data: bytes) -> str:
    return f"data:{mime};base64," + base64.b64encode(data).decode("ascii")


def _caption(title: str, caption: str | None) -> str:
    text = " · ".join(t for t in (title, caption or "") if t)
    return f"<figcaption style='font-size:11px;color:#555'>{html.escape(text)}</figcaption>" if text else ""


def _card(kind: str, detail: str, title: str) -> str:
    return (f"<div class='nbtrack-media-card' style='border:1px solid #ddd;padding:6px 10px;font:12px sans-serif;"
            f"color:#555;display:inline-block'>{html.escape(kind)}: {html.escape(detail)}"
            f"{' · ' + html.escape(title) if title else ''}</div>")


def audio_html(audio: Audio, *, title: str = "") -> str:
    """An `<audio controls>` player with the file inlined (a text card when too large)."""
    if len(audio.data()) > MAX_INLINE_BYTES:
        return _card("audio", f"{audio.format}, {len(audio.data()) // 1000} kB (too large to inline)", title)
    return (f"<figure class='nbtrack-audio' style='margin:4px'><audio controls preload='metadata' "
            f"src='{_uri(audio.mime, audio.data())}'></audio>{_caption(title, audio.caption)}</figure>")


def video_html(video: Video, *, title: str = "", max_width: int = 480) -> str:
    """A GIF as `<img>`, an MP4/WebM as `<video controls>` with its poster (a poster or card when too large)."""
    poster = video.poster_png()
    style = f"max-width:{max_width}px"
    if len(video.data()) > MAX_INLINE_BYTES:
        if poster is None:
            return _card("video", f"{video.format}, {len(video.data()) // 1000} kB (too large to inline)", title)
        body = f"<img src='{_uri('image/png', poster)}' style='{style}' alt='video poster'>"
    elif video.format == "gif":
        body = f"<img src='{_uri(video.mime, video.data())}' style='{style}' alt='video'>"
    else:
        poster_attr = f" poster='{_uri('image/png', poster)}'" if poster is not None else ""
        body = (f"<video controls loop muted playsinline{poster_attr} style='{style}' "
                f"src='{_uri(video.mime, video.data())}'></video>")
    return f"<figure class='nbtrack-video' style='margin:4px'>{body}{_caption(title, video.caption)}</figure>"


def html_iframe(page: Html, *, title: str = "", height: int = 320) -> str:
    """The HTML in a fully sandboxed iframe (no scripts, no same-origin access)."""
    if len(page.html) > MAX_INLINE_BYTES:
        return _card("html", f"{len(page.html) // 1000} kB (too large to inline)", title)
    return (f"<figure class='nbtrack-html' style='margin:4px'><iframe sandbox='' referrerpolicy='no-referrer' "
            f"srcdoc=\"{html.escape(page.html, quote=True)}\" style='width:100%;min-width:320px;height:{height}px;"
            f"border:1px solid #ddd'></iframe>{_caption(title, None)}</figure>")


def _point_colors(obj: Object3D) -> Any:
    pts = obj.points
    if pts.shape[1] == 6:
        rgb = np.clip(pts[:, 3:6], 0, 255)
        return [f"rgb({r:.0f},{g:.0f},{b:.0f})" for r, g, b in rgb]
    if pts.shape[1] == 4:
        return [PALETTE[int(c) % len(PALETTE)] for c in pts[:, 3]]
    return PALETTE[0]


def object3d_figure(obj: Object3D, *, title: str = "") -> go.Figure:
    """A point cloud as a plotly 3-D scatter (colours from rgb columns or categories)."""
    pts = obj.points
    fig = go.Figure(go.Scatter3d(x=pts[:, 0], y=pts[:, 1], z=pts[:, 2], mode="markers", name="points",
                                 marker={"size": 2, "color": _point_colors(obj)}, hoverinfo="x+y+z"))
    if obj.faces:
        i, j, k = np.asarray(obj.faces).T
        fig.add_trace(go.Mesh3d(x=pts[:, 0], y=pts[:, 1], z=pts[:, 2], i=i, j=j, k=k, opacity=0.6, name="mesh",
                                color=PALETTE[1]))
    for box in obj.boxes:
        c = np.asarray(box["corners"])
        edges = [(a, b) for a in range(8) for b in range(a + 1, 8)
                 if np.isclose(np.count_nonzero(~np.isclose(c[a], c[b])), 1)]  # corners differing on one axis
        xs, ys, zs = ([v for a, b in edges for v in (c[a, d], c[b, d], None)] for d in range(3))
        fig.add_trace(go.Scatter3d(x=xs, y=ys, z=zs, mode="lines", name=box["label"] or "box",
                                   line={"color": "rgb({},{},{})".format(*box["color"]), "width": 3}))
    fig.update_layout(template="plotly_white", height=max(HEIGHT, 360), title={"text": title, "font": {"size": 13}},
                      margin={"l": 0, "r": 0, "t": 36, "b": 0}, scene={"aspectmode": "data"})
    return fig


def object3d_png(obj: Object3D, side: int = _PROJECTION_SIDE) -> bytes:
    """A top-down (x, y) projection of the cloud as a PNG, nearer-to-top points drawn last."""
    pts = obj.points
    img = np.full((side, side, 3), 255, dtype=np.uint8)
    xy = pts[:, :2]
    lo, span = xy.min(axis=0), np.ptp(xy, axis=0)
    scale = (side - 1) / max(float(span.max()), 1e-12)
    cols = np.clip(((xy[:, 0] - lo[0]) * scale).astype(int), 0, side - 1)
    rows = np.clip(side - 1 - ((xy[:, 1] - lo[1]) * scale).astype(int), 0, side - 1)
    if pts.shape[1] == 6:
        colors = np.clip(pts[:, 3:6], 0, 255).astype(np.uint8)
    else:
        shade = (pts[:, 2] - pts[:, 2].min()) / max(float(np.ptp(pts[:, 2])), 1e-12)
        colors = np.stack([31 + 100 * shade, 119 - 50 * shade, 180 - 100 * shade], axis=1).astype(np.uint8)
    order = np.argsort(pts[:, 2])
    img[rows[order], cols[order]] = colors[order]
    return encode_png(img)


def object3d_static_html(obj: Object3D, *, title: str = "") -> str:
    """The script-free form of a point cloud: its top-down projection and a text card."""
    pts = obj.points
    lo, hi = pts[:, :3].min(axis=0), pts[:, :3].max(axis=0)
    bounds = ", ".join(f"{a} [{x:.3g}, {y:.3g}]" for a, x, y in zip("xyz", lo, hi))
    bounds += f"; {len(obj.faces)} faces" if obj.faces else ""
    bounds += f"; {len(obj.boxes)} boxes" if obj.boxes else ""
    note = f"{len(pts)} points (top view; {bounds})" + (f" · {obj.caption}" if obj.caption else "")
    return (f"<figure class='nbtrack-object3d' style='margin:4px;display:inline-block'>"
            f"<img src='{_uri('image/png', object3d_png(obj))}' alt='point cloud, top view' "
            f"style='border:1px solid #eee'>{_caption(title, note)}</figure>")


def rich_html(value: Mapping[str, Any], *, store: Any = None, title: str = "") -> str:
    """The script-free HTML of a stored audio, video, html or object3d value."""
    kind = value.get("_type")
    if kind == "audio-file":
        return audio_html(Audio.from_json(value, store=store), title=title)
    if kind == "video-file":
        return video_html(Video.from_json(value, store=store), title=title)
    if kind == "html-file":
        return html_iframe(Html.from_json(value, store=store), title=title)
    if kind == "object3d-file":
        return object3d_static_html(Object3D.from_json(value, store=store), title=title)
    raise ValueError(f"nbtrack: not a stored audio/video/html/object3d value: {kind!r}")


def custom_chart_value_figure(value: Mapping[str, Any], *, store: Any = None, title: str = "") -> go.Figure:
    """The figure of a stored `custom-chart` value (an `nbtrack.plot` preset)."""
    from ..plot import CustomChart

    chart = CustomChart.from_json(value, store=store)
    strings = dict(chart.string_fields)
    strings["title"] = strings.get("title") or title
    return custom_chart_figure(chart.spec_name, chart.table.columns, chart.table.data, chart.fields, strings)
