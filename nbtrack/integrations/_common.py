"""What every integration shares: finding the run to log to, cleaning framework values, logging a model file."""

from __future__ import annotations

import enum
import os
import re
import tempfile
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .._run import Run

__all__ = ["resolve_run", "require_run", "LazyRun", "artifact_name", "log_model_files", "log_saved_model",
           "plain_params", "number_or_text"]

_NOT_NAME = re.compile(r"[^A-Za-z0-9_.-]+")


def resolve_run(run: Run | None, init_kwargs: Mapping[str, Any]) -> Run:
    """The run to log to: the one passed in, else the current run, else a new one from `init_kwargs`.

    A run an integration starts is left open, as W&B leaves it: it finishes at `run.finish()`,
    at the next `nbtrack.init()`, or when the process exits.
    """
    import nbtrack

    if run is not None:
        return run
    current = nbtrack.run
    if current is not None:
        return current
    return nbtrack.init(**{k: v for k, v in init_kwargs.items() if v is not None})


class LazyRun:
    """Mixin for a framework callback: `_current_run()` is the run it logs to.

    That is `run` (the one passed as `run=`), else the current run, else one started from
    `_init_kwargs` (as `resolve_run` finds it); looked up again once that run has finished.
    """

    run: Run | None
    _init_kwargs: Mapping[str, Any]

    def _current_run(self) -> Run:
        if self.run is None or self.run.finished:
            self.run = resolve_run(None, self._init_kwargs)
        return self.run


def require_run(run: Run | None, call: str) -> Run:
    """The run passed in, else the current run, else a UsageError naming `call`."""
    import nbtrack

    target = run if run is not None else nbtrack.run
    if target is None:
        raise nbtrack.UsageError(f"{call}() needs a run: pass run=..., or call nbtrack.init() first")
    return target


def artifact_name(run: Run, name: str | None) -> str:
    """The artifact name for a run's model: `name` as given, else `model-<run id>` (as W&B's integrations)."""
    if name is not None:
        return name
    return "model-" + (_NOT_NAME.sub("-", run.id).strip("-.") or "run")


def log_model_files(
    run: Run,
    path: str | os.PathLike[str],
    *,
    name: str,
    metadata: Mapping[str, Any] | None = None,
    aliases: Iterable[str] = (),
    description: str | None = None,
) -> Any:
    """Log a saved model (one file, or a directory of files) as a `model` artifact of `run`; return it."""
    import nbtrack

    artifact = nbtrack.Artifact(name, type="model", description=description,
                                metadata=plain_params(metadata or {}))
    if os.path.isdir(path):
        artifact.add_dir(os.fspath(path))
    else:
        artifact.add_file(os.fspath(path))
    run.log_artifact(artifact, aliases=list(aliases))
    return artifact


def log_saved_model(
    run: Run,
    save: Callable[[str], Any],
    *,
    framework: str,
    file: str | None,
    name: str | None,
    metadata: Mapping[str, Any],
) -> Any:
    """Save a model with `save(path)` in a temporary directory and log it as `run`'s `model` artifact; return it.

    `path` is the file `file` in that directory, or the directory itself when `file` is None (a
    framework that saves several files); the artifact is named by `artifact_name(run, name)` and its
    metadata is `framework` followed by `metadata`.
    """
    with tempfile.TemporaryDirectory(prefix=f"nbtrack-{framework}-") as tmp:
        path = tmp if file is None else os.path.join(tmp, file)
        save(path)
        return log_model_files(run, path, name=artifact_name(run, name), metadata={"framework": framework, **metadata})


def number_or_text(value: str) -> Any:
    """A framework's config string as a number where it reads as one ("0.3" -> 0.3, "2" -> 2), else the text."""
    text = value.strip()
    try:
        return int(text)
    except ValueError:
        pass
    try:
        number = float(text)
    except ValueError:
        return value
    return number if number == number and abs(number) != float("inf") else value


def plain_params(params: Mapping[str, Any]) -> dict[str, Any]:
    """A config-safe copy: JSON-like values kept, nested mappings kept, anything else as its class or text.

    Callables and classes become their qualified name, other objects their `repr` (what W&B shows).
    """
    return {str(k): _plain(v) for k, v in params.items()}


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, Mapping):
        return plain_params(value)
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if hasattr(value, "item") and getattr(value, "ndim", None) == 0:  # numpy / torch scalars
        return value.item()
    if isinstance(value, type) or callable(value):
        return getattr(value, "__qualname__", None) or type(value).__qualname__
    if hasattr(value, "get_params"):  # an estimator nested in another's params
        return type(value).__name__
    if isinstance(value, enum.Enum):
        return _plain(value.value)
    return repr(value)
