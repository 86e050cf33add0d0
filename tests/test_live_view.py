"""The live run view's charts: lines from the first draw, as wide as the output, every media item frozen."""

from __future__ import annotations

import ast

import numpy as np

import nbtrack
from nbtrack.ui.live import LiveRunView


def _view(project: str) -> tuple[nbtrack.Run, LiveRunView]:
    run = nbtrack.init(project=project, settings={"_disable_stats": True})
    return run, LiveRunView(run)


def test_first_frame_draws_lines_as_wide_as_the_output() -> None:
    run, view = _view("live")
    run.log({"loss": 1.0, "train/acc": 0.1})
    view.redraw()
    loss = view._figures["charts"]
    sent = loss.figure
    assert sent["data"][0]["mode"] == "markers"  # one point: a marker
    assert sent["layout"]["autosize"] is True and "width" not in sent["layout"]  # the output's width, first draw on
    assert sent["layout"]["title"]["text"] == "loss"  # a one-key chart is titled by its key
    assert view._figures["train"].figure["layout"]["title"]["text"] == "train/acc"
    run.log({"loss": 0.5, "train/acc": 0.2})
    view.redraw()
    assert view._figures["charts"] is loss  # the same chart moves its points
    assert [t["mode"] for t in loss.figure["data"]] == ["lines"] and loss.figure["data"][0]["y"] == [1.0, 0.5]
    assert loss.data[0].mode == "lines"
    run.finish()
    figures, _ = view.static_figures()
    assert [f.data[0].mode for f in figures] == ["lines", "lines"]


def test_media_logged_in_the_last_moment_of_a_run_is_in_the_frozen_output() -> None:
    run, view = _view("live")
    run.log({"loss": 1.0})
    view.redraw()
    run.log({"weights": nbtrack.Histogram(np.arange(10.0), num_bins=5),
             "samples": nbtrack.Table(columns=["k"], data=[["late"]])})
    run.finish()  # no redraw in between: the values are still queued
    figures, _ = view.static_figures()
    assert any(f.layout.title.text.startswith("weights · step 1") for f in figures)
    assert "late" in view._media.static_html()


def test_table_images_show_at_a_readable_size_and_open_without_script() -> None:
    from nbtrack.ui.media import THUMB_PX, table_html

    page = table_html(["img"], [[nbtrack.Image(np.zeros((8, 8), np.uint8), caption="tiny")]])
    assert THUMB_PX >= 64 and f"width:{THUMB_PX}px;height:{THUMB_PX}px" in page
    assert "<details" in page and "<summary" in page and page.count("data:image/png;base64,") == 2
    assert "<script" not in page


def test_load_ext_loads_the_live_view_once_its_cell_is_done(tmp_path) -> None:
    """Real kernel: `%load_ext nbtrack` returns at once; the chart code is loaded before the next cell runs."""
    import nbformat
    from nbclient import NotebookClient

    cells = ["import sys, time\nstarted = time.perf_counter()\n%load_ext nbtrack\n"
             "load_ext_s = time.perf_counter() - started\nin_cell = 'plotly.graph_objects' in sys.modules",
             "('nbtrack.ui.live' in sys.modules, 'plotly.graph_objects' in sys.modules, in_cell, load_ext_s)"]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    live, plotly, in_cell, seconds = ast.literal_eval(nb.cells[1].outputs[0]["data"]["text/plain"])
    assert live and plotly and not in_cell and seconds < 0.5
