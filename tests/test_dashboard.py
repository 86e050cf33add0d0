"""The dashboard's Python side: traits, figures and messages as a browser would see and send them."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import nbtrack
from nbtrack.store import Store
from nbtrack.ui import dashboard as dashboard_module
from nbtrack.ui._runs_table import RunsTable, keep_colors, recent_ids, visible_ids
from nbtrack.ui.charts import PALETTE, ema
from nbtrack.ui.compare import compare_html, config_rows, source_diff, summary_rows
from nbtrack.ui.dashboard import Dashboard, default_metrics, metric_columns, metric_goal

LOSSES = {"a": [4.0, 3.0, 2.0], "b": [5.0, 2.5, 1.0], "c": [3.0, 2.0, 1.5], "d": [6.0, 5.0, 4.0]}
CELL_A = "lr = 0.1\nfor epoch in range(3):\n    run.log({'loss': lr})\n"
CELL_B = "lr = 0.01\nfor epoch in range(3):\n    run.log({'loss': lr})\nprint('x < y')\n"


@pytest.fixture
def store() -> Store:
    """The default store of this test (NBTRACK_DIR points into tmp_path)."""
    return nbtrack.open_store()


@pytest.fixture
def make_run(store: Store) -> Callable[..., str]:
    """Create a finished run with a loss curve; returns its id."""

    def make(name: str, *, lr: float = 0.1, opt: str = "adam", tags: Sequence[str] = (), project: str = "p",
             losses: Sequence[float] = (1.0, 0.5), state: str = "finished", source: str | None = None) -> str:
        run = nbtrack.init(project, name=name, config={"lr": lr, "opt": opt}, tags=list(tags), store=store)
        for i, loss in enumerate(losses):
            run.log({"loss": loss, "val/acc": i / 10})
        run.finish(state=state)
        if source is not None:
            store.put_capture(run.id, {"cell_source": source}, None, None)
        return run.id

    return make


@pytest.fixture
def dashboards() -> Iterator[list[Dashboard]]:
    """Dashboards a test opens; all closed afterwards."""
    opened: list[Dashboard] = []
    yield opened
    for dash in opened:
        dash.close()


@pytest.fixture
def four(make_run: Callable[..., str]) -> dict[str, str]:
    """Four runs a..d (created in that order): lr, optimizer, tags and one failure differ."""
    lrs = {"a": 0.1, "b": 0.01, "c": 0.001, "d": 0.3}
    return {
        key: make_run(key, lr=lrs[key], opt="sgd" if key == "c" else "adam", losses=LOSSES[key],
                      tags=["base"] if key in "ab" else ["tuned"], state="failed" if key == "d" else "finished",
                      source=CELL_A if key == "a" else CELL_B if key == "b" else None)
        for key in "abcd"
    }


def open_dashboard(dashboards: list[Dashboard], project: str | None = "p", **kwargs: Any) -> Dashboard:
    """nbtrack.dashboard(project), closed when the test ends."""
    dash = nbtrack.dashboard(project, **kwargs)
    dashboards.append(dash)
    return dash


def from_front_end(widget: Any, **state: Any) -> None:
    """Deliver a state update the way the browser sends it over the widget's comm."""
    widget._handle_msg({"content": {"data": {"method": "update", "state": state, "buffer_paths": []}},
                        "buffers": []})


def record(widget: Any) -> list[dict[str, Any]]:
    """Collect the messages the widget sends to the browser from now on."""
    sent: list[dict[str, Any]] = []
    widget.comm.send = lambda data=None, buffers=None, **_: sent.append(data)
    return sent


def traces(dash: Dashboard) -> list[tuple[str, list[float]]]:
    """(name, y values) of each curve trace of the first panel (loss, in the section of keys without a prefix)."""
    return [(t.name, [float(v) for v in t.y]) for t in dash.curves.views["charts"].data if t.xaxis in (None, "x")]


# -- the runs table ---------------------------------------------------------------


def test_table_columns_rows_and_default_selection(four: dict[str, str], dashboards: list[Dashboard]) -> None:
    dash = open_dashboard(dashboards)
    table = dash.table
    keys = [c["key"] for c in table.columns]
    assert keys[:5] == ["name", "state", "created_at", "runtime", "tags"]
    assert {"config.lr", "config.opt", "summary.loss", "summary.val/acc"} <= set(keys)
    assert {c["key"]: c["label"] for c in table.columns}["config.lr"] == "lr"
    assert {c["key"]: c["kind"] for c in table.columns}["summary.loss"] == "summary"
    json.dumps(table.rows)  # every row is JSON-able as it is synced
    row = {r["name"]: r for r in table.rows}["b"]
    assert row["config.lr"] == 0.01 and row["summary.loss"] == 1.0 and row["tags"] == ["base"]
    assert row["state"] == "finished" and {r["name"]: r for r in table.rows}["d"]["state"] == "failed"
    assert table.state_colors["failed"] == "#d62728"
    assert table.order == [four[k] for k in "dcba"]  # newest first
    assert table.selected == [four[k] for k in "dcba"]  # the newest runs, all four here
    assert table.states == ["failed", "finished"] and table.tags == ["base", "tuned"]
    assert set(table.colors) == set(four.values())


def test_default_selection_is_the_newest_five(make_run: Callable[..., str], dashboards: list[Dashboard]) -> None:
    ids = [make_run(f"r{i}") for i in range(7)]
    dash = open_dashboard(dashboards)
    assert dash.table.selected == ids[::-1][:5]
    assert len(dash.table.rows) == 7
    assert sorted(t.name for t in dash.curves.views["charts"].data) == [f"r{i}" for i in range(2, 7)]


def test_sort_by_clicked_header(four: dict[str, str], dashboards: list[Dashboard]) -> None:
    table = open_dashboard(dashboards).table
    sent = record(table)
    from_front_end(table, sort_key="config.lr", sort_dir="asc")
    assert table.order == [four[k] for k in "cbad"]
    assert any(msg["state"].get("order") == table.order for msg in sent)  # Python sent the new order back
    from_front_end(table, sort_dir="desc")
    assert table.order == [four[k] for k in "dabc"]
    from_front_end(table, sort_key="name", sort_dir="asc")
    assert table.order == [four[k] for k in "abcd"]


def test_sort_puts_missing_values_last_both_ways() -> None:
    rows = [{"id": "x", "v": 2}, {"id": "y", "v": None}, {"id": "z", "v": 1}, {"id": "w", "v": "text"}]
    assert visible_ids(rows, sort_key="v", descending=False) == ["z", "x", "w", "y"]
    assert visible_ids(rows, sort_key="v", descending=True) == ["w", "x", "z", "y"]


def test_filter_by_text_state_and_tag(four: dict[str, str], make_run: Callable[..., str],
                                      dashboards: list[Dashboard]) -> None:
    needle = make_run("needle-run", tags=["tuned"])
    table = open_dashboard(dashboards).table
    from_front_end(table, filter_text="Needle")  # names, case-insensitively
    assert table.order == [needle]
    from_front_end(table, filter_text="BASE")  # tags
    assert table.order == [four[k] for k in "ba"]
    from_front_end(table, filter_text=four["c"].upper())  # ids, case-insensitively
    assert table.order == [four["c"]]
    from_front_end(table, filter_text="", state_filter="failed")
    assert table.order == [four["d"]]
    from_front_end(table, state_filter="", tag_filter="tuned")
    assert table.order == [needle, four["d"], four["c"]]
    assert len(table.rows) == 5  # filtering changes the order only


def test_runs_table_front_end_is_vendored_and_never_writes_html() -> None:
    source = Path(dashboard_module.__file__).with_name("runs_table.js").read_text()
    assert str(RunsTable._esm) == source  # the widget ships this file as it is
    assert "export default" in source
    assert "import " not in source and "http" not in source  # no CDN, works offline
    assert "innerHTML" not in source and "insertAdjacentHTML" not in source  # text only: nothing to escape


# -- curves ---------------------------------------------------------------------


def test_selection_from_the_browser_redraws_curves(four: dict[str, str], dashboards: list[Dashboard]) -> None:
    dash = open_dashboard(dashboards)
    dash.metrics.value = ["loss"]
    from_front_end(dash.table, selected=[four["b"], four["a"]])
    assert traces(dash) == [("b", LOSSES["b"]), ("a", LOSSES["a"])]
    assert [list(t.x) for t in dash.curves.data] == [[0, 1, 2], [0, 1, 2]]
    colors = [t.line.color for t in dash.curves.data]
    assert colors == [dash.table.colors[four["b"]], dash.table.colors[four["a"]]] and colors[0] != colors[1]
    from_front_end(dash.table, selected=[four["c"]])
    assert traces(dash) == [("c", LOSSES["c"])]


def test_a_selection_change_sends_one_small_figure_message(four: dict[str, str],
                                                            dashboards: list[Dashboard]) -> None:
    """Each section's chart is a PlotlyView: one state message with its figure JSON, no plotly.js in it."""
    dash = open_dashboard(dashboards)
    from_front_end(dash.table, selected=[four["a"], four["b"]])
    sent = {group: record(view) for group, view in dash.curves.views.items()}
    from_front_end(dash.table, selected=[four["a"], four["b"], four["c"]])
    figures = {g: [m["state"]["figure"] for m in msgs if "figure" in m.get("state", {})] for g, msgs in sent.items()}
    assert list(figures) == ["charts", "val"]  # loss; val/acc
    for group, [figure] in figures.items():
        assert [t["name"] for t in figure["data"]] == ["a", "b", "c"] and len(json.dumps(figure)) < 50_000
    for msgs in sent.values():
        msgs.clear()
    from_front_end(dash.table, selected=[four["b"], four["c"]])  # b and c keep their colours
    figures = {g: [m["state"]["figure"] for m in msgs if "figure" in m.get("state", {})] for g, msgs in sent.items()}
    assert all([t["name"] for t in figs[-1]["data"]] == ["b", "c"] for figs in figures.values())
    assert traces(dash) == [("b", LOSSES["b"]), ("c", LOSSES["c"])]


def test_runs_keep_their_colour_for_the_life_of_the_view() -> None:
    assert keep_colors({}, ["a", "b"]) == {"a": PALETTE[0], "b": PALETTE[1]}
    # c takes a colour no run has had, so a re-ticked a finds its own colour free
    assert keep_colors({"a": PALETTE[0], "b": PALETTE[1]}, ["b", "c"], in_use=["b"]) == {
        "a": PALETTE[0], "b": PALETTE[1], "c": PALETTE[2]}
    ids = [str(i) for i in range(12)]
    many = keep_colors({}, ids, in_use=ids)
    assert len(set(many.values())) == len(PALETTE) and (many["10"], many["11"]) == (PALETTE[0], PALETTE[1])
    # every colour taken: a new run takes one that no run on show has
    assert keep_colors(dict(zip(ids[:10], PALETTE)), ["9", "x"], in_use=["9"])["x"] == PALETTE[0]


def test_unticking_and_reticking_runs_never_recolours_a_run(four: dict[str, str],
                                                            dashboards: list[Dashboard]) -> None:
    dash = open_dashboard(dashboards)
    first = dict(dash.table.colors)
    assert len(set(first.values())) == len(first) == 4
    from_front_end(dash.table, selected=[four["c"], four["d"]])  # a and b unticked
    assert dash.table.colors == {k: first[k] for k in (four["c"], four["d"])}
    from_front_end(dash.table, selected=[four["a"], four["c"], four["d"]])  # a comes back in its colour
    assert dash.table.colors == {k: first[k] for k in (four["a"], four["c"], four["d"])}
    trace_colors = {t.name: t.line.color for t in dash.curves.data}
    assert trace_colors["a"] == first[four["a"]]


def test_metric_picker_x_axis_and_smoothing(four: dict[str, str], dashboards: list[Dashboard]) -> None:
    dash = open_dashboard(dashboards)
    assert dash.metrics.value == ["loss", "val/acc"]  # every logged metric: a panel per key, by prefix
    assert dash.metrics.allowed_tags == ["loss", "val/acc"]
    dash.table.selected = [four["a"]]
    assert [t.name for t in dash.curves.data] == ["a", "a"]
    assert [v.layout.title.text for v in dash.curves.views.values()] == ["loss", "val/acc"]  # titled by its key
    from_front_end(dash.metrics, value=["val/acc", "nonsense"])  # a chip clicked in the browser
    assert dash.metrics.value == ["val/acc"]
    assert [(t.name, [float(v) for v in t.y]) for t in dash.curves.data] == [("a", [0.0, 0.1, 0.2])]
    assert list(dash.curves.views) == ["val"]  # the emptied section is gone
    dash.metrics.value = ["loss"]
    dash.x_axis.value = "relative"
    xs = np.asarray(dash.curves.data[0].x, dtype=float)
    assert xs[0] == 0.0 and np.all(np.diff(xs) >= 0) and dash.curves.views["charts"].layout.xaxis.title.text == \
        "Relative time (s)"
    dash.smoothing.value = 0.5
    assert np.allclose(dash.curves.data[0].y, ema(np.array(LOSSES["a"]), 0.5))


def test_history_is_read_for_selected_runs_only(four: dict[str, str], dashboards: list[Dashboard],
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    reads: list[list[str]] = []
    real = dashboard_module.read_history

    def spy(runs: Any, keys: Any = None, **kwargs: Any) -> Any:
        reads.append(list(runs))
        return real(runs, keys, **kwargs)

    monkeypatch.setattr(dashboard_module, "read_history", spy)
    dash = open_dashboard(dashboards)
    dash.table.selected = [four["a"]]
    reads.clear()
    dash.table.selected = [four["a"], four["b"]]
    assert reads == [[four["b"]]]  # a was cached


def test_curves_skip_non_numeric_points(store: Store, dashboards: list[Dashboard]) -> None:
    run = nbtrack.init("p", name="mixed", store=store)
    run.log({"loss": 1.0})
    run.log({"loss": "diverged"})
    run.log({"loss": 0.5})
    run.finish()
    dash = open_dashboard(dashboards)
    dash.metrics.value = ["loss"]
    assert [(t.name, list(t.x), list(t.y)) for t in dash.curves.data] == [("mixed", [0, 2], [1.0, 0.5])]


def test_metric_helpers() -> None:
    logged = {"acc", "loss", "val/acc", "train/loss"}
    assert default_metrics(["acc", "best", "loss", "val/acc", "train/loss"], logged) == [
        "acc", "loss", "val/acc", "train/loss"]  # grouped by prefix, summary-only "best" left out
    assert default_metrics(["best"], logged=set()) == ["best"]
    assert metric_goal("summary.val/acc") == "maximize" and metric_goal("summary.loss") == "minimize"


# -- parameter charts -------------------------------------------------------------


def test_parallel_scatter_and_importance(four: dict[str, str], dashboards: list[Dashboard]) -> None:
    dash = open_dashboard(dashboards)
    assert dash.metric.value == "summary.loss" and dash.param.value == "config.lr"
    parcoords = dash.figures["parallel"].data[0]
    assert parcoords.type == "parcoords"
    assert [d.label for d in parcoords.dimensions] == ["lr", "opt", "loss"]
    assert sorted(parcoords.dimensions[-1]["values"]) == [1.0, 1.5, 2.0, 4.0]
    from_front_end(dash.table, filter_text="tuned")  # the charts follow the table's filter
    assert sorted(dash.figures["parallel"].data[0].dimensions[-1]["values"]) == [1.5, 4.0]
    from_front_end(dash.table, filter_text="")
    dash.view.value = "scatter"
    scatter = dash.figures["scatter"].data[0]
    assert dash._analysis.children == (dash.figures["scatter"],)
    assert sorted(zip(scatter.x, scatter.y)) == [(0.001, 1.5), (0.01, 1.0), (0.1, 2.0), (0.3, 4.0)]
    dash.view.value = "importance"
    bars = dash.figures["importance"].data
    assert [b.type for b in bars] == ["bar", "bar", "bar"] and set(bars[0].y) == {"lr", "opt"}  # RF, r, PED-ANOVA
    dash.view.value = "parallel"
    assert dash._analysis.children == (dash.figures["parallel"],)


def test_analysis_is_not_redrawn_when_its_inputs_did_not_change(four: dict[str, str],
                                                                dashboards: list[Dashboard]) -> None:
    dash = open_dashboard(dashboards)
    sent = record(dash.figures["parallel"])
    from_front_end(dash.table, sort_key="name")  # a new order with the same runs
    assert sent == []
    from_front_end(dash.table, state_filter="finished")
    assert sent


# -- compare ----------------------------------------------------------------------


def test_compare_view(four: dict[str, str], dashboards: list[Dashboard]) -> None:
    dash = open_dashboard(dashboards)
    dash.table.selected = [four["c"]]
    assert "Select two or more runs" in dash.compare.value
    dash.table.selected = [four["a"], four["b"]]
    page = dash.compare.value
    differing = page.split("<tr class='nbtrack-differs'")
    assert len(differing) == 2 and ">lr</td>" in differing[1].split("</tr>")[0]
    assert "<tr><td style='padding:2px 8px;border-top:1px solid #eee;text-align:left;vertical-align:top;" \
           "font-weight:600'>opt</td>" in page  # same value: not highlighted
    assert "1 of 2 keys differ" in page
    assert "(-1)" in page  # summary.loss 2.0 -> 1.0
    assert "-lr = 0.1" in page and "+lr = 0.01" in page
    assert "+print(&#x27;x &lt; y&#x27;)" in page  # escaped
    dash.table.selected = [four["a"], four["c"]]
    assert "no captured cell source" in dash.compare.value
    dash.table.selected = [four["c"], four["d"]]
    assert "No captured cell sources" in dash.compare.value and "&rarr;" not in dash.compare.value


def test_compare_baseline_is_the_users_pick(four: dict[str, str], dashboards: list[Dashboard]) -> None:
    dash = open_dashboard(dashboards)
    from_front_end(dash.table, selected=[four["b"], four["a"]])  # newest first, as a person ticks
    assert dash.baseline.value == four["a"]  # the oldest selected run, not the newest
    assert [value for _, value in dash.baseline.options] == [four["b"], four["a"]]
    assert "-lr = 0.1" in dash.compare.value and "+lr = 0.01" in dash.compare.value
    assert "&Delta; from a" in dash.compare.value
    from_front_end(dash.baseline, index=0)  # the user picks b in the dropdown
    assert dash.baseline.value == four["b"]
    page = dash.compare.value
    assert "-lr = 0.01" in page and "+lr = 0.1" in page and "&Delta; from b" in page
    from_front_end(dash.table, selected=[four["b"], four["a"], four["c"]])  # the pick outlives a selection change
    assert dash.baseline.value == four["b"] and dash.baseline.layout.display == ""
    from_front_end(dash.table, selected=[four["c"]])
    assert dash.baseline.layout.display == "none"


def test_compare_diffs_track_cells_with_their_magic_line_and_init_cells(tmp_path: Path,
                                                                        dashboards: list[Dashboard]) -> None:
    """Real kernel: two %%track cells differing only in their magic line, and an init() cell."""
    import nbformat
    from nbclient import NotebookClient

    body = "for epoch in range(2):\n    run.log({'loss': lr / (epoch + 1)})\n"
    cells = ["%load_ext nbtrack", f"%%track --project cmp lr=0.1\n{body}", f"%%track --project cmp lr=0.01\n{body}",
             "import nbtrack\nrun = nbtrack.init(project='cmp', config={'lr': 0.5})\nrun.log({'loss': 0.5})\n"
             "run.finish()"]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    dash = open_dashboard(dashboards, "cmp")
    first, second, by_init = nbtrack.runs("cmp").sort_values("created_at")["id"].tolist()
    from_front_end(dash.table, selected=[second, first])
    page = dash.compare.value
    assert "-%%track --project cmp lr=0.1" in page and "+%%track --project cmp lr=0.01" in page
    assert "same cell source" not in page
    from_front_end(dash.table, selected=[first, by_init])
    page = dash.compare.value
    assert "no captured cell source" not in page
    assert "-%%track --project cmp lr=0.1" in page and "+run = nbtrack.init(project=&#x27;cmp&#x27;" in page


def test_compare_data_functions(four: dict[str, str], store: Store) -> None:
    runs = nbtrack.runs("p", store=store).set_index("name").loc[["a", "b"]].reset_index()
    assert [(r.key, r.values, r.differs) for r in config_rows(runs)] == [
        ("lr", (0.1, 0.01), True), ("opt", ("adam", "adam"), False)]
    loss = {r.key: r for r in summary_rows(runs)}["loss"]
    assert loss.values == (2.0, 1.0) and loss.deltas == (0.0, -1.0)
    assert source_diff(CELL_A, CELL_A, before_name="a", after_name="b") == []
    lines = source_diff(CELL_A, CELL_B, before_name="a", after_name="b")
    assert lines[:2] == ["--- a", "+++ b"] and "-lr = 0.1" in lines and "+print('x < y')" in lines


def test_run_names_and_values_are_escaped(make_run: Callable[..., str], store: Store,
                                          dashboards: list[Dashboard]) -> None:
    evil = "<script>alert(1)</script>"
    make_run(evil, opt="<b>bold</b>", source="x = '<img src=x onerror=alert(1)>'")
    make_run("plain", source="x = 1")
    dash = open_dashboard(dashboards)
    assert {r["name"] for r in dash.table.rows} == {evil, "plain"}  # raw in traits: the front end uses textContent
    static = dash._repr_mimebundle_()["text/html"]
    for page in (dash.compare.value, static, dash.header.value):
        assert evil not in page and "<b>bold" not in page and "<img src" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in dash.compare.value
    assert "&lt;img src=x onerror=alert(1)&gt;" in dash.compare.value
    assert "&lt;script&gt;" in static
    project = open_dashboard(dashboards, project="<i>p</i>")
    assert "&lt;i&gt;p&lt;/i&gt;" in project.header.value


def test_compare_html_shows_at_most_eight_runs(make_run: Callable[..., str], store: Store) -> None:
    for i in range(10):
        make_run(f"r{i}", lr=i / 10)
    page = compare_html(nbtrack.runs("p", store=store), {})
    assert "Showing the first 8 of 10 selected runs" in page and ">r8<" not in page


# -- refresh and display ------------------------------------------------------------


def test_refresh_is_cheap_when_nothing_changed_and_follows_new_runs(
    four: dict[str, str], make_run: Callable[..., str], dashboards: list[Dashboard]
) -> None:
    dash = open_dashboard(dashboards)
    assert dash.refresh() is False
    new = make_run("e", losses=[9.0, 8.0])
    assert dash.refresh() is True
    assert new in dash.table.order and dash.table.selected[0] == new  # untouched selection follows the newest
    assert ("e", [9.0, 8.0]) in traces(dash)
    dash.table.selected = [four["a"]]  # the user's own selection is kept
    make_run("f")
    assert dash.refresh() is True
    assert dash.table.selected == [four["a"]] and len(dash.table.rows) == 6


def test_refresh_rereads_history_of_running_runs(store: Store, dashboards: list[Dashboard]) -> None:
    run = nbtrack.init("p", name="live", store=store)
    run.log({"loss": 1.0})
    dash = open_dashboard(dashboards)
    assert dash.table.rows[0]["state"] == "running"
    for value in (0.5, 0.25):
        run.log({"loss": value})
    deadline = time.monotonic() + 10
    while traces(dash) != [("live", [1.0, 0.5, 0.25])] and time.monotonic() < deadline:
        dash.refresh()
        time.sleep(0.05)
    assert traces(dash) == [("live", [1.0, 0.5, 0.25])]
    run.finish()
    assert dash.refresh() is True and dash.table.rows[0]["state"] == "finished"


def test_display_starts_polling_and_close_stops_it(four: dict[str, str], make_run: Callable[..., str],
                                                   dashboards: list[Dashboard]) -> None:
    dash = open_dashboard(dashboards, poll_interval=0.05)
    assert not dash.polling
    bundle = dash._repr_mimebundle_()
    assert dash.polling
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == dash.model_id
    assert bundle["text/plain"] == "nbtrack dashboard of project 'p': 4 runs (0 running), 4 selected"
    make_run("e")
    deadline = time.monotonic() + 10
    while len(dash.table.rows) < 5 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(dash.table.rows) == 5
    poller = dash._poller.thread
    dash.close()
    assert not dash.polling and poller is not None and not poller.is_alive()
    assert dash.table.comm is None and dash.curves.comm is None


def test_a_rerun_dashboard_cell_stops_the_older_poller(four: dict[str, str], dashboards: list[Dashboard]) -> None:
    first = open_dashboard(dashboards)
    first._repr_mimebundle_()
    other = open_dashboard(dashboards, project=None)
    other._repr_mimebundle_()
    second = open_dashboard(dashboards)
    second._repr_mimebundle_()
    assert second.polling and other.polling and not first.polling


def test_static_fallback_holds_table_figures_and_compare(four: dict[str, str], dashboards: list[Dashboard]) -> None:
    dash = open_dashboard(dashboards)
    page = dash.static_bundle()["text/html"]
    assert "nbtrack-runs-static" in page and "nbtrack-dashboard-static" in page
    for key in "abcd":
        assert f"<td style='padding:2px 8px'>{key}</td>" in page
    assert page.count("class=\"nbtrack-chart-img\"") == 3  # 2 sections of curves, parallel coordinates (SVG)
    assert "nbtrack-compare" in page and "parcoords" in page


def test_empty_store(dashboards: list[Dashboard]) -> None:
    dash = open_dashboard(dashboards, project=None)
    assert dash.table.rows == [] and dash.table.selected == [] and dash.metrics.value == []
    assert "No points logged yet" in [a.text for a in dash.curves.views["charts"].layout.annotations]
    assert dash.metric.value is None and not dash.figures["parallel"].data
    assert repr(dash) == "nbtrack dashboard of all projects: 0 runs (0 running), 0 selected"


def test_all_projects_and_magic(make_run: Callable[..., str], dashboards: list[Dashboard]) -> None:
    from nbtrack.magics import TrackMagics

    make_run("one", project="p1")
    make_run("two", project="p2")
    assert len(open_dashboard(dashboards, project=None).table.rows) == 2
    dash = TrackMagics(None).nbtrack("dashboard --project p2")
    dashboards.append(dash)
    assert isinstance(dash, Dashboard) and [r["name"] for r in dash.table.rows] == ["two"]


def test_pure_trait_helpers(four: dict[str, str], store: Store) -> None:
    runs = nbtrack.runs("p", store=store)
    assert metric_columns(runs) == ["summary.loss", "summary.val/acc"]
    assert recent_ids(runs, 2) == [four["d"], four["c"]]
    assert isinstance(nbtrack.dashboard, Callable)  # the lazy public name resolves


def test_the_poller_reports_each_refresh_and_ends_with_its_view() -> None:
    from nbtrack.ui._poller import Poller

    class View:
        calls = 0

        def refresh(self) -> None:
            View.calls += 1
            if View.calls == 1:
                raise OSError("store gone")

    seen: list[Exception | None] = []
    view = View()
    poller = Poller(view, View.refresh, name="nbtrack-test", interval=0.01, after=lambda _, e: seen.append(e))
    poller.start()
    deadline = time.monotonic() + 10
    while len(seen) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert isinstance(seen[0], OSError) and seen[1] is None  # a failure is reported, then the recovery
    seen.clear()  # the error's traceback holds the view
    del view
    poller.thread.join(timeout=10)  # nobody holds the view: the thread ends on its own
    assert not poller.alive


# -- sections per key prefix (W&B's default workspace) ------------------------------


def sectioned_run(store: Store) -> str:
    run = nbtrack.init("p", name="s", config={"lr": 0.1}, store=store)
    for i in range(3):
        run.log({"loss": 1.0 / (i + 1), "train/loss": 2.0 - i, "train/acc": i / 3, "val/loss": 1.5 - i / 4,
                 "system/cpu_percent": 20.0 + i})
    run.finish()
    return run.id


def test_metrics_are_charted_in_a_section_per_prefix_with_its_panel_count(store: Store,
                                                                        dashboards: list[Dashboard]) -> None:
    sectioned_run(store)
    dash = open_dashboard(dashboards)
    sections = dash.curves.sections
    assert [(group, panels) for group, panels, _, _ in sections] == [
        ("charts", 1), ("train", 2), ("val", 1), ("system", 1)]  # no prefix first, system last
    assert [box.titles for box in dash.curves.children] == [
        ("Charts · 1 panel",), ("train · 2 panels",), ("val · 1 panel",), ("System · 1 panel",)]
    train = dash.curves.views["train"].current
    assert [a.text for a in train.layout.annotations] == ["train/acc", "train/loss"]  # a panel per key
    assert dash.curves.views["system"].current.layout.title.text.startswith("system/cpu_percent")
    dash.metrics.value = ["train/loss", "val/loss"]  # the picker's choice decides the sections
    assert list(dash.curves.views) == ["train", "val"]
    assert [box.titles for box in dash.curves.children] == [("train · 1 panel",), ("val · 1 panel",)]


def test_a_closed_section_stays_closed_through_redraws_and_in_the_snapshot(store: Store,
                                                                            dashboards: list[Dashboard]) -> None:
    run_id = sectioned_run(store)
    dash = open_dashboard(dashboards)
    dash.curves.collapse("train")
    dash.table.selected = []
    dash.table.selected = [run_id]  # redrawn
    assert not dash.curves.is_open("train") and dash.curves.is_open("val")
    page = dash.static_bundle(interactive=False)["text/html"]
    heads = re.findall(r"<details class='nbtrack-section' data-section='([^']+)'( open)?", page)
    assert heads == [("charts", " open"), ("train", ""), ("val", " open"), ("system", " open")]
    assert "<b>train</b> <span style='color:#777;font-size:12px'>2 panels</span></summary>" in page
    assert page.count("class=\"nbtrack-chart-img\"") == 4 + 1  # a picture per section, and the parameters chart
