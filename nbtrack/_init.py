"""`nbtrack.init()` and the module-level verbs that act on the current run."""

from __future__ import annotations

import os
import secrets
import string
import threading
from collections.abc import Iterable, Mapping
from typing import Any, Literal

from . import _current
from ._config import config_dict
from ._run import Run, new_record
from .store import Store, open_store

__all__ = ["init", "log", "finish", "ResumeMode"]

ResumeMode = Literal["never", "allow", "must", "auto"]

_ADJECTIVES = (
    "amber", "brisk", "calm", "daring", "eager", "fancy", "gentle", "hardy", "icy", "jolly", "keen",
    "lively", "misty", "noble", "olive", "proud", "quiet", "rapid", "silent", "tidy", "upbeat",
    "vivid", "wise", "young", "zesty",
)
_NOUNS = (
    "aurora", "breeze", "canyon", "dawn", "ember", "forest", "glade", "harbor", "island", "jungle",
    "lake", "meadow", "nebula", "ocean", "pine", "quartz", "river", "sky", "thunder", "valley",
    "wave", "zephyr", "comet", "field", "moon",
)
_ID_ALPHABET = string.ascii_lowercase + string.digits
_init_lock = threading.Lock()

# Set by a sweep agent: called with the init kwargs, returns (config overrides, sweep_id, run id).
trial_hook: Any = None


def _new_id() -> str:
    return "".join(secrets.choice(_ID_ALPHABET) for _ in range(8))


def _resume_mode(resume: Any) -> str:
    if resume in (None, False, "never"):
        return "never"
    if resume in (True, "allow", "auto"):
        return "allow"
    if resume == "must":
        return "must"
    raise ValueError(f"init: resume must be 'never', 'allow', 'must' or 'auto', not {resume!r}")


def _store_for(dir: Any, mode: str | None, store: Store | str | None) -> Store:
    if isinstance(store, Store):
        return store
    if mode == "disabled":
        from .store._sqlite import SQLiteStore

        return SQLiteStore(":memory:")
    return open_store(store, dir=dir)


def init(
    project: str | None = None,
    *,
    name: str | None = None,
    config: Mapping[str, Any] | Any = None,
    tags: Iterable[str] | None = None,
    notes: str | None = None,
    group: str | None = None,
    job_type: str | None = None,
    entity: str | None = None,
    dir: str | os.PathLike[str] | None = None,
    id: str | None = None,
    resume: ResumeMode | bool | None = None,
    reinit: Any = None,
    mode: Literal["online", "offline", "disabled", "shared"] | None = None,
    settings: Any = None,
    store: Store | str | None = None,
    strict: bool = False,
    allow_val_change: bool | None = None,
    save_code: bool | None = None,
    config_exclude_keys: Iterable[str] | None = None,
    config_include_keys: Iterable[str] | None = None,
) -> Run:
    """Start a run (finishing the current one, as W&B does in notebooks) and make it current.

    `store` (a Store or URL) overrides `NBTRACK_STORE`/`NBTRACK_DIR`; `strict=True` makes a
    storage failure raise from `log` instead of being retried in the background.
    """
    if mode not in (None, "online", "offline", "disabled", "shared"):
        raise ValueError(f"init: mode must be 'online', 'offline' or 'disabled', not {mode!r}")
    resume_mode = _resume_mode(resume)
    cfg = config_dict(config)
    if config_include_keys is not None:
        keep = set(config_include_keys)
        cfg = {k: v for k, v in cfg.items() if k in keep}
    for key in config_exclude_keys or ():
        cfg.pop(key, None)
    sweep_id = None
    hook = trial_hook
    if hook is not None:
        overrides, sweep_id, hook_id, hook_project = hook()
        cfg.update(config_dict(overrides))
        id = hook_id or id
        project = hook_project or project
    project = project or os.environ.get("NBTRACK_PROJECT") or os.environ.get("WANDB_PROJECT") or "uncategorized"
    _check_name("project", project)
    tag_tuple = tuple(dict.fromkeys(str(t) for t in (tags or ())))
    st = _store_for(dir, mode, store)
    with _init_lock:
        previous = _current.current
        if previous is not None:
            previous.finish()
        existing = st.get_run(id) if id is not None else None
        if existing is not None:
            if resume_mode == "never":
                raise ValueError(
                    f"init: a run with id {id!r} already exists in {st.url}; "
                    "pass resume='allow' (or 'must') to continue it"
                )
            run = _resume(st, existing, cfg, tags=tag_tuple, notes=notes, strict=strict)
        else:
            if resume_mode == "must":
                raise ValueError(f"init: resume='must' but there is no run with id {id!r} in {st.url}")
            run_id = id or _new_id()
            _check_name("id", run_id)
            if name is None:
                n = st.count_runs(project) + 1
                name = f"{secrets.choice(_ADJECTIVES)}-{secrets.choice(_NOUNS)}-{n}"
            record = new_record(
                run_id=run_id, project=project, name=str(name), config=cfg, tags=tag_tuple, notes=notes,
                group=group, job_type=job_type, entity=entity, sweep_id=sweep_id,
            )
            st.create_run(record)
            run = Run(st, record, strict=strict)
        _current.set_current(run)
    _start_capture(run)
    return run


def _check_name(what: str, value: str) -> None:
    if not isinstance(value, str) or not value or len(value) > 128 or any(c in value for c in "/\\#?%\0"):
        raise ValueError(f"init: invalid {what} {value!r} (1-128 characters, none of / \\ # ? %)")


def _resume(st: Store, record: Any, cfg: dict[str, Any], *, tags: tuple[str, ...], notes: str | None,
            strict: bool) -> Run:
    import socket
    import time

    last = st.last_step(record.id)
    fields = {"state": "running", "finished_at": None, "exit_code": None, "error": None,
              "host": socket.gethostname(), "pid": os.getpid(), "heartbeat_at": time.time()}
    if notes is not None:
        fields["notes"] = notes
    st.update_run(record.id, **fields)
    if tags:
        st.set_tags(record.id, tags)
    record = st.get_run(record.id)
    run = Run(st, record, step=0 if last is None else last + 1, next_seqs=st.next_chunk_seqs(record.id), strict=strict)
    if cfg:
        run.config.update(cfg)
    return run


CAPTURE_DELAY = 5.0  # seconds: short runs capture at finish, long ones a few seconds in


def _start_capture(run: Run) -> None:
    """Collect the slow parts of the run's context in a background thread, off the first seconds of logging."""
    from ._capture import basic_capture, slow_capture

    run._set_capture(**basic_capture())

    def collect() -> None:
        run._finishing.wait(CAPTURE_DELAY)
        try:
            run._set_capture(**slow_capture())
        except Exception as exc:  # capture is best effort; the run goes on
            run._set_capture(capture_error=repr(exc))

    run._capture_thread = threading.Thread(target=collect, name="nbtrack-capture", daemon=True)
    run._capture_thread.start()


def log(data: Mapping[str, Any], step: int | None = None, commit: bool | None = None) -> None:
    """`run.log` on the current run."""
    _current.require("log").log(data, step=step, commit=commit)


def finish(exit_code: int | None = 0, quiet: bool | None = None) -> None:
    """Finish the current run, if any (W&B allows calling it without one)."""
    run = _current.current
    if run is not None:
        run.finish(exit_code)
