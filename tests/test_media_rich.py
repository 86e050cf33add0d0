"""Audio, Video, Html, Object3D and raw plotly/matplotlib figures: logged through `run.log`,
stored as content-addressed files, read back through `nbtrack.history`, and shown in their
script-free static form (what a shared notebook, the export and the report carry)."""

from __future__ import annotations

import io
import subprocess
import sys
import textwrap
import wave
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import nbtrack
from nbtrack._media import load
from nbtrack.ui.media import MediaPanel
from nbtrack.ui.media_players import html_iframe, object3d_figure, object3d_png, rich_html


def logged(run: Any, key: str) -> dict[str, Any]:
    frame = nbtrack.history(run, keys=[key])
    return next(v for v in frame[key] if isinstance(v, dict))


# -- audio ------------------------------------------------------------------------

def test_audio_array_round_trips_as_wav_and_plays_without_script() -> None:
    tone = np.sin(2 * np.pi * 440 * np.arange(8000) / 8000).astype(np.float32)
    with nbtrack.init(project="rich") as run:
        run.log({"tone": nbtrack.Audio(tone, sample_rate=8000, caption="A4")})
    value = logged(run, "tone")
    assert value["_type"] == "audio-file" and value["format"] == "wav" and value["path"].endswith(".wav")
    assert value["sample_rate"] == 8000 and value["duration"] == pytest.approx(1.0)
    audio = load(value)
    with wave.open(io.BytesIO(audio.data())) as w:
        samples = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2") / 32767
    assert np.allclose(samples, tone, atol=1e-4)
    page = rich_html(value, title="tone")
    assert "<audio controls" in page and "data:audio/wav;base64," in page and "<script" not in page and "A4" in page


def test_audio_from_a_flac_file_is_stored_byte_for_byte(tmp_path: Path) -> None:
    flac = tmp_path / "clip.flac"
    flac.write_bytes(b"fLaC\x00\x00\x00\x22" + bytes(range(34)))
    with nbtrack.init(project="rich") as run:
        run.log({"clip": nbtrack.Audio(flac)})
    value = logged(run, "clip")
    assert value["format"] == "flac" and value["path"].endswith(".flac")
    assert load(value).data() == flac.read_bytes()
    assert "data:audio/flac;base64," in rich_html(value)


def test_audio_bad_inputs_name_the_problem(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="sample_rate"):
        nbtrack.Audio(np.zeros(10))
    with pytest.raises(ValueError, match="expected a .wav"):
        nbtrack.Audio(tmp_path / "a.txt")
    with pytest.raises(ValueError, match="shape"):
        nbtrack.Audio(np.zeros((2, 3, 4)), sample_rate=8000)


# -- video ------------------------------------------------------------------------

def _frames(t: int = 4, h: int = 8, w: int = 10) -> np.ndarray:
    frames = np.zeros((t, 3, h, w), dtype=np.uint8)
    for i in range(t):
        frames[i, i % 3] = 200  # each frame a different primary colour
    return frames


def test_video_gif_round_trip_with_poster_and_static_img() -> None:
    from PIL import Image as PILImage

    with nbtrack.init(project="rich") as run:
        run.log({"clip": nbtrack.Video(_frames(), fps=5, caption="c")})
    value = logged(run, "clip")
    assert value["_type"] == "video-file" and value["format"] == "gif" and value["frames"] == 4
    assert (value["width"], value["height"]) == (10, 8) and value["poster"]["path"].endswith(".png")
    video = load(value)
    gif = PILImage.open(io.BytesIO(video.data()))
    assert gif.n_frames == 4 and gif.size == (10, 8)
    first = np.asarray(PILImage.open(io.BytesIO(video.poster_png())).convert("RGB"))
    assert first[0, 0, 0] == 200 and first[0, 0, 1] == 0
    page = rich_html(value)
    assert "data:image/gif;base64," in page and "<script" not in page


def test_video_batch_is_tiled_and_mp4_plays_with_a_poster() -> None:
    av = pytest.importorskip("av", reason="the video extra (PyAV) encodes MP4/WebM")
    batch = np.stack([_frames(), _frames()[:, ::-1]])  # (B, T, C, H, W)
    with nbtrack.init(project="rich") as run:
        run.log({"mp4": nbtrack.Video(batch, fps=4, format="mp4"), "webm": nbtrack.Video(_frames(), format="webm")})
    value = logged(run, "mp4")
    assert value["format"] == "mp4" and (value["width"], value["height"]) == (20, 8)
    with av.open(io.BytesIO(load(value).data())) as container:
        decoded = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
    assert len(decoded) == 4 and decoded[0].shape[:2] == (8, 20)
    page = rich_html(value)
    assert "<video controls" in page and "data:video/mp4;base64," in page and "poster='data:image/png" in page
    assert "data:video/webm;base64," in rich_html(logged(run, "webm"))


def test_video_bad_shapes_name_the_problem() -> None:
    with pytest.raises(ValueError, match=r"\(T, C, H, W\)"):
        nbtrack.Video(np.zeros((4, 8, 8)))
    with pytest.raises(ValueError, match="format"):
        nbtrack.Video(_frames(), format="avi")


# -- html -------------------------------------------------------------------------

def test_html_is_stored_and_only_shown_in_a_sandboxed_iframe(tmp_path: Path) -> None:
    evil = "<b>hi</b><script>parent.document.title='pwned'</script>\"'><img src=x onerror=alert(1)>"
    (tmp_path / "page.html").write_text("<i>from a file</i>")
    with nbtrack.init(project="rich") as run:
        run.log({"page": nbtrack.Html(evil), "file": nbtrack.Html(str(tmp_path / "page.html"))})
    value = logged(run, "page")
    assert value["_type"] == "html-file" and load(value).html == evil
    assert load(logged(run, "file")).html == "<i>from a file</i>"
    page = rich_html(value)
    assert "<iframe sandbox=''" in page and "allow-scripts" not in page and "allow-same-origin" not in page
    assert "<script" not in page and "&lt;script&gt;" in page  # only inside the escaped srcdoc attribute
    assert 'srcdoc="' in html_iframe(nbtrack.Html("&amp;"))


# -- point clouds -----------------------------------------------------------------

@pytest.mark.parametrize("columns", [3, 4, 6])
def test_object3d_point_clouds_round_trip_and_draw(columns: int) -> None:
    rng = np.random.default_rng(columns)
    points = rng.random((50, columns))
    if columns == 4:
        points[:, 3] = rng.integers(0, 3, 50)
    if columns == 6:
        points[:, 3:] *= 255
    with nbtrack.init(project="rich") as run:
        run.log({"cloud": nbtrack.Object3D(points, caption="pc")})
    value = logged(run, "cloud")
    assert value["_type"] == "object3d-file" and value["npoints"] == 50 and value["columns"] == columns
    back = load(value)
    assert np.allclose(back.points, points)
    fig = object3d_figure(back)
    assert fig.data[0].type == "scatter3d" and len(fig.data[0].x) == 50
    page = rich_html(value)
    assert "data:image/png;base64," in page and "50 points" in page and "<script" not in page
    assert object3d_png(back)[:8] == b"\x89PNG\r\n\x1a\n"


def test_object3d_refuses_what_it_cannot_show() -> None:
    with pytest.raises(ValueError, match=r"\(N, 3\)"):
        nbtrack.Object3D(np.zeros((5, 5)))
    with pytest.raises(ValueError, match="meshes"):
        nbtrack.Object3D("model.stl")


# -- raw figures ------------------------------------------------------------------

def test_raw_plotly_and_matplotlib_figures_are_logged_as_w_and_b_does() -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import plotly.graph_objects as go

    line_fig, ax = plt.subplots()
    ax.plot([1, 2, 3], [3, 1, 2])
    image_fig, ax2 = plt.subplots()
    ax2.imshow(np.eye(4))
    with nbtrack.init(project="rich") as run:
        run.log({"plotly": go.Figure(go.Bar(x=[1, 2], y=[3, 4])), "mpl": line_fig, "imshow": image_fig,
                 "pyplot": plt})
    assert load(logged(run, "plotly")).to_dict()["data"][0]["type"] == "bar"
    converted = load(logged(run, "mpl")).to_dict()
    assert converted["data"][0]["y"] == [3, 1, 2]  # matplotlib converted to plotly
    assert logged(run, "imshow")["_type"] == "image-file"  # a figure with images stays an image
    assert logged(run, "pyplot")["_type"] in ("plotly-file", "image-file")
    plt.close("all")


# -- panel and static form --------------------------------------------------------

def test_media_panel_shows_every_rich_type_and_its_static_form() -> None:
    with nbtrack.init(project="rich") as run:
        for step in range(2):
            run.log({"a": nbtrack.Audio(np.zeros(100), sample_rate=1000), "v": nbtrack.Video(_frames()),
                     "h": nbtrack.Html(f"<p>step {step}</p>"), "o": nbtrack.Object3D(np.random.rand(10, 3))})
    panel = MediaPanel(run.store)
    assert panel.add_history(nbtrack.history(run)) == 8
    panel.refresh()
    for kind in ("audio", "video", "html", "object3d"):
        section = panel.sections[kind]
        assert section.label.value == "step 1 (2/2)" and section.body.children
    static = panel.static_html()
    assert static.count("<audio controls") == 1 and "data:image/gif" in static and "step 1&lt;/p&gt;" in static
    assert "nbtrack-object3d" in static and "<script" not in static.replace("<script>(function(){var root", "")


def test_rich_types_import_no_heavy_library() -> None:
    code = textwrap.dedent("""
        import sys, nbtrack
        for name in ("Audio", "Video", "Html", "Object3D"):
            getattr(nbtrack, name)
        heavy = [m for m in ("plotly", "PIL", "matplotlib", "av", "numpy", "IPython") if m in sys.modules]
        print(",".join(heavy))
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == ""


def test_object3d_scene_boxes_and_obj_meshes_round_trip(tmp_path: Path) -> None:
    box = {"corners": [[0, 0, 0], [0, 1, 0], [0, 0, 1], [1, 0, 0], [1, 1, 0], [0, 1, 1], [1, 0, 1], [1, 1, 1]],
           "label": "Box", "color": [123, 321, 111]}
    (tmp_path / "tri.obj").write_text("v 0 0 0\nv 1 0 0\nv 0 1 0\nv 0 0 1\nf 1 2 3 4\n")
    with nbtrack.init(project="rich") as run:
        run.log({"scene": nbtrack.Object3D({"type": "lidar/beta", "points": np.random.rand(20, 3), "boxes": [box],
                                            "vectors": np.array([])}),
                 "mesh": nbtrack.Object3D(open(tmp_path / "tri.obj"))})
    scene = load(logged(run, "scene"))
    assert len(scene.points) == 20 and scene.boxes[0]["label"] == "Box"
    fig = object3d_figure(scene)
    assert [t.name for t in fig.data] == ["points", "Box"] and len(fig.data[1].x) == 12 * 3  # 12 edges
    mesh = load(logged(run, "mesh"))
    assert mesh.faces == [[0, 1, 2], [0, 2, 3]] and object3d_figure(mesh).data[1].type == "mesh3d"
    assert "2 faces" in rich_html(logged(run, "mesh"))
    with pytest.raises(ValueError, match="lidar/beta"):
        nbtrack.Object3D({"points": np.zeros((3, 3))})


def test_the_report_shows_media_and_custom_charts(tmp_path: Path) -> None:
    with nbtrack.init(project="rich-report") as run:
        run.log({"loss": 1.0, "tone": nbtrack.Audio(np.zeros(100), sample_rate=1000),
                 "page": nbtrack.Html("<p>hi</p><script>alert(1)</script>"),
                 "cm": nbtrack.plot.confusion_matrix(y_true=[0, 1], preds=[1, 1])})
    page = nbtrack.report("rich-report", path=tmp_path / "r.html").read_text()
    assert "<h2>Media</h2>" in page and "<audio controls" in page and "<iframe sandbox=''" in page
    assert "Confusion Matrix" in page and "<script>alert(1)" not in page
