"""The live run view in JupyterLab, as a person sees it: a chart that grows while the cell runs,
frozen into a static output when the run ends; a failing run shown red."""

from __future__ import annotations

import re
import time
import warnings
from pathlib import Path

import pytest
from labkit import Lab, screenshot

pytestmark = pytest.mark.browser

# points in a plot's first trace (FigureWidget data are arrays; static HTML may carry base64 typed-array
# specs, which plotly decodes into _fullData)
_POINTS_JS = """(plot) => {
  const full = plot._fullData && plot._fullData[0];
  if (full && full.x && full.x.length !== undefined) return full.x.length;
  const x = plot.data && plot.data[0] && plot.data[0].x;
  return x && x.length !== undefined ? x.length : null;
}"""

_LIVE_JS = f"""() => {{
  const root = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .nbtrack-live');
  if (!root) return null;
  const header = root.querySelector('.nbtrack-live-header');
  const plots = Array.from(root.querySelectorAll('.js-plotly-plot'));
  const counts = plots.map({_POINTS_JS}).filter(n => n !== null);
  return {{state: header ? header.getAttribute('data-state') : null,
          n: counts.length ? Math.max(...counts) : null, charts: plots.length}};
}}"""

_STATIC_JS = f"""() => {{
  const root = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .nbtrack-static');
  const plots = root ? Array.from(root.querySelectorAll('.js-plotly-plot')) : [];
  const counts = plots.map({_POINTS_JS}).filter(n => n !== null);
  return {{charts: plots.length, drawn: plots.filter(p => p.querySelector('.main-svg')).length,
          n: counts.length ? Math.max(...counts) : null}};
}}"""


_RED_JS = """(el) => {
  // the colours in which the run's state is shown: the element reading "failed" and the header's border
  const parse = (c) => (c.match(/\\d+(\\.\\d+)?/g) || []).map(Number);
  const out = [];
  for (const e of [el, ...el.querySelectorAll('*')]) {
    const own = Array.from(e.childNodes).filter(n => n.nodeType === 3).map(n => n.textContent).join('').trim();
    const cs = getComputedStyle(e);
    if (own === 'failed') out.push({what: 'text', rgb: parse(cs.color)});
    if (e === el && parseFloat(cs.borderLeftWidth) > 0) out.push({what: 'border', rgb: parse(cs.borderLeftColor)});
  }
  return out;
}"""


def _reddish(rgb: list[float]) -> bool:
    r, g, b = rgb[:3]
    return r >= 150 and g <= 110 and b <= 110 and r - max(g, b) >= 80


def test_live_chart_grows_then_freezes(lab: Lab, notebooks_dir: Path) -> None:
    page = lab.open_notebook(notebooks_dir / "live_run.ipynb")
    lab.run_all()

    # the chart appears under the running cell ...
    page.wait_for_function(f"() => {{ const s = ({_LIVE_JS})(); return s && s.state === 'running' && s.n > 0; }}",
                           timeout=60_000, polling=50)
    first = page.evaluate(_LIVE_JS)
    t0 = time.monotonic()
    # ... and gains points while the cell is still running
    page.wait_for_function(
        f"(n0) => {{ const s = ({_LIVE_JS})(); return s && s.state === 'running' && s.n > n0; }}",
        arg=first["n"], timeout=10_000, polling=50)
    second = page.evaluate(_LIVE_JS)
    screenshot(page, "live-running")
    assert second["state"] == "running", second
    assert second["n"] > first["n"] > 0, (first, second)
    assert time.monotonic() - t0 < 10

    # when the run ends the live output is replaced in place by the static one
    lab.wait_cells_done()
    cell = lab.cell(1)
    static = cell.locator('.nbtrack-static[data-state="finished"]')
    static.wait_for(state="attached", timeout=30_000)
    assert cell.locator(".nbtrack-live").count() == 0
    assert static.get_attribute("data-run-id")
    # the frozen charts render in Lab too (plotly.js from the first static output of the session)
    page.wait_for_function(f"() => {{ const s = ({_STATIC_JS})(); return s.charts > 0 && s.drawn === s.charts; }}",
                           timeout=30_000, polling=250)
    assert page.evaluate(_STATIC_JS)["n"] == 500  # every logged step (below the downsampling threshold)
    screenshot(page, "live-finished")
    if lab.errors:  # uncaught page errors: invisible to a person, worth seeing in the test summary
        warnings.warn(f"JavaScript errors on the page: {lab.errors}", stacklevel=1)


def test_failing_cell_shows_red_state(lab: Lab, notebooks_dir: Path) -> None:
    page = lab.open_notebook(notebooks_dir / "failing_run.ipynb")
    lab.run_all()
    cell = lab.cell(1)
    header = cell.locator('.nbtrack-live-header[data-state="failed"]').first
    header.wait_for(state="attached", timeout=60_000)
    lab.wait_cells_done(timeout=60)
    header = cell.locator('.nbtrack-live-header[data-state="failed"]').first
    colours = header.evaluate(_RED_JS)
    screenshot(page, "failed-run")
    assert colours, "the header shows the state neither as text nor as a coloured border"
    for colour in colours:
        assert _reddish(colour["rgb"]), colours
    # the exception still reaches the notebook, unchanged
    error_text = cell.locator('[data-mime-type="application/vnd.jupyter.stderr"]').inner_text()
    assert re.search(r"FloatingPointError.*loss diverged", error_text, re.S), error_text
    assert cell.locator('.nbtrack-static[data-state="failed"]').count() == 1
