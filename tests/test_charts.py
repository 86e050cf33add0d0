"""Figure builders: data functions against values worked out by hand, figures on structure."""

from __future__ import annotations

import math

import numpy as np
import optuna
import pandas as pd
import plotly.graph_objects as go
import pytest

from nbtrack.ui import charts
from nbtrack.ui.charts import (
    MIN_RUNS_FOR_IMPORTANCE,
    PALETTE,
    Curve,
    downsample_minmax,
    ema,
    group_keys,
    importance_table_figure,
    line_figure,
    metric_curves,
    parallel_data,
    parallel_figure,
    param_columns,
    param_importance,
    param_scale,
    run_colors,
    scatter_figure,
    scatter_points,
)

NAN = math.nan


def history_frame() -> pd.DataFrame:
    """Two runs, interleaved rows, a key that is missing at some steps."""
    return pd.DataFrame(
        {
            "run_id": ["a", "b", "a", "b", "a"],
            "_step": [0, 0, 1, 1, 2],
            "_timestamp": [100.0, 200.0, 101.5, 204.0, 103.0],
            "loss": [4.0, 8.0, NAN, 6.0, 2.0],
            "val/acc": [NAN, 0.5, 0.25, NAN, NAN],
        }
    )


def runs_frame() -> pd.DataFrame:
    """Five runs: log-scaled lr, an int, a category with a gap, a constant; r5 lacks the metric."""
    return pd.DataFrame(
        {
            "id": ["r1", "r2", "r3", "r4", "r5"],
            "name": ["one", "two", "three", "four", None],
            "state": ["finished"] * 5,
            "config.lr": [1e-4, 1e-3, 1e-2, 1e-3, 1e-1],
            "config.batch": [32, 64, 32, 128, 64],
            "config.opt": ["sgd", "adam", None, "sgd", "adam"],
            "config.seed": [0, 0, 0, 0, 0],
            "summary.loss": [0.5, 0.25, 1.0, 0.75, NAN],
        }
    )


# -- smoothing and downsampling ------------------------------------------------


def test_ema_is_debiased_as_wandb_computes_it() -> None:
    # weight 0.5 on 2, 4, 8: accumulators 1, 2.5, 5.25 over debias 0.5, 0.75, 0.875.
    assert ema(np.array([2.0, 4.0, 8.0]), 0.5).tolist() == pytest.approx([2.0, 10 / 3, 6.0])


def test_ema_skips_nan_without_breaking_the_average() -> None:
    out = ema(np.array([0.0, NAN, 3.0]), 0.5)
    assert out[0] == 0.0 and math.isnan(out[1]) and out[2] == 2.0


def test_ema_weight_zero_is_identity_and_one_is_rejected() -> None:
    assert ema(np.array([3.0, -1.0, 7.0]), 0.0).tolist() == [3.0, -1.0, 7.0]
    with pytest.raises(ValueError, match="smoothing"):
        ema(np.array([1.0]), 1.0)


def test_downsample_keeps_bucket_extremes_and_both_ends() -> None:
    x = np.arange(10) * 10
    y = np.array([3, 5, 1, 2, 9, 3, 4, -1, 8, 6], dtype=float)
    # max_points=6: two buckets [0:5] and [5:10]; min/max at 2, 4 and 7, 8; ends 0 and 9.
    xs, ys = downsample_minmax(x, y, 6)
    assert xs.tolist() == [0, 20, 40, 70, 80, 90]
    assert ys.tolist() == [3, 1, 9, -1, 8, 6]


def test_downsample_leaves_short_series_alone_and_keeps_a_spike() -> None:
    x, y = np.arange(5), np.arange(5.0)
    assert downsample_minmax(x, y)[0] is x
    y = np.zeros(100_000)
    y[54_321] = 100.0
    xs, ys = downsample_minmax(np.arange(100_000), y, 2000)
    assert len(xs) <= 2000 and 54_321 in xs.tolist() and ys.max() == 100.0
    assert (np.diff(xs) > 0).all()


# -- metric series and groups --------------------------------------------------


def test_metric_curves_per_run_by_step_skipping_missing_points() -> None:
    curves = metric_curves(history_frame(), "loss", names={"a": "alpha"})
    assert [(s.run_id, s.name) for s in curves] == [("a", "alpha"), ("b", "b")]
    assert curves[0].x.tolist() == [0, 2] and curves[0].y.tolist() == [4.0, 2.0]
    assert curves[1].x.tolist() == [0, 1] and curves[1].y.tolist() == [8.0, 6.0]


def test_metric_curves_relative_time_counts_from_the_runs_first_point() -> None:
    curves = metric_curves(history_frame(), "val/acc", x="relative")
    # run a starts at 100.0 (a step without val/acc), run b at 200.0.
    assert [s.x.tolist() for s in curves] == [[1.5], [0.0]]


def test_metric_curves_wall_time_is_utc_datetimes() -> None:
    (a, _) = metric_curves(history_frame(), "loss", x="wall")
    expected = np.array(["1970-01-01T00:01:40", "1970-01-01T00:01:43"], dtype="datetime64[ns]")
    assert (a.x == expected).all()


def test_metric_curves_smooths_before_downsampling_and_ignores_unknown_keys() -> None:
    history = pd.DataFrame(
        {"run_id": ["a", "a"], "_step": [1, 0], "_timestamp": [1.0, 0.0], "loss": [3.0, 0.0]}
    )
    (a,) = metric_curves(history, "loss", smoothing=0.5)
    assert a.x.tolist() == [0, 1] and a.y.tolist() == [0.0, 2.0]
    assert metric_curves(history, "nope") == []


def test_group_keys_by_prefix_with_default_first_and_system_last() -> None:
    keys = ["run_id", "_step", "system/cpu", "loss", "train/loss", "val/acc", "/odd"]
    keys += ["train/acc", "val/x/y"]
    assert list(group_keys(keys).items()) == [
        ("charts", ["loss", "/odd"]),
        ("train", ["train/loss", "train/acc"]),
        ("val", ["val/acc", "val/x/y"]),
        ("system", ["system/cpu"]),
    ]
    assert group_keys(["_timestamp"]) == {}


# -- parameters ----------------------------------------------------------------


def test_param_columns_are_config_columns_that_vary() -> None:
    assert param_columns(runs_frame()) == ["config.lr", "config.batch", "config.opt"]


@pytest.mark.parametrize(
    ("values", "scale"),
    [
        ([1e-4, 1e-3, 1e-2], "log"),
        ([1e-3, 5e-2], "linear"),  # less than two decades
        ([0.0, 1.0, 100.0], "linear"),  # not positive
        ([1, 2, None], "linear"),
        (["adam", "sgd"], "category"),
        ([True, False], "category"),
    ],
)
def test_param_scale(values: list[object], scale: str) -> None:
    assert param_scale(pd.Series(values)) == scale


def test_parallel_data_axes() -> None:
    data = parallel_data(runs_frame(), "summary.loss")
    assert data.run_ids == ("r1", "r2", "r3", "r4")  # r5 has no loss
    lr, batch, opt, loss = data.axes
    assert (lr.label, lr.scale) == ("lr", "log")
    assert lr.values.tolist() == pytest.approx([-4.0, -3.0, -2.0, -3.0])
    assert lr.tickvals == (-4.0, -3.0, -2.0) and lr.ticktext == ("1e-4", "0.001", "0.01")
    assert (batch.scale, batch.tickvals) == ("linear", ())
    assert batch.values.tolist() == [32, 64, 32, 128]
    assert opt.ticktext == ("None", "adam", "sgd") and opt.tickvals == (0.0, 1.0, 2.0)
    assert opt.values.tolist() == [2.0, 1.0, 0.0, 2.0]
    assert (loss.label, loss.values.tolist()) == ("loss", [0.5, 0.25, 1.0, 0.75])


def test_parallel_data_drops_runs_missing_a_chosen_numeric_param() -> None:
    runs = runs_frame()
    runs.loc[1, "config.batch"] = NAN
    data = parallel_data(runs, "summary.loss", ["config.batch"])
    assert data.run_ids == ("r1", "r3", "r4")
    assert [a.column for a in data.axes] == ["config.batch", "summary.loss"]


def test_parallel_figure_structure() -> None:
    fig = parallel_figure(parallel_data(runs_frame(), "summary.loss"))
    assert isinstance(fig, go.Figure) and not isinstance(fig, go.FigureWidget)
    (trace,) = fig.data
    assert trace.type == "parcoords"
    dims = trace.dimensions
    assert [d.label for d in dims] == ["lr", "batch", "opt", "loss"]
    assert list(dims[0].ticktext) == ["1e-4", "0.001", "0.01"]
    assert list(dims[2].tickvals) == [0, 1, 2]
    assert list(dims[2].ticktext) == ["None", "adam", "sgd"]
    assert dims[1].tickvals is None
    assert list(trace.line.color) == [0.5, 0.25, 1.0, 0.75]
    assert trace.line.showscale and fig.layout.template.layout.paper_bgcolor == "white"
    assert 300 <= fig.layout.height <= 380
    # the axis labels (drawn above the axes) keep clear of the title: it sits at the top of the figure
    assert fig.layout.margin.t >= 90 and fig.layout.title.yref == "container" and fig.layout.title.y >= 0.95


def test_parallel_figure_carries_each_lines_values_as_written_for_the_hover_card() -> None:
    """nbtrack's SVG parcoords shows these on hover: data units (not log10, not category codes)."""
    (trace,) = parallel_figure(parallel_data(runs_frame(), "summary.loss"), names={"r1": "one"}).data
    assert [list(row) for row in trace.customdata] == [
        ["one", "0.0001", "32", "sgd", "0.5"],  # the run's name where given, else its id
        ["r2", "0.001", "64", "adam", "0.25"],
        ["r3", "0.01", "32", "None", "1"],
        ["r4", "0.001", "128", "sgd", "0.75"],
    ]


def test_parallel_figure_without_runs_says_so() -> None:
    fig = parallel_figure(parallel_data(runs_frame(), "summary.missing"))
    assert len(fig.data) == 0 and "missing" in fig.layout.annotations[0].text


def test_scatter_points_and_figure() -> None:
    points = scatter_points(runs_frame(), "config.lr", "summary.loss")
    assert points.to_dict("list") == {
        "id": ["r1", "r2", "r3", "r4"],
        "name": ["one", "two", "three", "four"],
        "x": [1e-4, 1e-3, 1e-2, 1e-3],
        "y": [0.5, 0.25, 1.0, 0.75],
    }
    colors = {"r1": "#111111", "r2": "#222222", "r3": "#333333", "r4": "#444444"}
    fig = scatter_figure(points, param="config.lr", metric="summary.loss", colors=colors)
    (trace,) = fig.data
    assert trace.type == "scatter" and trace.mode == "markers"
    assert list(trace.marker.color) == ["#111111", "#222222", "#333333", "#444444"]
    assert fig.layout.xaxis.type == "log" and fig.layout.xaxis.title.text == "lr"


def test_scatter_of_a_categorical_param_uses_a_category_axis() -> None:
    runs = runs_frame()
    runs.loc[4, "summary.loss"] = 0.125
    points = scatter_points(runs, "config.opt", "summary.loss")
    assert points["x"].tolist() == ["sgd", "adam", "None", "sgd", "adam"]
    assert points["name"].tolist()[-1] == "r5"  # no name: the id stands in
    fig = scatter_figure(points, param="config.opt", metric="summary.loss")
    assert fig.layout.xaxis.type == "category"
    assert scatter_figure(points.iloc[:0], param="config.opt", metric="summary.loss").data == ()


# -- importance ----------------------------------------------------------------


def test_importance_correlation_by_hand() -> None:
    runs = pd.DataFrame(
        {"id": ["a", "b", "c"], "config.x": [1, 2, 3], "summary.m": [10.0, 1000.0, 100.0]}
    )
    # ranks of m are 1, 3, 2: Spearman = Pearson(1,2,3 ; 1,3,2) = 1 / 2.
    table = param_importance(runs, "summary.m", correlation="spearman")
    assert table.to_dict("list") == {
        "param": ["config.x"],
        "importance": [1.0],
        "correlation": [0.5],
    }
    # Pearson on the raw values: deviations (-1, 0, 1) and (-360, 630, -270).
    pearson = param_importance(runs, "summary.m")["correlation"][0]
    assert pearson == pytest.approx(90 / math.sqrt(2 * 599_400))


def test_importance_ranks_the_parameter_that_drives_the_metric() -> None:
    rng = np.random.default_rng(7)
    n = 30
    lr = 10 ** rng.uniform(-5, -1, n)
    runs = pd.DataFrame(
        {
            "id": [f"r{i}" for i in range(n)],
            "config.lr": lr,
            "config.width": rng.integers(1, 500, n),
            "config.act": rng.choice(["relu", "tanh", "gelu"], n),
            "summary.loss": (np.log10(lr) + 3) ** 2,
        }
    )
    table = param_importance(runs, "summary.loss")
    assert table["param"].iloc[0] == "config.lr"
    assert set(table["param"]) == {"config.lr", "config.width", "config.act"}
    assert table["importance"].sum() == pytest.approx(1.0)
    assert math.isnan(table.set_index("param")["correlation"]["config.act"])
    assert table.equals(param_importance(runs, "summary.loss"))  # deterministic


def test_importance_with_fanova() -> None:
    pytest.importorskip("sklearn")
    runs = pd.DataFrame(
        {
            "id": list("abcdef"),
            "config.x": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
            "config.y": list("pqpqpq"),
            "summary.m": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
        }
    )
    evaluator = optuna.importance.FanovaImportanceEvaluator(n_trees=8, seed=0)
    table = param_importance(runs, "summary.m", evaluator=evaluator)
    assert table["param"].tolist() == ["config.x", "config.y"]
    assert table["correlation"][0] == pytest.approx(1.0)


def test_importance_leaves_out_incomplete_numeric_params_and_keeps_logging_quiet(
    capfd: pytest.CaptureFixture[str],
) -> None:
    runs = runs_frame()
    runs.loc[0, "config.batch"] = NAN
    verbosity = optuna.logging.get_verbosity()
    table = param_importance(runs, "summary.loss")
    assert sorted(table["param"]) == ["config.lr", "config.opt"]
    assert "study created" not in capfd.readouterr().err
    assert optuna.logging.get_verbosity() == verbosity


@pytest.mark.parametrize(
    "runs",
    [
        runs_frame().iloc[: MIN_RUNS_FOR_IMPORTANCE - 1],
        runs_frame().assign(**{"summary.loss": 1.0}),
        runs_frame()[["id", "summary.loss"]],
        runs_frame().iloc[:0],
    ],
    ids=["too-few-runs", "constant-metric", "no-params", "no-runs"],
)
def test_importance_with_nothing_to_measure_gives_empty_table_and_figure(
    runs: pd.DataFrame,
) -> None:
    table = param_importance(runs, "summary.loss")
    assert table.empty and list(table.columns) == ["param", "importance", "correlation"]
    fig = importance_table_figure(table, metric="summary.loss")
    assert fig.data == ()
    assert f"at least {MIN_RUNS_FOR_IMPORTANCE} runs" in fig.layout.annotations[0].text


def test_importance_figure_colours_correlation_by_sign() -> None:
    table = pd.DataFrame(
        {"param": ["config.lr", "config.opt", "config.batch"], "importance": [0.7, 0.2, 0.1],
         "correlation": [-0.5, NAN, 0.25], "level": [None, None, None], "ped_anova": [0.6, 0.3, 0.1]}
    )
    fig = importance_table_figure(table, metric="summary.loss")
    importance, correlation, _ = fig.data
    assert (importance.type, importance.orientation) == ("bar", "h")
    assert list(importance.y) == ["lr", "opt", "batch"] and list(importance.x) == [0.7, 0.2, 0.1]
    assert list(correlation.marker.color) == [charts._NEGATIVE, charts._POSITIVE, charts._POSITIVE]
    assert fig.layout.yaxis.autorange == "reversed" and list(fig.layout.xaxis2.range) == [-1, 1]


# -- line charts ---------------------------------------------------------------


def test_run_colors_follow_the_given_order_and_cycle() -> None:
    ids = [f"r{i}" for i in range(12)]
    colors = run_colors(["r0", *ids])
    assert list(colors) == ids
    assert (colors["r0"], colors["r9"], colors["r10"]) == (PALETTE[0], PALETTE[9], PALETTE[0])


def test_line_figure_one_subplot_per_key_one_trace_per_run() -> None:
    history = history_frame()
    names = {"a": "alpha"}
    panels = {key: metric_curves(history, key, names=names) for key in ["loss", "val/acc"]}
    fig = line_figure(panels, title="charts", colors={"b": "#123456"})
    assert isinstance(fig, go.Figure) and not isinstance(fig, go.FigureWidget)
    assert [(t.type, t.name) for t in fig.data] == [
        ("scatter", "alpha"), ("scatter", "b"), ("scatter", "alpha"), ("scatter", "b")
    ]
    assert [t.line.color for t in fig.data] == [PALETTE[0], "#123456", PALETTE[0], "#123456"]
    assert [t.showlegend for t in fig.data] == [True, True, False, False]
    assert [t.xaxis for t in fig.data] == ["x", "x", "x2", "x2"]
    assert [a.text for a in fig.layout.annotations] == ["loss", "val/acc"]
    assert [t.mode for t in fig.data] == ["lines", "lines", "markers", "markers"]  # one point each
    assert fig.layout.template.layout.paper_bgcolor == "white"
    assert 260 <= fig.layout.height <= 320 and fig.layout.margin.t <= 48


def test_line_figure_downsamples_long_runs_and_draws_wall_time_on_a_date_axis() -> None:
    n = 10_000
    history = pd.DataFrame(
        {
            "run_id": "a",
            "_step": np.arange(n),
            "_timestamp": 1.7e9 + np.arange(n),
            "loss": np.arange(n, dtype=float),
        }
    )
    fig = line_figure({"loss": metric_curves(history, "loss", x="wall")}, x="wall")
    (trace,) = fig.data
    # 999 buckets of a rising line keep their first and last points; the ends are among them.
    assert len(trace.x) == 1998
    assert fig.layout.xaxis.type == "date" and fig.layout.title.text == "loss"
    assert fig.layout.annotations == () and fig.layout.showlegend is False


def test_line_figure_lays_out_rows_of_three() -> None:
    curves = [Curve("a", "a", np.arange(3), np.arange(3.0))]
    fig = line_figure({f"k{i}": curves for i in range(4)}, title="many")
    assert [t.xaxis for t in fig.data] == ["x", "x2", "x3", "x4"]
    assert fig.layout.xaxis4.domain == fig.layout.xaxis.domain  # second row, first column
    assert fig.layout.height > 320


def test_line_figure_without_points_says_so() -> None:
    fig = line_figure({"loss": []})
    assert fig.data == () and fig.layout.annotations[0].text == "No points logged yet"


def test_line_figure_draws_lines_from_two_points_and_titles_a_lone_chart_by_its_key() -> None:
    one = [Curve("a", "a", np.arange(1), np.ones(1))]
    two = [Curve("a", "a", np.arange(2), np.ones(2))]
    fig = line_figure({"train/loss": two}, title="train")
    assert fig.data[0].mode == "lines" and fig.layout.title.text == "train/loss"
    assert fig.layout.autosize is True and fig.layout.width is None  # as wide as the output area
    assert fig.layout.xaxis.rangemode == "tozero"
    assert line_figure({"loss": one}).data[0].mode == "markers"  # one point: a marker, the line comes next


def test_system_charts_have_units_and_percentages_run_0_to_100() -> None:
    t = np.array([0.5, 2.5, 4.5])
    panels = {"system/cpu": [Curve("a", "a", t, np.array([3.0, 5.0, 4.0]))],
              "system/proc_rss_mb": [Curve("a", "a", t, np.array([300.0, 310.0, 320.0]))],
              "system/proc_cpu": [Curve("a", "a", t, np.array([150.0, 380.0, 200.0]))]}
    fig = line_figure(panels, title="system", x="relative")
    assert [a.text for a in fig.layout.annotations] == ["system/cpu (%)", "system/proc_rss_mb (MiB)",
                                                        "system/proc_cpu (%)"]
    assert list(fig.layout.yaxis.range) == [0, 100]
    assert fig.layout.yaxis2.rangemode == "tozero" and fig.layout.yaxis2.range is None
    assert fig.layout.yaxis3.range[0] == 0 and fig.layout.yaxis3.range[1] >= 380  # several cores
    assert fig.layout.xaxis.rangemode == "tozero" and fig.layout.xaxis.title.text == "Relative time (s)"
    assert charts.system_axis("system/net_recv_mb_s") == ("MiB/s", None)
    assert charts.system_axis("system/gpu.0.util") == ("%", (0.0, 100.0))
    assert charts.system_axis("loss") == ("", None)


def test_importance_of_a_single_parameter_is_a_note_not_a_giant_bar() -> None:
    table = pd.DataFrame({"param": ["config.lr"], "importance": [1.0], "correlation": [-0.8], "level": [None],
                          "ped_anova": [1.0]})
    fig = importance_table_figure(table, metric="summary.loss")
    assert fig.data == () and fig.layout.height <= 160
    assert "Only lr varies" in fig.layout.annotations[0].text and "-0.800" in fig.layout.annotations[0].text
    two = pd.concat([table, table.assign(param="config.bs", importance=0.3)], ignore_index=True)
    assert len(importance_table_figure(two, metric="summary.loss").data) == 3