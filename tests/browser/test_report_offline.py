"""A report of a 500-run sweep project opens offline in Chromium: every chart renders, names stay text."""

from __future__ import annotations

import time

import pytest
from labkit import screenshot

import nbtrack

pytestmark = pytest.mark.browser


def test_report_of_500_runs_renders_offline(tmp_path, browser):
    sweep_id = nbtrack.sweep({"method": "random", "metric": {"name": "loss", "goal": "minimize"},
                              "parameters": {"lr": {"distribution": "log_uniform_values", "min": 1e-4, "max": 1.0},
                                             "layers": {"values": [1, 2, 3]}}}, project="big")

    def train() -> None:
        with nbtrack.init(name=None) as run:
            for step in range(30):
                run.log({"loss": run.config.lr * run.config.layers / (step + 1)})

    nbtrack.agent(sweep_id, train, count=499, progress=False)
    with nbtrack.init(project="big", name="<script>window.pwned=1</script>") as run:
        run.log({"loss": 1.0})
    path = nbtrack.report("big", path=tmp_path / "big.html")
    assert path.stat().st_size < 8_000_000  # plotly.js (~4.7 MB) plus a few MB at most

    page = browser.new_page(viewport={"width": 1300, "height": 900})
    requests: list[str] = []

    def block(route):  # noqa: ANN001 - playwright's Route
        requests.append(route.request.url)
        return route.continue_() if route.request.url.startswith("file:") else route.abort()

    page.route("**/*", block)
    started = time.perf_counter()
    page.goto(path.as_uri())
    page.wait_for_function("document.querySelector('.js-plotly-plot .main-svg') !== null", timeout=20000)
    opened = time.perf_counter() - started  # the page and its first screen of charts
    page.wait_for_function("Array.from(document.querySelectorAll('.nbtrack-lazy'))"
                           ".every(e => e.querySelector('.main-svg'))", timeout=30000)
    everything = time.perf_counter() - started
    charts = page.eval_on_selector_all(".plotly-graph-div", "els => els.map(e => Boolean(e.querySelector('.main-svg')))")
    assert len(charts) >= 3 and all(charts), charts  # metrics, importance, sweep
    # the parallel coordinates: an SVG picture (plotly's parcoords would take three WebGL contexts)
    pictures = page.eval_on_selector_all("img.nbtrack-chart-img", "els => els.map(e => e.naturalWidth)")
    assert len(pictures) == 1 and pictures[0] > 100, pictures
    assert page.evaluate("window.pwned") is None
    assert page.get_by_text("<script>window.pwned=1</script>").count() >= 1
    assert [u for u in requests if not u.startswith("file:")] == []
    screenshot(page, "report-500-runs")
    print(f"500-run report: {path.stat().st_size / 1e6:.1f} MB, open with first charts {opened:.2f} s, "
          f"every chart drawn {everything:.2f} s")
    assert opened < 10  # generous on a loaded 2-core machine; the figure is printed above
    page.close()
