"""The dashboard's comments section: read and add comments on one of the selected runs.

It follows a runs table: the runs it offers are the table's selected runs (the first
one chosen by default), and it re-reads the comments whenever the table's rows are
re-read (the dashboard's refresh), so a teammate's comments on a shared store appear.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

import ipywidgets as widgets

from .._comments import add_comment
from ..store import Store
from ._runs_table import RunsTable
from .comments_view import comments_html

__all__ = ["CommentsBox"]


class CommentsBox(widgets.VBox):
    """Comments of a selected run, with a text box and an Add button."""

    def __init__(self, store: Store, table: RunsTable) -> None:
        self.store = store
        self.table = table
        self.run = widgets.Dropdown(description="comments on", options=[])
        self.listing = widgets.HTML()
        self.text = widgets.Textarea(placeholder="add a comment on this run",
                                     layout=widgets.Layout(width="60%", height="3.5em"))
        self.add = widgets.Button(description="Add", tooltip="add the comment to the run")
        self.status = widgets.HTML()
        super().__init__([self.run, self.listing, widgets.HBox([self.text, self.add]), self.status])
        self.add_class("nbtrack-comments-box")
        self.add.on_click(lambda _: self.submit())
        self.run.observe(lambda _: self.reload(), "value")
        table.observe(self._on_table, ["selected", "rows"])
        self._on_table({})

    def _on_table(self, change: Mapping[str, Any]) -> None:
        """Offer the table's selected runs; keep the chosen one while it stays selected; re-read."""
        names = {row["id"]: row.get("name") or row["id"] for row in self.table.rows}
        options = [(f"{names.get(i, i)} ({i})", i) for i in self.table.selected]
        keep = self.run.value if self.run.value in self.table.selected else (options[0][1] if options else None)
        with self.hold_trait_notifications():
            if list(self.run.options) != options:
                self.run.options = options
            self.run.value = keep
        self.reload()

    def reload(self) -> None:
        """Re-read the chosen run's comments from the store."""
        run_id = self.run.value
        self.add.disabled = run_id is None
        self.listing.value = comments_html(self.store.list_comments([run_id])) if run_id else ""

    def submit(self) -> None:
        """Store the text box's comment on the chosen run; a refusal is shown, the text kept."""
        if self.run.value is None:
            return
        try:
            add_comment(self.store, self.run.value, self.text.value)
        except (ValueError, TypeError, KeyError) as exc:
            self.status.value = f"<span style='color:#d62728'>{html.escape(str(exc))}</span>"
            return
        self.status.value = ""
        self.text.value = ""
        self.reload()
