"""A sweep trial belongs to the process the agent launched: its workers (multiprocessing fork or spawn,
subprocess) that call init() get runs of their own, as in W&B's cross-validation example."""

from __future__ import annotations

import multiprocessing
import os
import textwrap
from pathlib import Path

import pytest

import nbtrack
from nbtrack.store import Store, open_store

# W&B's examples/wandb-sweeps/sweeps-cross-validation/train-cross-validation.py, with `import nbtrack as
# wandb`, the start method and a plain-subprocess worker added, queue timeouts, and a deterministic accuracy.
CROSS_VALIDATION = '''
import collections
import multiprocessing
import os
import subprocess
import sys

import nbtrack as wandb

Worker = collections.namedtuple("Worker", ("queue", "process"))
WorkerInitData = collections.namedtuple("WorkerInitData", ("num", "sweep_id", "sweep_run_name", "config"))
WorkerDoneData = collections.namedtuple("WorkerDoneData", ("val_accuracy"))


def reset_wandb_env():
    exclude = {"WANDB_PROJECT", "WANDB_ENTITY", "WANDB_API_KEY"}
    for key in list(os.environ.keys()):
        if key.startswith("WANDB_") and key not in exclude:
            del os.environ[key]


def train(sweep_q, worker_q):
    reset_wandb_env()
    worker_data = worker_q.get(timeout=60)
    run_name = "{}-{}".format(worker_data.sweep_run_name, worker_data.num)
    config = worker_data.config
    run = wandb.init(group=worker_data.sweep_id, job_type=worker_data.sweep_run_name, name=run_name, config=config)
    val_accuracy = 0.5 + worker_data.num / 10
    run.log(dict(val_accuracy=val_accuracy))
    wandb.join()
    sweep_q.put(WorkerDoneData(val_accuracy=val_accuracy))


def main():
    num_folds = 3
    ctx = multiprocessing.get_context(sys.argv[1])
    # Spin up workers before calling wandb.init(); workers will be blocked on a queue waiting to start
    sweep_q = ctx.Queue()
    workers = []
    for num in range(num_folds):
        q = ctx.Queue()
        p = ctx.Process(target=train, kwargs=dict(sweep_q=sweep_q, worker_q=q))
        p.start()
        workers.append(Worker(queue=q, process=p))
    # a plain subprocess started before init, keeping the environment as it found it
    child = subprocess.Popen([sys.executable, "-c", "import sys, nbtrack; r = nbtrack.init(name='sub'); "
                              "r.log({'x': 1}); r.finish(); sys.stdin.read()"], stdin=subprocess.PIPE)

    sweep_run = wandb.init()
    sweep_id = sweep_run.sweep_id or "unknown"
    sweep_run_name = sweep_run.name or sweep_run.id or "unknown"
    artifact = sweep_run.config.get("lr")
    metrics = []
    for num in range(num_folds):
        worker = workers[num]
        worker.queue.put(WorkerInitData(sweep_id=sweep_id, num=num, sweep_run_name=sweep_run_name,
                                        config=dict(sweep_run.config)))
        result = sweep_q.get(timeout=60)
        worker.process.join()
        metrics.append(result.val_accuracy)
    child.communicate(b"")
    sweep_run.log(dict(val_accuracy=sum(metrics) / len(metrics)))
    wandb.join()


if __name__ == "__main__":
    main()
'''


def _launch_one_trial(folder: Path, sweep_id: str, store: Store) -> int:
    """Run one trial of a program sweep with `folder` (holding the program) as the working directory."""
    cwd = os.getcwd()
    os.chdir(folder)
    try:
        return nbtrack.agent(sweep_id, count=1, store=store, progress=False)
    finally:
        os.chdir(cwd)


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_cross_validation_workers_of_a_launched_trial_get_their_own_runs(tmp_path: Path, method: str) -> None:
    (tmp_path / "train_cv.py").write_text(CROSS_VALIDATION, encoding="utf-8")
    store = open_store()
    sweep_id = nbtrack.sweep({"method": "grid", "program": "train_cv.py", "metric": {"name": "val_accuracy"},
                              "parameters": {"lr": {"values": [0.1]}},
                              "command": ["${env}", "${interpreter}", "${program}", method]},
                             project="cv", store=store)
    assert _launch_one_trial(tmp_path, sweep_id, store) == 1
    _check_cross_validation(store, sweep_id)


def _check_cross_validation(store: Store, sweep_id: str) -> None:
    runs = {r.name: r for r in store.list_runs()}
    [trial] = [r for r in runs.values() if r.sweep_id == sweep_id]
    folds = [runs[f"{trial.name}-{n}"] for n in range(3)]
    assert trial.state == "finished"
    hist = nbtrack.history(trial.id)
    assert list(hist["val_accuracy"]) == [pytest.approx(0.6)]  # the average only: no worker wrote into it
    for n, fold in enumerate(folds):
        assert fold.id != trial.id and fold.sweep_id is None and fold.state == "finished"
        assert (fold.group, fold.job_type) == (sweep_id, trial.name)
        assert list(nbtrack.history(fold.id)["val_accuracy"]) == [pytest.approx(0.5 + n / 10)]
        assert fold.config["lr"] == 0.1
    assert runs["sub"].id != trial.id and runs["sub"].sweep_id is None and runs["sub"].state == "finished"
    assert len(runs) == 5


def _fork_worker(num: int, results: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    run = nbtrack.init(name=f"fold-{num}", job_type="fold")
    run.log({"val_accuracy": num / 10})
    run.finish()
    results.put((run.id, nbtrack.run is None))


def test_forked_workers_of_an_in_process_trial_get_their_own_runs() -> None:
    ctx = multiprocessing.get_context("fork")
    store = open_store()
    seen: dict[str, object] = {}

    def cross_validate() -> None:
        results = ctx.Queue()
        before = ctx.Process(target=_fork_worker, args=(0, results))  # forked while the trial is pending
        before.start()
        run = nbtrack.init(config={"folds": 2})
        after = ctx.Process(target=_fork_worker, args=(1, results))  # forked while the trial's run is current
        after.start()
        got = [results.get(timeout=60) for _ in range(2)]
        before.join(60)
        after.join(60)
        seen.update(trial=run.id, workers=[g[0] for g in got], codes=(before.exitcode, after.exitcode),
                    current_after=[g[1] for g in got], still_mine=nbtrack.run is run and not run.finished)
        run.log({"val_accuracy": 0.05})

    sweep_id = nbtrack.sweep({"method": "grid", "parameters": {"lr": {"values": [0.1]}}}, project="cv2", store=store)
    assert nbtrack.agent(sweep_id, function=cross_validate, count=1, store=store, progress=False) == 1
    assert seen["codes"] == (0, 0) and seen["still_mine"] is True and seen["current_after"] == [True, True]
    trial = store.get_run(seen["trial"])  # type: ignore[arg-type]
    assert trial is not None and trial.state == "finished" and trial.name != "fold-0"
    assert list(nbtrack.history(trial.id)["val_accuracy"]) == [0.05]
    workers = store.list_runs(ids=seen["workers"])  # type: ignore[arg-type]
    assert sorted(w.name for w in workers) == ["fold-0", "fold-1"]
    assert all(w.id != trial.id and w.sweep_id is None and w.state == "finished" for w in workers)


RESUME_ON_PURPOSE = '''
import subprocess, sys
import nbtrack as wandb
run = wandb.init()
run.log({"part": 1})
run.finish()
code = "import sys, nbtrack; r = nbtrack.init(id=sys.argv[1], resume='allow'); r.log({'part': 2}); r.finish()"
subprocess.run([sys.executable, "-c", code, run.id], check=True)
'''


def test_a_child_resuming_the_trial_id_on_purpose_continues_it(tmp_path: Path) -> None:
    (tmp_path / "resume.py").write_text(textwrap.dedent(RESUME_ON_PURPOSE), encoding="utf-8")
    store = open_store()
    sweep_id = nbtrack.sweep({"method": "grid", "program": "resume.py", "parameters": {"lr": {"values": [0.1]}}},
                             project="cv3", store=store)
    assert _launch_one_trial(tmp_path, sweep_id, store) == 1
    [trial] = store.list_runs()
    assert trial.sweep_id == sweep_id and trial.state == "finished"
    assert list(nbtrack.history(trial.id)["part"]) == [1, 2]


EARLY_WORKER = '''
import multiprocessing, sys
import nbtrack as wandb


def work():
    run = wandb.init(name="early-worker")  # before the trial's own init(): still not the trial
    run.log({"x": 1})
    run.finish()


if __name__ == "__main__":
    p = multiprocessing.get_context(sys.argv[1]).Process(target=work)
    p.start()
    p.join(60)
    run = wandb.init()
    run.log({"val_accuracy": 1.0})
    run.finish()
'''


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_a_worker_calling_init_before_the_trial_does_not_take_it(tmp_path: Path, method: str) -> None:
    (tmp_path / "early.py").write_text(EARLY_WORKER, encoding="utf-8")
    store = open_store()
    sweep_id = nbtrack.sweep({"method": "grid", "program": "early.py", "parameters": {"lr": {"values": [0.1]}},
                              "command": ["${env}", "${interpreter}", "${program}", method]},
                             project="cv4", store=store)
    assert _launch_one_trial(tmp_path, sweep_id, store) == 1
    runs = {r.name: r for r in store.list_runs()}
    [trial] = [r for r in runs.values() if r.sweep_id == sweep_id]
    assert trial.state == "finished" and trial.name != "early-worker"
    assert list(nbtrack.history(trial.id)["val_accuracy"]) == [1.0]
    assert runs["early-worker"].sweep_id is None and runs["early-worker"].state == "finished"


def test_a_wrapper_script_still_hands_the_trial_to_its_python(tmp_path: Path) -> None:
    (tmp_path / "fit.py").write_text("import nbtrack\nrun = nbtrack.init()\nrun.log({'val_accuracy': 0.7})\n"
                                     "run.finish()\n", encoding="utf-8")
    (tmp_path / "wrap.sh").write_text('"$1" fit.py\necho wrapped\n', encoding="utf-8")  # bash keeps itself alive
    store = open_store()
    sweep_id = nbtrack.sweep({"method": "grid", "program": "fit.py", "parameters": {"lr": {"values": [0.1]}},
                              "command": ["bash", "wrap.sh", "${interpreter}"]}, project="cv5", store=store)
    assert _launch_one_trial(tmp_path, sweep_id, store) == 1
    [trial] = store.list_runs()
    assert trial.sweep_id == sweep_id and trial.state == "finished"
    assert list(nbtrack.history(trial.id)["val_accuracy"]) == [0.7]
