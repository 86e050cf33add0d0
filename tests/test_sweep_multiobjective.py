"""Multi-objective sweeps: `metric` as a list of {name, goal}, Optuna's multi-objective sampler, the Pareto
front (`nbtrack.pareto_front`), and the figure the sweep panel and the report show."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import optuna
import pytest
from test_sweep_agents import start_agents, sweep_runs, wait_all

import nbtrack
from nbtrack.store import Store, _connect, store_url
from nbtrack.sweeps import SweepConfigError, make_sampler, normalize_sweep_config, pareto_mask
from nbtrack.sweeps._controller import SweepController

TWO = [{"name": "err", "goal": "minimize"}, {"name": "speed", "goal": "maximize"}]
P = {"w": {"min": 0.0, "max": 1.0}, "d": {"values": [1, 2, 3]}}


@pytest.fixture
def disk() -> Any:
    st = _connect(store_url())
    yield st
    st.close()


def test_pareto_mask_keeps_what_nothing_dominates() -> None:
    vectors = [[1.0, 5.0], [2.0, 6.0], [2.0, 4.0], [3.0, 7.0], [3.0, 7.0], [0.5, 1.0]]
    # err minimised, speed maximised: [2, 4] is beaten by [1, 5]; the duplicates both stay
    assert pareto_mask(vectors, ["minimize", "maximize"]) == [True, True, False, True, True, True]
    assert pareto_mask([[1.0], [0.0], [0.0]], ["minimize"]) == [False, True, True]
    assert pareto_mask([], ["minimize", "minimize"]) == []


@pytest.mark.parametrize(("metric", "message"), [
    ([], "metric: [] should be non-empty"),
    ([{"name": "a"}, {"goal": "maximize"}], "metric[1]: 'name' is a required property"),
    ([{"name": "a"}, {"name": "b", "goal": "up"}], "metric[1].goal: 'up' is not one of"),
    ([{"name": "a"}, {"name": "a", "goal": "maximize"}], "'a' is listed twice"),
    ([{"name": "a", "target": 0.1}, {"name": "b"}], "metric[0].target: a target applies to a single-objective"),
    ([{"name": "a"}, "b"], "metric[1]: 'b' is not of type 'object'"),
])
def test_a_bad_objective_list_names_the_rule(metric: Any, message: str) -> None:
    with pytest.raises(SweepConfigError) as info:
        normalize_sweep_config({"method": "bayes", "metric": metric, "parameters": P})
    assert any(message in v for v in info.value.violations), info.value.violations


def test_objective_lists_normalise_and_refuse_hyperband() -> None:
    config = normalize_sweep_config({"method": "bayes", "metric": TWO, "parameters": P})
    assert config["metric"] == [{**TWO[0], "impute": "worst", "impute_while_running": "false"},
                                {**TWO[1], "impute": "worst", "impute_while_running": "false"}]
    assert normalize_sweep_config(config) == config
    single = normalize_sweep_config({"method": "bayes", "metric": [{"name": "loss"}], "parameters": P})
    assert single["metric"]["name"] == "loss"  # one objective listed is an ordinary sweep
    with pytest.raises(SweepConfigError, match="early terminate requires a single metric"):
        normalize_sweep_config({"method": "random", "metric": TWO, "parameters": P,
                                "early_terminate": {"type": "hyperband", "min_iter": 2}})
    assert isinstance(make_sampler(config, seed=1), optuna.samplers.TPESampler)  # MOTPE


def trade_off() -> None:
    """err falls and speed falls with w: every w is a different compromise."""
    with nbtrack.init() as run:
        w, d = run.config.w, run.config.d
        run.log({"err": (1 - w) + 0.05 * d, "speed": 1 - w ** 2, "other": 1.0})


@pytest.mark.parametrize("method", ["random", "bayes", "grid"])
def test_every_method_runs_a_multi_objective_sweep(disk: Store, method: str) -> None:
    params = {"w": {"values": [0.0, 0.5, 1.0]}, "d": {"values": [1, 2]}} if method == "grid" else P
    sweep_id = nbtrack.sweep({"method": method, "metric": TWO, "parameters": params, "run_cap": 12}, project="mo")
    count = nbtrack.agent(sweep_id, function=trade_off, progress=False)
    assert count == (6 if method == "grid" else 12)
    front = nbtrack.pareto_front(sweep_id)
    everything = nbtrack.pareto_front(sweep_id, all_trials=True)
    assert len(everything) == count and list(front.columns) == ["run_id", "name", "number", "err", "speed",
                                                                "config.d", "config.w"]
    # brute force: a trial is on the front iff no trial is at least as good on both and better on one
    rows = everything[["err", "speed"]].values.tolist()
    expected = {rid for rid, (e, s) in zip(everything.run_id, rows)
                if not any(e2 <= e and s2 >= s and (e2 < e or s2 > s) for e2, s2 in rows)}
    assert set(front.run_id) == expected and front.err.is_monotonic_increasing
    assert set(front.run_id) == set(everything[everything.on_front].run_id)
    if method == "grid":
        assert (front["config.d"] == 1).all()  # d=2 costs error for nothing
    controller = SweepController(disk, sweep_id)
    controller.sync()
    assert controller.best() is None  # no single best in a multi-objective sweep
    if controller.study is not None:
        assert [d.name for d in controller.study.directions] == ["MINIMIZE", "MAXIMIZE"]
        assert all(len(t.values) == 2 for t in controller.study.trials if t.state.name == "COMPLETE")


def test_bayes_multi_objective_in_agent_processes(tmp_path: Path, shared: tuple[str, Store]) -> None:
    url, st = shared
    script = """
import os, sys, time, pathlib
import nbtrack

def train():
    with nbtrack.init() as run:
        w, d = run.config.w, run.config.d
        run.log({"err": (1 - w) + 0.05 * d, "speed": 1 - w ** 2})

barrier = pathlib.Path(os.environ["BARRIER"])
(barrier / f"ready-{os.getpid()}").touch()
while not (barrier / "go").exists():
    time.sleep(0.005)
print("trials", nbtrack.agent(sys.argv[1], function=train, progress=False))
"""
    sweep_id = nbtrack.sweep({"method": "bayes", "metric": TWO, "parameters": P, "run_cap": 14}, project="mo",
                             store=url)
    procs, _ = start_agents(tmp_path, url, sweep_id, 2, script=script)
    wait_all(procs)
    runs = sweep_runs(st, sweep_id)
    assert len(runs) == 14 and {r.state for r in runs} == {"finished"}
    assert len({r.pid for r in runs}) == 2
    front = nbtrack.pareto_front(sweep_id, store=url)
    assert 1 <= len(front) <= 14 and set(front.run_id) <= {r.id for r in runs}


def test_pareto_front_errors_say_why(disk: Store) -> None:
    with pytest.raises(KeyError, match="no sweep"):
        nbtrack.pareto_front("missing")
    sweep_id = nbtrack.sweep({"method": "random", "parameters": P}, project="mo")
    with pytest.raises(ValueError, match="has no metric"):
        nbtrack.pareto_front(sweep_id)


def test_panel_and_report_show_the_pareto_front(tmp_path: Path, disk: Store) -> None:
    sweep_id = nbtrack.sweep({"method": "random", "metric": TWO, "parameters": P, "run_cap": 8}, project="mo-report")
    nbtrack.agent(sweep_id, function=trade_off, progress=False)
    from nbtrack.ui._sweep_extras import sweep_extra_figures

    figures = sweep_extra_figures(disk, sweep_id, disk.get_sweep(sweep_id).config)
    assert list(figures) == ["pareto"]
    fig = figures["pareto"]
    front = nbtrack.pareto_front(sweep_id)
    marked = [t for t in fig.data if t.name == "Pareto front"][0]
    assert sorted(marked.x) == sorted(front.err) and fig.layout.xaxis.title.text == "err"
    assert sum(len(t.x) for t in fig.data if t.mode == "markers") == 8
    text = Path(nbtrack.report("mo-report", path=tmp_path / "r.html")).read_text()
    assert "Pareto front: err (minimize) vs speed (maximize)" in text

    panel = nbtrack.sweep_panel(trade_off, config={"method": "random", "metric": TWO, "parameters": P, "run_cap": 5})
    assert panel.start()
    assert panel.wait(timeout=120)
    panel.refresh()
    assert "pareto" in panel.chart_figures and panel.views["pareto"] in panel.charts.children
    panel.close()


@pytest.fixture
def shared(backend_url: str) -> Any:
    st = _connect(backend_url)
    yield backend_url, st
    st.close()


def test_the_wandb_api_ranks_a_multi_objective_sweep_by_its_first_objective(disk: Store) -> None:
    sweep_id = nbtrack.sweep({"method": "grid", "metric": TWO, "parameters": {"w": {"values": [0.0, 1.0]},
                                                                            "d": {"value": 1}}}, project="mo-api")
    nbtrack.agent(sweep_id, function=trade_off, progress=False)
    best = nbtrack.Api().sweep(f"mo-api/{sweep_id}").best_run()
    assert best is not None and best.config["w"] == 1.0  # err = (1 - w) + 0.05 is lowest at w = 1
