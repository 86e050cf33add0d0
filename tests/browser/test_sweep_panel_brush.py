"""Brushing the sweep panel's parallel coordinates in JupyterLab: a drag on the x axis shrinks the trials table."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from labkit import SCREENSHOTS, Lab, screenshot

pytestmark = pytest.mark.browser

CELLS = [
    "import nbtrack\n"
    "def train():\n"
    "    with nbtrack.init() as run:\n"
    "        run.log({'loss': (run.config.x - 0.3) ** 2})",
    "config = {'method': 'grid', 'metric': {'name': 'loss', 'goal': 'minimize'},\n"
    "          'parameters': {'x': {'values': [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8]}}}\n"
    "panel = nbtrack.sweep_panel(train, config=config, project='browser-sweep-brush')\n"
    "panel",
    "panel.start(); assert panel.wait(120) and panel.status == 'finished'",
]

_STATE_JS = """() => {
  const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .nbtrack-sweep-panel');
  if (!panel) return null;
  const parallel = panel.querySelector('.nbtrack-parcoords svg');  // nbtrack's SVG parallel coordinates
  return {rows: panel.querySelectorAll('tr[data-run-id]').length,
          axes: parallel ? parallel.querySelectorAll('.nbtrack-parcoords-hit').length : 0,
          brushes: parallel ? parallel.querySelectorAll('.nbtrack-parcoords-brush').length : 0,
          greyed: parallel ? parallel.querySelectorAll('.nbtrack-parcoords-out').length : 0};
}"""


def test_brushing_an_axis_filters_the_trials_table(lab: Lab, tmp_path: Path) -> None:
    source = tmp_path / "sweep_brush.ipynb"
    kernel = {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}}
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in CELLS], metadata=kernel)
    nbformat.write(notebook, source)
    page = lab.open_notebook(source)
    lab.run_all()
    lab.wait_cells_done(timeout=180)
    panel = lab.cell(1).locator(".nbtrack-sweep-panel")
    panel.wait_for(state="visible", timeout=30_000)
    page.wait_for_function(f"() => {{ const s = ({_STATE_JS})(); return s && s.rows === 8 && s.axes >= 2; }}",
                           timeout=60_000, polling=250)
    brush = panel.locator(".nbtrack-parcoords .nbtrack-parcoords-hit").first  # the x axis: 0.8 at the top, 0.1 low
    brush.evaluate("el => el.scrollIntoView({block: 'center'})")  # whole axis on screen, clear of the status bar
    box = brush.bounding_box()
    assert box is not None and box["height"] > 50, box
    x = box["x"] + box["width"] / 2
    page.mouse.move(x, box["y"] + box["height"] * 0.05)  # from near the top (0.8) ...
    page.mouse.down()
    page.mouse.move(x, box["y"] + box["height"] * 0.45, steps=12)  # ... to just above the middle (0.5..0.8)
    page.mouse.up()
    page.wait_for_function(f"() => {{ const s = ({_STATE_JS})(); return s && s.rows > 0 && s.rows < 8; }}",
                           timeout=20_000, polling=100)
    screenshot(page, "sweep-panel-brushed")
    panel.locator(".nbtrack-parcoords").screenshot(path=str(SCREENSHOTS / "parcoords-svg-sweep.png"))
    rows = panel.locator("tr[data-run-id] td:nth-child(4)").all_inner_texts()  # the x column
    assert sorted(float(x) for x in rows) == [0.5, 0.6, 0.7], rows
    state = page.evaluate(_STATE_JS)
    assert (state["brushes"], state["greyed"]) == (1, 5), state  # the brush as Python sent it back; 5 lines grey
