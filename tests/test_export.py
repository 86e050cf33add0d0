"""`nbtrack export`: one plotly.js copy in the head, nothing fetched from a network, every chart kept."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import plotly.graph_objects as go
import plotly.io as pio
import pytest

from nbtrack.cli import main
from nbtrack.export import export_notebook, external_references, notebook_to_html, plotlyjs_source, strip_plotlyjs

PLOTLYJS_BANNER = re.compile(r"\*\s*plotly\.js v\d")


def _figure_html(title: str) -> str:
    fig = go.Figure(go.Scatter(x=[0, 1, 2, 3], y=[1.0, 0.6, 0.4, 0.3], name="loss"))
    fig.update_layout(title=title)
    return pio.to_html(fig, full_html=False, include_plotlyjs=False, config={"displaylogo": False})


def _static_output(run_id: str, state: str, *, with_plotlyjs: bool) -> nbformat.NotebookNode:
    """An output shaped like nbtrack's static fallback (first one of a session carries plotly.js)."""
    parts = []
    if with_plotlyjs:
        parts.append(f'<script type="text/javascript" data-nbtrack-plotlyjs="1">{plotlyjs_source()}</script>')
    parts.append(f'<div class="nbtrack-static" data-run-id="{run_id}" data-state="{state}">'
                 f'<b>run {run_id}</b>{_figure_html(run_id + " loss")}{_figure_html(run_id + " acc")}</div>')
    return nbformat.v4.new_output("display_data", data={
        "text/html": "".join(parts),
        "text/plain": f"nbtrack run {run_id}: {state}",
    })


def _notebook() -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    # saved with widget state (nbclient's default): nbconvert alone would pick the widget view, which
    # needs a widget manager from a CDN, over the fallback
    state = {"abc123": {"model_name": "FigureModel", "model_module": "anywidget", "model_module_version": "0.11.0",
                        "state": {"_esm": "export default {}"}}}
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {
        "state": state, "version_major": 2, "version_minor": 0}}
    widget_view = nbformat.v4.new_output("display_data", data={
        "application/vnd.jupyter.widget-view+json": {"model_id": "abc123", "version_major": 2, "version_minor": 0},
        "text/plain": "FigureWidget({'data': [], 'layout': {}})",
    })
    bare_widget = nbformat.v4.new_output("display_data", data={
        "application/vnd.jupyter.widget-view+json": {"model_id": "def456", "version_major": 2, "version_minor": 0},
    })
    other_bundle = nbformat.v4.new_output("display_data", data={
        # what `fig.show()` / `to_html(include_plotlyjs=True)` leave: a second, unmarked plotly.js copy
        "text/html": pio.to_html(go.Figure(go.Bar(x=["a", "b"], y=[1, 2])), full_html=False, include_plotlyjs=True),
        "text/plain": "Figure",
    })
    plotly_mime = nbformat.v4.new_output("display_data", data={
        "application/vnd.plotly.v1+json": go.Figure(go.Scatter(x=[1, 2], y=[2, 1], name="shown")).to_plotly_json(),
        "text/plain": "Figure",
    })
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Report <b>&lt;script&gt;alert(1)&lt;/script&gt;</b>\n\nmath: $x^2$"),
        nbformat.v4.new_code_cell("%%track lr=0.1", outputs=[_static_output("run1", "finished", with_plotlyjs=True)]),
        nbformat.v4.new_code_cell("%%track lr=0.2", outputs=[_static_output("run2", "failed", with_plotlyjs=False)]),
        nbformat.v4.new_code_cell('print("<not a tag>")', outputs=[
            nbformat.v4.new_output("stream", name="stdout", text="<not a tag>\n")]),
        nbformat.v4.new_code_cell("w", outputs=[widget_view, bare_widget]),
        nbformat.v4.new_code_cell("fig", outputs=[other_bundle]),
        nbformat.v4.new_code_cell("fig.show()", outputs=[plotly_mime]),
    ]
    return nb


@pytest.fixture(scope="module")
def page() -> str:
    return notebook_to_html(_notebook(), name="report")


def test_plotlyjs_inlined_exactly_once_in_the_head(page: str) -> None:
    assert len(PLOTLYJS_BANNER.findall(page)) == 1
    head, _, body = page.partition("</head>")
    assert plotlyjs_source()[:2000] in head
    assert "data-nbtrack-plotlyjs" in head and "data-nbtrack-plotlyjs" not in body
    assert len(page) < len(plotlyjs_source()) + 1_500_000  # one copy, not two or three


def test_no_external_script_or_stylesheet(page: str) -> None:
    assert external_references(page) == []
    markup = page.replace(plotlyjs_source(), "")  # plotly.js's own strings name plotly.com (its logo link)
    for match in re.finditer(r"""\b(?:src|href)\s*=\s*["']?\s*((?:https?:)?//[^"'\s>]+)""", markup):
        pytest.fail(f"external reference left in the page: {match.group(0)}")
    for needle in ("cdnjs.cloudflare.com", "require.min.js", "mathjax/", "mermaid", "html-manager", "unpkg.com"):
        assert needle not in markup.lower(), needle


def test_every_chart_is_kept(page: str) -> None:
    assert page.count('class="nbtrack-static"') == 2
    assert re.search(r'class="nbtrack-static"[^>]*data-run-id="run1"|data-run-id="run1"[^>]*class="nbtrack-static"', page)
    assert 'data-state="failed"' in page
    # 2 runs x 2 figures + the bar chart from the unmarked bundle + the figure from plotly's MIME type
    assert page.count('class="plotly-graph-div"') == 6
    assert page.count("Plotly.newPlot(") == 6
    assert '"name":"shown"' in page  # plotly's MIME payload became an interactive figure


def test_widget_views_show_their_fallback(page: str) -> None:
    assert "FigureWidget({&#x27;data&#x27;: [], &#x27;layout&#x27;: {}})" in page or \
        "FigureWidget({'data': [], 'layout': {}})" in page
    assert "shown only with a running kernel" in page
    assert "application/vnd.jupyter.widget-view+json" not in page
    assert "widget-state+json" not in page and "export default {}" not in page


def test_notebook_content_stays_escaped(page: str) -> None:
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;not a tag&gt;" in page


def test_strip_plotlyjs_keeps_other_scripts() -> None:
    fig_html = _figure_html("kept")
    html = (f'<script data-nbtrack-plotlyjs="1">{plotlyjs_source()}</script>'
            f'<script>window.PlotlyConfig = {{MathJaxConfig: \'local\'}};</script>'
            f'<div class="nbtrack-static">{fig_html}</div><script>console.log("mine")</script>')
    stripped = strip_plotlyjs(html)
    assert not PLOTLYJS_BANNER.search(stripped) and "PlotlyConfig" not in stripped
    assert fig_html in stripped and 'console.log("mine")' in stripped
    assert strip_plotlyjs("<p>no scripts</p>") == "<p>no scripts</p>"


def test_cli_export(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "nb.ipynb"
    nbformat.write(_notebook(), src)
    out = tmp_path / "out" / "page.html"
    assert main(["export", str(src), "-o", str(out)]) == 0
    assert f"wrote {out}" in capsys.readouterr().out
    text = out.read_text(encoding="utf-8")
    assert len(PLOTLYJS_BANNER.findall(text)) == 1 and "<title>nb</title>" in text

    assert main(["export", str(src)]) == 0  # default: beside the notebook
    assert (tmp_path / "nb.html").is_file()

    assert main(["export", str(tmp_path / "missing.ipynb")]) == 2
    assert "no notebook at" in capsys.readouterr().err


def _nbtrack_output() -> nbformat.NotebookNode:
    """An output exactly as nbtrack's frozen run view makes it (marked in its metadata)."""
    from nbtrack.ui.static import output_metadata, static_bundle

    fig = go.Figure(go.Scatter(x=[0, 1, 2], y=[3.0, 2.0, 1.5], name="loss"))
    fig.update_layout(title="ours", height=300)
    bundle = static_bundle(header_html="<b>run r1</b>", figures=[fig], text="nbtrack run r1", interactive=False,
                           attrs={"data-run-id": "r1"})
    return nbformat.v4.new_output("display_data", data=bundle, metadata=output_metadata("run"))


def _hostile_notebook() -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("x")
    cell.outputs = [
        _nbtrack_output(),
        nbformat.v4.new_output("display_data", data={
            "text/html": "<div class='theirs'><script>window.pwned = 1</script><img src='x' onerror='pwned=2'>"
                         "<iframe src='about:blank'></iframe>kept text</div>", "text/plain": "theirs"}),
        nbformat.v4.new_output("display_data", data={"application/javascript": "window.pwned = 3",
                                                     "text/plain": "js"}),
        nbformat.v4.new_output("display_data", data={  # a forged nbtrack marker does not let a script through
            "text/html": "<div class='forged'><script>window.pwned = 4</script></div>", "text/plain": "forged"},
            metadata={"nbtrack": {"kind": "run", "version": 1}}),
    ]
    nb.cells = [cell]
    return nb


def test_an_untrusted_notebooks_scripts_are_not_exported_but_nbtracks_charts_are(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JUPYTER_DATA_DIR", str(tmp_path / "jupyter"))  # a fresh secret: nothing signed yet
    path = tmp_path / "shared.ipynb"
    nbformat.write(_hostile_notebook(), path)
    page = export_notebook(path).read_text()
    for hostile in ("window.pwned", "pwned=2", "about:blank", "pwned = 3"):
        assert hostile not in page, hostile
    assert "kept text" in page and "nbtrack-chart-img" in page and "data:image/svg+xml;base64," in page
    assert page.count('class="nbtrack-figure"') == 1 and "P.newPlot(d,f.data,f.layout" in page  # ours redraws it

    from nbformat.sign import NotebookNotary

    signed = nbformat.read(path, as_version=4)
    NotebookNotary().sign(signed)  # the user's own notebook: trusted, shown as it is
    nbformat.write(signed, path)
    trusted_page = export_notebook(path).read_text()
    assert "window.pwned = 1" in trusted_page and "nbtrack-chart-img" in trusted_page


def test_an_untrusted_notebooks_audio_and_video_keep_their_inline_data(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    # logged media play in a shared notebook's export: data:audio/ and data:video/ stay as a player's src only
    monkeypatch.setenv("JUPYTER_DATA_DIR", str(tmp_path / "jupyter"))
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("x")
    cell.outputs = [nbformat.v4.new_output("display_data", data={"text/plain": "media", "text/html": (
        "<audio controls src='data:audio/wav;base64,UklG'></audio><video poster='data:image/png;base64,iVBO' "
        "src='data:video/webm;base64,GkXf'></video><video><source src='data:video/mp4;base64,AAAA'></video>"
        "<a href='data:video/mp4;base64,BBBB'>link</a><img src='data:audio/wav;base64,CCCC'>")})]
    nb.cells = [cell]
    path = tmp_path / "shared.ipynb"
    nbformat.write(nb, path)
    page = export_notebook(path).read_text()
    for kept in ('src="data:audio/wav;base64,UklG"', 'src="data:video/webm;base64,GkXf"',
                 'poster="data:image/png;base64,iVBO"', 'src="data:video/mp4;base64,AAAA"'):
        assert kept in page, kept
    assert "BBBB" not in page and "CCCC" not in page  # elsewhere a media data: URL is still refused
