"""The chart widget's front end: one module, parallel coordinates drawn by our own SVG script (no WebGL)."""

from __future__ import annotations

from pathlib import Path

from nbtrack.ui import plotly_view
from nbtrack.ui.plotly_view import PlotlyView

UI = Path(plotly_view.__file__).parent


def test_the_widget_module_is_the_svg_parcoords_then_the_chart() -> None:
    parcoords, chart = (UI / "parcoords.js").read_text(), (UI / "plotly_view.js").read_text()
    assert PlotlyView._esm == parcoords + "\n" + chart  # one module: anywidget loads one file
    assert "new Parcoords(" in chart and "class Parcoords" in parcoords
    assert chart.count("export default") == 1 and "export " not in parcoords  # the chart is the module's export


def test_the_parcoords_script_needs_no_webgl_no_network_and_writes_no_markup() -> None:
    source = (UI / "parcoords.js").read_text()
    assert "getContext" not in source and "webgl" not in source.lower().replace("webgl contexts", "")
    assert "import " not in source and "http" not in source.replace("http://www.w3.org/2000/svg", "")
    assert "innerHTML" not in source and "insertAdjacentHTML" not in source  # text goes in as textContent


def test_no_chart_of_nbtracks_asks_plotly_for_a_webgl_trace() -> None:
    """Only Object3D's 3-D scene (one context a chart) may use WebGL; no scattergl, no plotly parcoords."""
    webgl = ("Scattergl", "scattergl", "Heatmapgl", "Pointcloud", "Scatterpolargl", "Splom", "render_mode")
    builders = [path for path in UI.parent.rglob("*.py") if path.name != "svg.py"]  # svg.py reads any figure
    offenders = [f"{path.name}: {word}" for path in builders for word in webgl if word in path.read_text()]
    assert offenders == []
    three_d = sorted(path.name for path in builders
                     if "Scatter3d" in path.read_text() or "Mesh3d" in path.read_text())
    assert three_d == ["media_players.py"]
