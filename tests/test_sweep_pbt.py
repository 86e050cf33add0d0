"""Population-based training: the rules (truncation, explore), the config, and whole PBT sweeps run by a
function agent in process and by agent processes (functions and `program`s) on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import random
import subprocess
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from test_sweep_agents import AGENT_TIMEOUT, PYTHON, agent_env, start_agents, wait_all

import nbtrack
from nbtrack.store import Store, _connect, store_url
from nbtrack.sweeps import SearchSpace, SweepConfigError, normalize_sweep_config
from nbtrack.sweeps._pbt import explore, pbt_lineage, truncation

PBT = {
    "method": "pbt",
    "metric": {"name": "acc", "goal": "maximize"},
    "pbt": {"population_size": 4, "perturbation_interval": 3},
    "parameters": {"lr": {"min": 0.01, "max": 1.0}, "opt": {"values": ["a", "b", "c"]}, "seed": {"value": 7}},
}

# A trial: its state is a JSON file (weights `w`, global step). It learns at rate lr per step, logs
# the step it started from and what it loaded, and checkpoints after every step.
TRAIN = """
import json, pathlib
import nbtrack

def train():
    run = nbtrack.init(config={"default_only": 1})
    path = run.load_checkpoint()
    state = json.loads(pathlib.Path(path).read_text()) if path else {"w": 0.0, "step": 0}
    run.summary["loaded_w"] = state["w"]
    while state["step"] < TOTAL:
        state["w"] += run.config.lr * (1.5 if run.config.opt == "b" else 1.0)
        state["step"] += 1
        run.log({"acc": state["w"]}, step=state["step"])
        out = pathlib.Path(run.dir) / "state.json"
        out.write_text(json.dumps(state))
        run.save_checkpoint(out)
"""


def namespace(total: int) -> dict[str, Any]:
    scope: dict[str, Any] = {"TOTAL": total}
    exec(TRAIN, scope)
    return scope


@pytest.fixture
def disk() -> Any:
    st = _connect(store_url())
    yield st
    st.close()


# -- the rules ---------------------------------------------------------------------------

def test_truncation_takes_a_quarter_at_each_end_and_never_more_than_half() -> None:
    scores = {m: float(m) for m in range(8)}
    assert truncation(scores, "maximize", 0.25) == ([7, 6], [1, 0])
    assert truncation(scores, "minimize", 0.25) == ([0, 1], [6, 7])
    assert truncation({0: 1.0, 1: 2.0, 2: 3.0}, "maximize", 0.5) == ([2], [0])  # ceil(1.5)=2 > 1.5: floor
    assert truncation({0: None, 1: 5.0, 2: 1.0, 3: 3.0}, "maximize", 0.25) == ([1], [0])  # failed ranks last
    assert truncation({0: 1.0}, "maximize", 0.25) == ([], [])


def test_explore_perturbs_by_the_factors_or_resamples_within_the_space() -> None:
    space = SearchSpace.from_config(normalize_sweep_config({**PBT, "parameters": {
        "lr": {"distribution": "log_uniform_values", "min": 1e-4, "max": 1.0},
        "units": {"min": 8, "max": 64}, "opt": {"values": ["a", "b", "c"]}, "seed": {"value": 7}}}))
    base = {"lr": 0.01, "units": 32, "opt": "b", "seed": 7}
    rng = random.Random(0)
    for _ in range(200):
        out = explore(space, base, rng, resample_probability=0.0)
        assert out["lr"] in (pytest.approx(0.008), pytest.approx(0.012))
        assert out["units"] in (26, 38) and out["opt"] in ("a", "c") and out["seed"] == 7
    assert explore(space, {**base, "lr": 1.0, "units": 64}, random.Random(1), 0.0)["lr"] <= 1.0  # kept in range
    drawn = [explore(space, base, rng, resample_probability=1.0) for _ in range(200)]
    assert all(1e-4 <= d["lr"] <= 1.0 and 8 <= d["units"] <= 64 for d in drawn)
    assert len({d["units"] for d in drawn}) > 20 and {d["opt"] for d in drawn} == {"a", "b", "c"}


@pytest.mark.parametrize(("change", "message"), [
    ({"pbt": None}, "`method: pbt` needs a `pbt` section"),
    ({"pbt": {"perturbation_interval": 3}}, "pbt: 'population_size' is a required property"),
    ({"pbt": {"population_size": 1, "perturbation_interval": 3}}, "pbt.population_size: 1 must be an integer >= 2"),
    ({"pbt": {"population_size": 4, "perturbation_interval": 0}}, "pbt.perturbation_interval: 0 must be"),
    ({"pbt": {"population_size": 4, "perturbation_interval": 2, "quantile_fraction": 0.7}}, "in (0, 0.5]"),
    ({"pbt": {"population_size": 4, "perturbation_interval": 2, "resample_probability": 2}}, "in [0, 1]"),
    ({"pbt": {"population_size": 4, "perturbation_interval": 2, "mutate": 1}}, "'mutate' was unexpected"),
    ({"method": "random"}, "the `pbt` section applies only to `method: pbt`"),
    ({"metric": None}, 'requires a "metric" section with one metric'),
    ({"metric": [{"name": "a"}, {"name": "b"}]}, "with one metric"),
    ({"early_terminate": {"type": "hyperband", "min_iter": 2}}, "stops and restarts members itself"),
])
def test_pbt_config_rules(change: dict[str, Any], message: str) -> None:
    config = {**PBT, **change}
    config = {k: v for k, v in config.items() if v is not None}
    with pytest.raises(SweepConfigError) as info:
        normalize_sweep_config(config)
    assert any(message in v for v in info.value.violations), info.value.violations


def test_pbt_defaults_are_filled() -> None:
    assert normalize_sweep_config(PBT)["pbt"] == {"population_size": 4, "perturbation_interval": 3,
                                                 "quantile_fraction": 0.25, "resample_probability": 0.25}


# -- a whole PBT sweep -------------------------------------------------------------------

def check_population(st: Store, sweep_id: str, *, population: int, generations: int, interval: int) -> Any:
    """The invariants of a finished PBT sweep; returns its lineage."""
    lineage = pbt_lineage(sweep_id, store=st)
    assert len(lineage) == population * generations
    assert sorted(zip(lineage.member, lineage.generation)) == [(m, g) for m in range(population)
                                                                for g in range(generations)]
    assert set(lineage.state) == {"finished"}
    runs = {r.id: r for r in st.list_runs(sweep_id=sweep_id)}
    history = st.read_history(list(runs), ["acc"])
    by_key = {(r.member, r.generation): r for r in lineage.itertuples()}
    for r in lineage.itertuples():
        run = runs[r.run_id]
        assert run.group == f"{sweep_id}-member-{r.member}" and run.name == f"m{r.member}-g{r.generation}"
        steps = history[r.run_id]["acc"].steps.tolist()
        assert steps == list(range(r.generation * interval + 1, (r.generation + 1) * interval + 1))
        if r.generation == 0:
            assert r.action == "start" and pd.isna(r.parent_run_id) and run.summary["loaded_w"] == 0.0
            continue
        source = by_key[(r.source_member, r.generation - 1)]
        assert r.parent_run_id == source.run_id
        # it started from exactly the weights its source saved, and the edge says so (artifact lineage)
        assert run.summary["loaded_w"] == pytest.approx(source.score)
        inputs = [e for e in st.artifact_edges(run_ids=[r.run_id]) if e.direction == "input"]
        used = st.list_artifacts(ids=[e.artifact_id for e in inputs])
        assert [a.metadata["member"] for a in used] == [r.source_member]
        assert used[0].run_id == source.run_id
        if r.action == "continue":
            assert r.source_member == r.member and run.config["lr"] == runs[source.run_id].config["lr"]
        else:
            assert r.action == "exploit" and r.source_member != r.member
            before, after = runs[source.run_id].config, run.config
            assert after["lr"] != before["lr"] or after["opt"] != before["opt"]
    # segments of a generation start only once the previous generation has ended
    for g in range(1, generations):
        ended = max(runs[r.run_id].finished_at for r in lineage.itertuples() if r.generation == g - 1)
        assert all(r.created_at >= ended - 1e-3 for r in lineage.itertuples() if r.generation == g)
    return lineage


def test_a_function_agent_runs_generations_and_bottom_members_copy_top_ones(disk: Store) -> None:
    sweep_id = nbtrack.sweep({**PBT, "run_cap": 16}, project="pbt")
    assert nbtrack.agent(sweep_id, function=namespace(total=100)["train"], progress=False) == 16
    lineage = check_population(disk, sweep_id, population=4, generations=4, interval=3)
    assert (lineage.action == "exploit").sum() == 3  # one of four per generation (quantile 0.25)
    for g in range(1, 4):  # the exploiting member was the worst of the previous generation, its source the best
        previous = lineage[lineage.generation == g - 1].set_index("member")["score"]
        row = lineage[(lineage.generation == g) & (lineage.action == "exploit")].iloc[0]
        assert row.member == previous.idxmin() and row.source_member == previous.idxmax()
    assert disk.get_sweep(sweep_id).state == "finished"


def test_members_whose_loop_ends_finish_the_sweep_without_a_cap(disk: Store) -> None:
    sweep_id = nbtrack.sweep({**PBT, "pbt": {"population_size": 2, "perturbation_interval": 2}}, project="pbt")
    # 5 steps a member: segments of 2, 2, then 1 (its loop ends: the member is done)
    assert nbtrack.agent(sweep_id, function=namespace(total=5)["train"], progress=False) == 6
    lineage = pbt_lineage(sweep_id, store=disk)
    assert lineage.groupby("member").generation.max().tolist() == [2, 2]
    assert disk.get_sweep(sweep_id).state == "finished"


def test_save_and_load_checkpoint_outside_a_sweep_resume_a_run(tmp_path: Path) -> None:
    folder = tmp_path / "ck"
    folder.mkdir()
    (folder / "weights.bin").write_bytes(b"\x00\x01")
    with nbtrack.init(project="plain", id="resumable") as run:
        assert run.load_checkpoint() is None
        artifact = run.save_checkpoint(folder)  # a directory; no sweep: never ends the run
        assert artifact.type == "pbt-checkpoint" and run.state == "running"
    with nbtrack.init(project="plain", id="resumable", resume="must") as run:
        path = run.load_checkpoint()
        assert path is not None and (Path(path) / "weights.bin").read_bytes() == b"\x00\x01"
        with pytest.raises(FileNotFoundError, match="does not exist"):
            run.save_checkpoint(tmp_path / "missing.pt")


@pytest.mark.parametrize("backend_url", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)],
                         indirect=True)
def test_function_agent_processes_share_the_population(tmp_path: Path, backend_url: str) -> None:
    st = _connect(backend_url)
    try:
        sweep_id = nbtrack.sweep({**PBT, "run_cap": 12}, project="pbt-procs", store=backend_url)
        script = ("import os, sys, pathlib, time\n" + TRAIN.replace("TOTAL", "100") +
                  "\nbarrier = pathlib.Path(os.environ['BARRIER'])\n(barrier / f'ready-{os.getpid()}').touch()\n"
                  "while not (barrier / 'go').exists():\n    time.sleep(0.005)\n"
                  "print('trials', nbtrack.agent(sys.argv[1], function=train, progress=False))\n")
        blobs = tmp_path / "shared-blobs"  # the machines share the artifact blobs (NBTRACK_BLOBS), as a team would
        os.environ["NBTRACK_BLOBS"] = str(blobs)
        try:
            procs, _ = start_agents(tmp_path, backend_url, sweep_id, 2, script=script)
            outputs = wait_all(procs)
        finally:
            del os.environ["NBTRACK_BLOBS"]
        assert sum(int(out.split()[-1]) for _, out, _ in outputs) == 12
        check_population(st, sweep_id, population=4, generations=3, interval=3)
        assert len({r.pid for r in st.list_runs(sweep_id=sweep_id)}) == 2, "the two agents did not share the work"
    finally:
        st.close()


PROGRAM = TRAIN.replace("TOTAL", "100") + "\ntrain()\n"


@pytest.mark.parametrize("backend_url", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)],
                         indirect=True)
def test_program_agents_run_pbt_segments_as_processes(tmp_path: Path, backend_url: str) -> None:
    st = _connect(backend_url)
    try:
        program = tmp_path / "train.py"
        program.write_text(PROGRAM)
        sweep_id = nbtrack.sweep({**PBT, "pbt": {"population_size": 3, "perturbation_interval": 2},
                                  "run_cap": 6, "program": str(program)}, project="pbt-cli", store=backend_url)
        env = agent_env(backend_url, NBTRACK_BLOBS=str(tmp_path / "blobs"))
        out = subprocess.run([PYTHON, "-m", "nbtrack", "agent", sweep_id], cwd=tmp_path, env=env,
                             capture_output=True, text=True, timeout=AGENT_TIMEOUT)
        assert out.returncode == 0, out.stderr[-3000:]
        assert "Traceback" not in out.stderr, out.stderr[-3000:]  # each segment's process exits cleanly
        check_population(st, sweep_id, population=3, generations=2, interval=2)
    finally:
        st.close()


def test_the_sweep_report_shows_lineage_and_schedule(tmp_path: Path, disk: Store) -> None:
    sweep_id = nbtrack.sweep({**PBT, "run_cap": 8}, project="pbt-report")
    nbtrack.agent(sweep_id, function=namespace(total=100)["train"], progress=False)
    path = nbtrack.report("pbt-report", path=tmp_path / "r.html")
    text = Path(path).read_text()
    assert "PBT population: acc by generation" in text and "PBT schedules by generation: lr, opt" in text
    from nbtrack.ui._sweep_extras import sweep_extra_figures

    figures = sweep_extra_figures(disk, sweep_id, disk.get_sweep(sweep_id).config)
    assert set(figures) == {"lineage", "schedule"}
    lines = [t for t in figures["lineage"].data if t.name and t.name.startswith("member")]
    assert len(lines) == 4 and all(len(t.x) == 2 for t in lines)
    dashed = [t for t in figures["lineage"].data if t.line.dash == "dash"]
    assert len(dashed) == 1  # one exploit in generation 1
    schedule = figures["schedule"]  # one panel per hyperparameter, one line per member in each
    assert len(schedule.data) == 4 * 2 and [schedule.layout.yaxis.title.text, schedule.layout.yaxis2.title.text] == [
        "lr", "opt"]
    lineage = pbt_lineage(sweep_id, store=disk)
    copier = lineage[lineage.action == "exploit"].iloc[0]
    lr_line = next(t for t in schedule.data if t.name == f"member {copier.member}" and t.yaxis == "y")
    assert list(lr_line.y) == list(lineage[lineage.member == copier.member].sort_values("generation")["config.lr"])


def test_the_dashboard_shows_each_pbt_sweep_lineage_and_schedule(disk: Store) -> None:
    sweep_id = nbtrack.sweep({**PBT, "run_cap": 8}, project="pbt-dash")
    nbtrack.agent(sweep_id, function=namespace(total=100)["train"], progress=False)
    with nbtrack.init(project="pbt-dash") as plain:
        plain.log({"acc": 1.0})
    board = nbtrack.dashboard("pbt-dash")
    try:
        assert sorted(board.sweep_charts.views) == [f"{sweep_id}:lineage", f"{sweep_id}:schedule"]
        assert list(board.sweep_charts.children) == [board.sweep_charts.views[k] for k in sorted(board.sweep_charts.views)]
        lineage = board.sweep_charts.views[f"{sweep_id}:lineage"].current
        assert f"sweep {sweep_id}: PBT population" in lineage.layout.title.text
        assert len([t for t in lineage.data if (t.name or "").startswith("member")]) == 4
        bundle = board.static_bundle()
        assert "PBT schedules" in str(bundle)
    finally:
        board.close()


def test_the_sweep_panel_runs_pbt_and_shows_its_lineage(disk: Store) -> None:
    panel = nbtrack.sweep_panel(namespace(total=100)["train"], config={**PBT, "run_cap": 8})
    try:
        assert panel.start()
        assert panel.wait(timeout=120)
        panel.refresh()
        assert {"lineage", "schedule"} <= set(panel.chart_figures)
        assert panel.views["lineage"] in panel.charts.children and panel.views["schedule"] in panel.charts.children
        assert len(pbt_lineage(str(panel.sweep_id), store=disk)) == 8
    finally:
        panel.close()


def test_a_restarted_agent_continues_the_population_from_the_store(disk: Store) -> None:
    sweep_id = nbtrack.sweep({**PBT, "run_cap": 12}, project="pbt-restart")
    train = namespace(total=100)["train"]
    assert nbtrack.agent(sweep_id, function=train, count=5, progress=False) == 5  # stops inside generation 1
    assert nbtrack.agent(sweep_id, function=train, progress=False) == 7  # a new agent: what is left, no repeat
    check_population(disk, sweep_id, population=4, generations=3, interval=3)
