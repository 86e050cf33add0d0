"""The corpus: which W&B example scripts, how each is changed, and what each must leave in the store.

Every piece is a file of the wandb/examples repository at COMMIT, written by W&B's authors. `data_edits`
are (exact source text, synthetic replacement) pairs: only downloads of data are replaced. `checks`
are what the nbtrack run must leave in the store: runs (at least), history keys, media types per
key, artifacts (at least), summary keys.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

REPO = "wandb/examples"
COMMIT = "5cab88702fc51edfb4afc79a1de89e9acf6cb605"


@dataclass(frozen=True)
class Piece:
    """One corpus script."""

    name: str
    path: str
    argv: tuple[str, ...] = ()
    data_edits: tuple[tuple[str, str], ...] = ()
    checks: dict[str, Any] = field(default_factory=dict)
    cells: tuple[int, ...] = ()  # for a notebook: the code cells that make the piece
    prelude: str = ""  # synthetic data files the source downloaded (written first, between markers)
    route_third_party: bool = False  # the script relies on a library that imports wandb itself
    xfail: str = ""  # why it cannot pass on nbtrack (it fails the same way on the real wandb)


_HOUSING = """
import numpy as _np
from sklearn.utils import Bunch as _Bunch
_rng = _np.random.default_rng(0)
{name} = _Bunch(data=_rng.random((20640, 8)) * 10, target=_rng.random(20640) * 5,
                feature_names=["MedInc", "HouseAge", "AveRooms", "AveBedrms", "Population", "AveOccup",
                               "Latitude", "Longitude"])
"""

_MNIST_TORCH = """
import types as _types
def _mnist(root=None, train=True, download=False, transform=None):
    g = torch.Generator().manual_seed(0 if train else 1)
    return torch.utils.data.TensorDataset(torch.rand(256, 1, 28, 28, generator=g),
                                          torch.randint(0, 10, (256,), generator=g))
datasets = _types.SimpleNamespace(MNIST=_mnist)
MNIST = _mnist
transforms = _types.SimpleNamespace(ToTensor=lambda: None, Normalize=lambda *a: None, Compose=lambda t: None)
"""

_MEDIA_NB = "colabs/wandb-log/Log_(Almost)_Anything_with_W&B_Media.ipynb"
# the files the notebook's `git clone` of wandb/examples brought (examples/examples/data/...), synthetic
_MEDIA_FILES = """
import os as _os, wave as _wave, numpy as _np
_d = "examples/examples/data"
_os.makedirs(_d, exist_ok=True)
_rng = _np.random.default_rng(0)
with open(f"{_d}/apple.csv", "w") as _f:
    _f.write("date,open,high,low,close,volume\\n")
    for _i in range(1200):
        _f.write(f"2020-01-01,{100 + _i * 0.1:.2f},{101 + _i * 0.1:.2f},{99 + _i * 0.1:.2f},{100 + _i * 0.1:.2f},1000\\n")
from PIL import Image as _PILImage
_PILImage.fromarray(_rng.integers(0, 255, (427, 640, 3), dtype=_np.uint8)).save(f"{_d}/cafe.jpg")
import av as _av
with _av.open(f"{_d}/openai-gym.mp4", "w") as _c:
    _s = _c.add_stream("libx264", rate=4)
    _s.width, _s.height, _s.pix_fmt = 160, 120, "yuv420p"
    for _t in range(8):
        _c.mux(_s.encode(_av.VideoFrame.from_ndarray(_rng.integers(0, 255, (120, 160, 3), dtype=_np.uint8),
                                                    format="rgb24")))
    _c.mux(_s.encode())
with _wave.open(f"{_d}/piano.wav", "wb") as _w:
    _w.setnchannels(1); _w.setsampwidth(2); _w.setframerate(16000)
    _w.writeframes((_np.sin(_np.arange(16000) * 0.1) * 20000).astype("<i2").tobytes())
with open(f"{_d}/some_html.html", "w") as _f:
    _f.write("<h1>Some HTML</h1><p>from a file</p>")
with open(f"{_d}/wolf.obj", "w") as _f:
    _f.write("v 0 0 0\\nv 1 0 0\\nv 0 1 0\\nv 0 0 1\\nf 1 2 3\\nf 1 2 4\\n")
"""

PIECES: tuple[Piece, ...] = (
    Piece("plotly_and_matplotlib", "examples/api-examples/plotly/run.py",
          checks={"keys": ["contour", "scatter", "mpl"], "media": {"contour": "plotly-file", "mpl": "plotly-file"}}),
    Piece("metrics_at_different_steps", "examples/api-examples/metrics-at-different-steps/train.py",
          argv=("--max_epochs", "8", "--validate_every", "4"),
          checks={"keys": ["loss", "acc", "val_acc"], "config": ["max_epochs", "learning_rate"]},
          xfail="calls wandb.log() with no data, which W&B's log(data, ...) refuses too (TypeError)"),
    Piece("group_eval", "examples/api-examples/group-and-resume/eval.py", argv=("--group_id", "exp-1", "--epoch", "3"),
          checks={"keys": ["epoch", "loss", "eval/acc"], "group": "exp-1", "job_type": "eval"}),
    Piece("group_train", "examples/api-examples/group-and-resume/train.py", argv=("--group_id", "exp-1"),
          checks={"keys": ["epoch", "loss", "train/acc"], "group": "exp-1", "job_type": "train"}),
    Piece("resume_train", "examples/api-examples/resume/train.py", argv=("--num_epochs", "1"),
          checks={"keys": ["loss", "acc"]}),
    Piece("lightgbm_regression", "examples/boosting-algorithms/lightgbm-regression/train.py",
          data_edits=(("""import requests
train = requests.get('https://raw.githubusercontent.com/microsoft/LightGBM/master/examples/regression/regression.train')
test = requests.get('https://raw.githubusercontent.com/microsoft/LightGBM/master/examples/regression/regression.test')
open('regression.train', 'wb').write(train.content)
open('regression.test', 'wb').write(test.content)
df_train = pd.read_csv('regression.train', header=None, sep='\\t')
df_test = pd.read_csv('regression.test', header=None, sep='\\t')
""", """
import numpy as _np
_rng = _np.random.default_rng(0)
def _frame(n):
    x = _rng.random((n, 28))
    return pd.DataFrame(_np.column_stack([(x[:, 0] + 0.3 * _rng.random(n) > 0.6).astype(float), x]))
df_train, df_test = _frame(7000), _frame(500)
"""),),
          checks={"keys": ["validation_rmse"], "artifacts": 1, "media": {"Feature Importance": "custom-chart"}}),
    Piece("xgboost_dermatology", "examples/boosting-algorithms/xgboost-dermatology/train.py",
          data_edits=(("""data = np.loadtxt(
    "./dermatology.data",
    delimiter=",",
    converters={33: lambda x: int(x == "?"), 34: lambda x: int(x) - 1},
)
""", """
_rng = np.random.default_rng(0)
data = np.column_stack([_rng.integers(0, 4, (366, 34)).astype(float), _rng.integers(0, 6, 366)])
"""),),
          checks={"keys": ["train-mlogloss", "test-mlogloss"], "summary": ["Error Rate"]}),
    Piece("xgboost_housing", "examples/boosting-algorithms/xgboost-housing/train.py",
          data_edits=(("housing = fetch_california_housing()\n", _HOUSING.format(name="housing")),),
          checks={"keys": ["RMSE"]},
          xfail="passes callbacks= to XGBRegressor.fit, removed in xgboost 2 (TypeError on the real package too)"),
    Piece("matplotlib_figure", "examples/machine-learning/matplotlib/mpl.py",
          checks={"keys": ["scatter-with-histos"]}),
    Piece("numpy_housing", "examples/machine-learning/numpy-housing/train.py",
          data_edits=(("data, target = fetch_california_housing(return_X_y=True)\n",
                       _HOUSING.format(name="_h") + "data, target = _h.data, _h.target\n"),),
          checks={"keys": ["Loss"], "config": ["lr", "epochs"]}),
    Piece("sklearn_classifier_wine", "examples/scikit/scikit-classification/train.py",
          data_edits=(("wine_quality = pd.read_csv(\"wine.csv\")\n", """
_rng = np.random.default_rng(0)
wine_quality = pd.DataFrame(_rng.random((1599, 11)), columns=[
    "fixed acidity", "volatile acidity", "citric acid", "residual sugar", "chlorides", "free sulfur dioxide",
    "total sulfur dioxide", "density", "pH", "sulphates", "alcohol"])
wine_quality["quality"] = _rng.integers(3, 9, 1599)
"""),),
          checks={"keys": ["roc", "precision_recall", "confusion_matrix", "feature_importances", "summary_metrics"],
                  "media": {"roc": "custom-chart", "confusion_matrix": "custom-chart"}}),
    Piece("sklearn_binary_legacy_plots", "examples/scikit/scikit-classification/binary_classification.py",
          checks={"keys": ["roc", "calibration_curve"]},
          xfail="calls wandb.plots.ROC, removed from wandb (AttributeError on the real package too)"),
    Piece("sklearn_clusterer", "examples/scikit/scikit-clustering/train.py",
          checks={"keys": ["elbow_curve", "silhouette_plot"]}),
    Piece("sklearn_regression_housing", "examples/scikit/scikit-housing/sklearn_regression.py",
          data_edits=(("housing = fetch_california_housing()\n", _HOUSING.format(name="housing")),),
          checks={"keys": ["outlier_candidates", "residuals"]}),
    Piece("sklearn_iris_svm", "examples/scikit/scikit-iris/train.py",
          checks={"keys": ["Train Accuracy", "Test Accuracy", "Data"], "config": ["gamma", "C"]}),
    Piece("sklearn_iris_clustering", "examples/scikit/scikit-iris/clustering.py",
          checks={"keys": ["elbow_curve", "silhouette_plot"]}),
    Piece("sklearn_learning_curve", "examples/scikit/scikit-iris/binary_classification.py",
          checks={"keys": ["learning_curve"]}),
    Piece("sklearn_tiny_classifier", "examples/scikit/scikit-tests/test.py",
          checks={"keys": ["roc", "confusion_matrix", "class_proportions"], "project": "test"}),
    Piece("sklearn_tweets", "examples/scikit/scikit-tweets/classifier.py",
          data_edits=(("df = pd.read_csv('tweets.csv')\n", """
_rng = np.random.default_rng(0)
_words = ["great", "phone", "app", "sxsw", "ipad", "google", "line", "bad", "love", "battery"]
df = pd.DataFrame({
    "tweet_text": [" ".join(_rng.choice(_words, 8)) for _ in range(9093)],
    "is_there_an_emotion_directed_at_a_brand_or_product": _rng.choice(
        ["Positive emotion", "Negative emotion", "No emotion toward brand or product"], 9093)})
"""),),
          checks={"keys": ["learning_curve", "roc", "confusion_matrix", "precision_recall"]}),
    Piece("pi_series", "examples/wandb-log/pi.py", argv=("5",), checks={"keys": ["Approx. Pi"]},
          xfail="sets config.steps to the str sys.argv[1] and calls range() on it (TypeError on the real package too)"),
    Piece("sqrt_babylonian", "examples/wandb-log/sqrt.py", argv=("2",),
          checks={"keys": ["Approx. Sqrt2"], "project": "sqrt2"}),
    Piece("sweep_boolean_args", "examples/wandb-sweeps/sweeps-boolean-parameters/train-bool.py",
          argv=("--optimizer", "adam", "--flag1", "true"), checks={"keys": ["metric"], "config": ["flag1", "flag2"]}),
    Piece("pytorch_cnn_mnist", "examples/pytorch/pytorch-cnn-mnist/main.py",
          argv=("--epochs", "1", "--batch-size", "64", "--test-batch-size", "128"),
          data_edits=(("import torchvision\n", "# torchvision only downloaded MNIST: the synthetic block below stands in"),
                      ("""from torchvision import datasets, transforms

tv_version = torchvision.__version__
print("torchvision version:", tv_version, file=sys.stderr)
if tuple(map(lambda x: int(x), tv_version.split(".")[:2])) <= (0, 5):
    url = "https://activeeon-public.s3.eu-west-2.amazonaws.com/datasets/MNIST.old.tar.gz"
else:
    url = "https://activeeon-public.s3.eu-west-2.amazonaws.com/datasets/MNIST.new.tar.gz"
print("download:", url, file=sys.stderr)

os.system("wget -O MNIST.tar.gz {}".format(url))
os.system("tar -zxvf MNIST.tar.gz")
""", _MNIST_TORCH)),
          checks={"keys": ["Examples", "Test Accuracy", "Test Loss"], "media": {"Examples": "image-file"}}),
    Piece("lightning_wandb_logger", "examples/pytorch-lightning/mnist.py", route_third_party=True,
          data_edits=(("""from torchvision import transforms
from torchvision.datasets import MNIST
""", _MNIST_TORCH),),
          checks={"keys": ["train_loss", "val_loss"]},
          xfail="passes Trainer(gpus=0), removed in Lightning 2 (TypeError on the real package too)"),
    # W&B's "Log (Almost) Anything with W&B Media" notebook, one piece per section
    Piece("media_metrics", _MEDIA_NB, cells=(5, 8, 9), prelude=_MEDIA_FILES,
          checks={"keys": ["Stock Price"], "project": "visualize-predictions"}),
    Piece("media_matplotlib", _MEDIA_NB, cells=(5, 11), checks={"keys": ["plot"], "media": {"plot": "plotly-file"}}),
    Piece("media_histograms", _MEDIA_NB, cells=(5, 13), checks={"keys": ["histograms"],
                                                                 "media": {"histograms": "histogram"}}),
    Piece("media_images", _MEDIA_NB, cells=(5, 15), prelude=_MEDIA_FILES, checks={"keys": ["img"]}),
    Piece("media_video", _MEDIA_NB, cells=(5, 17), prelude=_MEDIA_FILES,
          checks={"keys": ["video"], "media": {"video": "video-file"}}),
    Piece("media_audio_file", _MEDIA_NB, cells=(5, 20), prelude=_MEDIA_FILES, checks={"keys": ["examples"]}),
    Piece("media_audio_array", _MEDIA_NB, cells=(5, 21), checks={"keys": ["examples"]}),
    Piece("media_tables", _MEDIA_NB, cells=(5, 23), checks={"keys": ["a_table", "another_table"],
                                                             "media": {"a_table": "table-file"}}),
    Piece("media_html", _MEDIA_NB, cells=(5, 25), prelude=_MEDIA_FILES,
          checks={"keys": ["custom_file", "custom_string"], "media": {"custom_string": "html-file"}}),
    Piece("media_3d_obj", _MEDIA_NB, cells=(5, 27), prelude=_MEDIA_FILES,
          checks={"keys": ["3d_object"], "media": {"3d_object": "object3d-file"}}),
    Piece("media_point_scene", _MEDIA_NB, cells=(5, 29),
          checks={"keys": ["point_scene"], "media": {"point_scene": "object3d-file"}}),
)
