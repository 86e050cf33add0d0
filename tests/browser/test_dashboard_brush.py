"""Brushing the dashboard's parallel coordinates in JupyterLab: a mouse drag on an axis shrinks the runs
table and the overlaid curves to the runs inside the brushed range."""

from __future__ import annotations

from pathlib import Path

import pytest
from labkit import SCREENSHOTS, Lab, screenshot

pytestmark = pytest.mark.browser

_STATE_JS = """() => {
  const dash = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .nbtrack-dashboard');
  if (!dash) return null;
  const plots = Array.from(dash.querySelectorAll('.js-plotly-plot')).filter(p => p.data);
  const parallel = dash.querySelector('.nbtrack-parcoords svg');  // nbtrack's SVG parallel coordinates
  const curves = plots.find(p => p.data.length && p.data.every(t => !t.type || t.type.startsWith('scatter')));
  const rows = Array.from(dash.querySelectorAll('tr[data-id]')).map(r => r.textContent);
  return {
    rows: rows.length,
    rowText: rows,
    axes: parallel ? parallel.querySelectorAll('.nbtrack-parcoords-hit').length : 0,
    brush: parallel ? Array.from(parallel.querySelectorAll('.nbtrack-parcoords-axis'))
      .map(a => a.querySelectorAll('.nbtrack-parcoords-brush').length) : null,
    lines: parallel ? parallel.querySelectorAll('.nbtrack-parcoords-line').length : 0,
    greyed: parallel ? parallel.querySelectorAll('.nbtrack-parcoords-line.nbtrack-parcoords-out').length : 0,
    names: curves ? Array.from(new Set(curves.data.map(t => t.name || ''))).sort() : [],
  };
}"""

# Logs one more run from the notebook's kernel (the dashboard's poller then redraws with a new figure).
_EXECUTE_JS = """async (code) => {
  const kernel = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
  await kernel.requestExecute({code}).done;
}"""
_NEW_RUN = ("import nbtrack\n"
            "with nbtrack.init(project='browser-dash-brush', name='lr-0.003', config={'lr': 0.003, 'layers': 3}) as r:\n"
            "    r.log({'loss': 0.5, 'acc': 0.5})")


def own_notebook(notebooks_dir: Path, tmp_path: Path) -> Path:
    """dashboard.ipynb with a project of its own (the lab server's store is shared by the session's tests)."""
    path = tmp_path / "dashboard.ipynb"
    path.write_text((notebooks_dir / "dashboard.ipynb").read_text().replace("browser-dash", "browser-dash-brush"))
    return path


def test_brushing_an_axis_filters_the_table_and_the_curves(lab: Lab, notebooks_dir: Path, tmp_path: Path) -> None:
    page = lab.open_notebook(own_notebook(notebooks_dir, tmp_path))
    lab.run_all()
    lab.wait_cells_done(timeout=120)
    dash = lab.cell(2).locator(".nbtrack-dashboard")
    dash.wait_for(state="attached", timeout=30_000)
    page.wait_for_function(
        f"() => {{ const s = ({_STATE_JS})(); return s && s.rows === 3 && s.axes >= 3 && s.names.length === 3; }}",
        timeout=60_000, polling=250)
    # hovering a line: its run's name and values in a card
    parallel = dash.locator(".nbtrack-parcoords svg")
    parallel.scroll_into_view_if_needed()
    segment = parallel.evaluate("""svg => {
      const box = svg.getBoundingClientRect();
      const [a, b] = svg.querySelector('.nbtrack-parcoords-line').getAttribute('d').slice(1).split('L')
        .map(p => p.split(',').map(Number));
      return [box.x + (a[0] + b[0]) / 2, box.y + (a[1] + b[1]) / 2]; }""")
    page.mouse.move(*segment)
    tip = dash.locator(".nbtrack-parcoords-tip")
    tip.wait_for(state="visible", timeout=10_000)
    card = tip.inner_text().splitlines()
    assert card[0] in ("lr-0.001", "lr-0.01", "lr-0.1") and any(line.startswith("layers: ") for line in card), card
    page.mouse.move(5, 5)
    tip.wait_for(state="hidden", timeout=10_000)

    brush = dash.locator(".nbtrack-parcoords .nbtrack-parcoords-hit").first  # the first axis: layers, 8 .. 2
    brush.scroll_into_view_if_needed()
    box = brush.bounding_box()
    assert box is not None and box["height"] > 50, box
    x = box["x"] + box["width"] / 2
    page.mouse.move(x, box["y"] + box["height"] * 0.35)  # from above the middle (layers 4, run lr-0.01) ...
    page.mouse.down()
    page.mouse.move(x, box["y"] + box["height"] + 5, steps=12)  # ... past the bottom (layers 2, run lr-0.001)
    page.mouse.up()
    page.wait_for_function(
        f"() => {{ const s = ({_STATE_JS})(); return s && s.rows === 2 && s.names.length === 2; }}",
        timeout=20_000, polling=100)
    after = page.evaluate(_STATE_JS)
    screenshot(page, "dashboard-brushed")
    dash.locator(".nbtrack-parcoords").screenshot(path=str(SCREENSHOTS / "parcoords-svg-dashboard.png"))
    assert after["names"] == ["lr-0.001", "lr-0.01"], after
    assert all("lr-0.1" not in text for text in after["rowText"]), after
    assert after["brush"][0] == 1 and sum(after["brush"]) == 1, after  # one brushed axis
    assert (after["lines"], after["greyed"]) == (3, 1), after  # lr-0.1's line greyed, not removed

    # a new run inside the brushed range: the dashboard redraws a new figure with the brush Python kept
    page.evaluate(_EXECUTE_JS, _NEW_RUN)
    page.wait_for_function(
        f"() => {{ const s = ({_STATE_JS})(); return s && s.rows === 3 && s.lines === 4; }}",
        timeout=30_000, polling=200)
    refreshed = page.evaluate(_STATE_JS)
    assert refreshed["brush"][0] == 1 and sum(refreshed["brush"]) == 1 and refreshed["greyed"] == 1, refreshed
    assert all("lr-0.1" not in text for text in refreshed["rowText"]), refreshed

    # the plot follows its output area's width (and keeps the brush)
    width = "() => document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .nbtrack-parcoords svg').clientWidth"
    wide = page.evaluate(width)
    page.set_viewport_size({"width": 1000, "height": 1000})
    page.wait_for_function(f"(w) => ({width})() < w - 200", arg=wide, timeout=10_000, polling=100)
    assert page.evaluate(_STATE_JS)["brush"][0] == 1
    page.set_viewport_size({"width": 1400, "height": 1000})
    page.wait_for_function(f"(w) => ({width})() === w", arg=wide, timeout=10_000, polling=100)

    # a click on the brushed axis clears it: every run again
    box = brush.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_function(
        f"() => {{ const s = ({_STATE_JS})(); return s && s.rows === 4 && s.greyed === 0 && s.brush[0] === 0; }}",
        timeout=20_000, polling=100)
