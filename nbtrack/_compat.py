"""What `import nbtrack as wandb` needs beyond the core verbs: login, Settings, W&B's module-level
artifact and model verbs, restore, and clear errors for the W&B calls that do not apply offline."""

from __future__ import annotations

import os
import shutil
import sys
from typing import IO, Any

from ._current import active, get
from ._current import require as current_run
from .errors import UsageError

__all__ = ["login", "join", "require", "setup", "teardown", "restore", "log_artifact", "use_artifact", "log_model",
           "use_model", "link_model", "Settings", "UNSUPPORTED"]

# W&B names nbtrack knows about but does not provide, with the reason or the alternative.
UNSUPPORTED: dict[str, str] = {
    "Molecule": "molecules are not supported",
    "controller": "W&B's custom sweep controller needs its server; nbtrack.agent runs the sweep's controller itself",
    "mark_preempting": "no server requeues preempted runs; restart with nbtrack.init(id=RUN_ID, resume='allow')",
    "tensorboard": "TensorBoard syncing is not supported; log the same values with nbtrack.log",
    "sync": "there is nothing to sync: runs are already in the store (share it with NBTRACK_STORE)",
}


def login(key: str | None = None, relogin: bool | None = None, host: str | None = None, **kwargs: Any) -> bool:
    """A no-op: nbtrack needs no account. Says so (unless WANDB_SILENT), returns True as wandb.login does."""
    from ._env import silent

    if not silent():
        print("nbtrack: login() is not needed (no account, no server); continuing offline.", file=sys.stderr)
    return True


def join(exit_code: int | None = None, quiet: bool | None = None) -> None:
    """W&B's older name for `finish()`: finish the current run, if any."""
    from ._init import finish

    finish(0 if exit_code is None else exit_code, quiet)


def require(requirement: str | None = None) -> None:
    """W&B's feature switches (`wandb.require("core")`): nothing to switch here; accepted."""


# W&B setting name -> the W&B environment variable nbtrack reads it from (see _env.py)
_SETUP_ENV = {"project": "WANDB_PROJECT", "entity": "WANDB_ENTITY", "run_name": "WANDB_NAME",
              "run_notes": "WANDB_NOTES", "run_group": "WANDB_RUN_GROUP", "run_job_type": "WANDB_JOB_TYPE",
              "run_id": "WANDB_RUN_ID", "resume": "WANDB_RESUME", "mode": "WANDB_MODE", "silent": "WANDB_SILENT",
              "run_tags": "WANDB_TAGS"}


def setup(settings: Any = None) -> None:
    """W&B's `wandb.setup(settings=...)`: defaults for every later `init()` here and in child processes.

    As W&B, it sets the environment (children inherit it): `project`, `entity`, `run_name`,
    `run_group`, `run_job_type`, `run_notes`, `run_tags`, `run_id`, `resume`, `mode`, `silent`
    become their WANDB_* variables, so nbtrack's own NBTRACK_* variables still take precedence.
    Other settings are accepted and have no effect.
    """
    for name, value in dict(settings or {}).items():
        if name in _SETUP_ENV and value is not None:
            text = ",".join(map(str, value)) if isinstance(value, (list, tuple)) else str(value)
            os.environ[_SETUP_ENV[name]] = text.lower() if isinstance(value, bool) else text


def teardown(exit_code: int | None = None) -> None:
    """W&B's `wandb.teardown()`: finish every run this process left open."""
    for run in list(active):
        run.finish(0 if exit_code is None else exit_code)


def restore(name: str, run_path: str | None = None, replace: bool = False, root: str | None = None) -> IO[str] | None:
    """W&B's `wandb.restore`: a file the run kept with `run.save()`, copied to `root` (default the current
    run's directory, else `.`) and opened for reading; None when the run has no such file."""
    from .store import open_store

    run = get()
    st = run.store if run is not None else open_store()
    run_id = run_path.strip("/").split("/")[-1] if run_path else (run.id if run is not None else None)
    if run_id is None:
        raise UsageError("restore: pass run_path='entity/project/RUN_ID' or call nbtrack.init() first")
    from ._run import files_dir

    files = files_dir(st, run_id).resolve()
    src = (files / name).resolve()
    if not src.is_relative_to(files):
        raise ValueError(f"restore: {name!r} lies outside the run's files")
    if not src.is_file():
        return None
    dest_root = root if root is not None else (run.dir if run is not None else ".")
    dest = os.path.join(dest_root, name)
    if os.path.realpath(dest) != str(src) and (replace or not os.path.exists(dest)):
        os.makedirs(os.path.dirname(dest) or ".", exist_ok=True)
        shutil.copyfile(src, dest)
    return open(dest, encoding="utf-8")


def log_artifact(artifact_or_path: Any, name: str | None = None, type: str | None = None,
                 aliases: list[str] | None = None, tags: list[str] | None = None) -> Any:
    """`run.log_artifact` on the current run."""
    return current_run("log_artifact").log_artifact(artifact_or_path, name=name, type=type, aliases=aliases,
                                                          tags=tags)


def use_artifact(artifact_or_name: Any, type: str | None = None, aliases: list[str] | None = None,
                 use_as: str | None = None) -> Any:
    """`run.use_artifact` on the current run."""
    return current_run("use_artifact").use_artifact(artifact_or_name, type=type, aliases=aliases)


def log_model(path: Any, name: str | None = None, aliases: list[str] | None = None) -> None:
    """`run.log_model` on the current run."""
    current_run("log_model").log_model(path, name=name, aliases=aliases)


def use_model(name: str) -> str:
    """`run.use_model` on the current run."""
    return current_run("use_model").use_model(name)


def link_model(path: Any, registered_model_name: str, name: str | None = None,
               aliases: list[str] | None = None) -> Any:
    """`run.link_model` on the current run."""
    return current_run("link_model").link_model(path, registered_model_name, name=name, aliases=aliases)


class Settings(dict):  # type: ignore[type-arg]
    """W&B's `wandb.Settings(...)`: accepted and kept; nbtrack reads `_disable_stats` and `x_disable_stats`."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)

    def __getattr__(self, name: str) -> Any:
        return self.get(name)
