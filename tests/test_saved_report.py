"""Reports that refresh: a saved spec in the store, edited from Python, drawn from the current data
(HTML page, `nbtrack report NAME`, a notebook view that re-draws as runs arrive)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

import nbtrack
from nbtrack.cli import main
from nbtrack.store import open_store


def train(lr: float, *, project: str = "rep", tags: tuple[str, ...] = (), steps: int = 5) -> str:
    with nbtrack.init(project=project, config={"lr": lr, "opt": "adam" if lr < 0.05 else "sgd"},
                      tags=list(tags)) as run:
        for step in range(steps):
            run.log({"loss": lr * 10 / (step + 1), "acc": 1 - lr})
    return run.id


def weekly() -> nbtrack.Report:
    report = nbtrack.Report("weekly", project="rep", title="Weekly <b>review</b>")
    report.add_markdown("## Findings\nlr **matters** <script>bad()</script>")
    report.add_panel("curves", filters={"tags": "good"}, keys=["loss"], title="good runs")
    report.add_panel("parallel", metric="loss")
    report.add_panel("importance", metric="loss")
    report.add_panel("scatter", metric="loss", param="lr")
    report.add_panel("runs", filters={"config.lr": {"$lt": 0.05}})
    report.add_panel("comments")
    return report


def values(x: object) -> list:
    """A trace's array as plotly's JSON holds it (a list, or a typed array: dtype + base64 bdata)."""
    if isinstance(x, dict) and "bdata" in x:
        import base64

        import numpy as np

        return np.frombuffer(base64.b64decode(x["bdata"]), dtype=x["dtype"]).tolist()
    return list(x)  # type: ignore[call-overload]


def figures(page: str) -> list[dict]:
    import html

    return [json.loads(html.unescape(m)) for m in re.findall(r'data-figure="([^"]*)"', page)]


def pictures(page: str) -> list[str]:
    """The SVG pictures of the page (parallel coordinates stay one: no WebGL context)."""
    import base64

    return [base64.b64decode(m).decode() for m in re.findall(r'src="data:image/svg\+xml;base64,([^"]*)"', page)]


def test_a_saved_spec_round_trips_through_the_store() -> None:
    weekly().save()
    loaded = nbtrack.Report.load("weekly")
    assert loaded.project == "rep" and loaded.title == "Weekly <b>review</b>"
    assert loaded.blocks == weekly().blocks
    assert [b.get("chart", b["kind"]) for b in loaded.blocks] == [
        "markdown", "curves", "parallel", "importance", "scatter", "runs", "comments"]
    record = open_store().get_report("weekly", "rep")
    assert record is not None and record.spec["blocks"][1]["filters"] == {"tags": "good"}
    loaded.add_markdown("more").save()  # editing a loaded report and saving replaces it
    assert len(nbtrack.Report.load("weekly", "rep").blocks) == 8
    assert "8 blocks (6 panels)" in repr(nbtrack.Report.load("weekly"))


def test_bad_specs_raise_clear_errors() -> None:
    report = nbtrack.Report("r", project="rep")
    with pytest.raises(ValueError, match="chart must be one of"):
        report.add_panel("pie")
    with pytest.raises(ValueError, match="needs metric="):
        report.add_panel("parallel")
    with pytest.raises(ValueError, match="needs param="):
        report.add_panel("scatter", metric="loss")
    with pytest.raises(ValueError, match="filters must be a mapping"):
        report.add_panel("runs", filters=["state"])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="must be a str"):
        report.add_markdown(3)  # type: ignore[arg-type]
    assert report.blocks == []  # nothing half-added
    with pytest.raises(KeyError, match="no saved report named 'nope'"):
        nbtrack.Report.load("nope")
    with pytest.raises(ValueError, match="not a valid name"):
        nbtrack.Report("a/b", project="rep").save()


def test_the_page_shows_the_latest_data_of_each_query(tmp_path: Path) -> None:
    good = [train(lr, tags=("good",)) for lr in (0.01, 0.1)]
    train(0.001)
    weekly().save()
    page = nbtrack.Report.load("weekly").render(tmp_path / "w.html").read_text()
    assert "<h1>Weekly &lt;b&gt;review&lt;/b&gt;</h1>" in page and "<strong>matters</strong>" in page
    assert "<script>bad()" not in page
    assert page.count("data-nbtrack-plotlyjs") == 1
    assert not re.search(r"""<(script|link|img)[^>]+(src|href)=["']?https?:""", page)
    curves, importance, scatter = figures(page)
    assert {t["name"] for t in curves["data"]} == {nbtrack.runs("rep").set_index("id").loc[i, "name"] for i in good}
    (parallel,) = pictures(page)
    assert parallel.count("<polyline") == 3
    assert [t["name"] for t in importance["data"]] == ["importance", "correlation", "PED-ANOVA"]
    assert len(values(scatter["data"][0]["x"])) == 3
    assert "2 runs · {&quot;tags&quot;: &quot;good&quot;}" in page
    assert page.count("<tr data-run-id=") == 2  # the runs panel: lr < 0.05
    # new runs arrive: the same saved report shows them, with nothing re-saved
    late = train(0.02, tags=("good",))
    nbtrack.init(project="rep").finish()
    with nbtrack.init(project="rep", id=late, resume="allow") as run:
        run.comment("the late one")
    page = nbtrack.Report.load("weekly").render(tmp_path / "w2.html").read_text()
    curves, *_ = figures(page)
    assert len({t["name"] for t in curves["data"]}) == 3
    assert pictures(page)[0].count("<polyline") == 4
    assert "3 runs · {&quot;tags&quot;: &quot;good&quot;}" in page
    assert "the late one" in page and page.count("<tr data-run-id=") == 3


def test_a_failing_query_or_no_runs_is_said_in_the_panel(tmp_path: Path) -> None:
    train(0.1)
    report = nbtrack.Report("odd", project="rep")
    report.add_panel("runs", filters={"config.missing": 1}).add_panel("parallel", metric="loss",
                                                                       filters={"state": "crashed"})
    page = report.render(tmp_path / "o.html").read_text()
    assert "query failed: " in page and "config.missing" in page
    assert "no runs match this query yet" in page


def test_cli_renders_a_saved_report_by_name_and_projects_still_work(tmp_path: Path,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    train(0.1)
    train(0.01)
    weekly().save()
    assert main(["report", "weekly", "-o", str(tmp_path / "w.html")]) == 0
    assert "<h1>Weekly &lt;b&gt;review&lt;/b&gt;</h1>" in (tmp_path / "w.html").read_text()
    assert main(["report", "rep", "-o", str(tmp_path / "p.html")]) == 0  # no saved report "rep": the project
    assert "<h1>nbtrack report: rep</h1>" in (tmp_path / "p.html").read_text()
    nbtrack.Report("rep", project="rep", title="saved one named like the project").save()
    assert main(["report", "rep", "-o", str(tmp_path / "s.html")]) == 0  # the saved report takes precedence
    assert "saved one named like the project" in (tmp_path / "s.html").read_text()
    nbtrack.Report("weekly", project="other").save()
    done = subprocess.run([sys.executable, "-m", "nbtrack", "report", "weekly", "-o", str(tmp_path / "x.html")],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode != 0 and "several saved reports are named 'weekly'" in done.stderr
    assert main(["report", "weekly", "-p", "rep", "-o", str(tmp_path / "y.html")]) == 0


def test_the_notebook_view_redraws_as_runs_arrive() -> None:
    train(0.1, tags=("good",))
    view = weekly().widget(poll_interval=0.05)
    try:
        curves = view.figures[0]
        assert len({t.name for t in curves.data}) == 1
        assert "1 run · " in view.parts[1].children[0].value
        assert view.refresh() is False  # nothing changed: nothing re-drawn
        train(0.02, tags=("good",))
        assert view.refresh() is True
        assert len({t.name for t in view.figures[0].data}) == 2
        assert [len(p.children) for p in view.parts[1:]] == [2, 2, 2, 2, 1, 1]  # charts; runs and comments: text
        saved = view.static_bundle()["text/html"]
        assert "Weekly &lt;b&gt;review&lt;/b&gt;" in saved and "<strong>matters</strong>" in saved
        view.start()
        assert view.polling
        train(0.03, tags=("good",))
        import time

        deadline = time.monotonic() + 20
        while len({t.name for t in view.figures[0].data}) < 3:
            assert time.monotonic() < deadline, "the view did not re-draw"
            time.sleep(0.05)
    finally:
        view.close()
    assert not view.polling


def test_a_saved_report_displays_in_a_real_kernel(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import nbformat
    from nbclient import NotebookClient

    monkeypatch.setenv("NBTRACK_DIR", str(tmp_path / "store"))
    monkeypatch.setenv("NBTRACK_LIVE", "0")
    cells = [
        "import nbtrack\n"
        "for lr in (0.1, 0.01):\n"
        "    with nbtrack.init(project='k', config={'lr': lr}, tags=['good']) as run:\n"
        "        run.log({'loss': lr})\n"
        "r = nbtrack.Report('kr', project='k', title='Kernel report')\n"
        "r.add_markdown('**hello**').add_panel('curves', filters={'tags': 'good'}).save()",
        "view = nbtrack.Report.load('kr').widget()\nview",
        "with nbtrack.init(project='k', config={'lr': 0.5}, tags=['good']) as run:\n"
        "    run.log({'loss': 0.5})\n"
        "view.refresh(), len(view.figures[0].data)",
    ]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    shown = nb.cells[1].outputs[0]["data"]
    assert "application/vnd.jupyter.widget-view+json" in shown
    assert "nbtrack-report-static" in shown["text/html"] and "<strong>hello</strong>" in shown["text/html"]
    assert "2 runs · " in shown["text/html"]
    assert nb.cells[2].outputs[0]["data"]["text/plain"] == "(True, 3)"


def test_saved_reports_and_the_cli_leave_nbtrack_report_the_function(tmp_path: Path) -> None:
    code = ("import nbtrack, sys; from nbtrack.cli import main\n"
            "nbtrack.Report('x', project='p').save(); nbtrack.Report.load('x').render(sys.argv[1])\n"
            "main(['report', 'x', '-o', sys.argv[1]])\n"
            "assert callable(nbtrack.report), nbtrack.report\n")
    import os

    done = subprocess.run([sys.executable, "-c", code, str(tmp_path / "x.html")], capture_output=True, text=True,
                          timeout=120, env={**os.environ, "NBTRACK_DIR": str(tmp_path / ".nbtrack")})
    assert done.returncode == 0, done.stderr
