"""A quickstart-like session in JupyterLab with the console open: tracked cells (a short one that
ends before its view has drawn, one with media and an alert), an init() run and the dashboard.
Not one JavaScript error on the page, and the live chart is as wide as its output from the first draw."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from labkit import Lab, screenshot

pytestmark = pytest.mark.browser

CELLS = [
    "%load_ext nbtrack\nimport time\nimport numpy as np\nimport nbtrack",
    """%%track --project quick --name slow lr=0.1
for epoch in range(40):
    time.sleep(0.05)
    run.log({"loss": lr / (epoch + 1), "acc": epoch / 40, "val/loss": 2 * lr / (epoch + 1)})
run.alert("Slow start", "loss above target", level="WARN")
run.log({"weights": nbtrack.Histogram(np.random.default_rng(0).normal(size=500)),
         "samples": nbtrack.Table(columns=["img", "label"], data=[[nbtrack.Image(np.zeros((8, 8), np.uint8)), "zero"]])})
""",
    """%%track --project quick --name short lr=0.01
for epoch in range(3):
    run.log({"loss": lr / (epoch + 1), "acc": epoch / 3})
""",
    # short runs end while their views are still being created (where "Could not add child view to box"
    # and "processLuminoMessage" came from: a chart widget inside every live view's hidden media panel)
    *[f"%%track --project quick --name short-{i}\nfor epoch in range(3):\n    run.log({{'loss': 1 / (epoch + 1)}})\n"
      f"    time.sleep({i * 0.05})" for i in range(1, 5)],
    """run = nbtrack.init(project="quick", name="by-init", config={"lr": 0.5})
for epoch in range(5):
    run.log({"loss": 0.5 / (epoch + 1), "acc": epoch / 5})
run.finish()
""",
    'nbtrack.dashboard("quick")',
]

_WIDTHS_JS = """() => {
  const root = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .nbtrack-live');
  if (!root) return null;
  const plots = Array.from(root.querySelectorAll('.js-plotly-plot .main-svg:first-of-type'));
  const area = root.closest('.jp-OutputArea-output') || root;
  return {area: area.getBoundingClientRect().width, plots: plots.map(p => p.getBoundingClientRect().width)};
}"""


def test_a_quickstart_session_logs_no_javascript_error(lab: Lab, tmp_path: Path) -> None:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in CELLS], metadata={
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
    path = tmp_path / "quickstart.ipynb"
    nbformat.write(nb, path)
    console: list[str] = []
    page = lab.open_notebook(path)
    page.on("console", lambda msg: console.append(msg.text) if msg.type == "error" else None)
    lab.run_all()
    # the first draw of the live chart already fills the output area (no 700 px figure that widens later)
    page.wait_for_function(f"() => {{ const s = ({_WIDTHS_JS})(); return s && s.plots.length > 0; }}",
                           timeout=60_000, polling=20)
    first = page.evaluate(_WIDTHS_JS)
    assert all(w >= 0.9 * first["area"] for w in first["plots"]), first
    lab.wait_cells_done(timeout=180)
    dashboard = lab.cell(len(CELLS) - 1).locator(".nbtrack-dashboard .js-plotly-plot .main-svg").first
    dashboard.wait_for(state="visible", timeout=60_000)
    page.wait_for_timeout(1500)  # let late widget messages land: errors they raise must show up here
    screenshot(page, "quickstart-console")
    assert lab.errors == [], lab.errors  # uncaught exceptions
    assert console == [], console  # console.error: "Could not add child view to box", WebGL, ...
    assert lab.cell(1).locator(".nbtrack-alert").count() == 1
