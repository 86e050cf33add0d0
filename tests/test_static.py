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


def test_the_parallel_coordinates_picture_labels_each_axis_left_of_it_from_under_the_title() -> None:
    """Tick labels sit left of their axis on a white halo (not on the lines), with ticks between the ends."""
    fig = parallel_figure(parallel_data(_runs(), "summary.loss"))  # its margin leaves 100 px for plotly's labels
    root = ET.fromstring(figure_svg(fig))
    axes = sorted({float(line.get("x1")) for line in root.iter(f"{SVG}line")
                   if line.get("x1") == line.get("x2") and line.get("stroke") == "#444"})
    assert len(axes) == 3  # lr, opt, loss
    ticks = [t for t in root.iter(f"{SVG}text") if t.get("paint-order") == "stroke"]
    for axis in axes:
        labels = [t for t in ticks if axis - 8 < float(t.get("x")) < axis]
        assert len(labels) >= 2 and all(t.get("text-anchor") == "end" for t in labels), axis
    assert {"1", "2", "3"} <= {t.text for t in ticks}  # the loss axis reads 0.5 .. 3 with ticks between
    tops = [float(line.get("y1")) for line in root.iter(f"{SVG}line") if float(line.get("x1")) in axes]
    assert min(tops) <= 75  # no empty band between the title and the axes


def test_the_best_so_far_chart_counts_whole_trials_in_plotly_and_in_its_picture() -> None:
    """Three trials: the trial axis reads 1 2 3, never 1.5 (plotly's own ticks and the SVG picture alike)."""
    from nbtrack.ui.charts import best_so_far_figure

    fig = best_so_far_figure([(1, 0.5, 0.5), (2, 0.4, 0.4), (3, 0.6, 0.4)], "loss", "minimize")
    assert fig.layout.xaxis.dtick == 1 and fig.layout.xaxis.tick0 == 1
    root = ET.fromstring(figure_svg(fig))
    under = [t.text for t in root.iter(f"{SVG}text") if t.get("text-anchor") == "middle" and t.text[:1].isdigit()]
    assert under == ["1", "2", "3"], under
    title = next(t for t in root.iter(f"{SVG}text") if t.text == "loss" and "rotate" in (t.get("transform") or ""))
    assert float(title.get("transform").split("(")[1].split(",")[0]) >= 10  # the y title is not cut at the left edge
    best = [p for p in root.iter(f"{SVG}polyline") if p.get("stroke") == "#1f77b4"]
    points = [tuple(map(float, xy.split(","))) for xy in best[0].get("points").split()]
    assert len(points) == 5 and points[1][1] == points[0][1] and points[1][0] == points[2][0]  # steps, as plotly's hv
    many = best_so_far_figure([(i, 1.0 / i, 1.0 / i) for i in range(1, 41)], "loss", "minimize")
    assert many.layout.xaxis.dtick == 4  # at most about ten labels


def test_a_picture_of_several_runs_names_them_in_a_legend_right_of_the_plot() -> None:
    """Where only the picture shows (untrusted, GitHub), each run's colour is named, as plotly's legend does."""
    x = np.arange(10, dtype=float)
    fig = line_figure({"loss": [Curve("a", "run <a>", x, x), Curve("b", "run-b", x, x / 2)]})
    root = ET.fromstring(figure_svg(fig))
    legend = next(g for g in root.iter(f"{SVG}g") if g.get("class") == "legend")
    assert [t.text for t in legend.iter(f"{SVG}text")] == ["run <a>", "run-b"]
    keys = [line.get("stroke") for line in legend.iter(f"{SVG}line")]
    drawn = [p.get("stroke") for p in root.iter(f"{SVG}polyline")]
    assert keys == drawn[:2] and keys[0] != keys[1]  # the legend's colours are the lines' colours
    plot = next(r for r in root.iter(f"{SVG}rect") if r.get("fill") == "#fafafa")
    first_key = float(next(legend.iter(f"{SVG}line")).get("x1"))
    assert float(plot.get("x")) + float(plot.get("width")) < first_key  # the legend is beside the plot, not on it
    one = ET.fromstring(figure_svg(line_figure({"loss": [Curve("a", "a", x, x)]})))
    assert not [g for g in one.iter(f"{SVG}g") if g.get("class") == "legend"]  # one run: no legend, as plotly


def test_a_short_runs_system_picture_starts_its_axes_at_zero_as_the_live_chart_does() -> None:
    """One sample at 0.6 s, 245 MiB: the picture's axes reach 0 (plotly's rangemode 'tozero'), not 0.55..0.65."""
    panels = {"system/proc_rss_mb": [Curve("a", "a", np.array([0.6]), np.array([245.0]))]}
    fig = line_figure(panels, title="system", x="relative")
    assert fig.layout.xaxis.rangemode == "tozero" and fig.layout.yaxis.rangemode == "tozero"
    labels = [t.text for t in ET.fromstring(figure_svg(fig)).iter(f"{SVG}text")]
    assert labels.count("0") == 2, labels  # the x axis and the y axis both start at 0
