"""Comments from the dashboard in JupyterLab: type a comment on a selected run, press Add, see it listed."""

from __future__ import annotations

from pathlib import Path

import pytest
from labkit import Lab, screenshot

pytestmark = pytest.mark.browser


def own_notebook(notebooks_dir: Path, tmp_path: Path) -> Path:
    """dashboard.ipynb with a project of its own (the lab server's store is shared by the session's tests)."""
    path = tmp_path / "dashboard.ipynb"
    path.write_text((notebooks_dir / "dashboard.ipynb").read_text().replace("browser-dash", "browser-dash-comments"))
    return path


def test_a_comment_typed_in_the_dashboard_is_stored_and_listed(lab: Lab, notebooks_dir: Path, tmp_path: Path) -> None:
    page = lab.open_notebook(own_notebook(notebooks_dir, tmp_path))
    lab.run_all()
    lab.wait_cells_done(timeout=120)
    box = lab.cell(2).locator(".nbtrack-comments-box")
    box.wait_for(state="attached", timeout=60_000)
    box.scroll_into_view_if_needed()
    assert "no comments yet" in box.inner_text()
    box.locator("textarea").fill("lr 0.1 <b>diverged</b> at step 12")
    box.locator("button", has_text="Add").click()
    comment = box.locator(".nbtrack-comment")
    comment.wait_for(state="visible", timeout=20_000)
    screenshot(page, "dashboard-comment")
    text = comment.inner_text()
    assert "lr 0.1 <b>diverged</b> at step 12" in text  # shown as typed: escaped, not markup
    assert box.locator("textarea").input_value() == ""
