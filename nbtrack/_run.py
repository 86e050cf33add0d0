"""The Run: one tracked execution, with config, summary, history and lifecycle.

Other modules extend a Run only through its extension points (`add_row_observer`,
`add_finish_observer`, `add_capture`, `fail`, `flush` and the read-only `metric_rules`,
`alerts`, `system_sampler`), never through its private fields.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import traceback
import warnings
from collections.abc import Callable, Mapping
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from ._config import Config, config_snapshot
from ._summary import Summary
from ._values import FAST_TYPES, INT_LIMIT, check_step, normalize_row
from ._writer import FLUSH_INTERVAL, Writer
from .errors import NbtrackWarning, RunFinishedError, RunPruned
from .store import RunRecord, Store

if TYPE_CHECKING:
    from ._alerts import Alerts
    from ._metrics import MetricDef, MetricRules
    from ._system import SystemSampler
    from .artifacts import Artifact
    from .store import AlertRecord, CommentRecord

__all__ = ["Run", "RowObserver", "FinishObserver", "new_record", "files_dir"]

_log = logging.getLogger("nbtrack")
_time = time.time

RowObserver = Callable[[int, float, dict[str, Any]], None]
"""Called as `observer(step, timestamp, row)` with each row `log` accepted (see `Run.add_row_observer`)."""
FinishObserver = Callable[["Run"], None]
"""Called as `observer(run)` once the run has ended (see `Run.add_finish_observer`)."""
CAPTURE_DELAY = 5.0  # seconds: short runs capture at finish, long ones a few seconds in


class Run:
    """A tracked run. Create it with `nbtrack.init()`; use it as a context manager."""

    def __init__(
        self,
        store: Store,
        record: RunRecord,
        *,
        step: int = 0,
        next_seqs: dict[str, int] | None = None,
        strict: bool = False,
        flush_interval: float = FLUSH_INTERVAL,
    ) -> None:
        self._store = store
        self._record = record
        self._state = "running"
        self._strict = strict
        self._step = step
        self._max_explicit = step - 1
        self._warned_step = False
        self._started = _time()
        self.config = Config(record.config)
        self.summary = Summary(record.summary)
        self._summary_data = self.summary._data
        self._capture: dict[str, Any] = {}
        self._capture_version = 0
        self._row_observers: tuple[RowObserver, ...] = ()  # empty keeps `log` on its fast path
        self._finish_observers: list[FinishObserver] = []
        self._capture_thread: threading.Thread | None = None
        self._finishing = threading.Event()
        self._writer = Writer(store, record.id, source=self, next_seqs=next_seqs, interval=flush_interval)
        self._queue_append = self._writer.queue.append
        self._metrics: MetricRules | None = None  # set by define_metric; None keeps `log` on its fast path
        self._alerts: Alerts | None = None
        self._system: SystemSampler | None = None
        self._owner_pid = os.getpid()  # a forked child's copy of the run neither writes nor finishes it

    # -- identity ------------------------------------------------------------
    @property
    def id(self) -> str:
        """The run's unique id."""
        return self._record.id

    @property
    def name(self) -> str:
        """The run's display name."""
        return self._record.name

    @name.setter
    def name(self, value: str) -> None:
        self._update_record(name=str(value))

    @property
    def project(self) -> str:
        return self._record.project

    @property
    def entity(self) -> str | None:
        return self._record.entity

    @property
    def group(self) -> str | None:
        return self._record.group

    @property
    def job_type(self) -> str | None:
        return self._record.job_type

    @property
    def sweep_id(self) -> str | None:
        return self._record.sweep_id

    @property
    def tags(self) -> tuple[str, ...]:
        return self._record.tags

    @tags.setter
    def tags(self, value: Any) -> None:
        tags = tuple(dict.fromkeys(str(t) for t in value))
        self._store.set_tags(self.id, tags)
        self._record = _replace(self._record, tags=tags)

    @property
    def notes(self) -> str | None:
        return self._record.notes

    @notes.setter
    def notes(self, value: str | None) -> None:
        self._update_record(notes=value)

    @property
    def state(self) -> str:
        """running | finished | failed | crashed | killed | pruned."""
        return self._state

    @property
    def step(self) -> int:
        """The step the next `log` call without `step=` will use."""
        return self._step

    @property
    def start_time(self) -> float:
        return self._record.created_at

    @property
    def path(self) -> str:
        """W&B-style `entity/project/id`."""
        return f"{self.entity or 'local'}/{self.project}/{self.id}"

    @property
    def url(self) -> str:
        """Where the run lives: the store URL plus the run id (there is no web server)."""
        return f"{self._store.url}#run={self.id}"

    def get_url(self) -> str:
        """W&B's `run.get_url()`: where the run lives (the store URL plus the run id)."""
        return self.url

    def get_project_url(self) -> str:
        """W&B's `run.get_project_url()`: the store URL plus the project."""
        return f"{self._store.url}#project={self.project}"

    def get_sweep_url(self) -> str | None:
        """W&B's `run.get_sweep_url()`: the store URL plus the sweep id; None outside a sweep."""
        return f"{self._store.url}#sweep={self.sweep_id}" if self.sweep_id else None

    @property
    def store(self) -> Store:
        return self._store

    @property
    def finished(self) -> bool:
        return self._state != "running"

    def _update_record(self, **fields: Any) -> None:
        self._store.update_run(self.id, **fields)
        self._record = _replace(self._record, **fields)

    # -- logging (the hot path) ----------------------------------------------
    def log(self, data: Mapping[str, Any], step: int | None = None, commit: bool | None = None) -> None:
        """Record metrics at a step: appends to an in-memory buffer and returns at once."""
        if self._state != "running":
            raise RunFinishedError(f"run {self.id} is {self._state}: call nbtrack.init() to start a new run")
        if type(data) is dict:
            for k, v in data.items():
                if type(v) not in FAST_TYPES or type(k) is not str:
                    if type(v) is int and type(k) is str and -INT_LIMIT <= v <= INT_LIMIT:
                        continue  # ints pay a range check (float64 holds them), floats nothing
                    row = normalize_row(data, self)
                    break
            else:
                row = data.copy()
        elif isinstance(data, Mapping):
            row = normalize_row(data, self)
        else:
            raise TypeError(f"run.log: data must be a dict of key -> value, not {type(data).__name__}")
        if step is None:
            s = self._step
            if commit is not False:
                self._step = s + 1
        else:
            s = self._explicit_step(step, commit)
        t = _time()
        if self._metrics is None:
            self._queue_append((s, t, row))
            self._summary_data.update(row)
        else:  # define_metric: step metrics synced into the row, summaries shaped (O(keys in row))
            self._metrics.apply(row, self._summary_data)
            self._queue_append((s, t, row))
        if self._row_observers:
            self._notify(s, t, row)
        if self._writer.error is not None:
            self._store_failing()

    def _store_failing(self) -> None:
        """While the store fails: raise in strict mode, else keep the pending rows within their bound."""
        if self._strict:
            raise RuntimeError(f"nbtrack (strict): writing run {self.id} failed") from self._writer.error
        self._writer.bound()

    def _explicit_step(self, step: Any, commit: bool | None) -> int:
        if isinstance(step, bool) or not isinstance(step, int):
            if isinstance(step, float) and step.is_integer():
                step = int(step)
            elif hasattr(step, "__index__"):
                step = step.__index__()
            else:
                raise TypeError(f"run.log: step must be an int, not {type(step).__name__} ({step!r})")
        check_step(step)
        last = max(self._max_explicit, self._step - 1)
        if step < last:
            if not self._warned_step:
                self._warned_step = True
                warnings.warn(
                    f"run {self.id}: step {step} is lower than the last logged step {last}; "
                    f"the values are stored at step {step} as given (warned once per run)",
                    NbtrackWarning,
                    stacklevel=3,
                )
            return step
        self._max_explicit = max(self._max_explicit, step)
        self._step = step + 1 if commit else max(self._step, step)
        return step

    def _notify(self, step: int, t: float, row: dict[str, Any]) -> None:
        """Hand the row to every row observer; the first exception one raised is re-raised after all saw it."""
        error: BaseException | None = None
        for observe in self._row_observers:
            try:
                observe(step, t, row)
            except BaseException as exc:  # e.g. RunPruned: the caller must see it, the other observers the row
                error = error or exc
        if error is not None:
            raise error

    def detach_after_fork(self) -> None:
        """In a forked child: the run stays the parent's; what is logged here is dropped, with one warning."""
        warned = []

        def dropped(item: tuple[int, float, dict[str, Any]]) -> None:
            if not warned:
                warned.append(True)
                warnings.warn(
                    f"run {self.id} belongs to process {self._owner_pid}; what this forked child (pid {os.getpid()}) "
                    "logs into it is not recorded (warned once): log from the parent, or call nbtrack.init() here "
                    "for a run of the child's own", NbtrackWarning, stacklevel=3)

        self._queue_append = dropped
        self._row_observers = ()

    # -- extension points (live views, sweeps, integrations) -----------------
    def add_row_observer(self, observer: RowObserver) -> None:
        """Call `observer(step, timestamp, row)` on the logging thread with each row `log` accepts from now on.

        The row is already queued for the store and its summary updated; an observer must be quick
        and must not change `row`. It may raise to stop the caller (a sweep's early termination
        raises `RunPruned`); the other observers still see the row. No observers cost `log` nothing.
        """
        if observer not in self._row_observers:
            self._row_observers = (*self._row_observers, observer)

    def remove_row_observer(self, observer: RowObserver) -> None:
        """Stop calling `observer` (no error if it was not added)."""
        self._row_observers = tuple(o for o in self._row_observers if o != observer)

    def add_finish_observer(self, observer: FinishObserver) -> None:
        """Call `observer(run)` once the run has ended and its final state is stored (each observer once).

        Observers run in the order added; one that raises is logged and the others still run.
        """
        if observer not in self._finish_observers:
            self._finish_observers.append(observer)

    def remove_finish_observer(self, observer: FinishObserver) -> None:
        """Stop calling `observer` at finish (no error if it was not added)."""
        if observer in self._finish_observers:
            self._finish_observers.remove(observer)

    @property
    def metric_rules(self) -> MetricRules | None:
        """The run's `define_metric` definitions (hidden keys, x-axes), or None when there are none."""
        return self._metrics

    @property
    def alerts(self) -> tuple[AlertRecord, ...]:
        """The alerts this run raised in this process, with their webhook delivery state."""
        return () if self._alerts is None else tuple(self._alerts.records)

    @property
    def system_sampler(self) -> SystemSampler | None:
        """The sampler of system metrics (CPU, memory, GPU), or None when sampling is off."""
        return self._system

    def add_capture(self, **fields: Any) -> None:
        """Add context (code, notebook, environment, metric definitions) to be stored with the run."""
        self._capture.update(fields)
        self._capture_version += 1

    def flush(self) -> bool:
        """Write what this process buffered (logged rows, system samples) to the store now; False if it failed."""
        rows = self._writer.flush()
        return (self._system is None or self._system.flush()) and rows

    def start_background(self, *, system_interval: float | None) -> None:
        """Start sampling system metrics every `system_interval` s (None: off) and capturing the run's context.

        The basic context (command, platform) is captured at once, the slow part (packages, git)
        in a thread after `CAPTURE_DELAY` seconds or at finish; `finish` stops both. Called once by `init`.
        """
        if self._capture_thread is not None:
            return
        if system_interval is not None:
            from ._system import SystemSampler

            self._system = SystemSampler(self._store, self.id, interval=system_interval)
            self._system.start()
        from ._capture import basic_capture, slow_capture

        self.add_capture(**basic_capture())

        def collect() -> None:
            self._finishing.wait(CAPTURE_DELAY)
            try:
                self.add_capture(**slow_capture())
            except Exception as exc:  # capture is best effort; the run goes on
                self.add_capture(capture_error=repr(exc))

        self._capture_thread = threading.Thread(target=collect, name="nbtrack-capture", daemon=True)
        self._capture_thread.start()

    # -- state the writer persists -------------------------------------------
    def versioned_state(self) -> dict[str, tuple[int, Any]]:
        """Config, summary and capture with change counters, read by the writer thread."""
        return {
            "config": config_snapshot(self.config),
            "summary": (self.summary._version, dict(self._summary_data)),
            "capture": (self._capture_version, dict(self._capture) if self._capture else None),
        }

    # -- artifacts -----------------------------------------------------------
    def log_artifact(self, artifact_or_path: Artifact | str | os.PathLike[str], name: str | None = None,
                     type: str | None = None, aliases: list[str] | tuple[str, ...] | str | None = None,
                     tags: list[str] | None = None) -> Artifact:
        """Version an artifact (or a file/dir path, or a URI) as this run's output; `latest` and `aliases` move to it."""
        from .artifacts._api import log_artifact

        return log_artifact(self, artifact_or_path, aliases=aliases, name=name, type=type, tags=tags)

    def use_artifact(self, artifact_or_name: Artifact | str, type: str | None = None,
                     aliases: list[str] | None = None, use_as: str | None = None) -> Artifact:
        """Record that this run consumes `"name:v3"` / `"name:alias"` / a registry path / an Artifact; return it."""
        from .artifacts._api import use_artifact

        return use_artifact(self, artifact_or_name, type=type, aliases=aliases)

    def log_model(self, path: str | os.PathLike[str], name: str | None = None,
                  aliases: list[str] | None = None) -> None:
        """W&B's `run.log_model`: version the model file or directory at `path` as a `model` artifact."""
        from .artifacts._api import log_model

        log_model(self, path, name=name, aliases=aliases)

    def use_model(self, name: str) -> str:
        """W&B's `run.use_model`: use a model version (artifact or registry reference); its downloaded path."""
        from .artifacts._api import use_model

        return use_model(self, name)

    def link_model(self, path: str | os.PathLike[str], registered_model_name: str, name: str | None = None,
                   aliases: list[str] | None = None) -> Artifact:
        """W&B's `run.link_model`: log the model and link it into the registered model, moving `aliases`."""
        from .artifacts._api import link_model

        return link_model(self, path, registered_model_name, name=name, aliases=aliases)

    def link_artifact(self, artifact: Artifact, target_path: str, aliases: list[str] | None = None) -> Artifact:
        """W&B's `run.link_artifact`: link a version into a registry collection (`wandb-registry-model/NAME`)."""
        from .artifacts._registry import link_artifact

        return link_artifact(artifact, target_path, aliases=aliases, run_id=self.id)

    def log_code(self, root: str | os.PathLike[str] | None = ".", name: str | None = None,
                 include_fn: Callable[..., bool] | None = None,
                 exclude_fn: Callable[..., bool] | None = None) -> Artifact | None:
        """W&B's `run.log_code`: save the source files under `root` (`.py` by default) as a `code` artifact."""
        from ._code import log_code

        return log_code(self, root, name=name, include_fn=include_fn, exclude_fn=exclude_fn)  # type: ignore[no-any-return]

    def save_checkpoint(self, path: str | os.PathLike[str]) -> Artifact:
        """Store a file or directory as this run's checkpoint (an artifact); in a PBT sweep, may end the segment."""
        from .sweeps._pbt import save_checkpoint

        return save_checkpoint(self, path)  # type: ignore[no-any-return]

    def load_checkpoint(self) -> str | None:
        """The local path of the checkpoint this run starts from (PBT: the member it continues or copied), or None."""
        from .sweeps._pbt import load_checkpoint

        return load_checkpoint(self)

    # -- alerts, metric definitions, model watching, system metrics ---------------
    @property
    def dir(self) -> str:
        """A directory for this run's files (W&B's `run.dir`), beside the store."""
        path = files_dir(self._store, self.id)
        path.mkdir(parents=True, exist_ok=True)
        return str(path)

    def save(self, glob_str: str | os.PathLike[str], base_path: str | os.PathLike[str] | None = None,
             policy: str = "live", glob: bool = True) -> list[str]:
        """Copy the files matching `glob_str` into `run.dir` (W&B uploads them; here they stay with the run).

        As W&B: a relative pattern keeps its folders (relative to the working directory, or to
        `base_path`); an absolute one without `base_path` keeps only file names; `glob=False`
        takes the path literally.
        """
        import glob as globbing
        import shutil

        glob_str = os.fspath(glob_str)
        target = os.path.realpath(self.dir)
        base = os.path.abspath(base_path) if base_path is not None else None
        keep_folders = base is None and not os.path.isabs(glob_str)
        saved = []
        for found in sorted(globbing.glob(glob_str, recursive=True) if glob else [glob_str]):
            if not os.path.isfile(found):
                continue
            if keep_folders and not os.path.normpath(found).startswith(os.pardir):
                rel = os.path.normpath(found)
            else:
                rel = os.path.relpath(os.path.abspath(found), base) if base else os.path.basename(found)
            dest = os.path.realpath(os.path.join(target, rel))
            if os.path.commonpath([dest, target]) != target:
                raise ValueError(f"run.save: {found!r} lies outside base_path {base_path!r}")
            if os.path.realpath(found) != dest:
                os.makedirs(os.path.dirname(dest), exist_ok=True)
                shutil.copy2(found, dest)
            saved.append(dest)
        return saved

    def alert(self, title: str, text: str, level: Any = "INFO", wait_duration: Any = None) -> AlertRecord | None:
        """Raise an alert (stored, shown, POSTed to NBTRACK_ALERT_WEBHOOK); None if suppressed by wait_duration."""
        if self._state != "running":
            raise RunFinishedError(f"run {self.id} is {self._state}: alerts need a running run")
        if self._alerts is None:
            from ._alerts import Alerts

            self._alerts = Alerts(self)
        return self._alerts.alert(title, text, level=level, wait_duration=wait_duration)

    def comment(self, text: str) -> CommentRecord:
        """Leave a comment on this run (author: NBTRACK_USER or the OS user); allowed after it finished too."""
        from ._comments import add_comment

        return add_comment(self._store, self.id, text)

    def define_metric(self, name: str, step_metric: str | None = None, step_sync: bool | None = None,
                      hidden: bool | None = None, summary: str | None = None, goal: str | None = None,
                      overwrite: bool | None = None) -> MetricDef:
        """W&B's define_metric: summary (min|max|mean|last|first|best|copy|none), goal, x-axis, visibility."""
        from ._metrics import MetricRules, define

        rules = self._metrics if self._metrics is not None else MetricRules()
        d = define(rules, name, step_metric=step_metric, step_sync=step_sync, hidden=hidden, summary=summary,
                   goal=goal, overwrite=overwrite)
        self._metrics = rules
        self.add_capture(metric_defs=rules.as_capture())
        return d

    def watch(self, models: Any, criterion: Any = None, log: str | None = "gradients", log_freq: int = 100,
              idx: int | None = None, log_graph: bool = False) -> None:
        """Log gradient/parameter histograms of PyTorch `models` every `log_freq` steps (hooks replace old ones)."""
        from ._watch import watch

        watch(self, models, criterion, log=log, log_freq=log_freq,  # type: ignore[arg-type]
              idx=idx, log_graph=log_graph)

    def _label(self, **labels: Any) -> None:
        """W&B's telemetry label (Transformers' WandbCallback calls it via `nbtrack.as_wandb()`): nothing to record."""

    def unwatch(self, models: Any = None) -> None:
        """Remove the hooks `watch` installed (on `models`, or on every model this run watches)."""
        from ._watch import unwatch

        unwatch(self, models)

    # -- ending --------------------------------------------------------------
    def finish(self, exit_code: int | None = 0, quiet: bool | None = None, *, state: str | None = None,
               error: str | None = None) -> None:
        """Flush everything and close the run (`failed` when exit_code is non-zero)."""
        if self._state != "running" or os.getpid() != self._owner_pid:
            return
        exit_code = 0 if exit_code is None else int(exit_code)
        final = state or ("finished" if exit_code == 0 else "failed")
        self._state = final
        self._finishing.set()
        if self._system is not None:
            self._system.stop()
        if self._capture_thread is not None:
            self._capture_thread.join(timeout=10)
        self._writer.close()
        if self._alerts is not None:
            self._alerts.wait()
        now = _time()
        fields: dict[str, Any] = {"state": final, "finished_at": now, "heartbeat_at": now, "exit_code": exit_code}
        if error is not None:
            fields["error"] = error
        try:
            self._update_record(**fields)
        except Exception as exc:
            _log.warning("nbtrack: could not record the end of run %s: %s", self.id, exc)
        for observer in list(self._finish_observers):
            try:
                observer(self)
            except Exception as exc:  # a view or integration must not break finishing
                _log.warning("nbtrack: finish observer %r failed: %s", observer, exc)

    def fail(self, exc: BaseException | None, tb: TracebackType | None = None) -> None:
        """Finish from an exception: `killed` (KeyboardInterrupt), `pruned` (RunPruned), else `failed` with the
        traceback stored. What leaving a `with run:` block by an exception does."""
        if isinstance(exc, KeyboardInterrupt):
            self.finish(exit_code=255, state="killed", error="KeyboardInterrupt")
        elif isinstance(exc, RunPruned):
            self.finish(exit_code=0, state="pruned", error=str(exc) or None)
        else:
            text = "".join(traceback.format_exception(type(exc), exc, tb or (exc.__traceback__ if exc else None)))
            self.finish(exit_code=1, state="failed", error=text)

    def __enter__(self) -> Run:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> bool:
        if exc is None:
            self.finish()
        else:
            self.fail(exc, tb)
        return False

    def __repr__(self) -> str:
        return f"<nbtrack.Run {self.project}/{self.name} ({self.id}) {self._state}>"


def files_dir(store: Store, run_id: str) -> Path:
    """Where a run keeps its files (`run.dir`, `run.save`, `restore`): beside the store's media."""
    from ._media import media_root

    return media_root(store).parent / "runs" / run_id / "files"


def _replace(record: RunRecord, **fields: Any) -> RunRecord:
    from dataclasses import replace

    return replace(record, **fields)


def new_record(
    *, run_id: str, project: str, name: str, config: dict[str, Any], tags: tuple[str, ...], notes: str | None,
    group: str | None, job_type: str | None, entity: str | None, sweep_id: str | None,
) -> RunRecord:
    """A fresh `running` record for this process."""
    now = _time()
    return RunRecord(
        id=run_id, project=project, name=name, state="running", created_at=now, heartbeat_at=now,
        entity=entity, host=socket.gethostname(), pid=os.getpid(), notes=notes, group=group,
        job_type=job_type, sweep_id=sweep_id, tags=tags, config=config,
    )
