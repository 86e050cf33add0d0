"""`nbtrack.sweep`, `nbtrack.agent`, `nbtrack.stop_sweep`: W&B's sweep verbs on nbtrack's store."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import tempfile
import traceback
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from .. import _current
from ..errors import RunPruned
from ..store import Store, open_store
from ._config import load_sweep_config
from ._controller import SweepController, Trial, sweep_record
from ._macros import render_command
from ._priors import prior_trials

__all__ = ["sweep", "agent", "stop_sweep", "sweep_state"]

_log = logging.getLogger("nbtrack")


def _store(store: Store | str | None) -> Store:
    return store if isinstance(store, Store) else open_store(store)


def sweep(
    sweep: Mapping[str, Any] | str | os.PathLike[str],
    project: str | None = None,
    entity: str | None = None,
    *,
    store: Store | str | None = None,
    lenient: bool = False,
    prior_runs: Iterable[str] | None = None,
) -> str:
    """Create a sweep from a W&B sweep config (dict or YAML path) and return its id.

    Invalid configs raise `nbtrack.SweepConfigError` naming the parameter and the rule.
    `prior_runs` (W&B's parameter): ids of finished runs that seed the sweep; their configs are
    not run again and the sampler learns from their metric.
    """
    config = load_sweep_config(sweep, lenient=lenient)
    project = (project or config.get("project") or os.environ.get("NBTRACK_PROJECT")
               or os.environ.get("WANDB_PROJECT") or "uncategorized")
    record = sweep_record(config, project, entity or config.get("entity"))
    st = _store(store)
    st.create_sweep(record, priors=prior_trials(st, config, prior_runs, record.id) if prior_runs else ())
    return record.id


def stop_sweep(sweep_id: str, *, store: Store | str | None = None) -> None:
    """Stop handing out trials (running trials finish normally), in every agent."""
    st = _store(store)
    if st.get_sweep(sweep_id) is None:
        raise KeyError(f"no sweep with id {sweep_id!r} in {st.url}")
    st.set_sweep_state(sweep_id, "stopped")


def sweep_state(sweep_id: str, *, store: Store | str | None = None) -> str:
    """running | paused | stopped | finished."""
    found = _store(store).get_sweep(sweep_id)
    if found is None:
        raise KeyError(f"no sweep with id {sweep_id!r}")
    return found.state


def agent(
    sweep_id: str,
    function: Callable[[], Any] | None = None,
    count: int | None = None,
    project: str | None = None,
    entity: str | None = None,
    *,
    store: Store | str | None = None,
    progress: bool | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> int:
    """Run trials of a sweep: call `function` (which calls `nbtrack.init()`) or launch the sweep's
    program per trial, until `count` trials, the sweep ends, or Ctrl-C. Returns trials run.

    `progress` (a bar on stderr) defaults to on unless `WANDB_SILENT`/`NBTRACK_SILENT` is set."""
    if count is not None and (not isinstance(count, int) or count < 1):
        raise ValueError(f"agent: count must be a positive int, not {count!r}")
    st = _store(store)
    controller = SweepController(st, sweep_id)
    total = count or controller.run_cap or controller.grid_size()
    if progress is None:
        from .._env import silent

        progress = not silent()
    bar = _progress_bar(total, sweep_id) if progress else None
    done = 0
    try:
        while count is None or done < count:
            if should_stop is not None and should_stop():
                break
            try:
                trial = controller.next_trial()
            except KeyboardInterrupt:  # Ctrl-C between trials: stop as cleanly as during one
                print(f"nbtrack: sweep agent interrupted. Resume with nbtrack.agent({sweep_id!r}, ...).",
                      file=sys.stderr)
                break
            if trial is None:
                break
            interrupted = _run_trial(st, controller, trial, function)
            done += 1
            if bar is not None:
                controller.sync()
                best = controller.best()
                bar.update(1)
                if best is not None:
                    bar.set_postfix_str(f"best {controller.metric['name']}={best[1]:.4g}")
            if interrupted:
                print(f"nbtrack: sweep agent interrupted; run {trial.run_id} marked killed. "
                      f"Resume with nbtrack.agent({sweep_id!r}, ...).", file=sys.stderr)
                break
    finally:
        if bar is not None:
            bar.close()
    controller.sync()
    return done


def _run_trial(st: Store, controller: SweepController, trial: Trial, function: Callable[[], Any] | None) -> bool:
    """One trial: attach the next init() to its run, call the function or the program; True on Ctrl-C."""
    interrupted = False
    error = "the sweep function did not call nbtrack.init()"
    with _current.agent_scope(pending_trial=trial.run_id, store=st) as scope:
        try:
            if function is not None:
                function()
            else:
                _run_program(st, controller, trial)
        except RunPruned as exc:
            _end_open_run(trial.run_id, exc)
        except KeyboardInterrupt as exc:
            interrupted = True
            _end_open_run(trial.run_id, exc)
            _mark_if_running(st, trial.run_id, "killed", "KeyboardInterrupt")
        except Exception as exc:  # W&B's agent reports the error and goes on with the next trial
            traceback.print_exc()
            error = f"{error}; it raised:\n{traceback.format_exc()}"
            _end_open_run(trial.run_id, exc)
        finally:
            untouched = scope.pending_trial == trial.run_id
    _end_open_run(trial.run_id, None)
    if untouched:
        _mark_if_running(st, trial.run_id, "failed", error)
    return interrupted


def _end_open_run(run_id: str, exc: BaseException | None) -> None:
    for run in list(_current.active):
        if run.id == run_id:
            if exc is None:
                run.finish()
            else:
                run.fail(exc, exc.__traceback__)


def _mark_if_running(st: Store, run_id: str, state: str, error: str) -> None:
    import time

    record = st.get_run(run_id)
    if record is not None and record.state == "running":
        st.update_run(run_id, state=state, error=error, finished_at=time.time())


def _run_program(st: Store, controller: SweepController, trial: Trial) -> None:
    """Launch the sweep's command for one trial; the child's init() attaches through the environment."""
    import yaml

    config = controller.config
    env = dict(os.environ)
    env[_current.TRIAL_ENV] = trial.run_id
    env[_current.AGENT_PID_ENV] = str(os.getpid())  # the trial is this process's child's, not its workers'
    env["NBTRACK_STORE"] = st.connection_url()
    env["NBTRACK_SWEEP_ID"] = controller.sweep.id
    env["WANDB_SWEEP_ID"] = controller.sweep.id
    env["WANDB_RUN_ID"] = trial.run_id
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")  # `python` = this interpreter
    with tempfile.TemporaryDirectory(prefix="nbtrack-trial-") as tmp:
        param_path = os.path.join(tmp, "params.yaml")
        with open(param_path, "w", encoding="utf-8") as file:
            yaml.safe_dump({k: {"value": v} for k, v in trial.config.items()}, file)
        env["WANDB_SWEEP_PARAM_PATH"] = param_path
        argv = render_command(
            config.get("command"), trial.config, program=config.get("program"),
            args_json_file=os.path.join(tmp, "args.json"), environ=env,
        )
        code = subprocess.call(argv, env=env)
    record = st.get_run(trial.run_id)
    attached = record is not None and record.pid != os.getpid()  # the child's init() took the run over
    if code != 0:
        _mark_if_running(st, trial.run_id, "failed", f"program exited with code {code}: {' '.join(argv)}")
    elif not attached:
        _mark_if_running(st, trial.run_id, "failed",
                         f"the program did not call nbtrack.init() (exited with code 0): {' '.join(argv)}")
    else:
        _mark_if_running(st, trial.run_id, "finished", "")


def _progress_bar(total: int | None, sweep_id: str) -> Any:
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=f"sweep {sweep_id}", unit="trial", file=sys.stderr)
