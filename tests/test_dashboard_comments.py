"""The dashboard's comments section: comments of a selected run, added from its text box, escaped."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import nbtrack
from nbtrack.ui.dashboard import Dashboard


@pytest.fixture
def dash(monkeypatch: pytest.MonkeyPatch) -> Iterator[Dashboard]:
    monkeypatch.setenv("NBTRACK_USER", "ann")
    for name in ("first", "second"):
        with nbtrack.init("p", name=name) as run:
            run.log({"loss": 1.0})
    board = nbtrack.dashboard("p")
    yield board
    board.close()


def test_comments_of_the_selected_run_are_listed_and_added(dash: Dashboard) -> None:
    ids = dict(zip(dash.runs["name"], dash.runs["id"]))
    box = dash.comments
    assert box.run.value == dash.table.selected[0]  # the first selected run by default
    dash.table.selected = [ids["first"]]
    dash.table.selected = [ids["first"], ids["second"]]
    assert box in dash.children
    assert box.run.options == ((f"first ({ids['first']})", ids["first"]), (f"second ({ids['second']})", ids["second"]))
    assert box.run.value == ids["first"] and "no comments yet" in box.listing.value
    box.text.value = "<script>alert(1)</script> bad lr"
    box.add.click()
    assert box.text.value == "" and box.status.value == ""
    assert "&lt;script&gt;alert(1)&lt;/script&gt; bad lr" in box.listing.value and "<script>" not in box.listing.value
    assert "<b>ann</b>" in box.listing.value
    frame = nbtrack.comments(ids["first"])
    assert frame[["author", "text"]].values.tolist() == [["ann", "<script>alert(1)</script> bad lr"]]
    box.run.value = ids["second"]
    assert "no comments yet" in box.listing.value
    dash.table.selected = [ids["second"]]  # the chosen run stays while selected
    assert box.run.value == ids["second"]
    dash.table.selected = []
    assert box.run.value is None and box.add.disabled


def test_an_empty_comment_is_refused_in_the_box_and_the_text_kept(dash: Dashboard) -> None:
    box = dash.comments
    box.text.value = "   "
    box.add.click()
    assert "empty" in box.status.value and box.text.value == "   "
    assert nbtrack.comments(box.run.value).empty
