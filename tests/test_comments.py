"""Comments on runs: run.comment, nbtrack.comments, the author, bad input, `nbtrack show`, a team on PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pandas as pd
import pytest

import nbtrack
from nbtrack._comments import comment_author
from nbtrack.cli import describe_run, main


def test_run_comment_and_comments_frame(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NBTRACK_USER", "ann")
    before = time.time()
    with nbtrack.init(project="c") as run:
        run.comment("lr too high?")
    monkeypatch.setenv("NBTRACK_USER", "bob")
    run.comment("  yes, diverged at step 40\nsee the curve  ")  # a finished run takes comments too
    frame = nbtrack.comments(run)
    assert list(frame.columns) == ["run_id", "author", "created_at", "text"]
    assert frame["run_id"].tolist() == [run.id, run.id]
    assert frame["author"].tolist() == ["ann", "bob"]
    assert frame["text"].tolist() == ["lr too high?", "yes, diverged at step 40\nsee the curve"]
    assert isinstance(frame["created_at"].dtype, pd.DatetimeTZDtype)
    assert frame["created_at"].iloc[0].timestamp() >= before - 1
    assert nbtrack.comments(run.id)["text"].tolist() == frame["text"].tolist()  # by id, from the default store
    other = nbtrack.init(project="c")
    other.finish()
    assert nbtrack.comments(nbtrack.runs("c"))["run_id"].tolist() == [run.id, run.id]
    assert nbtrack.comments(other).empty and list(nbtrack.comments(other).columns) == list(frame.columns)


def test_author_is_the_os_user_without_nbtrack_user(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NBTRACK_USER", raising=False)
    import getpass

    assert comment_author() == getpass.getuser()
    monkeypatch.setenv("NBTRACK_USER", "  ")
    assert comment_author() == getpass.getuser()


def test_bad_comments_raise_clear_errors_and_keep_the_run_going() -> None:
    with nbtrack.init(project="c") as run:
        run.log({"x": 1})
        with pytest.raises(ValueError, match="empty"):
            run.comment("   ")
        with pytest.raises(TypeError, match="must be a str"):
            run.comment(3)  # type: ignore[arg-type]
        with pytest.raises(ValueError, match="more than"):
            run.comment("x" * 10_001)
        run.log({"x": 2})
    assert nbtrack.comments(run).empty
    assert nbtrack.history(run)["x"].tolist() == [1, 2]


def test_nbtrack_show_lists_comments(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("NBTRACK_USER", "ann")
    with nbtrack.init(project="c") as run:
        run.comment("first line\nsecond line")
    text = describe_run(run.id)
    assert "comments:" in text and "ann: first line" in text and "\n    second line" in text
    assert main(["show", run.id]) == 0
    assert "ann: first line" in capsys.readouterr().out


@pytest.mark.postgres
def test_comments_are_shared_by_the_team_on_postgresql(pg_url: str) -> None:
    run = nbtrack.init(project="team", store=pg_url)
    run.finish()
    code = ("import nbtrack, os; from nbtrack.store import open_store; from nbtrack._comments import add_comment; "
            f"add_comment(open_store({pg_url!r}), {run.id!r}, 'from a teammate')")
    env = {**os.environ, "NBTRACK_USER": "teammate"}
    subprocess.run([sys.executable, "-c", code], check=True, env=env, timeout=60)
    frame = nbtrack.comments(run)
    assert frame[["author", "text"]].values.tolist() == [["teammate", "from a teammate"]]


def test_reports_carry_the_comments_escaped(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:  # noqa: ANN001
    monkeypatch.setenv("NBTRACK_USER", "<i>ann</i>")
    with nbtrack.init(project="rc", name="commented", config={"lr": 0.1}) as run:
        run.log({"loss": 1.0})
        run.comment("diverged <script>x()</script>")
    with nbtrack.init(project="rc", name="quiet", config={"lr": 0.2}) as quiet:
        quiet.log({"loss": 2.0})
    page = nbtrack.report("rc", path=tmp_path / "r.html").read_text()
    assert "<h2>Comments</h2>" in page
    section = page.split("<h2>Comments</h2>")[1].split("</section>")[0]
    assert f"data-run-id='{run.id}'" in section and quiet.id not in section
    assert "diverged &lt;script&gt;x()&lt;/script&gt;" in section and "&lt;i&gt;ann&lt;/i&gt;" in section
    assert "<script>x()" not in page
