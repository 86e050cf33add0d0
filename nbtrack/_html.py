"""`nbtrack.Html`: an HTML snippet or page logged as a file (W&B's `wandb.Html`).

Stored verbatim (content-addressed, tagged `{"_type": "html-file"}`) and only ever
shown inside `<iframe sandbox srcdoc=...>`: scripts in it do not run, and it never
runs in the notebook's origin.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ._media import _expect, _get, _put, _root_of

__all__ = ["Html"]


class Html:
    """HTML from a string, a text file object or a path to an .html file."""

    def __init__(self, data: Any, inject: bool = True, *, data_is_not_path: bool = False) -> None:
        if hasattr(data, "read"):
            data = data.read()
        if isinstance(data, os.PathLike) or (isinstance(data, str) and not data_is_not_path
                                              and data.lower().endswith((".html", ".htm"))
                                              and "<" not in data and Path(data).is_file()):
            data = Path(data).read_text(encoding="utf-8")
        if not isinstance(data, str):
            raise TypeError(f"nbtrack.Html: expected a str, a file object or a path, not {type(data).__name__}")
        self.html = data

    def _nbtrack_json(self, run: Any, key: str) -> dict[str, Any]:
        return {"_type": "html-file", **_put(_root_of(run), "html", self.html.encode("utf-8"), ".html")}

    @classmethod
    def from_json(cls, value: Mapping[str, Any], *, store: Any = None) -> Html:
        """The HTML a stored `html-file` value refers to."""
        _expect(value, "html-file")
        return cls(_get(_root_of(None, store), value).decode("utf-8"), data_is_not_path=True)

    def __repr__(self) -> str:
        return f"<nbtrack.Html {len(self.html)} characters>"
