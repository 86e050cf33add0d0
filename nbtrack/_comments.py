"""Comments on runs: `run.comment(text)` and `nbtrack.comments(run)`, stored with the run (shared on PostgreSQL)."""

from __future__ import annotations

import getpass
import os
import time
from typing import TYPE_CHECKING, Any

from .store import CommentRecord, Store, open_store

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["add_comment", "comments", "comment_author", "COMMENT_COLUMNS", "MAX_COMMENT"]

COMMENT_COLUMNS = ["run_id", "author", "created_at", "text"]
MAX_COMMENT = 10_000  # characters: a comment is a note, not a file
USER_ENV = "NBTRACK_USER"


def comment_author() -> str:
    """Who is writing: `NBTRACK_USER`, else the operating-system user, else "unknown"."""
    name = os.environ.get(USER_ENV, "").strip()
    if name:
        return name
    try:
        return getpass.getuser()
    except Exception:  # no login name (a container without a passwd entry)
        return "unknown"


def add_comment(store: Store, run_id: str, text: str, *, author: str | None = None) -> CommentRecord:
    """Check and store one comment on run `run_id`; raises a clear error on bad input."""
    if not isinstance(text, str):
        raise TypeError(f"comment: text must be a str, not {type(text).__name__}")
    text = text.strip()
    if not text:
        raise ValueError("comment: text is empty")
    if len(text) > MAX_COMMENT:
        raise ValueError(f"comment: text has {len(text)} characters, more than {MAX_COMMENT}")
    if store.get_run(run_id) is None:
        raise KeyError(f"comment: no run with id {run_id!r} in {store.url}")
    return store.add_comment(run_id, author=author or comment_author(), text=text, created_at=time.time())


def comments(runs: Any, *, store: Store | None = None) -> pd.DataFrame:
    """Comments on a run (a Run, an id, a list of them or a runs() frame), oldest first.

    Columns `run_id, author, created_at` (a UTC timestamp) and `text`.
    """
    import pandas as pd

    from ._query import _run_ids

    own = getattr(runs, "store", None)  # a Run carries its store (a frame's "store" column is no Store)
    st = store or (own if isinstance(own, Store) else open_store())
    records = st.list_comments(_run_ids(runs, st))
    frame = pd.DataFrame([[c.run_id, c.author, c.created_at, c.text] for c in records], columns=COMMENT_COLUMNS)
    frame["created_at"] = pd.to_datetime(frame["created_at"].astype(float), unit="s", utc=True)
    return frame
