"""An Image's overlays as W&B logs them: 2-D bounding boxes, segmentation masks and the class set naming them.

`nbtrack.Image(..., boxes=..., masks=..., classes=...)` takes W&B's forms: boxes as
`{group: {"box_data": [{"position": ..., "class_id": ..., "box_caption"?, "scores"?, "domain"?}],
"class_labels"?: {id: name}}}` and masks as `{group: {"mask_data": HxW ints 0-255, "class_labels"?}}`.
Everything is checked when the Image is made (a bad box fails at the call, naming it, before
anything is logged). Boxes are stored inline in the image's value; each mask as a grayscale PNG
beside the image; and a drawn form (masks tinted, boxes outlined, in class colours) as a second PNG
that the views show. `Classes` is W&B's `wandb.Classes`.
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["Classes", "check_boxes", "check_masks", "class_set", "draw_overlays"]

_CORNERS = ("minX", "maxX", "minY", "maxY")


class Classes:
    """W&B's `wandb.Classes`: the class set (`[{"id": 0, "name": "cat"}, ...]`) an Image's overlays refer to."""

    def __init__(self, class_set: Sequence[Mapping[str, Any]]) -> None:
        self.class_set = _class_set_list(class_set)

    def labels(self) -> dict[int, str]:
        """Class id -> name."""
        return {c["id"]: c["name"] for c in self.class_set}

    def __repr__(self) -> str:
        return f"<nbtrack.Classes {len(self.class_set)} classes>"


def _is_int(value: Any) -> bool:
    """A whole number (numpy's too), not a bool."""
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _class_set_list(class_set: Any) -> list[dict[str, Any]]:
    """A class set as `[{"id": int, "name": str}]`, checked."""
    out = []
    for c in list(class_set):
        if not isinstance(c, Mapping) or not _is_int(c.get("id")) or "name" not in c:
            raise ValueError(f"nbtrack.Classes: each class needs an int 'id' and a 'name', got {c!r}")
        out.append({"id": int(c["id"]), "name": str(c["name"])})
    return out


def class_set(classes: Any) -> list[dict[str, Any]] | None:
    """The `classes=` argument (a Classes or W&B's list of dicts) as a checked list, or None."""
    if classes is None:
        return None
    return classes.class_set if isinstance(classes, Classes) else _class_set_list(classes)


def _labels(group: str, labels: Any) -> dict[str, str]:
    if labels is None:
        return {}
    if not isinstance(labels, Mapping) or not all(_is_int(k) for k in labels):
        raise ValueError(f"nbtrack.Image: {group}: class_labels maps int class ids to names, got {labels!r}")
    return {str(k): str(v) for k, v in labels.items()}


def _number(group: str, what: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) and not hasattr(value, "__float__"):
        raise ValueError(f"nbtrack.Image: boxes {group!r}: {what} must be a number, got {value!r}")
    return float(value)


def _position(group: str, position: Any) -> dict[str, Any]:
    if not isinstance(position, Mapping):
        raise ValueError(f"nbtrack.Image: boxes {group!r}: position must be a dict, got {position!r}")
    if all(k in position for k in _CORNERS):
        return {k: _number(group, k, position[k]) for k in _CORNERS}
    if all(k in position for k in ("middle", "width", "height")) and len(position["middle"]) == 2:
        return {"middle": [_number(group, "middle", v) for v in position["middle"]],
                "width": _number(group, "width", position["width"]),
                "height": _number(group, "height", position["height"])}
    raise ValueError(f"nbtrack.Image: boxes {group!r}: a position is minX/maxX/minY/maxY or middle/width/height, "
                     f"got {sorted(position)}")


def _box(group: str, box: Any) -> dict[str, Any]:
    if not isinstance(box, Mapping) or "position" not in box or not _is_int(box.get("class_id")):
        raise ValueError(f"nbtrack.Image: boxes {group!r}: each box needs a 'position' and an int 'class_id'")
    out: dict[str, Any] = {"position": _position(group, box["position"]), "class_id": int(box["class_id"])}
    if box.get("domain") not in (None, "pixel"):
        raise ValueError(f"nbtrack.Image: boxes {group!r}: domain is 'pixel' or absent (fractions), "
                         f"got {box['domain']!r}")
    if box.get("domain") == "pixel":
        out["domain"] = "pixel"
    if box.get("box_caption") is not None:
        out["box_caption"] = str(box["box_caption"])
    if box.get("scores") is not None:
        out["scores"] = {str(k): _number(group, f"score {k!r}", v) for k, v in dict(box["scores"]).items()}
    return out


def check_boxes(boxes: Any) -> dict[str, dict[str, Any]]:
    """W&B's `boxes=` argument as checked JSON: {group: {"box_data": [...], "class_labels": {...}}}."""
    if not isinstance(boxes, Mapping):
        raise ValueError(f"nbtrack.Image: boxes maps a group name to its boxes, got {type(boxes).__name__}")
    out = {}
    for group, spec in boxes.items():
        if not isinstance(spec, Mapping) or not isinstance(spec.get("box_data"), (list, tuple)):
            raise ValueError(f"nbtrack.Image: boxes {group!r} needs a 'box_data' list")
        out[str(group)] = {"box_data": [_box(str(group), b) for b in spec["box_data"]],
                           "class_labels": _labels(f"boxes {group!r}", spec.get("class_labels"))}
    return out


def check_masks(masks: Any) -> dict[str, tuple[Any, dict[str, str]]]:
    """W&B's `masks=` argument as {group: (uint8 2-D array of class ids, class labels)}."""
    import numpy as np

    if not isinstance(masks, Mapping):
        raise ValueError(f"nbtrack.Image: masks maps a group name to its mask, got {type(masks).__name__}")
    out = {}
    for group, spec in masks.items():
        if not isinstance(spec, Mapping) or "mask_data" not in spec:
            raise ValueError(f"nbtrack.Image: masks {group!r} needs 'mask_data' (an HxW array of class ids)")
        data = spec["mask_data"]
        if type(data).__module__.split(".")[0] == "torch":
            data = data.detach().cpu().numpy()
        data = np.asarray(data)
        if data.ndim != 2 or 0 in data.shape:
            raise ValueError(f"nbtrack.Image: masks {group!r}: mask_data must be a 2-D array, got shape {data.shape}")
        if data.dtype.kind not in "iubf" or (data.dtype.kind == "f" and not np.array_equal(data, np.round(data))) or (
                data.min() < 0 or data.max() > 255):
            raise ValueError(f"nbtrack.Image: masks {group!r}: mask_data holds whole class ids 0-255")
        out[str(group)] = (data.astype(np.uint8), _labels(f"masks {group!r}", spec.get("class_labels")))
    return out


# tab10: one colour per class id (cycled), for the drawn form
_PALETTE = ((31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189), (140, 86, 75),
            (227, 119, 194), (127, 127, 127), (188, 189, 34), (23, 190, 207))


def _pixel_box(box: dict[str, Any], width: int, height: int) -> tuple[int, int, int, int]:
    """(x0, y0, x1, y1) in pixels of a checked box (fractions scaled by the image size)."""
    p = box["position"]
    if "middle" in p:
        (mx, my), w, h = p["middle"], p["width"], p["height"]
        x0, y0, x1, y1 = mx - w / 2, my - h / 2, mx + w / 2, my + h / 2
    else:
        x0, y0, x1, y1 = p["minX"], p["minY"], p["maxX"], p["maxY"]
    if box.get("domain") != "pixel":
        x0, x1, y0, y1 = x0 * width, x1 * width, y0 * height, y1 * height
    return (round(min(x0, x1)), round(min(y0, y1)), round(max(x0, x1)), round(max(y0, y1)))


def draw_overlays(pixels: Any, boxes: dict[str, dict[str, Any]], masks: dict[str, tuple[Any, dict[str, str]]]) -> Any:
    """The image (uint8 HxW[xC]) with masks tinted in class colours and box outlines drawn: an HxWx3 uint8 array."""
    import numpy as np

    rgb = np.asarray(pixels, dtype=np.uint8)
    rgb = np.repeat(rgb[:, :, None], 3, axis=2) if rgb.ndim == 2 else rgb[:, :, :3]
    out = rgb.astype(np.float64)
    height, width = out.shape[:2]
    for data, _ in masks.values():
        if data.shape != (height, width):  # a mask of another size covers the whole image (nearest pixel)
            data = data[np.arange(height) * data.shape[0] // height][:, np.arange(width) * data.shape[1] // width]
        for class_id in np.unique(data):
            where = data == class_id
            out[where] = out[where] * 0.55 + np.array(_PALETTE[int(class_id) % len(_PALETTE)]) * 0.45
    for group in boxes.values():
        for box in group["box_data"]:
            x0, y0, x1, y1 = _pixel_box(box, width, height)
            colour = _PALETTE[box["class_id"] % len(_PALETTE)]
            for xs, ys in ((slice(x0, x1 + 1), slice(y0, y0 + 2)), (slice(x0, x1 + 1), slice(y1 - 1, y1 + 1)),
                           (slice(x0, x0 + 2), slice(y0, y1 + 1)), (slice(x1 - 1, x1 + 1), slice(y0, y1 + 1))):
                xs = slice(max(xs.start, 0), max(min(xs.stop, width), 0))
                ys = slice(max(ys.start, 0), max(min(ys.stop, height), 0))
                out[ys, xs] = colour
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)
