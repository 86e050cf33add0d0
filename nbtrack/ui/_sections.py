"""Sections of metric panels, as W&B's default workspace groups them: one per key prefix.

``train/loss`` goes under "train", keys without a slash under "Charts", system metrics under
"System" (last). The live dashboard, its snapshot and the HTML report title their sections here,
so every view names and counts them alike.
"""

from __future__ import annotations

import html

from ._series import DEFAULT_GROUP, SYSTEM_GROUP

__all__ = ["section_html", "section_label", "section_title"]


def section_title(group: str) -> str:
    """The heading of a key group: "Charts" for keys without a prefix, "System" for system metrics, else the prefix."""
    return {DEFAULT_GROUP: "Charts", SYSTEM_GROUP: "System"}.get(group, group)


def section_label(group: str, panels: int) -> str:
    """The section's heading with its panel count, e.g. ``train · 4 panels``."""
    return f"{section_title(group)} · {panels} panel{'' if panels == 1 else 's'}"


def section_html(group: str, panels: int, body: str, *, open_: bool = True) -> str:
    """A collapsible section with no script (``<details>``; the untrusted sanitisers keep it and its ``open``)."""
    title, count = html.escape(section_title(group)), f"{panels} panel{'' if panels == 1 else 's'}"
    return (f"<details class='nbtrack-section' data-section='{html.escape(group, quote=True)}'"
            f"{' open' if open_ else ''} style='margin:6px 0'>"
            f"<summary style='font-family:sans-serif;font-size:14px;cursor:pointer'><b>{title}</b> "
            f"<span style='color:#777;font-size:12px'>{count}</span></summary>{body}</details>")
