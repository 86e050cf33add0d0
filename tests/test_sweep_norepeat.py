"""No repeated trials: random draws a discrete space without replacement, bayes never proposes a config
already run, a restarted sweep reuses what is stored, and `prior_runs` seed a sweep.

Agents run in real processes on a SQLite file and on PostgreSQL (the helpers of test_sweep_agents).
"""

from __future__ import annotations

import subprocess
from collections import Counter
from pathlib import Path

import pytest
from test_sweep_agents import AGENT_TIMEOUT, PYTHON, agent_env, start_agents, sweep_runs, wait_all

import nbtrack
from nbtrack.store import Store, _connect
from nbtrack.sweeps._controller import SweepController

# 3 x 2 x 2 = 12 distinct configs; `x` lists 2 twice (W&B weighs it double, it is still one value)
DISCRETE = {
    "metric": {"name": "loss", "goal": "minimize"},
    "parameters": {
        "x": {"values": [1, 2, 3, 2]},
        "opt": {"parameters": {"y": {"values": ["a", "b"]}, "mom": {"value": 0.9}}},
        "k": {"min": 0, "max": 1},
    },
}
SIZE = 12


def configs(st: Store, sweep_id: str) -> list[tuple[int, str, int]]:
    return [(r.config["x"], r.config["opt"]["y"], r.config["k"]) for r in sweep_runs(st, sweep_id)]


@pytest.mark.parametrize("method", ["random", "bayes"])
def test_agent_processes_never_repeat_a_config_and_stop_when_the_space_is_exhausted(
        tmp_path: Path, shared: tuple[str, Store], method: str) -> None:
    url, st = shared
    # run_cap above the space's size: without replacement the space, not the cap, ends the sweep
    sweep_id = nbtrack.sweep({**DISCRETE, "method": method, "run_cap": 30}, project="norepeat", store=url)
    procs, _ = start_agents(tmp_path, url, sweep_id, 3)
    outputs = wait_all(procs)

    seen = configs(st, sweep_id)
    assert sum(int(out.split()[-1]) for _, out, _ in outputs) == len(seen) == SIZE
    assert not [c for c, n in Counter(seen).items() if n > 1], f"a config ran twice: {seen}"
    assert set(seen) == {(x, y, k) for x in (1, 2, 3) for y in "ab" for k in (0, 1)}
    assert {r.state for r in sweep_runs(st, sweep_id)} == {"finished"}
    assert len({r.pid for r in sweep_runs(st, sweep_id)}) >= 2, "the agents did not run concurrently"
    assert st.get_sweep(sweep_id).state == "finished"


def test_bayes_over_a_small_discrete_space_skips_what_tpe_proposes_again(disk: Store) -> None:
    # TPE proposes the incumbent again and again on a tiny space; every trial must still be new
    sweep_id = nbtrack.sweep({"method": "bayes", "metric": {"name": "loss"}, "run_cap": 9,
                              "parameters": {"a": {"values": [0, 1, 2]}, "b": {"values": [0, 1, 2]}}},
                             project="tpe")

    def train() -> None:
        with nbtrack.init() as run:
            run.log({"loss": (run.config.a - 1) ** 2 + (run.config.b - 2) ** 2})

    assert nbtrack.agent(sweep_id, function=train, progress=False) == 9
    seen = [(r.config["a"], r.config["b"]) for r in sweep_runs(disk, sweep_id)]
    assert sorted(seen) == [(a, b) for a in range(3) for b in range(3)]


RESTARTED = """
import sys
import nbtrack

def train():
    with nbtrack.init() as run:
        run.log({"loss": run.config.x + run.config.k})

print("trials", nbtrack.agent(sys.argv[1], function=train, count=int(sys.argv[2]) if sys.argv[2:] else None,
                              progress=False))
"""


@pytest.mark.parametrize("method", ["random", "bayes"])
def test_a_restarted_sweep_reuses_the_stored_trials(tmp_path: Path, shared: tuple[str, Store], method: str) -> None:
    url, st = shared
    sweep_id = nbtrack.sweep({**DISCRETE, "method": method}, project="restart", store=url)

    def agent_process(*count: str) -> int:
        out = subprocess.run([PYTHON, "-c", RESTARTED, sweep_id, *count], env=agent_env(url), cwd=tmp_path,
                             capture_output=True, text=True, timeout=AGENT_TIMEOUT)
        assert out.returncode == 0, out.stderr[-3000:]
        return int(out.stdout.split()[-1])

    assert agent_process("5") == 5
    first = configs(st, sweep_id)
    assert agent_process() == SIZE - 5  # the restart runs only what is left, then the sweep is finished
    seen = configs(st, sweep_id)
    assert seen[:5] == first and len(set(seen)) == SIZE
    assert st.get_sweep(sweep_id).state == "finished"
    # a controller started now learns every stored trial (its sampler is seeded from the store)
    controller = SweepController(st, sweep_id)
    controller.sync()
    assert len([t for t in controller.study.trials if t.state.name == "COMPLETE"]) == SIZE
    assert controller.next_trial() is None


def finished_run(project: str, **config: object) -> str:
    with nbtrack.init(project=project, config=config) as run:
        run.log({"loss": float(config.get("x", 0))})  # type: ignore[arg-type]
        return run.id


def test_prior_runs_seed_the_sweep_and_are_not_run_again(tmp_path: Path, shared: tuple[str, Store]) -> None:
    url, st = shared
    priors = [finished_run_on(url, x=1, y="a", k=0), finished_run_on(url, x=3, y="b", k=1)]
    sweep_id = nbtrack.sweep({**DISCRETE, "method": "bayes"}, project="seeded", store=url, prior_runs=priors)
    assert [p.run_id for p in st.list_sweep_priors(sweep_id)] == priors
    controller = SweepController(st, sweep_id)
    controller.sync()
    done = controller.study.trials
    assert [t.state.name for t in done] == ["COMPLETE", "COMPLETE"]  # enqueued as completed Optuna trials
    assert sorted(t.value for t in done) == [1.0, 3.0]
    assert controller.best() == (priors[0], 1.0)

    procs, _ = start_agents(tmp_path, url, sweep_id, 2)
    outputs = wait_all(procs)
    seen = configs(st, sweep_id)
    assert sum(int(out.split()[-1]) for _, out, _ in outputs) == len(seen) == SIZE - 2
    assert (1, "a", 0) not in seen and (3, "b", 1) not in seen and len(set(seen)) == SIZE - 2
    assert st.get_sweep(sweep_id).state == "finished"
    assert {r.sweep_id for r in st.list_runs(ids=priors)} == {None}  # the prior runs themselves are untouched


def finished_run_on(url: str, *, x: int, y: str, k: int) -> str:
    with nbtrack.init(project="before", config={"x": x, "opt": {"y": y, "mom": 0.9}, "k": k}, store=url) as run:
        run.log({"loss": float(x)})
        return run.id


def test_prior_runs_that_cannot_seed_the_sweep_are_refused_by_name(disk: Store) -> None:
    good = finished_run("p", x=1, opt={"y": "a", "mom": 0.9}, k=0)
    wrong_value = finished_run("p", x=7, opt={"y": "a"}, k=0)
    missing = finished_run("p", x=1, k=0)
    with nbtrack.init(project="p", config={"x": 1, "opt": {"y": "a"}, "k": 0}) as no_metric:
        no_metric.log({"acc": 1.0})
    running = nbtrack.init(project="p", config={"x": 1, "opt": {"y": "a"}, "k": 0})
    config = {**DISCRETE, "method": "random"}
    cases = {
        "nope": "no such run",
        wrong_value: "7 is not a permitted value of the categorical hyperparameter x",
        missing: "has no value for opt.y",
        no_metric.id: "no finite value of the sweep's metric 'loss'",
        running.id: "is running: only finished runs",
    }
    before = len(disk.list_sweeps())
    for run_id, message in cases.items():
        with pytest.raises(nbtrack.SweepConfigError, match=message) as info:
            nbtrack.sweep(config, project="p", prior_runs=[good, run_id])
        assert repr(run_id) in str(info.value)
    assert len(disk.list_sweeps()) == before  # nothing half-created
    with pytest.raises(nbtrack.SweepConfigError, match="list of run ids"):
        nbtrack.sweep(config, project="p", prior_runs=good)  # type: ignore[arg-type]
    running.finish()


def test_cli_sweep_takes_repeated_prior_run_options(tmp_path: Path, disk: Store) -> None:
    first = finished_run("cli", x=1, opt={"y": "a", "mom": 0.9}, k=0)
    second = finished_run("cli", x=2, opt={"y": "b", "mom": 0.9}, k=1)
    spec = tmp_path / "sweep.yaml"
    spec.write_text("method: grid\nmetric: {name: loss}\nparameters:\n  x: {values: [1, 2]}\n"
                    "  opt: {parameters: {y: {values: [a, b]}, mom: {value: 0.9}}}\n  k: {values: [0, 1]}\n")
    out = subprocess.run([PYTHON, "-m", "nbtrack", "sweep", str(spec), "--project", "cli", "--prior_run", first,
                          "--prior_run", second], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    sweep_id = out.stdout.strip()
    assert [p.run_id for p in disk.list_sweep_priors(sweep_id)] == [first, second]

    def train() -> None:
        with nbtrack.init() as run:
            run.log({"loss": 0.0})

    assert nbtrack.agent(sweep_id, function=train, progress=False) == 8 - 2  # the grid skips the priors' points
    bad = subprocess.run([PYTHON, "-m", "nbtrack", "sweep", str(spec), "--prior_run", "missing"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=120)
    assert bad.returncode != 0 and "prior run 'missing': no such run" in bad.stderr


@pytest.fixture
def disk() -> Store:
    from nbtrack.store import store_url

    st = _connect(store_url())
    yield st  # type: ignore[misc]
    st.close()


@pytest.fixture
def shared(backend_url: str) -> Store:
    st = _connect(backend_url)
    yield backend_url, st  # type: ignore[misc]
    st.close()




def test_finite_spaces_that_are_not_listed_end_instead_of_looping(disk: Store) -> None:
    # categorical with probabilities is listed (3 configs); q_uniform over [0, 2] with q=1 takes 3 values too,
    # found only by drawing: the sweep ends once draws keep landing on configs already run
    for params, expected in (({"a": {"values": [1, 2, 3], "probabilities": [0.8, 0.1, 0.1]}}, 3),
                             ({"q": {"distribution": "q_uniform", "min": 0, "max": 2, "q": 1}}, 3)):
        sweep_id = nbtrack.sweep({"method": "random", "parameters": params}, project="finite")

        def train() -> None:
            with nbtrack.init() as run:
                run.log({"loss": 0.0})

        assert nbtrack.agent(sweep_id, function=train, progress=False) == expected
        assert disk.get_sweep(sweep_id).state == "finished"


def test_a_huge_integer_space_is_sized_without_listing_it(disk: Store) -> None:
    from nbtrack.sweeps import SearchSpace, normalize_sweep_config, space_size

    config = normalize_sweep_config({"method": "random", "parameters": {
        "n": {"min": 0, "max": 10**12}, "m": {"values": [1, 1.0, 2]}}})
    assert space_size(SearchSpace.from_config(config)) == (10**12 + 1) * 2  # 1 and 1.0 are one value
    sweep_id = nbtrack.sweep({**config, "run_cap": 3}, project="huge")

    def train() -> None:
        with nbtrack.init() as run:
            run.log({"loss": 0.0})

    assert nbtrack.agent(sweep_id, function=train, progress=False) == 3
