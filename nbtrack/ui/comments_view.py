"""Comments on runs as static, escaped HTML: shared by the dashboard's comments section and reports."""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Sequence

from ..store import CommentRecord

__all__ = ["comments_html"]


def comments_html(comments: Sequence[CommentRecord]) -> str:
    """Comments as escaped HTML, oldest first: author, UTC time, text (line breaks kept)."""
    if not comments:
        return "<div class='nbtrack-comments-empty' style='color:#777;font-size:12px'>no comments yet</div>"
    items = []
    for c in comments:
        when = dt.datetime.fromtimestamp(c.created_at, dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        items.append(f"<li class='nbtrack-comment'><b>{html.escape(c.author)}</b> "
                     f"<span style='color:#777'>{when}</span><br>"
                     f"<span style='white-space:pre-wrap'>{html.escape(c.text)}</span></li>")
    return f"<ul class='nbtrack-comments' style='font-size:12px;padding-left:18px'>{''.join(items)}</ul>"
