"""The sweep panel without a browser: form <-> config, Start / Pause / Stop on real sweeps, errors shown."""

from __future__ import annotations

import re
import threading
import time

import pytest
import yaml

import nbtrack
from nbtrack.ui import sweep_panel as sp
from nbtrack.sweeps._params import DISTRIBUTIONS
from nbtrack.ui._sweep_form import (
    RANGE_DISTRIBUTIONS, FormState, ParamRow, SweepForm, bound_keys, config_from_form, form_from_config,
    format_values, parse_number, parse_values, row_from_spec, row_spec,
)

CONFIG = {
    "method": "random",
    "metric": {"name": "loss", "goal": "minimize"},
    "parameters": {
        "x": {"min": 0.0, "max": 1.0},
        "opt": {"values": ["sgd", "adam"]},
        "epochs": {"value": 4},
    },
}


def quadratic() -> None:
    """A tiny trial: logs a few steps of a loss whose best value depends on x."""
    with nbtrack.init(config={"x": 0.5, "opt": "sgd", "epochs": 2}) as run:
        for step in range(run.config.epochs):
            run.log({"loss": (run.config.x - 0.3) ** 2 + 1.0 / (step + 1)})


@pytest.fixture(autouse=True)
def _no_png(monkeypatch: pytest.MonkeyPatch) -> None:
    """Static forms as HTML only: rendering PNGs (a Chromium per session) is static.py's to test."""
    monkeypatch.setenv("NBTRACK_PNG", "0")


def panel_for(function, config=CONFIG, count: int | None = 4, project: str = "panel") -> sp.SweepPanel:
    panel = nbtrack.sweep_panel(function, config=config, project=project)
    panel.form.count.value = "" if count is None else str(count)
    return panel


def row_ids(panel: sp.SweepPanel) -> list[str]:
    return re.findall(r"<tr data-run-id='([^']+)'", panel.table.value)


def wait_for(predicate, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(0.02)


# -- form <-> config ---------------------------------------------------------------

ROUND_TRIPS = [
    CONFIG,
    {"method": "grid", "parameters": {"a": {"values": [1, 2.5, "x", [64, 64], None, True]},
                                      "b": {"distribution": "int_uniform", "min": 1, "max": 3}}},
    {"method": "bayes", "metric": {"name": "val/acc", "goal": "maximize", "target": 0.99, "impute": "best"},
     "parameters": {
         "lr": {"distribution": "log_uniform_values", "min": 1e-5, "max": 0.1},
         "q": {"distribution": "q_uniform", "min": 0, "max": 10, "q": 2},
         "n": {"distribution": "normal", "mu": 0.0, "sigma": 2.0},
         "b": {"distribution": "q_beta", "a": 2, "b": 5, "q": 0.1},
         "p": {"values": ["a", "b"], "probabilities": [0.25, 0.75]},
         "opt": {"parameters": {"momentum": {"values": [0.9, 0.99]}}},
     },
     "early_terminate": {"type": "hyperband", "min_iter": 3, "eta": 2, "strict": False},
     "run_cap": 20, "program": "train.py", "command": ["${env}", "${interpreter}", "${program}", "${args}"]},
    {"method": "random", "parameters": {"x": {"min": 1, "max": 9}},
     "early_terminate": {"type": "hyperband", "max_iter": 27, "s": 2}},
]


@pytest.mark.parametrize("config", ROUND_TRIPS, ids=["basic", "grid", "everything", "max_iter"])
def test_config_round_trips_through_the_form_and_its_widgets(config):
    state = form_from_config(config)
    assert config_from_form(state) == config
    assert SweepForm(state).value == state  # every box shows and reads back the same values


def test_a_range_row_offers_every_numeric_distribution_with_its_two_numbers():
    assert set(RANGE_DISTRIBUTIONS) == set(DISTRIBUTIONS) - {"categorical", "categorical_w_probabilities", "constant"}
    assert [bound_keys(d) for d in ("q_uniform", "log_normal", "q_beta", "")] == [
        ("min", "max"), ("mu", "sigma"), ("a", "b"), ("min", "max")]
    for distribution in RANGE_DISTRIBUTIONS:
        lo, hi = bound_keys(distribution)
        spec = {"distribution": distribution, lo: 1, hi: 2, **({"q": 0.5} if distribution.startswith("q_") else {})}
        row = row_from_spec("p", spec)
        assert row.kind == "range" and row_spec(row) == spec


def test_rows_take_the_kind_that_shows_their_block():
    assert row_from_spec("a", {"values": [1, "b"]}) == ParamRow("a", "values", values=(1, "b"))
    assert row_from_spec("c", {"value": {"k": 1}}) == ParamRow("c", "value", value={"k": 1})
    assert row_from_spec("x", {"min": 1, "max": 5}) == ParamRow("x", "range", low=1, high=5)
    assert row_from_spec("n", {"distribution": "log_normal", "mu": 1.0}) == ParamRow(
        "n", "range", distribution="log_normal", low=1.0)
    for odd in ({"distribution": "categorical", "values": [1]}, {"min": 0, "max": 1, "q": 0.5},
                {"distribution": "normal", "min": 0.0}, {"min": "0", "max": 1}, [1, 2]):
        row = row_from_spec("odd", odd)
        assert row.kind == "yaml" and row_spec(row) == odd
    assert row_spec(ParamRow("q", "range", distribution="uniform", low=0, high=1, q=0.5)) == {
        "distribution": "uniform", "min": 0, "max": 1}  # q only with a q_ distribution


def test_text_boxes_read_numbers_as_people_type_them():
    assert parse_values("1e-5, 0.1, adam, '1e-5', [64, 64], {a: 1}", "p") == [
        1e-5, 0.1, "adam", "1e-5", [64, 64], {"a": 1}]
    assert format_values([1e-5, "1e-5", "a,b", "1"]) == "1.0e-05, '1e-5', 'a,b', '1'"
    assert parse_values(format_values([1e-5, "1e-5", "a,b", "1"]), "p") == [1e-5, "1e-5", "a,b", "1"]
    assert parse_number(" 3 ", "n") == 3 and isinstance(parse_number("3", "n"), int)
    assert parse_number("3.0", "n") == 3.0 and isinstance(parse_number("3.0", "n"), float)
    assert parse_number("1e-4", "n") == 1e-4 and parse_number("", "n") is None
    with pytest.raises(nbtrack.SweepConfigError, match="lr.min: 'abc' is not a number"):
        parse_number("abc", "parameters.lr.min")
    with pytest.raises(nbtrack.SweepConfigError, match="cannot read"):
        parse_values("[1, 2", "parameters.a")


def test_editing_the_widgets_gives_the_config():
    form = SweepForm(FormState())
    form.method.value = "bayes"
    form.metric.value = "val/loss"
    form.goal.value = "maximize"
    form.run_cap.value = "8"
    form.hyperband.value = True
    form.min_iter.value, form.eta.value = "2", "3"
    lr = form.add_row()
    lr.name.value, lr.kind.value = "lr", "range"
    lr.distribution.value = "q_log_uniform_values"
    assert lr.q in lr.children and lr.values not in lr.children
    lr.low.value, lr.high.value, lr.q.value = "1e-4", "0.1", "1e-4"
    bs = form.add_row()
    bs.name.value, bs.values.value = "batch", "16, 32, 64"
    gone = form.add_row()
    gone.remove.click()
    assert config_from_form(form.value) == {
        "method": "bayes", "metric": {"name": "val/loss", "goal": "maximize"},
        "parameters": {"lr": {"distribution": "q_log_uniform_values", "min": 1e-4, "max": 0.1, "q": 1e-4},
                       "batch": {"values": [16, 32, 64]}},
        "early_terminate": {"type": "hyperband", "min_iter": 2, "eta": 3}, "run_cap": 8,
    }
    bs.name.value = "lr"
    with pytest.raises(nbtrack.SweepConfigError, match="'lr' is given twice"):
        config_from_form(form.value)


# -- pure views of the trials ------------------------------------------------------


def test_best_so_far_best_row_and_table():
    rows = [sp.TrialRow("a", "ra", 1, "finished", {"x": 0.5}, 3.0, 1.0),
            sp.TrialRow("b", "rb", 2, "pruned", {"x": 0.1}, 5.0, 1.0),
            sp.TrialRow("c", "rc", 3, "finished", {"x": 0.3}, 1.0, 1.0),
            sp.TrialRow("d", "rd", 4, "running", {"x": 0.2}, 0.5, 1.0),
            sp.TrialRow("e", "re", 5, "failed", {"x": 0.9}, None, 1.0, error="Traceback\nValueError: boom")]
    assert sp.best_so_far(rows, "minimize") == [(1, 3.0, 3.0), (2, 5.0, 3.0), (3, 1.0, 1.0)]
    assert sp.best_so_far(rows[::-1], "maximize") == [(1, 3.0, 3.0), (2, 5.0, 5.0), (3, 1.0, 5.0)]
    assert sp.best_row(rows, "minimize").id == "d" and sp.best_row(rows, "maximize").id == "b"
    table = sp.trials_table_html(rows, ["x"], "loss", best_id="c")
    assert re.findall(r"data-run-id='(\w)'", table) == list("abcde")
    assert "<tr data-run-id='c' data-state='finished' class='nbtrack-best'" in table
    assert "title='ValueError: boom'" in table
    # names left, numbers right, header and cells alike (nbconvert's CSS right-aligns every cell otherwise)
    heads = re.findall(r"<th style='[^']*text-align:(\w+)[^']*'>([^<]*)</th>", table)
    assert [side for side, _ in heads] == ["right", "left", "left", "right", "right", "right"], heads
    first = re.search(r"<tr data-run-id='a'.*?</tr>", table).group(0)
    assert re.findall(r"text-align:(\w+);white-space:nowrap'>", first) == [side for side, _ in heads]
    assert sp.parameter_names({"a": {"distribution": "constant", "value": 1},
                               "g": {"parameters": {"b": {"values": [1]}, "h": {"parameters": {"c": {}}}}}}) \
        == ["g.b", "g.h.c"]
    assert sp.best_config_yaml({"lr": 0.1, "opt": {"m": 0.9}, "other": 1}, {"lr": {}, "opt": {}}, header="h") \
        == "# h\nlr: 0.1\nopt:\n  m: 0.9\n"


# -- the panel on real sweeps ------------------------------------------------------


def test_panel_has_dom_hooks_and_a_static_form_before_start():
    panel = panel_for(quadratic)
    assert "nbtrack-sweep-panel" in panel._dom_classes
    assert "nbtrack-sweep-start" in panel.start_button._dom_classes
    assert "nbtrack-sweep-stop" in panel.stop_button._dom_classes
    assert panel.pause_button.disabled and panel.stop_button.disabled and not panel.start_button.disabled
    bundle = panel._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert bundle["text/plain"] == "nbtrack sweep panel (ready): random sweep, not started"
    assert "nbtrack-sweep-panel-static" in bundle["text/html"] and "opt:" in bundle["text/html"]


def test_start_runs_the_trials_in_the_background_and_shows_them():
    seen: list[tuple[str, bool]] = []

    def trial() -> None:
        from nbtrack._notebook import live_views

        seen.append((threading.current_thread().name, live_views.get()))
        quadratic()

    panel = panel_for(trial, count=5)
    panel.start_button.click()
    assert panel.status == "running" and panel.start_button.disabled and panel.form.metric.disabled
    assert panel.wait(60) and panel.status == "finished"
    assert all(name.startswith("nbtrack-sweep-") and not live for name, live in seen) and len(seen) == 5

    runs = nbtrack.runs("panel", filters={"sweep_id": panel.sweep_id})
    assert len(runs) == 5 and set(runs["state"]) == {"finished"}
    assert row_ids(panel) == list(runs["id"])
    assert panel.progress.value == panel.progress.max == 5
    assert runs["config.epochs"].eq(4).all()  # the sweep's values override init(config=...) defaults

    best = runs.loc[runs["summary.loss"].idxmin()]
    assert f"<tr data-run-id='{best['id']}' data-state='finished' class='nbtrack-best'" in panel.table.value
    text = re.search(r"<pre class='nbtrack-sweep-best'[^>]*>(.*?)</pre>", panel.best.value, re.S).group(1)
    assert re.search(r"<pre class='nbtrack-sweep-best' style='[^']*font-family:monospace", panel.best.value)
    assert yaml.safe_load(text.replace("&#x27;", "'")) == {"x": best["config.x"], "opt": best["config.opt"],
                                                           "epochs": 4}
    assert f"best loss = {best['summary.loss']:.6g}" in text
    views = panel.views
    assert list(views) == ["best", "parallel", "importance"]  # importance from 5 trials on
    assert panel.charts.children == (views["best"], views["parallel"], views["importance"])
    best_curve = views["best"].figure["data"]  # what the front end draws
    assert best_curve[0]["x"] == [1, 2, 3, 4, 5] and best_curve[1]["line"]["shape"] == "hv"
    assert min(best_curve[1]["y"]) == pytest.approx(best["summary.loss"])
    assert [d.label for d in views["parallel"].data[0].dimensions] == ["x", "opt", "loss (best)"]
    assert {t.type for t in views["importance"].data} == {"bar"}
    assert not panel.form.metric.disabled and not panel.start_button.disabled
    html_out = panel._repr_mimebundle_()["text/html"]
    assert html_out.count("<tr data-run-id=") == 5 and html_out.count("class=\"nbtrack-chart-img\"") >= 3
    assert f"sweep {panel.sweep_id}, 5 trials done, best loss=" in repr(panel)


def test_pause_waits_for_the_current_trial_and_start_resumes_the_same_sweep():
    release = threading.Event()

    def slow() -> None:
        with nbtrack.init() as run:
            run.log({"loss": run.config.x})
            release.wait(30)

    panel = panel_for(slow, count=3)
    store = nbtrack.open_store()
    assert panel.start()
    wait_for(lambda: len(store.list_trials(panel.sweep_id)) == 1)
    panel.pause_button.click()
    assert panel.status == "pausing" and store.get_sweep(panel.sweep_id).state == "paused"
    release.set()
    assert panel.wait(30) and panel.status == "paused"
    sweep_id = panel.sweep_id
    assert len(store.list_trials(sweep_id)) == 1 and panel.start_button.description == "Resume"
    assert panel.form.method.disabled and not panel.stop_button.disabled

    panel.start_button.click()
    assert panel.sweep_id == sweep_id and store.get_sweep(sweep_id).state == "running"
    assert panel.wait(30) and panel.status == "finished"
    assert len(store.list_trials(sweep_id)) == 3  # the count covers the whole sweep, pause included
    assert len(row_ids(panel)) == 3


def test_a_paused_sweep_stopped_elsewhere_is_not_revived_by_start():
    release = threading.Event()

    def slow() -> None:
        with nbtrack.init() as run:
            run.log({"loss": run.config.x})
            release.wait(30)

    panel = panel_for(slow, count=2)
    store = nbtrack.open_store()
    assert panel.start()
    wait_for(lambda: len(store.list_trials(panel.sweep_id)) == 1)
    panel.pause()
    release.set()
    assert panel.wait(30) and panel.status == "paused"
    first = panel.sweep_id
    nbtrack.stop_sweep(first)  # e.g. from another cell or `nbtrack sweep --stop`
    assert panel.start() and panel.sweep_id != first
    assert panel.wait(30) and store.get_sweep(first).state == "stopped"
    assert len(store.list_trials(panel.sweep_id)) == 2


def test_stop_ends_the_sweep_and_the_next_start_makes_a_new_one():
    release = threading.Event()

    def slow() -> None:
        with nbtrack.init() as run:
            release.wait(30)
            run.log({"loss": run.config.x})

    panel = panel_for(slow, count=None)
    store = nbtrack.open_store()
    panel.start_button.click()
    wait_for(lambda: "running" in panel.table.value or len(store.list_trials(panel.sweep_id)) == 1)
    panel.stop_button.click()
    assert store.get_sweep(panel.sweep_id).state == "stopped" and panel.status == "stopping"
    release.set()
    assert panel.wait(30) and panel.status == "stopped"
    first = panel.sweep_id
    assert [r.state for r in panel.rows] == ["finished"]  # the running trial finished normally
    assert list(panel.views) == ["best", "parallel"]
    panel.form.count.value = "1"
    panel.form.metric.value = "nothing-logs-this"
    panel.start_button.click()
    assert panel.wait(30) and panel.sweep_id != first and len(store.list_trials(panel.sweep_id)) == 1
    assert panel.views == {} and panel.charts.children == ()  # no chart of the last sweep stays


def test_an_invalid_config_is_shown_in_the_panel_not_raised():
    grid = {**CONFIG, "method": "grid"}  # grid over a continuous parameter
    panel = panel_for(quadratic, config=grid)
    panel.start_button.click()
    assert panel.status == "ready" and panel.sweep_id is None
    assert "nbtrack-sweep-error" in panel.message.value and "disallowed type with grid search" in panel.message.value
    assert nbtrack.open_store().list_sweeps() == []

    panel.form.method.value = "random"
    panel.form.rows.children[0].low.value = "abc"
    panel.start_button.click()
    assert panel.sweep_id is None and "parameters.x.min: &#x27;abc&#x27; is not a number" in panel.message.value
    panel.form.rows.children[0].low.value = "0.0"
    panel.form.count.value = "1"
    assert panel.start() and panel.wait(30) and panel.status == "finished"
    assert panel.message.value == ""


def test_a_raising_function_is_shown_and_pauses_the_sweep_after_repeated_failures():
    def broken() -> None:
        with nbtrack.init() as run:
            run.log({"loss": 1.0})
            raise ValueError(f"boom at x={run.config.x:.3f}")

    panel = panel_for(broken, count=10)
    panel.start_button.click()
    assert panel.wait(30) and panel.status == "paused"
    runs = nbtrack.runs("panel", filters={"sweep_id": panel.sweep_id})
    assert list(runs["state"]) == ["failed"] * sp.MAX_FAILURES
    assert "ValueError: boom at x=" in panel.message.value and "Traceback" in panel.message.value
    assert f"paused after {sp.MAX_FAILURES} failed trials in a row" in panel.message.value
    assert nbtrack.open_store().get_sweep(panel.sweep_id).state == "paused"

    def early() -> None:
        raise KeyError("before init")

    panel.function = early
    panel.start()
    assert panel.wait(30) and panel.status == "paused"
    assert "KeyError: &#x27;before init&#x27;" in panel.message.value  # the real error, not the agent's note


def test_hyperband_prunes_trials_the_panel_shows_as_pruned():
    def curve() -> None:
        with nbtrack.init() as run:
            for epoch in range(6):
                run.log({"loss": run.config.x + 1.0 / (epoch + 1)})

    config = {**CONFIG, "parameters": {"x": {"values": [0.0, 5.0, 9.0, 0.1, 8.0, 7.0]}},
              "early_terminate": {"type": "hyperband", "min_iter": 2, "eta": 2}, "method": "grid"}
    panel = panel_for(curve, config=config, count=None)
    assert panel.start() and panel.wait(60) and panel.status == "finished"
    states = {r.params["x"]: r.state for r in panel.rows}
    assert len(states) == 6 and states[0.0] == "finished" and "pruned" in states.values()
    assert panel.progress.value == panel.progress.max == 6
    assert "data-state='pruned'" in panel.table.value


def test_a_run_started_meanwhile_in_the_notebook_leaves_the_running_trial_alone():
    inside, release = threading.Event(), threading.Event()

    def slow() -> None:
        with nbtrack.init() as run:
            inside.set()
            release.wait(30)
            run.log({"loss": run.config.x})

    panel = panel_for(slow, count=1)
    assert panel.start() and inside.wait(30)
    with nbtrack.init(project="elsewhere") as mine:  # what a notebook cell does meanwhile
        mine.log({"y": 1.0})
    release.set()
    assert panel.wait(30)
    assert [r.state for r in panel.rows] == ["finished"] and panel.rows[0].value is not None
    assert panel.message.value == ""
