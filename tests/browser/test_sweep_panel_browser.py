"""The sweep panel in JupyterLab: a person clicks Start, sees trials appear in its table, clicks Stop."""

from __future__ import annotations

from pathlib import Path

import pytest
from labkit import Lab, screenshot

from nbtrack.store import open_store

pytestmark = pytest.mark.browser

_STATE_JS = """() => {
  const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .nbtrack-sweep-panel');
  if (!panel) return null;
  const status = panel.querySelector('.nbtrack-sweep-status');
  return {rows: panel.querySelectorAll('tr[data-run-id]').length,
          status: status ? status.getAttribute('data-status') : null,
          plots: panel.querySelectorAll('.js-plotly-plot .main-svg').length};
}"""


def test_start_shows_trials_and_stop_stops_the_sweep(lab: Lab, notebooks_dir: Path, lab_server) -> None:
    page = lab.open_notebook(notebooks_dir / "sweep_panel.ipynb")
    lab.run_all()
    lab.wait_cells_done(timeout=120)
    panel = lab.cell(1).locator(".nbtrack-sweep-panel")
    panel.wait_for(state="visible", timeout=30_000)
    panel.scroll_into_view_if_needed()
    assert page.evaluate(_STATE_JS)["rows"] == 0

    panel.locator(".nbtrack-sweep-start button, button.nbtrack-sweep-start").first.click()
    page.wait_for_function(f"() => {{ const s = ({_STATE_JS})(); return s && s.rows >= 2 && s.plots >= 1; }}",
                           timeout=90_000, polling=250)
    screenshot(page, "sweep-panel-running")
    panel.locator(".nbtrack-sweep-stop button, button.nbtrack-sweep-stop").first.click()
    page.wait_for_function(f"() => {{ const s = ({_STATE_JS})(); return s && s.status === 'stopped'; }}",
                           timeout=60_000, polling=250)
    rows = page.evaluate(_STATE_JS)["rows"]
    screenshot(page, "sweep-panel-stopped")

    store = open_store(str(lab_server.store_dir))
    sweeps = store.list_sweeps("browser-sweep")
    assert len(sweeps) == 1 and sweeps[0].state == "stopped"
    trials = store.list_trials(sweeps[0].id)
    assert 2 <= len(trials) < 40 and rows >= 2
    page.wait_for_timeout(1500)  # no new trial starts after Stop
    assert len(store.list_trials(sweeps[0].id)) == len(trials)
