"""A saved notebook, without a kernel or a network: `nbtrack export`'s page and nbconvert's HTML
both render every chart in Chromium with every non-file request blocked."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import nbformat
import pytest
from labkit import offline_context, screenshot
from nbconvert import HTMLExporter

from nbtrack.cli import main

pytestmark = pytest.mark.browser

_EXECUTE = """
import sys
import nbformat
from nbclient import NotebookClient

src, dest, cwd = sys.argv[1:4]
nb = nbformat.read(src, as_version=4)
# saved as JupyterLab saves by default: without widget state (nbclient would store it, and then
# nbconvert prefers the dashboard's widget view, which needs a CDN, over its static HTML)
NotebookClient(nb, timeout=180, kernel_name="python3", store_widget_state=False,
               resources={"metadata": {"path": cwd}}).execute()
nbformat.write(nb, dest)
"""

# each nbtrack chart: drawn by plotly.js where scripts run, else its SVG picture (parallel coordinates stay
# pictures everywhere: plotly's parcoords would take three WebGL contexts each)
_CHARTS_JS = """() => Array.from(document.querySelectorAll('.nbtrack-chart')).map(c => {
  const div = c.querySelector('.plotly-graph-div'), img = c.querySelector('img.nbtrack-chart-img');
  const box = (div || img || c).getBoundingClientRect();
  const spec = c.querySelector('script.nbtrack-figure');
  return {
    parcoords: Boolean(spec && /"type": ?"parcoords"/.test(spec.textContent)),
    plotted: Boolean(div && div.classList.contains('js-plotly-plot') && div.querySelector('.main-svg')),
    traces: div && div.data ? div.data.length : 0,
    picture: Boolean(img && img.complete && img.naturalWidth > 0),
    w: box.width, h: box.height,
  }; })"""


def _figure_count(nb: Any) -> int:
    """How many nbtrack charts the saved notebook's HTML outputs hold."""
    count = 0
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            html = output.get("data", {}).get("text/html", "")
            count += len(re.findall(r'class="nbtrack-chart"', "".join(html)))
    return count


def _open_offline(browser: Any, html_path: Path, shot: str, expected: int, *, scripts: bool = True,
                  interactive: bool = True) -> dict[str, Any]:
    """Open a local page with every request that is not a file aborted; wait for the charts."""
    context, blocked = offline_context(browser, java_script_enabled=scripts)
    errors: list[str] = []
    try:
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(html_path.as_uri(), wait_until="load", timeout=60_000)
        if interactive:
            page.wait_for_function(
                f"(n) => {{ const c = ({_CHARTS_JS})();"
                " return c.length >= n && c.every(x => x.parcoords ? x.picture : x.plotted); }",
                arg=expected, timeout=30_000, polling=200)
        elif scripts:  # each chart drawn by plotly.js or shown as its (decoded) picture
            page.wait_for_function(
                f"(n) => {{ const c = ({_CHARTS_JS})();"
                " return c.length >= n && c.every(x => x.plotted || x.picture); }",
                arg=expected, timeout=30_000, polling=200)
        charts = page.evaluate(_CHARTS_JS)
        statics = page.locator(".nbtrack-static").count()
        dashboards = page.locator(".nbtrack-dashboard-static").count()
        screenshot(page, shot)
    finally:
        context.close()
    return {"charts": charts, "blocked": blocked, "errors": errors, "statics": statics,
            "dashboards": dashboards}


def test_exported_and_nbconvert_pages_render_offline(
    browser: Any, tmp_path: Path, notebooks_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("NBTRACK_STORE", "NBTRACK_PROJECT")}
    env.update(NBTRACK_DIR=str(tmp_path / "store"), NBTRACK_PNG="0")
    executed = tmp_path / "export_demo.ipynb"
    subprocess.run([sys.executable, "-c", _EXECUTE, str(notebooks_dir / "export_demo.ipynb"), str(executed),
                    str(tmp_path)], env=env, check=True, timeout=240, cwd=tmp_path)
    nb = nbformat.read(executed, as_version=4)
    expected = _figure_count(nb)
    assert expected >= 3, "each of the three runs leaves at least one static chart in the saved notebook"

    # in this process (a new Python process pays seconds of imports on this machine): the CLI entry point,
    # and what `jupyter nbconvert --to html` runs
    exported = tmp_path / "exported.html"
    assert main(["export", str(executed), "-o", str(exported)]) == 0
    assert "warning" not in capsys.readouterr().err
    converted = tmp_path / "nbconvert.html"
    converted.write_text(HTMLExporter().from_filename(str(executed))[0], encoding="utf-8")

    ours = _open_offline(browser, exported, "export-offline", expected)
    assert len(ours["charts"]) == expected, ours
    # every chart interactive, but the dashboard's parallel coordinates: a picture, not swapped for WebGL
    assert all(c["plotted"] and c["traces"] > 0 for c in ours["charts"] if not c["parcoords"]), ours
    assert [c["picture"] and not c["plotted"] for c in ours["charts"] if c["parcoords"]] == [True], ours
    assert ours["statics"] == 3, ours  # two %%track runs and one `with nbtrack.init()` run
    assert ours["dashboards"] == 1, ours
    assert ours["blocked"] == [], "the exported page asked the network for " + ", ".join(ours["blocked"])
    assert ours["errors"] == [], ours["errors"]

    # with scripts off every chart is still there: its SVG picture
    still = _open_offline(browser, exported, "export-no-script", expected, scripts=False, interactive=False)
    assert len(still["charts"]) == expected and still["dashboards"] == 1, still
    assert all(c["picture"] and c["w"] > 100 and c["h"] > 100 for c in still["charts"]), still

    theirs = _open_offline(browser, converted, "nbconvert-offline", expected, interactive=False)
    assert len(theirs["charts"]) == expected, theirs
    assert theirs["statics"] == 3 and theirs["dashboards"] == 1, theirs
    # the runs' charts are drawn by plotly.js (the first output carries it); the dashboard's snapshot,
    # redrawn as the view changed, keeps its pictures
    assert all((c["plotted"] or c["picture"]) and c["w"] > 100 and c["h"] > 100 for c in theirs["charts"]), theirs
    # (nbconvert's template asked CDNs for require.js, MathJax and the widget manager: all refused, yet every
    # chart rendered, from the plotly.js that the first nbtrack output of the session carries)
    assert theirs["blocked"], "expected nbconvert's CDN requests to have been refused"
