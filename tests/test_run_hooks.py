"""A Run's extension points: row observers and finish observers, as views, sweeps and integrations use them."""

from __future__ import annotations

import logging
from typing import Any

import pytest

import nbtrack
from nbtrack import RunPruned
from nbtrack.store import _connect, store_url


def test_row_observers_see_each_accepted_row_in_order_until_removed() -> None:
    seen: list[tuple[str, int, dict[str, Any]]] = []
    with nbtrack.init(project="hooks") as run:
        run.log({"a": 1.0})  # before any observer: nobody sees it

        def first(step: int, t: float, row: dict[str, Any]) -> None:
            assert isinstance(t, float)
            seen.append(("first", step, dict(row)))

        def second(step: int, t: float, row: dict[str, Any]) -> None:
            seen.append(("second", step, dict(row)))

        run.add_row_observer(first)
        run.add_row_observer(second)
        run.add_row_observer(first)  # adding twice keeps one
        run.log({"a": 2.0, "b": {"c": 3}})
        run.remove_row_observer(first)
        run.log({"a": 4.0}, step=7)
    assert seen == [("first", 1, {"a": 2.0, "b/c": 3}), ("second", 1, {"a": 2.0, "b/c": 3}),
                    ("second", 7, {"a": 4.0})]


def test_an_observer_that_raises_stops_the_caller_but_not_the_other_observers_nor_the_row() -> None:
    seen: list[int] = []

    def prune(step: int, t: float, row: dict[str, Any]) -> None:
        raise RunPruned("stopped by the test")

    with pytest.raises(RunPruned, match="stopped by the test"):
        with nbtrack.init(project="hooks") as run:
            run.add_row_observer(prune)
            run.add_row_observer(lambda step, t, row: seen.append(step))
            run.log({"loss": 0.5})
    assert seen == [0] and run.state == "pruned"
    st = _connect(store_url())
    try:
        assert list(st.read_history([run.id], ["loss"])[run.id]["loss"].values) == [0.5]
    finally:
        st.close()


def test_finish_observers_run_once_after_the_final_state_is_stored_and_survive_each_others_errors(
        caplog: pytest.LogCaptureFixture) -> None:
    calls: list[tuple[str, str]] = []
    run = nbtrack.init(project="hooks")
    st = _connect(store_url())

    def broken(r: Any) -> None:
        raise RuntimeError("observer bug")

    def record(r: Any) -> None:
        stored = st.get_run(r.id)
        calls.append((r.state, stored.state if stored else "missing"))

    def dropped(r: Any) -> None:
        calls.append(("dropped", r.state))

    run.add_finish_observer(broken)
    run.add_finish_observer(record)
    run.add_finish_observer(record)
    run.add_finish_observer(dropped)
    run.remove_finish_observer(dropped)
    with caplog.at_level(logging.WARNING, logger="nbtrack"):
        run.finish()
        run.finish()
    st.close()
    assert calls == [("finished", "finished")]
    assert "observer bug" in caplog.text
    assert nbtrack.run is None  # the registry forgets a finished run through its own finish observer


def test_extension_reads_are_public_and_read_only_views_of_the_run() -> None:
    with nbtrack.init(project="hooks", settings={"x_stats_sampling_interval": 60.0}) as run:
        assert run.metric_rules is None and run.alerts == ()
        run.define_metric("loss", summary="min")
        assert run.metric_rules is not None and run.metric_rules.lookup("loss").summary == ("min",)
        run.alert("hello", "world")
        assert [a.title for a in run.alerts] == ["hello"]
        assert run.system_sampler is not None and run.system_sampler.interval == 60.0
        run.log({"loss": 1.0})
        assert run.flush() is True
        st = _connect(store_url())
        try:
            assert list(st.read_history([run.id], ["loss"])[run.id]["loss"].values) == [1.0]
        finally:
            st.close()
