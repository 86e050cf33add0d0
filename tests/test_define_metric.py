"""`define_metric` with W&B's meaning: summaries shaped per metric (`{"min": ...}`), goals, globs,
step metrics synced into rows and used as the live view's x-axis, hidden keys, stored definitions."""

from __future__ import annotations

import math
from collections.abc import Iterator

import pytest

import nbtrack
from nbtrack.store import Store, _connect, store_url


@pytest.fixture
def disk() -> Iterator[Store]:
    st = _connect(store_url())
    yield st
    st.close()


def stored_summary(disk: Store, run_id: str) -> dict[str, object]:
    found = disk.get_run(run_id)
    assert found is not None
    return found.summary


def test_summaries_take_w_and_b_shapes(disk: Store) -> None:
    with nbtrack.init(project="dm") as run:
        run.define_metric("loss", summary="min")
        run.define_metric("acc", summary="max,mean,last,first")
        run.define_metric("score", summary="best", goal="maximize")
        run.define_metric("err", summary="best")  # goal defaults to minimize
        run.define_metric("noise", summary="none")
        run.define_metric("lr", summary="copy")
        for loss, acc in [(0.9, 0.5), (0.3, 0.7), (0.6, 0.6)]:
            run.log({"loss": loss, "acc": acc, "score": acc * 10, "err": loss, "noise": 1.0, "lr": 0.1, "plain": loss})
        assert run.summary["loss"] == {"min": 0.3}
    expected = {
        "loss": {"min": 0.3},
        "acc": {"max": 0.7, "mean": pytest.approx(0.6), "last": 0.6, "first": 0.5},
        "score": {"best": 7.0},
        "err": {"best": 0.3},
        "lr": 0.1,
        "plain": 0.6,
    }
    summary = stored_summary(disk, run.id)
    assert summary == expected and "noise" not in summary


def test_globs_exact_names_and_non_numbers(disk: Store) -> None:
    with nbtrack.init(project="dm") as run:
        run.define_metric("val/*", summary="max")
        run.define_metric("val/loss", summary="min")  # exact beats glob
        run.define_metric("*_time", summary="mean")
        run.log({"val/acc": 0.5, "val/loss": 2.0, "train/loss": 3.0, "epoch_time": 1.0, "val/name": "a"})
        run.log({"val/acc": float("nan"), "val/loss": 1.0, "train/loss": 2.0, "epoch_time": 3.0, "val/name": "b"})
    summary = stored_summary(disk, run.id)
    assert summary["val/acc"] == {"max": 0.5}  # NaN does not count
    assert summary["val/loss"] == {"min": 1.0}
    assert summary["train/loss"] == 2.0
    assert summary["epoch_time"] == {"mean": 2.0}
    assert "val/name" not in summary  # text has no min/max, as in W&B


def test_step_metric_is_synced_into_rows() -> None:
    with nbtrack.init(project="dm") as run:
        run.define_metric("epoch")
        run.define_metric("val/*", step_metric="epoch")
        run.define_metric("test/*", step_metric="epoch", step_sync=False)
        for epoch in range(3):
            run.log({"epoch": epoch, "train/loss": 1.0})
            run.log({"val/acc": epoch / 10})
            run.log({"test/acc": 0.0})
    frame = nbtrack.history(run)
    val = frame[frame["val/acc"].notna()]
    assert list(val["epoch"]) == [0, 1, 2]
    test = frame[frame["test/acc"].notna()]
    assert test["epoch"].isna().all()
    assert list(frame["_step"]) == list(range(9))  # the step axis is unchanged


def test_definitions_are_stored_merged_and_validated(disk: Store) -> None:
    with nbtrack.init(project="dm") as run:
        nbtrack.define_metric("loss", summary="min", goal="min")
        d = nbtrack.define_metric("loss", hidden=True)  # merges into the first definition
        assert (d.summary, d.goal, d.hidden, d.step_metric) == (("min",), "minimize", True, None)
        d = run.define_metric("loss", summary="max", overwrite=True)
        assert (d.summary, d.goal, d.hidden) == (("max",), None, False)
        run.define_metric("val/*", step_metric="epoch", summary="last")
        for bad, match in [({"summary": "median"}, "unknown summary"), ({"goal": "up"}, "goal"),
                           ({"summary": "copy,min"}, "cannot be combined"), ({"step_metric": "a*"}, "step_metric")]:
            with pytest.raises(ValueError, match=match):
                run.define_metric("x", **bad)  # type: ignore[arg-type]
        with pytest.raises(ValueError, match="name"):
            run.define_metric("")
    capture = disk.get_capture(run.id)
    assert capture is not None
    assert capture["metric_defs"] == [
        {"name": "loss", "step_metric": None, "step_sync": False, "hidden": False, "summary": ["max"], "goal": None},
        {"name": "val/*", "step_metric": "epoch", "step_sync": True, "hidden": False, "summary": ["last"],
         "goal": None},
    ]
    with pytest.raises(nbtrack.UsageError):
        nbtrack.define_metric("loss")


def test_a_run_without_definitions_keeps_the_plain_summary() -> None:
    with nbtrack.init(project="dm") as run:
        run.log({"loss": 1.0})
        assert run._metrics is None and run.summary["loss"] == 1.0


def test_resumed_run_continues_the_aggregates(disk: Store) -> None:
    with nbtrack.init(project="dm", id="dm-resume") as run:
        run.define_metric("loss", summary="min,max")
        run.log({"loss": 0.2})
        run.log({"loss": 0.8})
    with nbtrack.init(project="dm", id="dm-resume", resume="allow") as again:
        again.define_metric("loss", summary="min,max")
        again.log({"loss": 0.5})
    assert stored_summary(disk, again.id)["loss"] == {"min": 0.2, "max": 0.8}


def test_live_view_hides_keys_and_plots_against_the_step_metric() -> None:
    from nbtrack.ui.live import LiveRunView

    run = nbtrack.init(project="dm", settings={"_disable_stats": True})
    view = LiveRunView(run)
    run.define_metric("debug/*", hidden=True)
    run.define_metric("val/acc", step_metric="epoch")
    for epoch in range(3):
        run.log({"train/loss": 1.0, "debug/norm": 5.0})
        run.log({"epoch": 10 * epoch, "val/acc": epoch / 10})
    view.redraw()
    assert "debug/norm" not in view._points
    x, y = view._points["val/acc"].view()
    assert list(x) == [0.0, 10.0, 20.0] and list(y) == [0.0, 0.1, 0.2]
    x, _ = view._points["train/loss"].view()
    assert list(x) == [0.0, 2.0, 4.0]
    run.finish()
    assert not math.isnan(run.summary["val/acc"])
