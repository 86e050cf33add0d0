"""Brushing the dashboard's parallel coordinates: the table and curves keep the runs inside every range."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

import nbtrack
from nbtrack.ui._brush import brushed_ids, constraint_ranges, selection_from_brush
from nbtrack.ui._series import parallel_data
from nbtrack.ui.dashboard import Dashboard

RUNS = {"a": (0.1, "adam", 2.0), "b": (0.01, "adam", 1.0), "c": (0.001, "sgd", 1.5), "d": (0.0001, "sgd", 4.0)}


def from_front_end(widget: Any, **state: Any) -> None:
    """Deliver a state update the way the browser sends it over the widget's comm."""
    widget._handle_msg({"content": {"data": {"method": "update", "state": state, "buffer_paths": []}},
                        "buffers": []})


def make_runs() -> dict[str, str]:
    ids = {}
    for name, (lr, opt, loss) in RUNS.items():
        with nbtrack.init("p", name=name, config={"lr": lr, "opt": opt}) as run:
            run.log({"loss": loss * 2})
            run.log({"loss": loss})
        ids[name] = run.id
    return ids


@pytest.fixture
def dash() -> Iterator[Dashboard]:
    board = nbtrack.dashboard("p")
    yield board
    board.close()


def names(dash: Dashboard, ids: list[str]) -> list[str]:
    by = dict(zip(dash.runs["id"], dash.runs["name"]))
    return sorted(by[i] for i in ids)


def test_selection_round_trip_in_the_data_units() -> None:
    import pandas as pd

    runs = pd.DataFrame({"id": list("abcd"), "config.lr": [0.1, 0.01, 0.001, 0.0001],
                         "config.opt": ["adam", "adam", "sgd", "sgd"], "summary.loss": [2.0, 1.0, 1.5, 4.0]})
    data = parallel_data(runs, "summary.loss")
    assert [a.scale for a in data.axes] == ["log", "category", "linear"]
    selection = selection_from_brush(data, {"lr": [-3.5, -1.5], "opt": [[0.8, 1.2]], "loss": [[0, 1.2], [1.4, 3]]})
    assert selection["config.lr"]["ranges"] == [pytest.approx([10 ** -3.5, 10 ** -1.5])]
    assert selection["config.opt"] == {"categories": ["sgd"]}
    assert selection["summary.loss"] == {"ranges": [[0.0, 1.2], [1.4, 3.0]]}
    assert brushed_ids(data, selection) == ["c"]  # lr in [1e-3.5, 1e-1.5] and opt sgd and loss in a range
    assert brushed_ids(data, {}) is None
    assert brushed_ids(data, {"config.opt": {"categories": ["adam"]}}) == ["a", "b"]
    assert constraint_ranges(data.axes[0], selection["config.lr"]) == [pytest.approx([-3.5, -1.5])]
    assert constraint_ranges(data.axes[1], {"categories": ["sgd", "gone"]}) == [[0.75, 1.25]]


def test_a_brush_from_the_browser_filters_table_and_curves(dash: Dashboard) -> None:
    ids = make_runs()
    dash.refresh(force=True)
    dash.table.selected = list(ids.values())
    view = dash.figures["parallel"]
    assert len(dash.table.order) == 4
    from_front_end(view, brush={"lr": [-3.5, -1.5]})  # log10 units on the lr axis: b (0.01) and c (0.001)
    assert names(dash, dash.table.order) == ["b", "c"]
    assert sorted(t.name for t in dash.curves.data) == ["b", "c"]
    assert "2 runs in the brushed ranges" in dash.header.value
    dims = view.current.data[0].dimensions
    assert list(dims[0].constraintrange) == pytest.approx([-3.5, -1.5])  # the figure (and snapshot) keeps it
    assert len(view.current.data[0].dimensions[-1]["values"]) == 4  # the plot keeps every line (greyed)
    from_front_end(view, brush={"lr": [-3.5, -1.5], "opt": [0.9, 1.1]})  # and opt = sgd
    assert names(dash, dash.table.order) == ["c"]
    from_front_end(view, brush={})  # brushes cleared
    assert len(dash.table.order) == 4 and len(dash.curves.data) == 4 and dash.table.brushed is None
    assert all(d.constraintrange is None for d in view.current.data[0].dimensions)


def test_the_brush_survives_a_refresh_and_takes_in_new_runs(dash: Dashboard) -> None:
    ids = make_runs()
    dash.refresh(force=True)
    dash.set_brush({"summary.loss": {"ranges": [[0.5, 1.6]]}})
    assert names(dash, dash.table.order) == ["b", "c"]
    with nbtrack.init("p", name="e", config={"lr": 0.05, "opt": "rmsprop"}) as run:  # a new category too
        run.log({"loss": 1.2})
    with nbtrack.init("p", name="f", config={"lr": 0.05, "opt": "rmsprop"}) as run:
        run.log({"loss": 9.0})
    assert dash.refresh() is True
    assert names(dash, dash.table.order) == ["b", "c", "e"]
    dims = dash.figures["parallel"].current.data[0].dimensions
    assert list(dims[-1].constraintrange) == [0.5, 1.6]
    saved = dash.static_bundle()["text/html"]  # the saved snapshot: brushed figure, filtered table
    assert '"constraintrange":[0.5,1.6]' in saved.replace(" ", "")
    assert "3 runs in the brushed ranges" in saved
    assert saved.count("<tr data-run-id=") == 3 and f"data-run-id='{ids['d']}'" not in saved
