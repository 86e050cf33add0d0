"""WebGL contexts in a real browser: nbtrack's parallel coordinates take none (they are SVG), and no view
takes more than one ("Too many active WebGL contexts" came from plotly's parcoords, three per chart).

Every `getContext("webgl" | "webgl2" | "experimental-webgl")` call on the pages is counted (whether the
browser grants it or not) over a dashboard, a sweep panel, the notebook exported by `nbtrack export`,
a report, and the one chart that may use WebGL (a point cloud's 3-D scene); and not one console\nerror on any of them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import nbformat
import pytest
from labkit import Lab, screenshot

import nbtrack.export

pytestmark = pytest.mark.browser

# Before any page script: remember each canvas asked for a WebGL context.
_COUNT_WEBGL = """(() => {
  const original = HTMLCanvasElement.prototype.getContext;
  window.__webgl = [];
  HTMLCanvasElement.prototype.getContext = function (type, ...rest) {
    if (/webgl/i.test(String(type)) && !window.__webgl.includes(this)) window.__webgl.push(this);
    return original.call(this, type, ...rest);
  };
})();"""

# Each canvas asked for WebGL: the nbtrack view (or chart) it sits in, and its notebook cell (-1: none).
_CONTEXTS_JS = """() => (window.__webgl || []).map(c => {
  const view = c.closest('.nbtrack-dashboard, .nbtrack-sweep-panel, .nbtrack-chart, .nbtrack-lazy, .nbtrack-plotly');
  const cell = c.closest('.jp-Cell');
  return [view ? view.className.split(' ').find(k => k.startsWith('nbtrack-')) : 'outside',
          cell ? Array.from(cell.parentElement.children).indexOf(cell) : -1];
})"""


def _cells(report: Path) -> list[str]:
    return [
        "import math, os\nimport numpy as np\nimport nbtrack\nos.environ['NBTRACK_LIVE'] = '0'",
        "for lr, layers in [(0.001, 2), (0.01, 4), (0.1, 8), (0.03, 6)]:\n"
        "    with nbtrack.init(project='browser-webgl', name=f'lr-{lr}', config={'lr': lr, 'layers': layers}) as run:\n"
        "        for step in range(20):\n"
        "            run.log({'loss': math.exp(-lr * 10 * step) + 0.01 * layers, 'acc': 1 - math.exp(-lr * step)})\n"
        "        run.log({'cloud': nbtrack.Object3D(np.random.default_rng(0).normal(size=(200, 3)))})",
        "nbtrack.dashboard(project='browser-webgl')",
        "def train():\n"
        "    with nbtrack.init() as run:\n"
        "        run.log({'loss': (run.config.x - 0.3) ** 2 + run.config.y})\n"
        "config = {'method': 'grid', 'metric': {'name': 'loss', 'goal': 'minimize'},\n"
        "          'parameters': {'x': {'values': [0.1, 0.3, 0.5]}, 'y': {'values': [0, 1]}}}\n"
        "panel = nbtrack.sweep_panel(train, config=config, project='browser-webgl-sweep')\n"
        "panel",
        "panel.start(); assert panel.wait(120) and panel.status == 'finished'",
        f"nbtrack.report('browser-webgl', path={str(report)!r}); None",
        # the chart a logged point cloud gets in a live media panel: plotly's 3-D scene, one context
        "from nbtrack.ui.media_players import object3d_figure\nfrom nbtrack.ui.plotly_view import PlotlyView\n"
        "PlotlyView(object3d_figure(nbtrack.Object3D(np.random.default_rng(1).normal(size=(100, 3))), title='cloud'))",
    ]


def _open(lab: Lab, path: Path, errors: list[str]) -> Any:
    page = lab.context.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(path.as_uri())
    return page


def test_no_view_takes_more_than_one_webgl_context_and_parcoords_none(lab: Lab, tmp_path: Path) -> None:
    report = tmp_path / "report.html"
    source = tmp_path / "webgl.ipynb"
    kernel = {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}}
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in _cells(report)],
                                            metadata=kernel), source)
    console: list[str] = []
    lab.context.add_init_script(_COUNT_WEBGL)
    lab.context.on("console", lambda msg: console.append(f"{msg.page.url[:60]}: {msg.text}")
                   if msg.type == "error" else None)
    page = lab.open_notebook(source)
    lab.run_all()
    lab.wait_cells_done(timeout=240)
    dash, panel = lab.cell(2).locator(".nbtrack-dashboard"), lab.cell(3).locator(".nbtrack-sweep-panel")
    for view in (dash, panel):  # the parallel coordinates drawn, by nbtrack's SVG script
        view.locator(".nbtrack-parcoords svg .nbtrack-parcoords-line").first.wait_for(state="attached")
    for view in (dash, panel):  # scrolled into view, as a person would look at them
        view.locator(".nbtrack-parcoords").scroll_into_view_if_needed()
        page.wait_for_timeout(300)  # a frame for the charts scrolled into view to draw (nothing to wait on)
    screenshot(page, "webgl-lab")
    lab.cell(6).scroll_into_view_if_needed()
    lab.cell(6).locator(".nbtrack-plotly.js-plotly-plot").scroll_into_view_if_needed()
    page.wait_for_function("() => document.querySelectorAll('.nbtrack-plotly .gl-container canvas').length > 0")
    in_lab = page.evaluate(_CONTEXTS_JS)
    # not one WebGL context in the dashboard and the sweep panel; the point cloud's chart (cell 6) takes one
    assert in_lab == [["nbtrack-plotly", 6]], in_lab

    # the notebook exported: its snapshots' charts become plotly charts, the parallel coordinates stay pictures
    path = page.evaluate("async () => { const w = window.jupyterapp.shell.currentWidget;"
                         " await w.context.save(); return w.context.path; }")
    exported = nbtrack.export.export_notebook(lab.server.root / path, output=tmp_path / "webgl.html")
    errors: list[str] = []
    export_page = _open(lab, exported, errors)
    export_page.wait_for_function("() => document.querySelectorAll('.nbtrack-chart .js-plotly-plot').length >= 2")
    pictures = export_page.locator(".nbtrack-chart img.nbtrack-chart-img[alt^='Parameters and']")
    assert pictures.count() >= 2, pictures.count()  # the dashboard's and the sweep panel's, not swapped
    assert all(box["height"] > 100 for box in (p.bounding_box() for p in pictures.all()) if box)
    assert export_page.evaluate(_CONTEXTS_JS) == []
    screenshot(export_page, "webgl-export")

    # the report: every chart drawn, the parallel coordinates a picture
    report_page = _open(lab, report, errors)
    report_page.wait_for_function("() => { const all = document.querySelectorAll('.nbtrack-lazy');"
                                  " return all.length > 0 && Array.from(all).every(e => e.dataset.drawn"
                                  " && e.classList.contains('js-plotly-plot')); }")
    assert report_page.locator("img.nbtrack-chart-img[alt^='parallel coordinates']").count() == 1
    assert report_page.evaluate(_CONTEXTS_JS) == []  # its point clouds are pictures too
    screenshot(report_page, "webgl-report")

    assert lab.errors == [] and errors == [], (lab.errors, errors)
    assert console == [], console
