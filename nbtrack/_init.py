"""`nbtrack.init()` and the module-level verbs that act on the current run.

`init` is the one public entry point that composes the layers: it starts the run (domain)
and, inside a Jupyter kernel only, shows its live view (`_notebook`, which loads the UI lazily).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Mapping
from typing import Any, Literal

from . import _current
from ._config import config_dict
from ._env import env_defaults, env_dir
from ._names import new_id, run_name
from ._notebook import capture_calling_cell, show_live_view
from ._run import Run, new_record
from .store import Store, open_store

__all__ = ["init", "log", "finish", "alert", "define_metric", "watch", "unwatch", "ResumeMode"]

ResumeMode = Literal["never", "allow", "must", "auto"]

_init_lock = threading.Lock()


def _resume_mode(resume: Any) -> str:
    if resume in (None, False, "never"):
        return "never"
    if resume in (True, "allow", "auto"):
        return "allow"
    if resume == "must":
        return "must"
    raise ValueError(f"init: resume must be 'never', 'allow', 'must' or 'auto', not {resume!r}")


def _store_for(dir: Any, mode: str | None, store: Store | str | None) -> Store:
    if store is None and dir is None:
        store = _current.scope().store  # a sweep agent's store, for its trials
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
    reinit: bool | Literal["default", "return_previous", "finish_previous", "create_new"] | None = None,
    mode: Literal["online", "offline", "disabled", "shared"] | None = None,
    settings: Any = None,
    store: Store | str | None = None,
    strict: bool = False,
    allow_val_change: bool | None = None,
    save_code: bool | None = None,
    config_exclude_keys: Iterable[str] | None = None,
    config_include_keys: Iterable[str] | None = None,
    anonymous: str | None = None,
    force: bool | None = None,
    magic: Any = None,
    sync_tensorboard: bool | None = None,
    monitor_gym: bool | None = None,
    tensorboard: bool | None = None,
) -> Run:
    """Start a run (finishing the current one, as W&B does in notebooks) and make it current.

    `reinit` follows W&B: "finish_previous" (the default, also True), "return_previous" (also
    False: hand back the active run), "create_new" (keep the previous run open beside the new one).

    `store` (a Store or URL) overrides `NBTRACK_STORE`/`NBTRACK_DIR`; `strict=True` makes a
    storage failure raise from `log` instead of being retried in the background.
    """
    if reinit not in (None, True, False, "default", "return_previous", "finish_previous", "create_new"):
        raise ValueError(f"init: reinit must be 'finish_previous', 'return_previous' or 'create_new', not {reinit!r}")
    previous = _current.get()
    if reinit in (False, "return_previous") and previous is not None:
        show_live_view(previous)  # a no-op if it has its view already
        return previous
    explicit_id = id
    env = env_defaults({"id": id, "resume": resume, "project": project, "entity": entity, "name": name,
                        "notes": notes, "tags": tags, "group": group, "job_type": job_type, "mode": mode})
    id, resume, project, entity, name = env["id"], env["resume"], env["project"], env["entity"], env["name"]
    notes, tags, group, job_type, mode = env["notes"], env["tags"], env["group"], env["job_type"], env["mode"] or None
    if dir is None and store is None and _current.scope().store is None:
        dir = env_dir()
    if mode not in (None, "online", "offline", "disabled", "shared", "dryrun", "run"):
        raise ValueError(f"init: mode must be 'online', 'offline' or 'disabled', not {mode!r}")
    from ._distributed import attach_worker, rank_plan

    plan = rank_plan(mode=mode, group=group, id=id, settings=settings)  # rank != 0: see _distributed
    if plan.disabled:
        mode = "disabled"
    resume_mode = _resume_mode(resume)
    cfg = config_dict(config)
    if config_include_keys is not None:
        keep = set(config_include_keys)
        cfg = {k: v for k, v in cfg.items() if k in keep}
    for key in config_exclude_keys or ():
        cfg.pop(key, None)
    claim = None if plan.disabled else _current.take_trial()  # a worker rank leaves the sweep trial to rank 0
    inherited = claim.run_id if claim is not None else _current.inherited_trial()
    if explicit_id is None and id is not None and id == inherited:
        id = None  # a sweep trial's id inherited by a worker of it: unless it is the trial, a run of its own
    project = project or "uncategorized"
    _check_name("project", project)
    tag_tuple = tuple(dict.fromkeys(str(t) for t in (tags or ())))
    from ._system import sampling_interval

    system_interval = None if mode == "disabled" else sampling_interval(settings)
    st = _store_for(dir, mode, store)
    with _init_lock:
        previous = _current.get()
        if previous is not None and reinit != "create_new":
            previous.finish()
        existing = st.get_run(id) if id is not None else None
        trial_id = _trial_to_attach(st, claim)
        if trial_id is not None:
            run = _attach_trial(st, trial_id, cfg, name=name, tags=tag_tuple, notes=notes, strict=strict)
        elif existing is not None:
            if resume_mode == "never":
                raise ValueError(
                    f"init: a run with id {id!r} already exists in {st.url}; "
                    "pass resume='allow' (or 'must') to continue it"
                )
            run = _resume(st, existing, cfg, tags=tag_tuple, notes=notes, strict=strict)
        else:
            if resume_mode == "must":
                raise ValueError(f"init: resume='must' but there is no run with id {id!r} in {st.url}")
            run_id = id or new_id()
            _check_name("id", run_id)
            if name is None:
                name = run_name(st.count_runs(project) + 1)
            record = new_record(
                run_id=run_id, project=project, name=str(name), config=cfg, tags=tag_tuple, notes=notes,
                group=group, job_type=job_type, entity=entity, sweep_id=None,
            )
            st.create_run(record)
            run = Run(st, record, strict=strict)
        _current.set_current(run)
    run.start_background(system_interval=system_interval)
    attach_worker(run, _store_for(dir, None, store) if plan.shared_into else st, plan, sampling_interval(settings))
    if mode != "disabled":
        capture_calling_cell(run)
        show_live_view(run)
    return run


def _trial_to_attach(st: Store, claim: _current.TrialClaim | None) -> str | None:
    """The trial run to take over; a descendant deeper than the agent's child takes it only while unclaimed."""
    if claim is None:
        return None
    if claim.if_unclaimed_by is not None:
        record = st.get_run(claim.run_id)
        if record is None or record.pid != claim.if_unclaimed_by:
            return None
    return claim.run_id


def _check_name(what: str, value: str) -> None:
    if not isinstance(value, str) or not value or len(value) > 128 or any(c in value for c in "/\\#?%\0"):
        raise ValueError(f"init: invalid {what} {value!r} (1-128 characters, none of / \\ # ? %)")


def _resume(st: Store, record: Any, cfg: dict[str, Any], *, tags: tuple[str, ...], notes: str | None,
            strict: bool) -> Run:
    import socket
    import time

    from ._liveness import check_free

    check_free(record, {r.id for r in _current.active})
    last = st.last_step(record.id)
    fields = {"state": "running", "finished_at": None, "exit_code": None, "error": None,
              "host": socket.gethostname(), "pid": os.getpid(), "heartbeat_at": time.time()}
    if notes is not None:
        fields["notes"] = notes
    if not st.claim_run(record.id, record.heartbeat_at, **fields):
        raise _current.UsageError(f"init: run {record.id!r} was taken over by another process while resuming it")
    if tags:
        st.set_tags(record.id, tags)
    record = st.get_run(record.id)
    run = Run(st, record, step=0 if last is None else last + 1, next_seqs=st.next_chunk_seqs(record.id), strict=strict)
    if cfg:
        run.config.update(cfg)
    return run


def _attach_trial(st: Store, run_id: str, cfg: dict[str, Any], *, name: str | None, tags: tuple[str, ...],
                  notes: str | None, strict: bool) -> Run:
    """Take over the run a sweep claimed: its sweep values override the `init(config=...)` defaults.

    As in W&B, a nested sweep value replaces the whole sub-dict given to `init(config=...)`.
    """
    import time

    record = st.get_run(run_id)
    if record is None or record.sweep_id is None:
        raise ValueError(f"init: sweep trial run {run_id!r} not found in {st.url} (is NBTRACK_STORE the agent's?)")
    fields: dict[str, Any] = {"state": "running", "pid": os.getpid(), "heartbeat_at": time.time()}
    if name is not None:
        fields["name"] = str(name)
    if notes is not None:
        fields["notes"] = notes
    st.update_run(run_id, **fields)
    if tags:
        st.set_tags(run_id, tags)
    record = st.get_run(run_id)
    run = Run(st, record, strict=strict)
    run.config.update({**cfg, **record.config})
    from .sweeps._monitor import watch_trial

    watch_trial(run)
    return run


def log(data: Mapping[str, Any], step: int | None = None, commit: bool | None = None) -> None:
    """`run.log` on the current run."""
    _current.require("log").log(data, step=step, commit=commit)


def finish(exit_code: int | None = 0, quiet: bool | None = None) -> None:
    """Finish the current run, if any (W&B allows calling it without one)."""
    run = _current.get()
    if run is not None:
        run.finish(exit_code)


def save(glob_str: str | os.PathLike[str], base_path: str | os.PathLike[str] | None = None, policy: str = "live",
         glob: bool = True) -> list[str]:
    """`run.save` on the current run: keep files with it in `run.dir`."""
    return _current.require("save").save(glob_str, base_path=base_path, policy=policy, glob=glob)


def alert(title: str, text: str, level: Any = "INFO", wait_duration: Any = None) -> Any:
    """`run.alert` on the current run."""
    return _current.require("alert").alert(title, text, level=level, wait_duration=wait_duration)


def define_metric(name: str, step_metric: str | None = None, step_sync: bool | None = None,
                  hidden: bool | None = None, summary: str | None = None, goal: str | None = None,
                  overwrite: bool | None = None) -> Any:
    """`run.define_metric` on the current run."""
    return _current.require("define_metric").define_metric(
        name, step_metric=step_metric, step_sync=step_sync, hidden=hidden, summary=summary, goal=goal,
        overwrite=overwrite)


def watch(models: Any, criterion: Any = None, log: str | None = "gradients", log_freq: int = 100,
          idx: int | None = None, log_graph: bool = False) -> None:
    """`run.watch` on the current run: gradient/parameter histograms of PyTorch models."""
    _current.require("watch").watch(models, criterion, log=log, log_freq=log_freq, idx=idx, log_graph=log_graph)


def unwatch(models: Any = None) -> None:
    """Remove nbtrack's hooks from `models` (or from every model the current run watches)."""
    from ._watch import unwatch as remove

    remove(_current.get(), models)
