"""`nbtrack.report` / `nbtrack report`: a standalone, escaped HTML page drawn by the shared builders."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

import nbtrack


def _project(n_runs: int = 6, project: str = "rep", name: str | None = None) -> None:
    for i in range(n_runs):
        lr = 10 ** -(1 + i % 3)
        with nbtrack.init(project=project, name=name if i == 0 and name else None,
                          config={"lr": lr, "opt": "adam" if i % 2 else "sgd"}) as run:
            for step in range(20):
                run.log({"train/loss": lr * 10 / (step + 1) + i * 0.01, "val/acc": 1 - lr - i * 0.001})


def test_report_is_standalone_escaped_and_drawn_by_the_builders(tmp_path):
    _project(name="<script>alert('x')</script>")
    out = nbtrack.report("rep", title="<img src=x onerror=alert(1)>",
                         sections={"Findings <b>": "**bold** <script>bad()</script>"}, path=tmp_path / "r.html")
    page = out.read_text()
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "<script>bad()" not in page and "<strong>bold</strong>" in page
    assert "Findings &lt;b&gt;" in page
    assert page.count("data-nbtrack-plotlyjs") == 1  # plotly.js inlined exactly once
    assert not re.search(r"""<(script|link|img)[^>]+(src|href)=["']?https?:""", page)
    for heading in ("Runs", "Metrics", "Parameters"):
        assert f"<h2>{heading}</h2>" in page
    assert page.count("class='nbtrack-lazy plotly-graph-div'") >= 3  # two metric groups, importance
    # parallel coordinates stay an SVG picture (plotly's parcoords would take three WebGL contexts each)
    assert page.count('<img class="nbtrack-chart-img" alt="parallel coordinates') == 1
    assert not [f for f in re.findall(r'data-figure="([^"]*)"', page) if "parcoords" in f]
    sections = re.findall(r"<details class='nbtrack-section' data-section='([^']+)' open[^>]*><summary[^>]*><b>([^<]+)</b> "
                          r"<span[^>]*>([^<]+)</span></summary><div class='nbtrack-lazy", page)
    assert sections == [("train", "train", "1 panel"), ("val", "val", "1 panel")]  # a section per key prefix
    assert len(re.findall(r"<tr data-run-id=", page)) == 6


def test_report_of_a_sweep_shows_the_best_run(tmp_path):
    sweep_id = nbtrack.sweep({"method": "grid", "metric": {"name": "loss", "goal": "minimize"},
                              "parameters": {"x": {"values": [1, 2, 3]}}}, project="rep-sweep")

    def train() -> None:
        with nbtrack.init() as run:
            run.log({"loss": (run.config.x - 2) ** 2})

    nbtrack.agent(sweep_id, train, progress=False)
    page = nbtrack.report("rep-sweep", path=tmp_path / "s.html").read_text()
    best = nbtrack.runs("rep-sweep").sort_values("summary.loss").iloc[0]
    assert f"Sweep {sweep_id}" in page and f"best run <b>{best['name']}</b>" in page and "x: 2" in page


def test_cli_report_and_bad_project(tmp_path):
    _project(n_runs=2, project="rep-cli")
    done = subprocess.run([sys.executable, "-m", "nbtrack", "report", "rep-cli", "-o", str(tmp_path / "c.html")],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "c.html").stat().st_size > 1_000_000
    with pytest.raises(ValueError, match="no runs"):
        nbtrack.report("no-such-project", path=tmp_path / "x.html")
