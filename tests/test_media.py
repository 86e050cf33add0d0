"""Rich values (Image, Table, Histogram, Plotly): logged through `run.log`, stored as files or JSON
(never pickled), read back through `nbtrack.history` and `from_json`, and shown by the media panel."""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import nbtrack
from nbtrack._media import encode_png, load, media_root, png_size


def media_dir(tmp_path: Path) -> Path:
    return tmp_path / ".nbtrack" / "media"


def logged(run: Any, key: str) -> list[Any]:
    frame = nbtrack.history(run, keys=[key])
    return [v for v in frame[key] if isinstance(v, dict)]


# -- images ---------------------------------------------------------------------

def test_png_encoder_round_trips_through_pillow() -> None:
    from PIL import Image as PILImage

    rng = np.random.default_rng(0)
    for shape in [(5, 7), (5, 7, 3), (5, 7, 4), (1, 1, 3)]:
        pixels = rng.integers(0, 256, size=shape, dtype=np.uint8)
        png = encode_png(pixels)
        assert png_size(png) == (shape[1], shape[0])
        assert np.array_equal(np.asarray(PILImage.open(io.BytesIO(png))), pixels)


def test_image_from_arrays_round_trips_through_history(tmp_path: Path) -> None:
    import torch

    gray = np.arange(12, dtype=np.uint8).reshape(3, 4) * 20
    rgb_float = np.linspace(0, 1, 2 * 3 * 3).reshape(2, 3, 3)
    chw = torch.zeros(3, 4, 5)
    chw[0] = 1.0  # red
    with nbtrack.init(project="media") as run:
        run.log({"gray": nbtrack.Image(gray, caption="g"), "float": nbtrack.Image(rgb_float),
                 "chw": nbtrack.Image(chw)})
    g, f, c = (logged(run, k)[0] for k in ("gray", "float", "chw"))
    assert g["_type"] == "image-file" and g["caption"] == "g" and (g["width"], g["height"]) == (4, 3)
    assert np.array_equal(nbtrack.Image.from_json(g).to_numpy(), gray)
    assert np.array_equal(nbtrack.Image.from_json(f).to_numpy(), np.rint(rgb_float * 255).astype(np.uint8))
    red = nbtrack.Image.from_json(c).to_numpy()
    assert red.shape == (4, 5, 3) and (red[..., 0] == 255).all() and (red[..., 1:] == 0).all()
    files = sorted(p for p in media_dir(tmp_path).rglob("*") if p.is_file())
    assert len(files) == 3 and all(p.read_bytes()[:4] == b"\x89PNG" for p in files)
    assert all(p.name == hashlib.sha256(p.read_bytes()).hexdigest() + ".png" for p in files)  # content-addressed


def test_pil_matplotlib_and_path_inputs(tmp_path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from PIL import Image as PILImage

    pil = PILImage.new("RGB", (6, 4), (10, 200, 30))
    fig, ax = plt.subplots(figsize=(2, 1.5), dpi=50)
    ax.plot([0, 1], [1, 0])
    jpeg = tmp_path / "photo.jpg"
    PILImage.new("RGB", (9, 5), (255, 0, 0)).save(jpeg)
    png_path = tmp_path / "pic.png"
    pil.save(png_path)
    with nbtrack.init(project="media") as run:
        run.log({"pil": nbtrack.Image(pil), "fig": nbtrack.Image(fig), "jpeg": nbtrack.Image(jpeg, caption="j"),
                 "png": nbtrack.Image(str(png_path))})
    plt.close(fig)
    pil_back = nbtrack.Image.from_json(logged(run, "pil")[0]).to_numpy()
    assert pil_back.shape == (4, 6, 3) and tuple(pil_back[0, 0]) == (10, 200, 30)
    fig_ref = logged(run, "fig")[0]
    assert (fig_ref["width"], fig_ref["height"]) == (100, 75)
    assert nbtrack.Image.from_json(fig_ref).to_numpy().std() > 0  # a drawn line, not a blank image
    jpeg_ref = logged(run, "jpeg")[0]
    assert (jpeg_ref["width"], jpeg_ref["height"], jpeg_ref["format"]) == (9, 5, "png")
    assert logged(run, "png")[0]["sha256"] == logged(run, "pil")[0]["sha256"]  # same pixels, same PNG bytes, one file


def test_identical_images_are_stored_once(tmp_path: Path) -> None:
    pixels = np.full((8, 8), 128, np.uint8)
    with nbtrack.init(project="media") as run:
        for _ in range(5):
            run.log({"img": nbtrack.Image(pixels)})
    refs = logged(run, "img")
    assert len(refs) == 5 and len({r["path"] for r in refs}) == 1
    assert len([p for p in media_dir(tmp_path).rglob("*.png")]) == 1


def test_bad_image_inputs_raise() -> None:
    with pytest.raises(ValueError, match="shape"):
        nbtrack.Image(np.zeros((2, 3, 5)))
    with pytest.raises(TypeError, match="cannot make an image"):
        nbtrack.Image(object())
    with pytest.raises(FileNotFoundError):
        nbtrack.Image("/no/such/file.png")


def test_stored_refs_cannot_escape_the_media_dir_and_corruption_is_caught(tmp_path: Path) -> None:
    with nbtrack.init(project="media") as run:
        run.log({"img": nbtrack.Image(np.zeros((2, 2), np.uint8))})
    ref = logged(run, "img")[0]
    for path in ("../nbtrack.db", "/etc/passwd", "images/../../x.png"):
        with pytest.raises(ValueError, match="refusing"):
            nbtrack.Image.from_json({**ref, "path": path})
    (media_dir(tmp_path) / ref["path"]).write_bytes(encode_png(np.ones((2, 2), np.uint8)))
    with pytest.raises(ValueError, match="sha256"):
        nbtrack.Image.from_json(ref)


# -- tables ---------------------------------------------------------------------

def test_table_with_image_cells_round_trips() -> None:
    table = nbtrack.Table(columns=["id", "pred", "score", "image"])
    for i in range(3):
        image = nbtrack.Image(np.full((2, 2), i * 50, np.uint8), caption=f"c{i}")
        table.add_data(i, f"class<{i}>", np.float32(i / 4), image)
    with pytest.raises(ValueError, match="needs 4 values"):
        table.add_data(1, 2)
    with nbtrack.init(project="media") as run:
        run.log({"eval": table})
    ref = logged(run, "eval")[0]
    assert (ref["_type"], ref["ncols"], ref["nrows"]) == ("table-file", 4, 3)
    back = nbtrack.Table.from_json(ref)
    assert back.columns == ["id", "pred", "score", "image"]
    assert [r[:3] for r in back.data] == [[0, "class<0>", 0.0], [1, "class<1>", 0.25], [2, "class<2>", 0.5]]
    images = back.get_column("image")
    assert [im.caption for im in images] == ["c0", "c1", "c2"]
    assert np.array_equal(images[2].to_numpy(), np.full((2, 2), 100, np.uint8))
    frame = back.get_dataframe()
    assert list(frame.columns) == back.columns and len(frame) == 3
    stored = json.loads((media_root(run.store) / ref["path"]).read_text())
    assert stored["data"][1][3]["_type"] == "image-file"  # cells refer to image files, nothing pickled


def test_table_from_dataframe_and_rows() -> None:
    frame = pd.DataFrame({"a": [1, 2], "b": ["x", "y"]})
    assert nbtrack.Table(dataframe=frame).data == [[1, "x"], [2, "y"]]
    assert nbtrack.Table(columns=["p", "q"], rows=[[1, 2]]).data == [[1, 2]]
    assert nbtrack.Table(data=[[1, 2, 3]]).columns == ["0", "1", "2"]
    with pytest.raises(ValueError, match="duplicate"):
        nbtrack.Table(columns=["a", "a"])



def test_table_takes_w_and_b_log_modes_and_logs_the_whole_table_each_time() -> None:
    table = nbtrack.Table(columns=["a"], log_mode="INCREMENTAL")
    with nbtrack.init(project="media") as run:
        for i in range(3):
            table.add_data(i)
            run.log({"t": table})
    assert [ref["nrows"] for ref in logged(run, "t")] == [1, 2, 3]
    assert nbtrack.Table(columns=["a"]).log_mode == "IMMUTABLE"
    with pytest.raises(ValueError, match="log_mode 'APPEND' is not one of IMMUTABLE, MUTABLE, INCREMENTAL"):
        nbtrack.Table(columns=["a"], log_mode="APPEND")

# -- histograms and plotly ------------------------------------------------------------

def test_histogram_from_values_and_np_histogram() -> None:
    values = np.concatenate([np.random.default_rng(1).normal(size=1000), [np.nan, np.inf]])
    with nbtrack.init(project="media") as run:
        run.log({"h": nbtrack.Histogram(values, num_bins=32)})
        run.log({"h": nbtrack.Histogram(np_histogram=np.histogram([1, 2, 2, 3], bins=3))})
    first, second = logged(run, "h")
    assert first["_type"] == "histogram" and len(first["values"]) == 32 and len(first["bins"]) == 33
    assert sum(first["values"]) == 1000  # non-finite values are left out
    expected_counts, expected_edges = np.histogram(values[np.isfinite(values)], bins=32)
    assert first["values"] == expected_counts.tolist() and np.allclose(first["bins"], expected_edges)
    back = nbtrack.Histogram.from_json(second)
    assert back.histogram == [1, 2, 1] and np.allclose(back.bins, [1.0, 5 / 3, 7 / 3, 3.0])
    with pytest.raises(ValueError, match="num_bins"):
        nbtrack.Histogram([1.0], num_bins=513)
    with pytest.raises(ValueError, match="len"):
        nbtrack.Histogram(np_histogram=([1, 2], [0.0, 1.0]))


def test_plotly_figure_round_trips_as_compact_json() -> None:
    import plotly.graph_objects as go

    fig = go.Figure(go.Scatter(x=np.arange(3), y=[1.5, 2.5, 0.5], name="s"))
    fig.update_layout(title="t")
    with nbtrack.init(project="media") as run:
        run.log({"fig": nbtrack.Plotly(fig),
                 "dict": nbtrack.Plotly({"data": [{"type": "bar", "y": np.array([1, 2])}]})})
    ref = logged(run, "fig")[0]
    assert ref["_type"] == "plotly-file"
    raw = (media_root(run.store) / ref["path"]).read_bytes()
    assert b"\n" not in raw and b", " not in raw
    back = nbtrack.Plotly.from_json(ref).to_figure()
    assert list(back.data[0].y) == [1.5, 2.5, 0.5] and back.layout.title.text == "t"
    assert load(logged(run, "dict")[0]).to_dict()["data"][0]["y"] == [1, 2]
    with pytest.raises(TypeError, match="plotly figure"):
        nbtrack.Plotly(42)


@pytest.mark.postgres
def test_media_with_a_postgresql_store_lives_under_nbtrack_dir(pg_url: str, tmp_path: Path) -> None:
    with nbtrack.init(project="media", store=pg_url) as run:
        run.log({"img": nbtrack.Image(np.zeros((3, 3), np.uint8))})
    ref = nbtrack.history(run, store=run.store)["img"].iloc[0]
    assert (media_dir(tmp_path) / ref["path"]).is_file()
    assert nbtrack.Image.from_json(ref, store=run.store).width == 3


def test_media_types_import_no_plotting_or_imaging_library(tmp_path: Path) -> None:
    code = textwrap.dedent(f"""
        import os, sys
        os.environ["NBTRACK_DIR"] = {str(tmp_path / "fresh")!r}
        import numpy as np, nbtrack
        with nbtrack.init(project="p", settings={{"_disable_stats": True}}) as run:
            run.log({{"i": nbtrack.Image(np.zeros((2, 2))), "h": nbtrack.Histogram([1, 2]),
                      "t": nbtrack.Table(columns=["a"], data=[[1]])}})
        print(sorted(m for m in ("plotly", "PIL", "matplotlib", "IPython", "torch") if m in sys.modules))
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# -- the media panel --------------------------------------------------------------------

def test_table_rows_filter_and_sort() -> None:
    cols = ["name", "score"]
    data = [["b", 2.0], ["a", None], ["c", 10.0], ["ab", 1.0]]
    assert nbtrack_ui().table_rows(data, cols, query="A") == [["a", None], ["ab", 1.0]]
    assert nbtrack_ui().table_rows(data, cols, sort="score") == [["ab", 1.0], ["b", 2.0], ["c", 10.0], ["a", None]]
    assert nbtrack_ui().table_rows(data, cols, sort="score", descending=True) == [
        ["c", 10.0], ["b", 2.0], ["ab", 1.0], ["a", None]]
    assert nbtrack_ui().table_rows(data, cols, sort="name") == sorted(data, key=lambda r: r[0])


def nbtrack_ui() -> Any:
    from nbtrack.ui import media

    return media


def test_table_html_escapes_cells_and_embeds_images() -> None:
    ui = nbtrack_ui()
    image = nbtrack.Image(np.zeros((2, 2), np.uint8), caption="<b>cap</b>")
    out = ui.table_html(["<col>", "img"], [["<script>alert(1)</script>", image]], script=True)
    assert "<script>alert(1)</script>" not in out and "&lt;script&gt;alert(1)&lt;/script&gt;" in out
    assert "&lt;col&gt;" in out and "data:image/png;base64," in out and "&lt;b&gt;cap&lt;/b&gt;" in out
    assert "1 of 1 rows" in out and "addEventListener" in out


def test_histogram_figure_draws_bars_over_the_bins() -> None:
    fig = nbtrack_ui().histogram_figure({"_type": "histogram", "values": [1, 3], "bins": [0.0, 1.0, 3.0]})
    bar = fig.data[0]
    assert list(bar.x) == [0.5, 2.0] and list(bar.y) == [1, 3] and list(bar.width) == [1.0, 2.0]


def test_media_panel_slider_and_table_filter() -> None:
    ui = nbtrack_ui()
    with nbtrack.init(project="media") as run:
        for step in range(3):
            run.log({"img": nbtrack.Image(np.full((2, 2), step * 100, np.uint8)),
                     "eval": nbtrack.Table(columns=["k", "v"], data=[["alpha", step], ["beta", 10 - step]]),
                     "h": nbtrack.Histogram([step, step + 1.0], num_bins=2)})
    frame = nbtrack.history(run)
    panel = ui.MediaPanel(run.store)
    assert panel.add_history(frame) == 9
    assert not panel.add("loss", 0, 0.5)
    panel.refresh()
    images = panel.sections["images"]
    assert list(images.key.options) == ["img"] and images.slider.max == 2 and images.slider.value == 2
    assert bytes(images.image.value) == nbtrack.Image(np.full((2, 2), 200, np.uint8)).png_bytes()
    images.slider.value = 0
    assert bytes(images.image.value) == nbtrack.Image(np.zeros((2, 2), np.uint8)).png_bytes()
    assert images.label.value.startswith("step 0")
    tables = panel.sections["tables"]
    assert "alpha" in tables.table_box.value and "beta" in tables.table_box.value
    tables.query.value = "bet"
    assert "alpha" not in tables.table_box.value and "beta" in tables.table_box.value
    tables.query.value = ""
    tables.sort.value = "v"
    tables.descending.value = True
    assert tables.table_box.value.index("beta") < tables.table_box.value.index("alpha")  # v: beta 8 > alpha 2
    assert list(panel.sections["histograms"].figure.data[0].y) == [1, 1]
    static = panel.static_html()
    assert "data:image/png;base64," in static and "alpha" in static
    assert len(panel.static_figures()) == 1


def test_live_view_collects_media_from_the_run() -> None:
    from nbtrack.ui.live import LiveRunView

    run = nbtrack.init(project="media", settings={"_disable_stats": True})
    view = LiveRunView(run)
    run.log({"loss": 1.0, "img": nbtrack.Image(np.zeros((2, 2), np.uint8)), "note": "text"})
    view.redraw()
    assert view._media.sections["images"].slider.max == 0
    assert "loss" in view._points and "img" not in view._points
    run.finish()


def test_a_list_of_images_is_logged_as_a_list_of_media(tmp_path):
    import numpy as np

    with nbtrack.init(project="media-list") as run:
        run.log({"examples": [nbtrack.Image(np.zeros((4, 4), dtype="uint8"), caption=str(i)) for i in range(3)]})
        with pytest.raises(TypeError, match="examples2"):
            run.log({"examples2": [nbtrack.Image(np.zeros((4, 4), dtype="uint8")), object()]})
    logged = nbtrack.history(run)["examples"].iloc[0]
    assert [item["_type"] for item in logged] == ["image-file"] * 3
    assert [item.get("caption") for item in logged] == ["0", "1", "2"]
