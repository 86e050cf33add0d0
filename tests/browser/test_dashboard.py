"""The dashboard in JupyterLab: the runs table, the parallel-coordinates plot, and the overlaid
curves following the rows a person ticks."""

from __future__ import annotations

from pathlib import Path

import pytest
from labkit import Lab, screenshot

pytestmark = pytest.mark.browser

_PLOTS_JS = """() => {
  const dash = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .nbtrack-dashboard');
  if (!dash) return null;
  const plots = Array.from(dash.querySelectorAll('.js-plotly-plot')).filter(p => p.data);
  const parallel = dash.querySelector('.nbtrack-parcoords svg');  // nbtrack's SVG parallel coordinates
  const curves = plots.find(p => p.data.length && p.data.every(t => !t.type || t.type.startsWith('scatter')));
  const names = curves ? curves.data.map(t => t.name || '') : [];
  const colors = {};
  if (curves) for (const t of curves.data) colors[t.name] = t.line && t.line.color;
  const runs = dash.querySelector('.nbtrack-runs');
  const area = dash.closest('.jp-OutputArea-output') || dash;
  return {
    colors,
    chips: Array.from(dash.querySelectorAll('.nbtrack-metric')).filter(c => c.offsetWidth > 0).length,
    tableRight: runs ? runs.getBoundingClientRect().right : null,
    areaRight: area.getBoundingClientRect().right,
    rows: dash.querySelectorAll('tr[data-id]').length,
    parallel: parallel ? {dimensions: parallel.querySelectorAll('.nbtrack-parcoords-axis').length,
                          svg: parallel.querySelectorAll('.nbtrack-parcoords-line').length === 3,
                          labels: Array.from(parallel.querySelectorAll('.nbtrack-parcoords-label'))
                            .map(t => t.textContent)} : null,
    traces: names.length,
    names: Array.from(new Set(names)).sort(),
  };
}"""


def test_dashboard_table_parallel_coordinates_and_selection(lab: Lab, notebooks_dir: Path) -> None:
    page = lab.open_notebook(notebooks_dir / "dashboard.ipynb")
    lab.run_all()
    lab.wait_cells_done(timeout=120)
    # scroll to it, as a person would (Lab does not lay out cells far outside the view)
    dash = lab.cell(2).locator(".nbtrack-dashboard")
    dash.wait_for(state="attached", timeout=30_000)
    dash.scroll_into_view_if_needed()

    page.wait_for_function(
        f"() => {{ const s = ({_PLOTS_JS})(); return s && s.rows === 3 && s.parallel && s.parallel.svg "
        f"&& s.traces > 0; }}", timeout=60_000, polling=250)
    before = page.evaluate(_PLOTS_JS)
    dash.scroll_into_view_if_needed()
    screenshot(page, "dashboard")
    # its snapshot (what a notebook without this kernel shows) is saved under it but hidden while it lives
    snapshot = lab.cell(2).locator(".nbtrack-dashboard-static")
    assert snapshot.count() == 1 and not snapshot.is_visible() and dash.is_visible()
    assert before["rows"] == 3, before
    # parameters lr and layers, and the metric, are axes of the parallel-coordinates plot
    assert before["parallel"]["dimensions"] >= 3, before
    assert {"layers", "lr"} <= set(before["parallel"]["labels"]), before
    assert before["names"] == ["lr-0.001", "lr-0.01", "lr-0.1"], before  # 3 runs selected at first
    assert before["chips"] >= 2, before  # every metric is a chip, visible without a click
    assert before["tableRight"] <= before["areaRight"] + 1, before  # no column cut off by the output area

    # typing in the metric filter stays there: no notebook shortcut fires (command-mode "a" adds a cell)
    cells = page.evaluate("() => window.jupyterapp.shell.currentWidget.content.widgets.length")
    box = dash.locator(".nbtrack-metrics-filter")
    box.click()
    page.keyboard.type("aab")
    assert box.input_value() == "aab"
    assert page.evaluate("() => window.jupyterapp.shell.currentWidget.content.widgets.length") == cells
    box.fill("")

    # untick one run: its curves leave the overlay
    row = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .nbtrack-dashboard tr[data-id]", has_text="lr-0.01")
    assert row.count() == 1
    row.locator("input[type=checkbox]").click()
    page.wait_for_function(
        f"(n0) => {{ const s = ({_PLOTS_JS})(); return s && s.traces > 0 && s.traces < n0; }}",
        arg=before["traces"], timeout=20_000, polling=100)
    after = page.evaluate(_PLOTS_JS)
    screenshot(page, "dashboard-selection")
    assert len(after["names"]) == 2 and set(after["names"]) < set(before["names"]), (before, after)
    assert after["traces"] * 3 == before["traces"] * 2, (before, after)  # one run's share of every panel

    # tick it again: back to three
    row.locator("input[type=checkbox]").click()
    page.wait_for_function(
        f"(n0) => {{ const s = ({_PLOTS_JS})(); return s && s.traces === n0; }}",
        arg=before["traces"], timeout=20_000, polling=100)
    again = page.evaluate(_PLOTS_JS)
    assert again["names"] == before["names"]
    assert again["colors"] == before["colors"], (before, again)  # every run back in its own colour
