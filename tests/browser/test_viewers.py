"""What viewers other than Jupyter's show of a notebook nbtrack wrote: image-only front ends, VS Code's rules.

A real notebook (three `%%track` cells, one logging keys under `train/` and `val/`, a dashboard,
a sweep panel that ran its trials, an agent's progress bar) is executed by nbclient with PNGs off,
so every picture is nbtrack's own SVG, drawn without a browser. For EVERY nbtrack output whose
HTML holds a chart, the bundle must carry an image (image/svg+xml or image/png) that Chromium
draws at real size with ink in it, and that image must hold every chart of the output: each
chart's band of the picture has ink of its own. Outputs without a chart (the agent's progress
bar, a widget's own output) fall back to their text. A page made of what such a front end
shows is saved as build/screenshots/image-only.png.

VS Code is not run here. Its rules, as read in its source (the README cites the files and lines),
are applied to the same notebook in Chromium: the mime type it picks per output, the Jupyter
extension's fallback when the kernel does not hold a widget's model, and its built-in HTML renderer
(no sanitiser; each `<script>` re-created so that it runs; all outputs in one document).
"""

from __future__ import annotations

import base64
import html
import os
import re
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbclient import NotebookClient

sys.path.insert(0, str(Path(__file__).parent))

from labkit import screenshot  # noqa: E402
from test_shared_notebook import CELLS  # noqa: E402  (the notebook every "shared" test reads)

SVG = "{http://www.w3.org/2000/svg}"
SECTIONED = ("%%track --project shared lr=0.05\nfor step in range(20):\n"
             "    run.log({'train/loss': lr / (step + 1), 'train/acc': step / 20, 'val/loss': 1 - step * lr})")
IMAGE_TYPES = ("image/png", "image/svg+xml")  # what an image-only front end can draw

# per picture: its natural size and, per horizontal band [top, bottom), how many pixels are not white
_INK_JS = """async ({src, bands}) => {
  const img = new Image();
  img.src = src;
  await img.decode();
  const w = img.naturalWidth, h = img.naturalHeight;
  const canvas = document.createElement('canvas');
  canvas.width = w; canvas.height = h;
  const ctx = canvas.getContext('2d');
  ctx.drawImage(img, 0, 0);
  const px = ctx.getImageData(0, 0, w, h).data;
  const ink = (top, bottom) => { let n = 0;
    for (let y = Math.max(0, top); y < Math.min(h, bottom); y++)
      for (let x = 0; x < w; x++) { const i = 4 * (y * w + x);
        if (px[i + 3] > 0 && (px[i] < 235 || px[i + 1] < 235 || px[i + 2] < 235)) n++; }
    return n; };
  return {w, h, total: ink(0, h), bands: bands.map(([t, b]) => ink(t, b))};
}"""


@pytest.fixture(scope="module")
def notebook(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The notebook executed by nbclient, PNGs off (no kaleido, no browser: only nbtrack's own pictures)."""
    work = tmp_path_factory.mktemp("image-only")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(c) for c in (*CELLS[:3], SECTIONED, *CELLS[3:])]
    old = dict(os.environ)
    os.environ.update({"NBTRACK_DIR": str(work / "store"), "NBTRACK_PNG": "0"})
    try:
        NotebookClient(nb, timeout=180, kernel_name="python3", resources={"metadata": {"path": str(work)}}).execute()
    finally:
        os.environ.clear()
        os.environ.update(old)
    return nb


def _nbtrack_outputs(nb: Any) -> list[tuple[str, dict[str, Any]]]:
    """(kind, data) of every output nbtrack made, in notebook order."""
    return [(out["metadata"]["nbtrack"]["kind"], out["data"]) for cell in nb.cells for out in cell.get("outputs", ())
            if "nbtrack" in out.get("metadata", {}) and "data" in out]


def _charts_in(page_html: str) -> list[str]:
    """The alt text (chart title) of each chart picture an output's HTML holds."""
    return [html.unescape(a) for a in re.findall(r'<img class="nbtrack-chart-img" alt="([^"]*)"', page_html)]


def _image_src(data: dict[str, Any]) -> str | None:
    """What an image-only front end draws of a bundle, as a data: URI; None when it has no image."""
    if "image/png" in data:
        return "data:image/png;base64," + "".join(data["image/png"])
    if "image/svg+xml" in data:
        return "data:image/svg+xml;base64," + base64.b64encode("".join(data["image/svg+xml"]).encode()).decode()
    return None


def _bands(sheet: ET.Element) -> list[tuple[int, int]]:
    """The vertical band [top, bottom) of each chart on a sheet."""
    out = []
    for g in sheet.iter(f"{SVG}g"):
        if g.get("class") == "nbtrack-sheet-chart":
            top = float(re.fullmatch(r"translate\(0,([\d.]+)\)", g.get("transform", "")).group(1))
            height = float(next(iter(g)).get("height"))
            out.append((int(top), int(top + height)))
    return out


def test_an_image_only_front_end_sees_every_chart_of_every_output(notebook: Any, browser: Any) -> None:
    outputs = _nbtrack_outputs(notebook)
    with_charts = [(kind, data) for kind, data in outputs if _charts_in("".join(data.get("text/html", "")))]
    kinds = [kind for kind, _ in with_charts]
    assert kinds.count("run") == 3 + 3 and "dashboard" in kinds and "sweep-panel" in kinds, kinds  # + agent trials
    assert {kind for kind, _ in outputs} - set(kinds) <= {"progress", "dashboard-widget", "sweep-panel-widget"}
    context = browser.new_context(viewport={"width": 1000, "height": 800})
    try:
        page = context.new_page()
        page.set_content("<html><body></body></html>")
        shown = []
        for kind, data in outputs:
            charts = _charts_in("".join(data.get("text/html", "")))
            src = _image_src(data)
            if not charts:  # no chart: the text is what a reader needs (and what such a front end shows)
                assert "".join(data.get("text/plain", "")).strip(), kind
                shown.append(f"<pre>{html.escape(''.join(data['text/plain']))}</pre>")
                continue
            assert src is not None, f"a {kind} output with {len(charts)} charts has no image: {sorted(data)}"
            sheet = ET.fromstring("".join(data["image/svg+xml"]))
            bands = _bands(sheet)
            assert len(bands) == len(charts), (kind, len(bands), charts)  # every chart is on the picture
            words = " ".join(t.text or "" for t in sheet.iter(f"{SVG}text"))
            assert all(title in words for title in charts if title != "chart"), (kind, charts)
            drawn = page.evaluate(_INK_JS, {"src": src, "bands": bands})
            assert drawn["w"] > 100 and drawn["h"] > 100, (kind, drawn)  # drawn at real size
            assert drawn["total"] > 0.002 * drawn["w"] * drawn["h"], (kind, drawn)  # not blank
            assert all(ink > 300 for ink in drawn["bands"]), (kind, charts, drawn["bands"])  # each chart has ink
            shown.append(f"<div class='out'><small>{kind}</small><br><img src='{src}' style='max-width:100%'></div>")
        page.set_content("<html><body style='font-family:sans-serif;background:#eee'>"
                         "<h3>What an image-only front end shows of this notebook (images, else text)</h3>"
                         + "".join(shown) + "</body></html>")
        page.wait_for_function("Array.from(document.images).every(i => i.complete && i.naturalWidth > 0)")
        screenshot(page, "image-only")
    finally:
        context.close()


def test_the_dashboard_picture_names_its_sections_and_counts_their_panels(notebook: Any) -> None:
    [dash] = [data for kind, data in _nbtrack_outputs(notebook) if kind == "dashboard"][-1:]
    sheet = ET.fromstring("".join(dash["image/svg+xml"]))
    words = [t.text for t in sheet.iter(f"{SVG}text")]
    assert words[0].startswith("nbtrack dashboard of project 'shared'")  # what the picture is of
    assert {"Charts · 2 panels", "train · 2 panels", "val · 1 panel"} <= set(words), words
    page_html = "".join(dash["text/html"])
    opened = re.findall(r"data-section='([^']+)' open", page_html)
    assert opened[:3] == ["charts", "train", "val"] and set(opened[3:]) <= {"system"}, opened


# -- VS Code's rules, from our reading of its source ------------------------------------------------------

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
# the workbench's default order; a type it does not list (such as the widget view) sorts ahead of all of them
VSCODE_DEFAULT_ORDER = ("application/json", "application/javascript", "text/html", "image/svg+xml", "text/latex",
                        "text/markdown", "image/png", "image/jpeg", "text/plain")


def vscode_picks(data: dict[str, Any], *, kernel_has_model: bool = False) -> str:
    """The mime type VS Code renders: the first in its order that a renderer takes (the widget renderer
    declines, so the next type shows, when no kernel holds the widget's model)."""
    ranked = sorted(data, key=lambda m: VSCODE_DEFAULT_ORDER.index(m) if m in VSCODE_DEFAULT_ORDER else -1)
    return next(m for m in ranked if m != WIDGET_VIEW or kernel_has_model)


# VS Code's built-in renderer, as read: set the HTML as innerHTML, then re-create each <script> so it runs
_VSCODE_HTML_JS = """(html) => {
  const out = document.createElement('div');
  out.className = 'vscode-output';
  out.innerHTML = html;
  document.body.appendChild(out);
  for (const old of Array.from(out.getElementsByTagName('script'))) {
    const s = document.createElement('script');
    if (old.type) s.type = old.type;
    s.text = old.textContent;
    out.appendChild(s).parentNode.removeChild(s);
  }
}"""


def test_vscode_shows_each_outputs_html_with_its_pictures_and_runs_its_scripts(notebook: Any, browser: Any) -> None:
    outputs = _nbtrack_outputs(notebook)
    picked = [(kind, vscode_picks(data)) for kind, data in outputs]
    for kind, mime in picked:  # widget outputs fall back to their text line; every other output is HTML
        assert mime == ("text/plain" if kind.endswith("-widget") else "text/html"), (kind, mime)
    assert {vscode_picks(d, kernel_has_model=True) for k, d in outputs if k.endswith("-widget")} == {WIDGET_VIEW}
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    errors: list[str] = []
    try:
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.set_content("<html><body style='font-family:sans-serif'></body></html>")
        for (kind, mime), (_, data) in zip(picked, outputs):
            if mime == "text/html":
                page.evaluate(_VSCODE_HTML_JS, "".join(data[mime]))
            else:
                page.evaluate("t => { const p = document.createElement('pre'); p.textContent = t; "
                              "document.body.appendChild(p); }", "".join(data[mime]))
        runs = page.locator(".vscode-output .nbtrack-static")
        assert runs.count() == 6
        page.wait_for_function("Array.from(document.querySelectorAll('.nbtrack-static .nbtrack-chart'))"
                               ".every(c => c.querySelector('.plotly-graph-div .main-svg'))", timeout=60_000)
        assert page.locator(".nbtrack-static img.nbtrack-chart-img").count() == 0  # scripts ran: plotly.js drew
        for root in (".nbtrack-dashboard-static", ".nbtrack-sweep-panel-static"):  # snapshots: pictures, shown
            pictures = page.locator(f"{root} img.nbtrack-chart-img")
            assert pictures.count() >= 2, root
            page.wait_for_function("s => Array.from(document.querySelectorAll(s)).every(i => i.complete && "
                                   "i.naturalWidth > 0 && i.getBoundingClientRect().width > 100)",
                                   arg=f"{root} img.nbtrack-chart-img")
            assert page.locator(root).last.is_visible(), root  # no live widget on the page: the snapshot shows
        assert "nbtrack dashboard of project 'shared'" in page.locator("pre").first.inner_text()
        assert not errors, errors
        screenshot(page, "vscode-rules")
    finally:
        context.close()
