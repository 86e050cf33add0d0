"""Static pictures of nbtrack's charts (SVG drawn in Python, no browser) and the bundles that carry them."""

from __future__ import annotations

import base64
import re
import time
import xml.etree.ElementTree as ET

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from nbtrack.ui.charts import (Curve, importance_table_figure, line_figure, parallel_data, parallel_figure,
                               scatter_figure)
from nbtrack.ui.static import chart_html, static_bundle
from nbtrack.ui.svg import figure_svg

SVG = "{http://www.w3.org/2000/svg}"


def _runs() -> pd.DataFrame:
    return pd.DataFrame({"id": list("abcdef"), "name": list("abcdef"), "config.lr": [.1, .01, .001, .05, .02, .03],
                         "config.opt": list("xyxyxy"), "summary.loss": [1, 2, 3, 1.5, 2.5, .5]})


def test_every_chart_kind_is_drawn_as_well_formed_svg_in_milliseconds() -> None:
    x = np.arange(2000, dtype=float)
    lines = line_figure({k: [Curve("a", "<b>run</b>", x, np.exp(-x / 500)), Curve("b", "b", x, x / 2000)]
                         for k in ("loss", "acc", "val/loss")}, title="train: a < b & c")
    figures = {
        "lines": lines,
        "parallel": parallel_figure(parallel_data(_runs(), "summary.loss")),
        "importance": importance_table_figure(pd.DataFrame({"param": ["config.lr", "config.opt"],
                                                            "importance": [.7, .3], "correlation": [-.5, .2],
                                                            "level": [None, None], "ped_anova": [.6, .4]}),
                                              metric="summary.loss"),
        "scatter": scatter_figure(pd.DataFrame({"id": list("ab"), "name": list("ab"), "x": [.1, .01],
                                                "y": [1.0, 2.0]}), param="config.lr", metric="summary.loss"),
        "gaps": go.Figure(go.Scatter(x=[0, 1, 2, 3, 4], y=[1, None, 2, float("nan"), 3], mode="lines")),
    }
    for name, fig in figures.items():
        started = time.perf_counter()
        svg = figure_svg(fig)
        took = time.perf_counter() - started
        root = ET.fromstring(svg)  # well-formed: titles and names are escaped
        assert root.tag == f"{SVG}svg" and took < 0.5, (name, took)
        drawn = [e for e in root.iter() if e.tag in (f"{SVG}polyline", f"{SVG}rect", f"{SVG}circle")]
        assert len(drawn) > 3, name
    lines_svg = ET.fromstring(figure_svg(lines))
    polylines = [e for e in lines_svg.iter(f"{SVG}polyline")]
    assert len(polylines) == 6 and all(len(p.get("points").split()) <= 1000 for p in polylines)  # thinned per pixel
    assert "train: a < b & c" in "".join(lines_svg.itertext())  # as text, not markup
    gaps = ET.fromstring(figure_svg(figures["gaps"]))
    assert len(list(gaps.iter(f"{SVG}polyline"))) == 3  # a gap breaks the line, as in plotly


def test_a_chart_is_a_picture_first_and_its_figure_data_is_inert() -> None:
    fig = go.Figure(go.Scatter(x=[0, 1], y=[1, 2], name="</script><script>alert(1)</script>"))
    page = chart_html(fig)
    assert page.count("<script") == 1 and "alert(1)</script>" not in page  # one inert JSON block
    uri = re.search(r'src="data:image/svg\+xml;base64,([^"]+)"', page).group(1)
    assert base64.b64decode(uri).startswith(b"<svg")
    bundle = static_bundle(header_html="<b>h</b>", figures=[fig], text="t", interactive=False)
    assert bundle["image/svg+xml"].startswith("<svg") and "Plotly.newPlot" not in bundle["text/html"]
    assert "data-nbtrack-plotlyjs" not in bundle["text/html"]


def test_the_parallel_coordinates_picture_shows_the_brush_as_left() -> None:
    """A snapshot or report of brushed parallel coordinates: the runs outside the brush are grey, under the rest."""
    from nbtrack.ui._brush import with_brush

    data = parallel_data(_runs(), "summary.loss")
    fig = with_brush(parallel_figure(data), data, {"summary.loss": {"ranges": [[0.9, 2.1]]}})  # a, b, d in
    root = ET.fromstring(figure_svg(fig))
    strokes = [p.get("stroke") for p in root.iter(f"{SVG}polyline")]
    assert strokes[:3] == ["#aaa"] * 3 and "#aaa" not in strokes[3:] and len(strokes) == 6
    brushes = [r for r in root.iter(f"{SVG}rect") if r.get("fill") == "#1f77b4"]
    assert len(brushes) == 1
    unbrushed = ET.fromstring(figure_svg(parallel_figure(data)))
    assert "#aaa" not in [p.get("stroke") for p in unbrushed.iter(f"{SVG}polyline")]


def test_the_image_of_a_bundle_is_every_chart_on_one_sheet_with_its_sections() -> None:
    x = np.arange(50, dtype=float)
    train = line_figure({k: [Curve("a", "a", x, x / 50)] for k in ("train/loss", "train/acc")})
    val = line_figure({"val/loss": [Curve("a", "a", x, 1 - x / 50)]})
    other = parallel_figure(parallel_data(_runs(), "summary.loss"))
    bundle = static_bundle(header_html="", figures=[train, val, other], text="nbtrack run a < b\nmore",
                           sections={0: ("train", 2, True), 1: ("val", 1, False)}, interactive=False)
    sheet = ET.fromstring(bundle["image/svg+xml"])  # one well-formed picture
    charts = [g for g in sheet.iter(f"{SVG}g") if g.get("class") == "nbtrack-sheet-chart"]
    assert len(charts) == 3  # every chart of the output, the closed section's too
    texts = [t.text for t in sheet.iter(f"{SVG}text")]
    assert texts[:2] == ["nbtrack run a < b", "train · 2 panels"] and "val · 1 panel" in texts
    offsets = [float(g.get("transform")[len("translate(0,"):-1]) for g in charts]
    heights = [int(figure.layout.height or 300) for figure in (train, val, other)]
    assert offsets == [28 + 26, 28 + 26 + heights[0] + 26, 28 + 26 + heights[0] + 26 + heights[1]]  # stacked
    assert int(sheet.get("height")) == offsets[-1] + heights[2]
    ids = [e.get("id") for e in sheet.iter() if e.get("id")]
    assert len(ids) == len(set(ids)) and all(i.startswith(("c0-", "c1-", "c2-")) for i in ids)  # no clip is shared
    refs = re.findall(r"url\(#([^)]+)\)", bundle["image/svg+xml"])
    assert refs and set(refs) <= set(ids)
