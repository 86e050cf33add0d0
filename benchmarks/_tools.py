"""One adapter per tracker: how a user starts a run, logs, finishes and reads history back.

Nothing here imports a tracker at module level: the child process (`_child.py`)
times `Tool.load()` itself. Every adapter writes only under the `store` and
`aux` directories it is given, and turns off anything that would reach the
network (the benchmark machine has none).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

__all__ = ["TOOLS", "Tool", "KEYS"]

KEYS = ("loss", "acc", "lr", "grad_norm", "val_loss")

_QUIET = {"DO_NOT_TRACK": "1", "HF_HUB_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False"}


class Tool:
    """The interface; each subclass is one tracker used the way its docs show."""

    key = ""  # command-line name
    label = ""  # table heading
    module = ""  # what `import` names
    dist = ""  # distribution name, for the version line

    def env(self, store: Path, aux: Path) -> dict[str, str]:
        """Environment for a child process using this tool with its data in `store`."""
        return dict(_QUIET)

    def load(self) -> Any:
        import importlib

        return importlib.import_module(self.module)

    def init(self, mod: Any, store: Path, project: str, name: str, config: dict[str, Any]) -> Any:
        raise NotImplementedError

    def loop(self, mod: Any, run: Any, cols: list[list[float]], n: int) -> None:
        """`n` log calls of one dict of five scalars, inline as a training loop does."""
        raise NotImplementedError

    def finish(self, mod: Any, run: Any) -> None:
        raise NotImplementedError

    def ref(self, run: Any) -> str:
        """What `read` needs to find this run again in another process."""
        raise NotImplementedError

    def prepare_read(self) -> None:
        """Imports the reader needs (done before timing, like `import pandas`)."""
        self.load()

    def read(self, store: Path, project: str, ref: str) -> Any:
        """The run's history as a pandas DataFrame, the way a user of this tool gets one."""
        raise NotImplementedError


class Nbtrack(Tool):
    key, label, module, dist = "nbtrack", "nbtrack", "nbtrack", "nbtrack"

    def env(self, store: Path, aux: Path) -> dict[str, str]:
        return {**_QUIET, "NBTRACK_DIR": str(store)}

    def init(self, mod: Any, store: Path, project: str, name: str, config: dict[str, Any]) -> Any:
        return mod.init(project, name=name, config=config)

    def loop(self, mod: Any, run: Any, cols: list[list[float]], n: int) -> None:
        log = run.log
        a, b, c, d, e = cols
        for i in range(n):
            log({"loss": a[i], "acc": b[i], "lr": c[i], "grad_norm": d[i], "val_loss": e[i]})

    def finish(self, mod: Any, run: Any) -> None:
        run.finish()

    def ref(self, run: Any) -> str:
        return run.id

    def read(self, store: Path, project: str, ref: str) -> Any:
        import nbtrack

        return nbtrack.history(ref)


class Wandb(Tool):
    key, label, module, dist = "wandb", "wandb (offline)", "wandb", "wandb"

    def env(self, store: Path, aux: Path) -> dict[str, str]:
        return {
            **_QUIET, "WANDB_MODE": "offline", "WANDB_SILENT": "true", "WANDB_DIR": str(store),
            "WANDB_CACHE_DIR": str(aux / "cache"), "WANDB_CONFIG_DIR": str(aux / "config"),
            "WANDB_DATA_DIR": str(aux / "data"), "WANDB_ARTIFACT_DIR": str(aux / "artifacts"),
        }

    def init(self, mod: Any, store: Path, project: str, name: str, config: dict[str, Any]) -> Any:
        return mod.init(project=project, name=name, config=config, mode="offline", dir=str(store))

    def loop(self, mod: Any, run: Any, cols: list[list[float]], n: int) -> None:
        log = run.log
        a, b, c, d, e = cols
        for i in range(n):
            log({"loss": a[i], "acc": b[i], "lr": c[i], "grad_norm": d[i], "val_loss": e[i]})

    def finish(self, mod: Any, run: Any) -> None:
        run.finish()

    def ref(self, run: Any) -> str:
        return run.id

    def prepare_read(self) -> None:
        from wandb.proto import wandb_internal_pb2  # noqa: F401

    def read(self, store: Path, project: str, ref: str) -> Any:
        import pandas as pd

        from _wandb_log import find_run_file, history_rows

        return pd.DataFrame(history_rows(find_run_file(store, ref)))


class Mlflow(Tool):
    key, label, module, dist = "mlflow", "MLflow (sqlite)", "mlflow", "mlflow"

    def env(self, store: Path, aux: Path) -> dict[str, str]:
        return {
            **_QUIET, "MLFLOW_TRACKING_URI": f"sqlite:///{store / 'mlflow.db'}",
            "MLFLOW_DISABLE_TELEMETRY": "true", "MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR": "false",
        }

    def init(self, mod: Any, store: Path, project: str, name: str, config: dict[str, Any]) -> Any:
        if mod.get_experiment_by_name(project) is None:
            mod.create_experiment(project, artifact_location=(store / "artifacts").as_uri())
        mod.set_experiment(project)
        run = mod.start_run(run_name=name)
        mod.log_params(config)
        return run

    def loop(self, mod: Any, run: Any, cols: list[list[float]], n: int) -> None:
        log_metrics = mod.log_metrics
        a, b, c, d, e = cols
        for i in range(n):
            log_metrics({"loss": a[i], "acc": b[i], "lr": c[i], "grad_norm": d[i], "val_loss": e[i]}, step=i)

    def finish(self, mod: Any, run: Any) -> None:
        mod.end_run()

    def ref(self, run: Any) -> str:
        return run.info.run_id

    def read(self, store: Path, project: str, ref: str) -> Any:
        import pandas as pd
        from mlflow import MlflowClient

        client = MlflowClient()
        frame = None
        for key in KEYS:
            hist = client.get_metric_history(ref, key)
            part = pd.DataFrame({"step": [m.step for m in hist], "timestamp": [m.timestamp for m in hist],
                                 key: [m.value for m in hist]})
            frame = part if frame is None else frame.merge(part.drop(columns="timestamp"), on="step", how="outer")
        return frame


class Trackio(Tool):
    key, label, module, dist = "trackio", "trackio (local)", "trackio", "trackio"

    def env(self, store: Path, aux: Path) -> dict[str, str]:
        return {**_QUIET, "TRACKIO_DIR": str(store), "HF_HOME": str(aux / "hf")}

    def init(self, mod: Any, store: Path, project: str, name: str, config: dict[str, Any]) -> Any:
        return mod.init(project=project, name=name, config=config)

    def loop(self, mod: Any, run: Any, cols: list[list[float]], n: int) -> None:
        log = mod.log
        a, b, c, d, e = cols
        for i in range(n):
            log({"loss": a[i], "acc": b[i], "lr": c[i], "grad_norm": d[i], "val_loss": e[i]})

    def finish(self, mod: Any, run: Any) -> None:
        mod.finish()

    def ref(self, run: Any) -> str:
        return run.name

    def prepare_read(self) -> None:
        from trackio.sqlite_storage import SQLiteStorage  # noqa: F401

    def read(self, store: Path, project: str, ref: str) -> Any:
        import pandas as pd
        from trackio.sqlite_storage import SQLiteStorage

        return pd.DataFrame(SQLiteStorage.get_logs(project, ref))


TOOLS: dict[str, Tool] = {t.key: t for t in (Nbtrack(), Wandb(), Mlflow(), Trackio())}


def dir_bytes(path: str | os.PathLike[str]) -> int:
    """Apparent size of every file under `path` (0 when it does not exist)."""
    total = 0
    for root, _dirs, files in os.walk(path):
        for f in files:
            try:
                total += os.lstat(os.path.join(root, f)).st_size
            except OSError:
                pass
    return total
