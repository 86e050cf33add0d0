"""The SDK docstring corpus: which of W&B's published code examples, our prelude for each, what each must store.

Every piece is a fenced code example in a docstring of the `wandb` package (the version pinned in
pyproject's dev extra), written by W&B's authors and published in W&B's Python reference at `url`
(docs.wandb.ai renders the reference from these docstrings). Nothing of W&B's text is in this
repository: tests/wandb_sdk_corpus/extract.py reads the installed package's source with `ast`,
checks the block's sha256 against `sha256`, and writes the script at test time. The only edit is
the import line (`import wandb` -> `import nbtrack as wandb`, `from wandb.x` -> `from nbtrack.x`).

`prelude` is our own code, put before the example between the "synthetic data (nbtrack corpus)"
markers: the names the example assumes (`model`, `y_test`, a file it opens) and, where the example
only shows a call, the `import wandb` / `wandb.init()` around it. It is the same on both routes.
`checks` has the keys tests/wandb_corpus/checks.py reads (runs at least, history keys, config and
summary keys, project, media kinds per key, artifacts at least), plus `max_runs`, `registry`,
`stdout` (a regex the output must match, for examples that read back and print) and `files`
(what the example must have written beside itself, e.g. a download).

Not in the corpus, and why:
- examples that need W&B's server or an account: `Api().create_*`, registries and registry members,
  teams, webhooks, Slack integrations and automations (wandb.apis.public.api, .registries, .teams,
  wandb.automations), `Run.create`/`Run.stop`/`console_logs` of a server run, `Api.reports`,
  `Api().sweep("entity/project/sweep_id")` (a sweep id only W&B's server hands out), `Api.artifact`,
  `artifact_exists`, `artifact_collection_exists`, `from_path` (they name placeholders such as
  `"project/artifact:version"` on W&B's server, and only print or return), Launch (`launch`,
  `launch_add`, `create_job`), and the kfp, dspy, prodigy, ultralytics and sb3 integrations;
- examples that are not runnable code as published: `Run.log` block 4 (an unclosed dict),
  `Config` blocks 2-3 (a loop whose body is only a comment), `Api.runs` blocks 0-4 (call the
  unbound method `Api.runs(path=...)`), `Run.used_artifacts` (a printed output line inside the code),
  `Run.use_artifact` (`"<name>:<alias>"` placeholders), `controller` (`wandb.controller(...)`),
  `Artifact.history_step` and `ref_url` (fragments of a larger program), `Trace` (a placeholder
  `<my_awesome_project>`), `Api` block 0 (only `wandb.Api()`);
- examples for libraries not in the dev extra or code the docs leave out: TensorFlow flags (`Config`
  block 6), CatBoost, `Graph.from_keras` (a TensorFlow Keras model), `torch_trace_handler`
  (W&B's profiler around a `dataloader` and `train` the docs do not define).
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field
from typing import Any

WANDB_VERSION = "0.31.0"  # the dev extra pins it: the pinned sha256s are of this version's docstrings
_REF = "https://docs.wandb.ai/models/ref/python"


@dataclass(frozen=True)
class SdkPiece:
    """One example block of a wandb docstring, with our prelude and the store checks."""

    name: str
    module: str  # dotted path of wandb's module
    qualname: str  # class/function (dotted for methods) whose docstring holds the example; "" the module's
    index: int  # which fenced block of that docstring, from 0
    sha256: str  # of the block's text (dedented lines between the fences)
    url: str  # the page W&B publishes it on
    prelude: str = ""
    checks: dict[str, Any] = field(default_factory=dict)
    argv: tuple[str, ...] = ()
    xfail: str = ""  # why it cannot pass on nbtrack (strict: it must fail)


_RUN = f"{_REF}/experiments/run"
_SK = "https://docs.wandb.ai/models/integrations/scikit"
_IMPORT = "import wandb"
_IMPORT_INIT = "import wandb\nrun = wandb.init()"

# the classifier names the sklearn examples assume (a fitted model and its splits), synthetic
_SK_CLASSIFIER = """
import numpy as np
from sklearn.ensemble import RandomForestClassifier
from sklearn.model_selection import train_test_split
_rng = np.random.default_rng(0)
X = _rng.random((200, 4))
y = (X[:, 0] + X[:, 1] > 1).astype(int)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=0)
model = clf = RandomForestClassifier(n_estimators=10, random_state=0).fit(X_train, y_train)
y_pred = model.predict(X_test)
y_true, y_probas = y_test, model.predict_proba(X_test)
labels = ["cat", "dog"]
import wandb
run = wandb.init(project="sklearn-docs")
"""
_SK_REGRESSOR = """
import numpy as np
from sklearn.linear_model import Ridge
from sklearn.model_selection import train_test_split
_rng = np.random.default_rng(0)
X = _rng.random((120, 3))
y = X @ np.array([1.5, -2.0, 0.5]) + _rng.normal(0, 0.1, 120)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=0)
model = reg = Ridge().fit(X_train, y_train)
import wandb
run = wandb.init(project="sklearn-docs")
"""
_SK_CLUSTERER = """
import numpy as np
from sklearn.cluster import KMeans
_rng = np.random.default_rng(0)
X = X_train = np.concatenate([_rng.normal(0, 0.3, (40, 2)), _rng.normal(3, 0.3, (40, 2))])
model = kmeans = KMeans(n_clusters=2, n_init=3, random_state=0).fit(X)
cluster_labels = kmeans.labels_
labels = ["a", "b"]
import wandb
run = wandb.init(project="sklearn-docs")
"""
# the boosting examples' train/validation data, synthetic
_BOOST_DATA = """
import numpy as np
_rng = np.random.default_rng(0)
X_train, X_test = _rng.random((200, 5)), _rng.random((50, 5))
y_train, y_test = X_train.sum(axis=1), X_test.sum(axis=1)
"""

# runs the public-API examples read back (entity "entity", project "project", a run with id "run_id")
_STORED_RUNS = """
import wandb
for _i, _bs in enumerate((32, 64)):
    with wandb.init(entity="entity", project="project", id="run_id" if _i == 0 else None, name=f"kept-{_bs}",
                    config={"batch_size": _bs, "experiment_name": "foo"}) as _run:
        for _step in range(3):
            _run.log({"loss": 1 / (_step + 1), "accuracy": _step / 3})
        with open("notes.txt", "w") as _f:
            _f.write("hello")
        _run.save("notes.txt")
        _weights = wandb.Artifact("weights", type="model")
        _weights.add_file("notes.txt")
        _run.log_artifact(_weights)
"""
# the artifact the Api examples name: entity/project/artifact_name of type "type", in several versions
_STORED_ARTIFACT = """
import wandb
for _v in range(3):
    with wandb.init(entity="entity", project="project") as _run:
        _art = wandb.Artifact("artifact_name", type="type")
        with _art.new_file(f"part-{_v}.txt") as _f:
            _f.write(str(_v))
        _run.log_artifact(_art)
"""

PIECES: tuple[SdkPiece, ...] = (
    # --- runs: init, log, config, summary, save, setup
    SdkPiece("init_config_log", "wandb.sdk.wandb_init", "init", 0,
             "8f14fd75cf04e1417da96a6de83b602ed097df6dd833e70ff161e7b431054a21", f"{_REF}/functions/init",
             checks={"keys": ["accuracy", "loss"], "config": ["lr", "batch_size"], "max_runs": 1}),
    SdkPiece("run_context_manager", "wandb.sdk.wandb_run", "Run", 0,
             "a3f871eadeca4ac6d183934af5763039854e582c0cf99d82fe741f56dacf0836", _RUN,
             prelude="acc, loss = 0.91, 0.23",
             checks={"keys": ["accuracy", "loss"], "project": "project", "max_runs": 1}),
    SdkPiece("log_basic", "wandb.sdk.wandb_run", "Run.log", 0,
             "bf172d1807e4e21841f0139c2e208e234d216d4f8fd2c02556e618a74f29ad3b", _RUN,
             checks={"keys": ["train-loss", "accuracy"], "summary": ["accuracy"]}),
    SdkPiece("log_sections", "wandb.sdk.wandb_run", "Run.log", 1,
             "426ddafd6c724fd1b09ed9f585062f6691dd6e151f548892e1cebd8e80820ae1", _RUN, prelude=_IMPORT,
             checks={"keys": ["train/accuracy", "train/loss", "validate/accuracy", "validate/loss"]}),
    SdkPiece("log_epoch_axis", "wandb.sdk.wandb_run", "Run.log", 2,
             "4b5e5e0220fa26258d99d07470f08d93a02ea35a83d7c9053d261c9fe9fc22d4", _RUN, prelude=_IMPORT,
             checks={"keys": ["epoch", "train-loss"]}),
    SdkPiece("log_commit_and_step", "wandb.sdk.wandb_run", "Run.log", 3,
             "d444b2f812d037dcf57e7d6f1054e8412e327f650f4270768e91158b768486d6", _RUN,
             prelude=f"{_IMPORT}\ncurrent_step = 10", checks={"keys": ["train-loss", "accuracy"]}),
    SdkPiece("log_commit_false", "wandb.sdk.wandb_run", "Run.log", 5,
             "5f8b53f8168cb24affb12966531d6559ab54714200461792405e459c8c8125cc", _RUN,
             checks={"keys": ["loss", "accuracy"]}),
    SdkPiece("log_histogram", "wandb.sdk.wandb_run", "Run.log", 6,
             "244c275392f225a63a6cc0b14fe725f2d00445ed78e81cd16ea57c6ba24e3923", _RUN,
             checks={"keys": ["gradients"], "media": {"gradients": "histogram"}}),
    SdkPiece("log_images_numpy", "wandb.sdk.wandb_run", "Run.log", 7,
             "9a66fb06e9196675c5b78ff11ad431011b1a99fa29bcac618dc33c56305f36fb", _RUN,
             checks={"keys": ["examples"], "media": {"examples": "image-file"}}),
    SdkPiece("log_images_pil", "wandb.sdk.wandb_run", "Run.log", 8,
             "c6b140634c949124654247d71bc6adb1d4413e7e71d2cc6b8d5e71e3b4284f9b", _RUN,
             checks={"keys": ["examples"], "media": {"examples": "image-file"}}),
    SdkPiece("log_video", "wandb.sdk.wandb_run", "Run.log", 9,
             "36e59802f0bf69f8e1c9fd44c3dc0060c35a631dd0f676771efc630188e792d7", _RUN,
             checks={"keys": ["video"], "media": {"video": "video-file"}}),
    SdkPiece("log_matplotlib", "wandb.sdk.wandb_run", "Run.log", 10,
             "6987c91f19b0a9dd8d94fc805bbafa8fdebfc17bb6d1c6021a0f9411e6020df0", _RUN,
             checks={"keys": ["chart"], "media": {"chart": "plotly-file"}}),
    SdkPiece("log_pr_curve", "wandb.sdk.wandb_run", "Run.log", 11,
             "39c495a6cfdfd5a09e80ed00eac90b559855d981a24f2abe13586bad62ef70b1", _RUN, prelude="""
             y_test = [0, 1, 1, 0, 1, 0]
             y_probas = [[0.8, 0.2], [0.3, 0.7], [0.4, 0.6], [0.6, 0.4], [0.1, 0.9], [0.7, 0.3]]
             labels = ["no", "yes"]""",
             checks={"keys": ["pr"], "media": {"pr": "custom-chart"}}),
    SdkPiece("log_object3d_files", "wandb.sdk.wandb_run", "Run.log", 12,
             "bd01315cd2425a471af7b18c2e240eb63fa02097931f3a255ae826140bb267e0", _RUN, prelude="""
             import base64, json, struct
             with open("sample.obj", "w") as f:
                 f.write("v 0 0 0\\nv 1 0 0\\nv 0 1 0\\nv 0 0 1\\nf 1 2 3\\nf 1 2 4\\n")
             # one triangle; the example opens the .glb in text mode, so every byte of it stays ASCII
             _pos = struct.pack("<9f", 0, 0, 0, 2, 0, 0, 0, 2, 0)
             _gltf = {"asset": {"version": "2.0"}, "meshes": [{"primitives": [{"attributes": {"POSITION": 0}}]}],
                      "buffers": [{"byteLength": 36}], "bufferViews": [{"buffer": 0, "byteLength": 36}],
                      "accessors": [{"bufferView": 0, "componentType": 5126, "count": 3, "type": "VEC3"}]}
             _data_uri = "data:application/octet-stream;base64," + base64.b64encode(_pos).decode()
             with open("sample.gltf", "w") as f:
                 json.dump(dict(_gltf, buffers=[{"byteLength": 36, "uri": _data_uri}]), f)
             _js = json.dumps(_gltf).encode()
             def _ascii(n):
                 return all(b < 0x80 and b != 0x0D for b in struct.pack("<I", n))
             while len(_js) % 4 or not (_ascii(len(_js)) and _ascii(12 + 8 + len(_js) + 8 + len(_pos))):
                 _js += b" "
             with open("sample.glb", "wb") as f:
                 f.write(struct.pack("<4sII", b"glTF", 2, 12 + 8 + len(_js) + 8 + len(_pos)))
                 f.write(struct.pack("<II", len(_js), 0x4E4F534A) + _js)
                 f.write(struct.pack("<II", len(_pos), 0x004E4942) + _pos)""",
             checks={"keys": ["generated_samples"], "media": {"generated_samples": "object3d-file"}}),
    SdkPiece("log_code", "wandb.sdk.wandb_run", "Run.log_code", 0,
             "f11026d985d359a0fcf1826f9a9c928e897ba016bc49c69a9bb7dfbd36361e6b", _RUN, checks={"artifacts": 1}),
    SdkPiece("log_code_filters", "wandb.sdk.wandb_run", "Run.log_code", 1,
             "bfeea28f7c2ee72f128256ca7eb6b0a14281a0b35b8cc23283e8d9ef3870655b", _RUN, prelude="""
             import os
             os.makedirs("cache", exist_ok=True)
             for _name in ("train.py", "cache/old.py", "notes.ipynb"):
                 with open(_name, "w") as f:
                     f.write("# " + _name)""", checks={"artifacts": 1}),
    SdkPiece("save_globs", "wandb.sdk.wandb_run", "Run.save", 0,
             "28904cade9ec80a6327972462f7afb6a5bb1ec4c66ded9d51754e8c0e7ead228", _RUN, prelude="""
             import os
             for _path in ("these/are/myfiles/a.txt", "these/are/myfiles/b.txt", "files/x/saveme.txt",
                           "files/y/saveme.txt", "files/myfile[1].txt"):
                 os.makedirs(os.path.dirname(_path), exist_ok=True)
                 with open(_path, "w") as f:
                     f.write(_path)"""),
    SdkPiece("setup_multiprocessing", "wandb.sdk.wandb_setup", "setup", 0,
             "04ef4840e69c08beb89818054dec32281a9c524b0c3cad628ca22b33c0c4c29c", f"{_REF}/functions/setup",
             checks={"runs": 2, "project": "my_project", "config": ["learning_rate", "epochs"]}),
    SdkPiece("summary_best_accuracy", "wandb.sdk.wandb_summary", "Summary", 0,
             "940e4a7392fd4963f5a8c7f6dbcd5ee9d504f5a2ac15076dca47d836990c383d",
             f"{_REF}/experiments/summary", prelude="""
             import argparse, random
             import wandb
             args = argparse.Namespace(epochs=5, lr=0.1)
             def test():
                 return random.random(), random.random()""",
             checks={"summary": ["best_accuracy"], "config": ["epochs", "lr"]}),
    SdkPiece("config_argparse", "wandb.sdk.wandb_config", "Config", 5,
             "123d1288147334bf40051164ee52fdbb23b5ad335dd83a6504d42c8c890a2acc", f"{_REF}/experiments/config",
             prelude="import argparse\nimport wandb", checks={"config": ["epochs", "batch_size"]}),
    SdkPiece("config_dict", "wandb.sdk.wandb_config", "Config", 0,
             "26e7922d369f259d83f220cd9aa02c9fad93fe9fa396104586cbfadfdfd71966", f"{_REF}/experiments/config",
             prelude="import wandb\nmy_config_dict = {'lr': 0.01, 'layers': 3}", checks={"config": ["lr", "layers"]}),
    SdkPiece("config_absl_flags", "wandb.sdk.wandb_config", "Config", 4,
             "cf0b765e631df629e6c43dbeaa9b86f507866cefd41d29567a15295ebd9c815a", f"{_REF}/experiments/config",
             prelude="from absl import flags\nimport wandb", checks={"config": ["model"]}),
    SdkPiece("config_yaml_file", "wandb.sdk.wandb_config", "Config", 1,
             "3519f2745f3ce782b2802c5d38998c3125fb025e648ed7fe8c882dcf5ad51a42", f"{_REF}/experiments/config",
             prelude="""
             import wandb
             with open("my_config.yaml", "w") as f:
                 f.write("wandb_version: 1\\nepochs:\\n  desc: passes over the data\\n  value: 3\\n"
                         "optimizer:\\n  value:\\n    name: adam\\n    lr: 0.001\\n")""",
             checks={"config": ["epochs", "optimizer"]}),
    # --- custom charts (wandb.plot presets)
    SdkPiece("plot_bar", "wandb.plot.bar", "bar", 0,
             "844e165a36700d572f3b0ed3e5cb9893e84cdfd83cae2ee00db80fb42e552367", f"{_REF}/custom-charts/bar",
             checks={"keys": ["bar_plot"], "media": {"bar_plot": "custom-chart"}, "project": "bar_chart"}),
    SdkPiece("plot_confusion_matrix_probs", "wandb.plot.confusion_matrix", "confusion_matrix", 0,
             "829f094cedd73bdcb3d21ab0676857f3a753a336823babf64c7f47d95857f2d8",
             f"{_REF}/custom-charts/confusion_matrix",
             checks={"keys": ["wildlife_confusion_matrix"], "media": {"wildlife_confusion_matrix": "custom-chart"}}),
    SdkPiece("plot_confusion_matrix_preds", "wandb.plot.confusion_matrix", "confusion_matrix", 1,
             "0641858b822045564b3c74ced2afc130cb846d2fdbe00d8c3d28650c61770081",
             f"{_REF}/custom-charts/confusion_matrix",
             checks={"keys": ["wildlife_confusion_matrix"], "media": {"wildlife_confusion_matrix": "custom-chart"}}),
    SdkPiece("plot_table_vega", "wandb.plot.custom_chart", "plot_table", 0,
             "20afa912c9382e8e36625c3932b4237d2d2f7541806fc12564a0f44d557cff9e", f"{_REF}/custom-charts/plot_table",
             checks={"keys": ["custom_chart"], "media": {"custom_chart": "custom-chart"}}),
    SdkPiece("plot_histogram", "wandb.plot.histogram", "histogram", 0,
             "9d87ac1836eb146af68651fa0c9aface34d3cebf4f69c3ac3cb940ccb9a0620d", f"{_REF}/custom-charts/histogram",
             checks={"keys": ["histogram-plot1"], "media": {"histogram-plot1": "custom-chart"}},
             xfail="the example calls `wandb.init(...)`: a literal Ellipsis where its arguments go, refused as a "
                   "project name (the real wandb refuses it too: a Settings validation error)"),
    SdkPiece("plot_line", "wandb.plot.line", "line", 0,
             "3ea3e59c7315e5c1bf7550a34fa77f23f0de4985dd94ea3987c01a9e999c5499", f"{_REF}/custom-charts/line",
             checks={"keys": ["line-chart"], "media": {"line-chart": "custom-chart"}}),
    SdkPiece("plot_line_series_single_x", "wandb.plot.line_series", "line_series", 0,
             "141befbbf35d6960a715df2fff56fd0ca5c61ca679f0a694baf7220c3a1107bf",
             f"{_REF}/custom-charts/line_series",
             checks={"keys": ["line-series-single-x"], "media": {"line-series-single-x": "custom-chart"}}),
    SdkPiece("plot_line_series_multiple_x", "wandb.plot.line_series", "line_series", 1,
             "d265f034dfa629ce947b67a2f20d9272355df4f5aa936b31b791e8856cba9610",
             f"{_REF}/custom-charts/line_series",
             checks={"keys": ["line-series-multiple-x"], "media": {"line-series-multiple-x": "custom-chart"}}),
    SdkPiece("plot_line_series_keys", "wandb.plot.line_series", "line_series", 2,
             "0eaff84b47cc7ac36edcd04c00fed51f63ece403b07c693f7b620d5f91f66947",
             f"{_REF}/custom-charts/line_series",
             checks={"keys": ["line-series-custom-keys"], "media": {"line-series-custom-keys": "custom-chart"}}),
    SdkPiece("plot_pr_curve", "wandb.plot.pr_curve", "pr_curve", 0,
             "40e49715dc40abe44554b9e5fb0c598a021c1cadc02e3610070b41fea73bdf14", f"{_REF}/custom-charts/pr_curve",
             checks={"keys": ["pr-curve"], "media": {"pr-curve": "custom-chart"}, "project": "spam-detection"}),
    SdkPiece("plot_roc_curve", "wandb.plot.roc_curve", "roc_curve", 0,
             "9846d3c081ff366289fda07dd0e373aa2c5396da6424764df8073e2beca5f576", f"{_REF}/custom-charts/roc_curve",
             checks={"keys": ["roc-curve"], "media": {"roc-curve": "custom-chart"}}),
    SdkPiece("plot_scatter", "wandb.plot.scatter", "scatter", 0,
             "6b5fbcb9b2909c8845cfea48dd98ac74f9ac613eeb9f588bfd828a318e57f912", f"{_REF}/custom-charts/scatter",
             checks={"keys": ["altitude-temperature-scatter"],
                     "media": {"altitude-temperature-scatter": "custom-chart"}}),
    # --- data types
    SdkPiece("image_boxes", "wandb.sdk.data_types.helper_types.bounding_boxes_2d", "BoundingBoxes2D", 0,
             "f44152c43f3346e82ca1d0c4f3fe7e140506ef65a20ce67d48dc3c0b10f9ecc7",
             f"{_REF}/data-types/boundingboxes2d",
             checks={"keys": ["driving_scene"], "media": {"driving_scene": "image-file"}}),
    SdkPiece("image_boxes_table", "wandb.sdk.data_types.helper_types.bounding_boxes_2d", "BoundingBoxes2D", 1,
             "756c0240962051fad4a7a35d25a677b72fa1812cc2f4d6134ce90c4cd5bdfcda",
             f"{_REF}/data-types/boundingboxes2d",
             checks={"keys": ["driving_scene"], "media": {"driving_scene": "table-file"}}),
    SdkPiece("image_masks", "wandb.sdk.data_types.helper_types.image_mask", "ImageMask", 0,
             "39aee311b76b006a0f147c62215c5e25797b4ba94240b7c306502126b22b6cb3",
             f"{_REF}/data-types/imagemask",
             checks={"keys": ["img_with_masks"], "media": {"img_with_masks": "image-file"}}),
    SdkPiece("image_masks_table", "wandb.sdk.data_types.helper_types.image_mask", "ImageMask", 1,
             "2f9e069587c286ff55c0898b64597b5fac68fb2f8ee8d7d02f4743d734ef59b4",
             f"{_REF}/data-types/imagemask",
             checks={"keys": ["random_field"], "media": {"random_field": "table-file"}}),
    SdkPiece("histogram_sequence", "wandb.sdk.data_types.histogram", "Histogram.__init__", 0,
             "8448c0ceb137f4c6f6fcd18d3bc8a01fa81f02a4a6446f9e22a9d92e880dbea9",
             f"{_REF}/data-types/histogram", checks={"runs": 0}),
    SdkPiece("histogram_np_histogram", "wandb.sdk.data_types.histogram", "Histogram.__init__", 1,
             "ff9835ff03c620decb892e5c54459127027c6c39b6172a7bf8d3147844060b46",
             f"{_REF}/data-types/histogram", prelude="import numpy as np\ndata = np.random.randn(500)",
             checks={"runs": 0}),
    SdkPiece("html_file", "wandb.sdk.data_types.html", "Html.__init__", 0,
             "63ead9907d11101e37d8c26ba4611bac8e640ef890cd365ed61e90ff9a4d2c52", f"{_REF}/data-types/html",
             prelude="""
             import wandb
             with open("index.html", "w") as f:
                 f.write("<h1>Report</h1><p>synthetic page</p>")""",
             checks={"keys": ["html"], "media": {"html": "html-file"}}),
    SdkPiece("html_string", "wandb.sdk.data_types.html", "Html.__init__", 1,
             "1521783c13b08169d0bcc071d39b89c0d1e7d9d89c9e5e7fd10ab9f3e74c2b27", f"{_REF}/data-types/html",
             prelude=_IMPORT, checks={"keys": ["html"], "media": {"html": "html-file"}}),
    SdkPiece("image_numpy", "wandb.sdk.data_types.image", "Image.__init__", 0,
             "9a66fb06e9196675c5b78ff11ad431011b1a99fa29bcac618dc33c56305f36fb", f"{_REF}/data-types/image",
             checks={"keys": ["examples"], "media": {"examples": "image-file"}}),
    SdkPiece("image_pil", "wandb.sdk.data_types.image", "Image.__init__", 1,
             "a10480d63f40f19dc1adde2dc298d9d590140ec2a31e9837560904bb63d8b90b", f"{_REF}/data-types/image",
             checks={"keys": ["examples"], "media": {"examples": "image-file"}}),
    SdkPiece("image_jpg", "wandb.sdk.data_types.image", "Image.__init__", 2,
             "fa15830baae13f61b10699d7034a00dea9ee376991b8321b84ed0b435e865738", f"{_REF}/data-types/image",
             checks={"keys": ["examples"], "media": {"examples": "image-file"}}),
    SdkPiece("object3d_point_cloud_boxes", "wandb.sdk.data_types.object_3d", "box3d", 0,
             "4521b841ec778d31ca5edf8198b74f7735c9f18bb974686f6ee6a1eba1e8390b",
             f"{_REF}/data-types/object3d", checks={"keys": ["points"], "media": {"points": "object3d-file"}}),
    SdkPiece("table_computed_columns", "wandb.sdk.data_types.table", "Table.add_computed_columns", 0,
             "e4e33ec682f67b2cd3ceda6fa1f866693d5f6b25cd122d2ef6d608251d1c5f6e",
             f"{_REF}/data-types/table", checks={"runs": 0}),
    SdkPiece("video_numpy", "wandb.sdk.data_types.video", "Video.__init__", 0,
             "f7f83857810d1add170b9412ea60d468f7edbabe29228e6468804d9848c28dbe", f"{_REF}/data-types/video",
             checks={"keys": ["video"], "media": {"video": "video-file"}}),
    # --- artifacts and the public API
    SdkPiece("logged_artifacts", "wandb.apis.public.runs", "Run.logged_artifacts", 0,
             "ee51708706c47847039059b9e887a95af5e4e0253891e91c5b4e203d7262c9d7",
             f"{_REF}/public-api/run", checks={"artifacts": 1, "project": "artifact-example",
                                               "stdout": r"(?m)^test_artifact(:v0)?$"}),
    SdkPiece("link_artifact_registry", "wandb.sdk.wandb_run", "Run.link_artifact", 0,
             "311e38a1e891252a384f055a8a298a94e15c57e559e12d77bec64111c46749c0", _RUN, prelude="""
             import os
             os.makedirs("path/to/local", exist_ok=True)
             with open("path/to/local/file", "w") as f:
                 f.write("weights")""",
             checks={"artifacts": 1, "registry": 1, "project": "project_name"}),
    SdkPiece("public_runs_filter_history", "wandb.apis.public.runs", "", 0,
             "ea37ea0caae11f4e61353475e2272ddec5f527efaf69c98ce9915bb6f5a3b0ca", f"{_REF}/public-api/runs",
             prelude=_STORED_RUNS, checks={"runs": 2, "stdout": (r"^(?![\s\S]*Run: kept-64)[\s\S]*Run: kept-32"
                                                                 r"[\s\S]*Artifact: weights")}),
    SdkPiece("public_run_files", "wandb.apis.public.files", "", 0,
             "cb1af1109376dfe46bc6d8b42bd50f162eb796c2465e7209ebc74ef6ddad40d0", f"{_REF}/public-api/files",
             prelude=_STORED_RUNS, checks={"stdout": r"File: notes\.txt\nSize: 5 bytes"}),
    SdkPiece("public_files_download", "wandb.apis.public.files", "Files", 0,
             "937785376255b48584cb3424dfdf6d76dfec0292224a26604c2fae358c5c97bd", f"{_REF}/public-api/files",
             prelude=_STORED_RUNS.replace('"run_id"', '"run-id"'),
             checks={"stdout": r"notes\.txt", "files": ["download_directory/notes.txt"]}),
    SdkPiece("public_projects", "wandb.apis.public.projects", "", 0,
             "54b0b4976bf84e07c025ed7a3c1a283e2d5b17c4e618f616d8ef88d629da8abb", f"{_REF}/public-api/projects",
             prelude=_STORED_RUNS, checks={"stdout": r"Project: project[\s\S]*Artifact Type: model"}),
    SdkPiece("public_projects_class", "wandb.apis.public.projects", "Projects", 0,
             "93232b4fa3c74e10a8a816889761ce6951c44fc4dfdd90f7743af8e097dd8533",
             f"{_REF}/public-api/projects", prelude=_STORED_RUNS, checks={"stdout": r"Project: project"}),
    SdkPiece("public_project_sweeps", "wandb.apis.public.sweeps", "Sweeps", 0,
             "b04653f7ddc3e717d2de5b4a58f26045e5b2495126da382a7a4c19c19dd9be1a", f"{_REF}/public-api/sweeps",
             prelude="""
             import wandb
             def _train():
                 with wandb.init() as run:
                     run.log({"loss": run.config.lr * 10})
             _sweep_id = wandb.sweep({"method": "grid", "metric": {"name": "loss", "goal": "minimize"},
                                      "parameters": {"lr": {"values": [0.1, 0.01]}}}, project="project_name")
             wandb.agent(_sweep_id, function=_train, project="project_name")""",
             checks={"runs": 2, "project": "project_name", "stdout": r"Sweep ID: \w+\nSweep URL: \S+"}),
    SdkPiece("api_artifact_collection_download", "wandb.apis.public.api", "Api.artifact_collection", 0,
             "45794baf6aaac274380df1f67000b6c5164586131b5d2255a6e222e58d7bd7b5",
             f"{_REF}/public-api/api", prelude=_STORED_ARTIFACT,
             checks={"artifacts": 3, "files": ["artifacts/artifact_name:v2/part-2.txt"]}),
    SdkPiece("api_artifacts_of_a_collection", "wandb.apis.public.api", "Api.artifacts", 0,
             "3ff2d1d6dde1d4f6233dd1db418dd29d28824436c1f2b088fa19a9bfe73e60c7",
             f"{_REF}/public-api/api", prelude=_STORED_ARTIFACT, checks={"artifacts": 1}),
    SdkPiece("api_artifacts_cursor", "wandb.apis.public.api", "Api.artifacts", 1,
             "9f07023c754b5096cf27947e2d9d89257735f07e4000581d5d9240f8e0b01dc8",
             f"{_REF}/public-api/api", prelude=_STORED_ARTIFACT, checks={"artifacts": 1}),
    # --- integrations
    SdkPiece("sklearn_plot_classifier", "wandb.integration.sklearn.plot.classifier", "classifier", 0,
             "179713d5081686133a2292ebb97b0fd3d89905592238fa015607f3605f14d131", _SK,
             prelude=_SK_CLASSIFIER, checks={"keys": ["roc", "confusion_matrix"]}),
    SdkPiece("sklearn_plot_roc", "wandb.integration.sklearn.plot.classifier", "roc", 0,
             "d1f624c14e81e36aafa8e1de398f9ccf3861475c07a4b6e5baa2bbfe924d342d", _SK,
             prelude=_SK_CLASSIFIER, checks={"keys": ["roc"], "media": {"roc": "custom-chart"}}),
    SdkPiece("sklearn_plot_confusion_matrix", "wandb.integration.sklearn.plot.classifier", "confusion_matrix", 0,
             "40a6070ebcfcf9bb991d56d10dac3f367617b5815d26c219389eabffdcc74b59", _SK,
             prelude=_SK_CLASSIFIER.replace("y_true, y_probas = y_test, model.predict_proba(X_test)",
                                            "y_true, y_probas = y_test, y_pred"),
             checks={"keys": ["confusion_matrix"], "media": {"confusion_matrix": "custom-chart"}}),
    SdkPiece("sklearn_plot_precision_recall", "wandb.integration.sklearn.plot.classifier", "precision_recall", 0,
             "e9e9990bc9105c0221e803d0e3921ad40e2c5b5e174f5fea51597874e2168099", _SK,
             prelude=_SK_CLASSIFIER, checks={"keys": ["precision_recall"]}),
    SdkPiece("sklearn_plot_feature_importances", "wandb.integration.sklearn.plot.classifier",
             "feature_importances", 0, "52f9e3494e8a34fa9e3c3f39fce17327fd6034eadbc18c710834dbfecb5f14b8", _SK,
             prelude=_SK_CLASSIFIER.replace("X = _rng.random((200, 4))", "X = _rng.random((200, 3))"),
             checks={"keys": ["feature_importances"]}),
    SdkPiece("sklearn_plot_class_proportions", "wandb.integration.sklearn.plot.classifier", "class_proportions", 0,
             "ba2b4ff951c0f6042ef2d6f7593c6d7d4b5ef944d09bf39685ddc32057c40b1f", _SK,
             prelude=_SK_CLASSIFIER.replace("y = (X[:, 0] + X[:, 1] > 1).astype(int)",
                                            "y = (X[:, :3].sum(axis=1) * 2).astype(int) % 3"),
             checks={"keys": ["class_proportions"]}),
    SdkPiece("sklearn_plot_calibration_curve", "wandb.integration.sklearn.plot.classifier", "calibration_curve", 0,
             "580b8cab62fc4057b31dc613a853dbaf74a6f4b6a270f2d08087fb3b864657a2", _SK,
             prelude=_SK_CLASSIFIER, checks={"keys": ["calibration_curve"]}),
    SdkPiece("sklearn_plot_clusterer", "wandb.integration.sklearn.plot.clusterer", "clusterer", 0,
             "f5045ad29e5f5cca234c0b13798b28a3429ea2d7d6c580ca021e00f2a45c927b", _SK,
             prelude=_SK_CLUSTERER, checks={"keys": ["elbow_curve"]}),
    SdkPiece("sklearn_plot_elbow_curve", "wandb.integration.sklearn.plot.clusterer", "elbow_curve", 0,
             "7d1953b76e452a11af564ff7d9454c51400a47ee2d0debbe812e937e361516e7", _SK,
             prelude=_SK_CLUSTERER, checks={"keys": ["elbow_curve"]}),
    SdkPiece("sklearn_plot_silhouette", "wandb.integration.sklearn.plot.clusterer", "silhouette", 0,
             "13bee7900d73806d75c2c24541e9f204fd5042f0e2c12a21b3a764bf3e53add8", _SK,
             prelude=_SK_CLUSTERER, checks={"keys": ["silhouette_plot"]}),
    SdkPiece("sklearn_plot_regressor", "wandb.integration.sklearn.plot.regressor", "regressor", 0,
             "9fe532ef48edafcecbe3ea3eaba917296aeea5608836034f547946a881de8ce3", _SK,
             prelude=_SK_REGRESSOR, checks={"keys": ["residuals"]}),
    SdkPiece("sklearn_plot_outlier_candidates", "wandb.integration.sklearn.plot.regressor", "outlier_candidates", 0,
             "917fc298340806540a83050453927235797bb8f510763a4bd510e3a3dd7d9e31", _SK,
             prelude=_SK_REGRESSOR, checks={"keys": ["outlier_candidates"]}),
    SdkPiece("sklearn_plot_residuals", "wandb.integration.sklearn.plot.regressor", "residuals", 0,
             "74347991e7670fb0681aa2a1c4c4c7ef2054cdf405b496b8eac9563a1c909a5e", _SK,
             prelude=_SK_REGRESSOR, checks={"keys": ["residuals"]}),
    SdkPiece("sklearn_plot_summary_metrics", "wandb.integration.sklearn.plot.shared", "summary_metrics", 0,
             "2f580300f91252064fd8a389a28414cdbcce2a8239bb15280c986a8159f8fb4b", _SK,
             prelude=_SK_CLASSIFIER, checks={"keys": ["summary_metrics"]}),
    SdkPiece("sklearn_plot_learning_curve", "wandb.integration.sklearn.plot.shared", "learning_curve", 0,
             "a5df3180d2c0b97cf83574a3ce3d877a99359f7a29b7e1b62ad595e966f4a954", _SK,
             prelude=_SK_CLASSIFIER, checks={"keys": ["learning_curve"]}),
    SdkPiece("xgboost_callback", "wandb.integration.xgboost.xgboost", "WandbCallback", 0,
             "38a4af044cb7479f37ba3c531e5c7200c1b3e912106438c8a897e8d6f34f4acf",
             "https://docs.wandb.ai/models/integrations/xgboost", prelude=_BOOST_DATA + textwrap.dedent("""
             import xgboost as xgb
             import wandb
             from wandb.integration.xgboost import WandbCallback
             run = wandb.init(project="xgboost-docs")"""),
             checks={"keys": ["validation_0-rmse"]}),
    SdkPiece("lightgbm_callback", "wandb.integration.lightgbm", "wandb_callback", 0,
             "7449b2f2e5c0d9701fef60e93f0f6e14ea6f2fa250bf5320cf4a0a0f0d493caf",
             "https://docs.wandb.ai/models/integrations/lightgbm", prelude=_BOOST_DATA + textwrap.dedent("""
             import lightgbm as lgb
             import wandb
             from wandb.integration.lightgbm import wandb_callback
             lgb_train = lgb.Dataset(X_train, y_train)
             lgb_eval = lgb.Dataset(X_test, y_test, reference=lgb_train)
             run = wandb.init(project="lightgbm-docs")"""),
             checks={"keys": ["validation_l2"]}),
    SdkPiece("lightgbm_log_summary", "wandb.integration.lightgbm", "log_summary", 0,
             "a22333f1d207635ee17ed3ef6a935b5ef1ac4ae1d3b395ac084a15fc6d1dd733",
             "https://docs.wandb.ai/models/integrations/lightgbm", prelude=_BOOST_DATA + textwrap.dedent("""
             import lightgbm as lgb
             import wandb
             from wandb.integration.lightgbm import log_summary, wandb_callback
             lgb_train = lgb.Dataset(X_train, y_train)
             lgb_eval = lgb.Dataset(X_test, y_test, reference=lgb_train)
             run = wandb.init(project="lightgbm-docs")"""),
             checks={"keys": ["validation_l2"], "summary": ["best_iteration"]}),
    SdkPiece("keras_eval_tables", "wandb.integration.keras.callbacks.tables_builder", "WandbEvalCallback", 0,
             "7d420708b603fe9cabc277b8c2b23d427861b4e1d9a825a311a9af20ce01ab4e",
             "https://docs.wandb.ai/models/integrations/keras", prelude="""
             import os
             os.environ.setdefault("KERAS_BACKEND", "torch")
             import numpy as np
             import keras
             import wandb
             from wandb.integration.keras import WandbEvalCallback
             tf = keras.ops  # the example calls tf.argmax; keras.ops has the same function on any backend
             _rng = np.random.default_rng(0)
             x = _rng.random((16, 8, 8, 1)).astype("float32")
             y = _rng.integers(0, 3, 16)
             model = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Flatten(), keras.layers.Dense(3)])
             model.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
             run = wandb.init(project="keras-docs")""",
             checks={"artifacts": 2}),
)
