"""An Image's overlays as W&B logs them: 2-D bounding boxes, segmentation masks and the class set naming them.

`nbtrack.Image(..., boxes=..., masks=..., classes=...)` takes W&B's forms: boxes as
`{group: {"box_data": [{"position": ..., "class_id": ..., "box_caption"?, "scores"?, "domain"?}],
"class_labels"?: {id: name}}}` and masks as `{group: {"mask_data": HxW ints 0-255, "class_labels"?}}`.
Everything is checked when the Image is made (a bad box fails at the call, naming it, before
anything is logged). Boxes are stored inline in the image's value; each mask as a grayscale PNG
beside the image. `Classes` is W&B's `wandb.Classes`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["Classes", "check_boxes", "check_masks", "class_set"]

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


def _class_set_list(class_set: Any) -> list[dict[str, Any]]:
    """A class set as `[{"id": int, "name": str}]`, checked."""
    out = []
    for c in list(class_set):
        if not isinstance(c, Mapping) or not isinstance(c.get("id"), int) or "name" not in c:
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
    if not isinstance(labels, Mapping) or not all(isinstance(k, int) for k in labels):
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
    if not isinstance(box, Mapping) or "position" not in box or not isinstance(box.get("class_id"), int):
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


def check_masks(masks: Any, width: int, height: int) -> dict[str, tuple[Any, dict[str, str]]]:
    """W&B's `masks=` argument as {group: (uint8 HxW array, class labels)}, each mask the image's size."""
    import numpy as np

    if not isinstance(masks, Mapping):
        raise ValueError(f"nbtrack.Image: masks maps a group name to its mask, got {type(masks).__name__}")
    out = {}
    for group, spec in masks.items():
        if not isinstance(spec, Mapping) or "mask_data" not in spec:
            raise ValueError(f"nbtrack.Image: masks {group!r} needs 'mask_data' (an HxW array of class ids)")
        data = np.asarray(spec["mask_data"])
        if data.shape != (height, width):
            raise ValueError(f"nbtrack.Image: masks {group!r}: mask_data has shape {data.shape}, the image is "
                             f"{height}x{width}")
        if data.dtype.kind not in "iub" or (data.size and (data.min() < 0 or data.max() > 255)):
            raise ValueError(f"nbtrack.Image: masks {group!r}: mask_data holds class ids 0-255")
        out[str(group)] = (data.astype(np.uint8), _labels(f"masks {group!r}", spec.get("class_labels")))
    return out
