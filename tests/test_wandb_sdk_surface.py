"""What W&B's reference examples (tests/test_wandb_sdk_corpus.py) needed from nbtrack, unit by unit: Image
overlays (boxes, masks, classes, file_type), 3-D boxes and glTF meshes, computed table columns, `run.save`
folders and `glob=False`, `wandb.setup`, YAML config files, `run.log_code`, and Keras' `WandbEvalCallback`."""

from __future__ import annotations

import itertools
import json
import os
import struct
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import nbtrack
from nbtrack._gltf import read_gltf
from nbtrack._media import load


def logged(run: Any, key: str) -> dict[str, Any]:
    frame = nbtrack.history(run, keys=[key])
    return next(v for v in frame[key] if isinstance(v, dict))


# -- Image overlays ---------------------------------------------------------------

_BOXES = {"predictions": {"box_data": [
    {"position": {"minX": 0.1, "maxX": 0.5, "minY": 0.2, "maxY": 0.6}, "class_id": np.int64(1), "box_caption": "car",
     "scores": {"acc": np.float32(0.5)}},
    {"position": {"middle": [8, 4], "width": 6, "height": 2}, "domain": "pixel", "class_id": 0}],
    "class_labels": {0: "person", 1: "car"}}}


def test_image_boxes_masks_and_classes_round_trip_through_the_store() -> None:
    mask = np.zeros((10, 16), dtype=np.uint8)
    mask[5:, 8:] = 3
    classes = nbtrack.Classes([{"id": 0, "name": "person"}, {"id": 3, "name": "road"}])
    with nbtrack.init(project="overlays") as run:
        run.log({"scene": nbtrack.Image(np.zeros((10, 16, 3)), boxes=_BOXES, classes=classes, file_type="jpg",
                                        masks={"seg": {"mask_data": mask, "class_labels": {3: "road"}}})})
    value = logged(run, "scene")
    assert value["format"] == "png" and value["classes"] == [{"id": 0, "name": "person"}, {"id": 3, "name": "road"}]
    image = load(value)
    box, pixel = image.boxes["predictions"]["box_data"]
    assert box == {"position": {"minX": 0.1, "maxX": 0.5, "minY": 0.2, "maxY": 0.6}, "class_id": 1,
                   "box_caption": "car", "scores": {"acc": 0.5}}
    assert pixel["domain"] == "pixel" and pixel["position"] == {"middle": [8.0, 4.0], "width": 6.0, "height": 2.0}
    assert image.boxes["predictions"]["class_labels"] == {"0": "person", "1": "car"}
    assert image.masks["seg"]["class_labels"] == {"3": "road"}
    assert (image.mask_data("seg") == mask).all()
    with pytest.raises(KeyError, match="no mask 'other'"):
        image.mask_data("other")


def test_the_views_show_the_image_with_its_masks_and_boxes_drawn() -> None:
    import io

    from PIL import Image as PILImage

    from nbtrack.ui.media import MediaPanel, _png_uri

    mask = np.zeros((20, 30), dtype=np.uint8)
    mask[:, 15:] = 2
    box = {"position": {"minX": 2, "maxX": 10, "minY": 3, "maxY": 12}, "domain": "pixel", "class_id": 3}
    with nbtrack.init(project="drawn") as run:
        run.log({"scene": nbtrack.Image(np.full((20, 30, 3), 200, dtype=np.uint8),
                                        boxes={"p": {"box_data": [box]}}, masks={"m": {"mask_data": mask}})})
    image = load(logged(run, "scene"))
    raw = np.asarray(PILImage.open(io.BytesIO(image.png_bytes())))
    drawn = np.asarray(PILImage.open(io.BytesIO(image.display_png())))
    assert (raw == 200).all() and drawn.shape == (20, 30, 3)  # the image itself is kept as logged
    assert drawn[3, 6].tolist() == [214, 39, 40]  # the box's top edge, in class 3's colour
    assert drawn[7, 6].tolist() == [124, 164, 191] and drawn[7, 25].tolist() == [130, 182, 130]  # tinted per class
    panel = MediaPanel(run.store)
    panel.add("scene", 0, logged(run, "scene"))
    assert _png_uri(image.display_png()) in panel.static_html()
    assert image._repr_png_() == image.display_png()
    small = np.zeros((2, 3))  # W&B takes float masks of whole numbers, and masks of another size
    small[:, 2] = 1
    scaled = nbtrack.Image(np.full((20, 30, 3), 200, dtype=np.uint8), masks={"m": {"mask_data": small}})
    tinted = np.asarray(PILImage.open(io.BytesIO(scaled.display_png())))
    assert tinted[19, 29].tolist() == [225, 167, 116] and tinted[0, 0].tolist() == [124, 164, 191]


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"boxes": {"p": {"box_data": [{"position": {"minX": 0}, "class_id": 1}]}}}, "minX/maxX/minY/maxY or middle"),
    ({"boxes": {"p": {"box_data": [{"position": {"middle": [1, 1], "width": 1, "height": 1}}]}}}, "int 'class_id'"),
    ({"boxes": {"p": {"box_data": [{"position": {"middle": [1, 1], "width": 1, "height": 1}, "class_id": 0,
                                    "domain": "percent"}]}}}, "domain is 'pixel'"),
    ({"boxes": {"p": {"boxes": []}}}, "'box_data' list"),
    ({"boxes": {"p": {"box_data": [], "class_labels": {"a": "x"}}}}, "maps int class ids"),
    ({"masks": {"m": {"mask_data": np.zeros((3, 3, 3), dtype=np.uint8)}}}, r"2-D array, got shape \(3, 3, 3\)"),
    ({"masks": {"m": {"mask_data": np.full((10, 16), 300)}}}, "whole class ids 0-255"),
    ({"masks": {"m": {"mask_data": np.full((10, 16), 0.5)}}}, "whole class ids 0-255"),
    ({"masks": {"m": {"path": "x.png"}}}, "needs 'mask_data'"),
    ({"classes": [{"id": "a", "name": "x"}]}, "int 'id'"),
    ({"file_type": "tiff"}, "file_type 'tiff' is not one of"),
])
def test_bad_overlays_fail_at_the_call_and_the_run_goes_on(kwargs: dict[str, Any], message: str) -> None:
    with nbtrack.init(project="overlays-bad") as run:
        run.log({"x": 1})
        with pytest.raises(ValueError, match=message):
            nbtrack.Image(np.zeros((10, 16)), **kwargs)
        run.log({"x": 2})
    assert list(nbtrack.history(run, keys=["x"])["x"]) == [1, 2]


# -- 3-D boxes and glTF meshes ------------------------------------------------------

def test_box3d_corners_follow_center_size_and_orientation() -> None:
    box = nbtrack.box3d(center=(1, 2, 3), size=(2, 4, 6), orientation=(1, 0, 0, 0), color=(1, 0, 0.5),
                        label="car", score=0.75)
    corners = np.array(box["corners"])
    assert corners.min(axis=0).tolist() == [0, 0, 0] and corners.max(axis=0).tolist() == [2, 4, 6]
    assert box["color"] == [255, 0, 128] and box["label"] == "car" and box["score"] == 0.75
    quarter = np.array([np.cos(np.pi / 4), 0, 0, np.sin(np.pi / 4)])  # 90 degrees about z: x and y extents swap
    turned = np.array(nbtrack.box3d(center=(0, 0, 0), size=(2, 4, 6), orientation=quarter, color=(0, 0, 0))["corners"])
    assert np.allclose(turned.max(axis=0), [2, 1, 3])
    with pytest.raises(ValueError, match="0..1"):
        nbtrack.box3d(center=(0, 0, 0), size=(1, 1, 1), orientation=(1, 0, 0, 0), color=(255, 0, 0))
    with pytest.raises(ValueError, match="non-zero quaternion"):
        nbtrack.box3d(center=(0, 0, 0), size=(1, 1, 1), orientation=(0, 0, 0, 0), color=(1, 0, 0))


def test_point_cloud_with_boxes_round_trips() -> None:
    boxes = [nbtrack.box3d(center=(t, 0, 0), size=(1, 1, 1), orientation=(1, 0, 0, 0), color=(0, 1, 0),
                           label=f"b{t}", score=0.5) for t in range(3)]
    with nbtrack.init(project="cloud") as run:
        run.log({"cloud": nbtrack.Object3D.from_point_cloud(points=np.random.default_rng(0).random((50, 3)),
                                                            boxes=boxes)})
    obj = load(logged(run, "cloud"))
    assert len(obj.points) == 50 and [b["label"] for b in obj.boxes] == ["b0", "b1", "b2"]
    assert obj.boxes[0]["color"] == [0, 255, 0] and obj.boxes[0]["score"] == 0.5
    with pytest.raises(ValueError, match="point_cloud_type"):
        nbtrack.Object3D.from_point_cloud(points=np.zeros((2, 3)), boxes=[], point_cloud_type="radar")


def _gltf_doc(indices: bool) -> tuple[dict[str, Any], bytes]:
    positions = struct.pack("<12f", 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1)
    index = struct.pack("<6H", 0, 1, 2, 0, 2, 3) if indices else b""
    prim: dict[str, Any] = {"attributes": {"POSITION": 0}}
    accessors = [{"bufferView": 0, "componentType": 5126, "count": 4, "type": "VEC3"}]
    views = [{"buffer": 0, "byteLength": 48}]
    if indices:
        prim["indices"] = 1
        accessors.append({"bufferView": 1, "componentType": 5123, "count": 6, "type": "SCALAR"})
        views.append({"buffer": 0, "byteOffset": 48, "byteLength": 12})
    doc = {"asset": {"version": "2.0"}, "meshes": [{"primitives": [prim]}], "accessors": accessors,
           "bufferViews": views, "buffers": [{"byteLength": len(positions + index)}]}
    return doc, positions + index


def test_gltf_with_a_sibling_buffer_and_glb_give_vertices_and_triangles(tmp_path: Path) -> None:
    doc, data = _gltf_doc(indices=True)
    (tmp_path / "mesh.bin").write_bytes(data)
    doc["buffers"][0]["uri"] = "mesh.bin"
    (tmp_path / "mesh.gltf").write_text(json.dumps(doc))
    obj = nbtrack.Object3D(str(tmp_path / "mesh.gltf"))
    assert len(obj.points) == 4 and obj.faces == [[0, 1, 2], [0, 2, 3]]
    doc, data = _gltf_doc(indices=False)
    js = json.dumps(doc).encode()
    js += b" " * (-len(js) % 4)
    glb = (struct.pack("<4sII", b"glTF", 2, 28 + len(js) + len(data)) + struct.pack("<II", len(js), 0x4E4F534A) + js
           + struct.pack("<II", len(data), 0x004E4942) + data)
    (tmp_path / "mesh.glb").write_bytes(glb)
    with open(tmp_path / "mesh.glb", "rb") as f:
        obj = nbtrack.Object3D(f)
    assert len(obj.points) == 4 and obj.faces == [[0, 1, 2]]  # 4 points without indices: one whole triangle
    with nbtrack.init(project="gltf") as run:
        run.log({"mesh": obj})
    assert load(logged(run, "mesh")).faces == [[0, 1, 2]]


def test_gltf_reads_nothing_outside_its_folder_and_names_broken_files(tmp_path: Path) -> None:
    doc, data = _gltf_doc(indices=False)
    (tmp_path / "secret.bin").write_bytes(data)
    for uri in ("../secret.bin", str(tmp_path / "secret.bin"), "https://example.com/x.bin"):
        doc["buffers"][0]["uri"] = uri
        with pytest.raises(ValueError, match="only relative names are read"):
            read_gltf(json.dumps(doc).encode(), tmp_path / "sub")
    with pytest.raises(ValueError, match="not a readable glTF 2.0 file"):
        read_gltf(b"{not json", tmp_path)
    with pytest.raises(ValueError, match="GLB version 1"):
        read_gltf(struct.pack("<4sII", b"glTF", 1, 20) + b"\0" * 8)
    with pytest.raises(ValueError, match="no mesh vertices"):
        read_gltf(b'{"asset": {"version": "2.0"}}')


# -- tables, files, setup, config files, code ---------------------------------------

def test_table_computed_columns_and_index() -> None:
    table = nbtrack.Table(columns=["x", "y"], data=[[3, 1], [4, 6]])
    table.add_computed_columns(lambda i, row: {"diff": row["x"] - row["y"], "i": i})
    assert table.columns == ["x", "y", "diff", "i"] and table.data == [[3, 1, 2, 0], [4, 6, -2, 1]]
    assert table.get_index() == [0, 1]
    with pytest.raises(ValueError, match="same column names for every row"):
        table.add_computed_columns(lambda i, row: {f"c{i}": 1})
    assert table.columns == ["x", "y", "diff", "i"]


def test_save_keeps_relative_folders_and_takes_literal_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for path in ("files/a/saveme.txt", "files/b/saveme.txt", "files/my[1].txt"):
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_text(path)
    with nbtrack.init(project="save") as run:
        run.save("files/*/saveme.txt")
        assert run.save("files/my[1].txt") == []  # a glob: [1] is a character class
        nbtrack.save("files/my[1].txt", glob=False)
    kept = sorted(p.relative_to(run.dir).as_posix() for p in Path(run.dir).rglob("*") if p.is_file())
    assert kept == ["files/a/saveme.txt", "files/b/saveme.txt", "files/my[1].txt"]
    assert (Path(run.dir) / "files/b/saveme.txt").read_text() == "files/b/saveme.txt"


def test_setup_sets_defaults_for_later_runs_and_child_processes(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("WANDB_PROJECT", "WANDB_RUN_GROUP", "WANDB_TAGS", "NBTRACK_PROJECT"):
        monkeypatch.delenv(var, raising=False)  # restored after the test
    nbtrack.setup(settings=nbtrack.Settings(project="from-setup", run_group="g", run_tags=["a", "b"], x_label=1))
    assert os.environ["WANDB_PROJECT"] == "from-setup"  # what a child process inherits
    with nbtrack.init() as run:
        pass
    assert (run.project, run.group, list(run.tags)) == ("from-setup", "g", ["a", "b"])
    monkeypatch.setenv("NBTRACK_PROJECT", "own-name-wins")
    with nbtrack.init() as run:
        pass
    assert run.project == "own-name-wins"


def test_config_from_a_yaml_file_as_w_and_b_writes_it(tmp_path: Path) -> None:
    path = tmp_path / "config-defaults.yaml"
    path.write_text("wandb_version: 1\nepochs:\n  desc: passes\n  value: 3\nopt:\n  value: {name: adam}\n"
                    "plain: 0.5\n")
    with nbtrack.init(project="yaml", config=str(path)) as run:
        assert run.config.epochs == 3
    assert dict(run.config) == {"epochs": 3, "opt": {"name": "adam"}, "plain": 0.5}
    (tmp_path / "bad.yaml").write_text("a: [1,\n")
    (tmp_path / "list.yaml").write_text("- 1\n")
    for name, message in (("bad.yaml", "not valid YAML"), ("list.yaml", "must hold a mapping"),
                          ("absent.yaml", "cannot read the config file")):
        with pytest.raises(ValueError, match=message):
            nbtrack.init(project="yaml", config=str(tmp_path / name))


def test_log_code_keeps_the_source_files_as_a_code_artifact(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for path in ("train.py", "pkg/model.py", "requirements.txt", "notes.md", ".hidden/x.py", "pkg/__pycache__/m.py",
                 "cache/old.py"):
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_text("# " + path)
    with nbtrack.init(project="code") as run:
        default = run.log_code()
        chosen = run.log_code(".", name="chosen", include_fn=lambda p: p.endswith((".py", ".md")),
                              exclude_fn=lambda p, root: os.path.relpath(p, root).startswith("cache"))
        assert run.log_code(".", include_fn=lambda p, root: False) is None
    assert default.type == "code" and default.name.startswith("source-code-")
    assert sorted(e.path for e in default.files()) == ["cache/old.py", "pkg/model.py", "requirements.txt", "train.py"]
    assert sorted(e.path for e in chosen.files()) == ["notes.md", "pkg/model.py", "train.py"]
    assert default.logged_by().id == run.id  # type: ignore[union-attr]


# -- Keras: WandbEvalCallback -------------------------------------------------------

@pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")  # keras' torch backend
def test_keras_eval_callback_builds_a_data_table_and_a_prediction_table_per_epoch(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KERAS_BACKEND", "torch")
    import keras

    from nbtrack.integration.keras import WandbEvalCallback

    class Eval(WandbEvalCallback):
        def add_ground_truth(self, logs: Any = None) -> None:
            for i, label in enumerate(y):
                self.data_table.add_data(i, int(label))

        def add_model_predictions(self, epoch: int) -> None:  # W&B's own example leaves out `logs`
            preds = np.asarray(self.model.predict(x, verbose=0)).argmax(axis=-1)
            for i in self.data_table_ref.get_index():
                self.pred_table.add_data(epoch, self.data_table_ref.data[i][0], int(preds[i]))

    rng = np.random.default_rng(0)
    x, y = rng.random((8, 4)).astype("float32"), rng.integers(0, 2, 8)
    with pytest.raises(nbtrack.UsageError, match="init"):
        Eval(["idx", "label"], ["epoch", "idx", "pred"])
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    model.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    with nbtrack.init(project="keras-eval") as run:
        model.fit(x, y, epochs=2, verbose=0, callbacks=[Eval(["idx", "label"], ["epoch", "idx", "pred"])])
    data = nbtrack.artifact("val:latest")
    assert data.type == "dataset" and [r.id for r in data.used_by()] == [run.id]
    assert data.get("val_data").data == [[i, int(v)] for i, v in enumerate(y)]
    preds = nbtrack.artifact(f"run_{run.id}_pred:v1")
    assert preds.type == "evaluation" and "latest" in preds.aliases
    assert [row[:2] for row in preds.get("eval_data").data] == [[1, i] for i in range(8)]


# -- the public API: files, projects, collections, pages ----------------------------

def test_api_run_files_list_and_download_what_the_run_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from nbtrack.apis.public import Api
    from nbtrack.apis.public.files import File, Files

    monkeypatch.chdir(tmp_path)
    Path("sub").mkdir()
    Path("sub/model.json").write_text("{}")
    with nbtrack.init(project="files", entity="me") as run:
        run.save("sub/model.json")
    files = Api().run(f"me/files/{run.id}").files()
    assert isinstance(files, Files) and all(isinstance(f, File) for f in files)
    [kept] = files
    assert (kept.name, kept.size, kept.mimetype) == ("sub/model.json", 2, "application/json")
    assert kept.url.startswith("file://") and Path(kept.path_uri).read_text() == "{}"
    assert kept.download(root="out").read_text() == "{}" and Path("out/sub/model.json").exists()
    with pytest.raises(ValueError, match="replace=True"):
        kept.download(root="out")
    assert kept.download(root="out", exist_ok=True) == Path("out/sub/model.json")
    assert Api().run(run.id).files(names=["absent"]) == []


def test_api_projects_are_names_with_types_and_sweeps() -> None:
    with nbtrack.init(project="proj-a") as run:
        art = nbtrack.Artifact("w", type="model")
        art.add(nbtrack.Table(columns=["a"], data=[[1]]), "t")
        run.log_artifact(art)
    with nbtrack.init(project="proj-b"):
        pass
    sweep_id = nbtrack.sweep({"method": "grid", "parameters": {"x": {"values": [1]}}}, project="proj-a")
    api = nbtrack.Api()
    projects = api.projects("any-entity")
    assert projects == ["proj-a", "proj-b"] and projects[0].name == "proj-a"  # still plain names
    assert [t.name for t in projects[0].artifacts_types()] == ["model"] and projects[1].artifacts_types() == []
    [sweep] = api.project("proj-a").sweeps()
    assert sweep.id == sweep_id and sweep.name and sweep.url.endswith(f"#sweep={sweep_id}")
    assert api.project("proj-a").created_at == api.run(run.id).created_at


def test_api_artifact_collection_and_pages_with_a_cursor() -> None:
    for i in range(5):
        with nbtrack.init(project="pages") as run:
            art = nbtrack.Artifact("data", type="dataset")
            with art.new_file("x.txt") as f:
                f.write(str(i))
            run.log_artifact(art)
    api = nbtrack.Api()
    collection = api.artifact_collection(type_name="dataset", name="me/pages/data")
    assert [a.version for a in collection.artifacts()] == ["v4", "v3", "v2", "v1", "v0"]
    assert "latest" in collection.aliases
    with pytest.raises(nbtrack.ArtifactNotFoundError, match="no artifact collection 'data' of type 'model'"):
        api.artifact_collection(type_name="model", name="data")
    pages = api.artifacts("dataset", "me/pages/data", per_page=2)
    first = [a.version for a in itertools.islice(pages, 2)]  # W&B's example: read the first page only
    assert first == ["v0", "v1"] and pages.cursor == "2" and len(pages) == 5
    rest = api.artifacts("dataset", "data", per_page=2, start=pages.cursor)
    assert [a.version for a in rest] == ["v2", "v3", "v4"] and rest.cursor == "5"
    with pytest.raises(ValueError, match="start must be a cursor"):
        api.artifacts("dataset", "data", start="abc")


def test_config_update_with_absl_flags_takes_each_flags_value() -> None:
    from absl import flags

    values = flags.FlagValues()
    flags.DEFINE_string("arch", "resnet", "model to run", flag_values=values)
    flags.DEFINE_integer("width", 64, "width", flag_values=values)
    with nbtrack.init(project="absl") as run:
        run.config.update(values)
    assert dict(run.config) == {"arch": "resnet", "width": 64}
