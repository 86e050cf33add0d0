"""System metrics: sampled in the background as a stream apart from the run's history (its `_step`
axis and keys untouched), read back with `nbtrack.system_history`, switched off by settings or env."""

from __future__ import annotations

import math
import time
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

import nbtrack
from nbtrack._system import DEFAULT_INTERVAL, gpu_sample, sampling_interval
from nbtrack.ui.charts import SYSTEM_GROUP, group_keys

CORE_KEYS = {"system/cpu", "system/memory", "system/proc_rss_mb", "system/proc_cpu"}


def test_samples_are_recorded_apart_from_the_history() -> None:
    with nbtrack.init(project="sys", settings={"_stats_sample_rate_seconds": 0.05}) as run:
        for i in range(4):
            run.log({"loss": 1.0 / (i + 1)})
            time.sleep(0.1)
        assert run.step == 4
    frame = nbtrack.system_history(run)
    assert len(frame) >= 4
    assert CORE_KEYS <= set(frame.columns)
    assert list(frame["_sample"]) == list(range(len(frame)))
    assert (np.diff(frame["_timestamp"]) > 0).all() and (frame["_runtime"] >= 0).all()
    assert (frame["system/proc_rss_mb"] > 1).all() and frame["system/memory"].between(0, 100).all()
    for key in ("system/disk_read_mb_s", "system/net_recv_mb_s"):
        if key in frame:
            assert (frame[key] >= 0).all()
    history = nbtrack.history(run)
    assert list(history.columns) == ["run_id", "_step", "_timestamp", "loss"]
    assert list(history["_step"]) == [0, 1, 2, 3]
    assert not any(k.startswith("system/") for k in run.summary.keys())
    assert list(group_keys(frame.columns))[-1] == SYSTEM_GROUP


def test_a_short_run_still_has_a_sample() -> None:
    with nbtrack.init(project="sys") as run:  # default interval (2 s) never elapses
        run.log({"x": 1.0})
    assert run._system is not None and run._system.interval == DEFAULT_INTERVAL
    frame = nbtrack.system_history(run, keys=["system/cpu", "system/memory"])
    assert list(frame.columns) == ["run_id", "_sample", "_timestamp", "_runtime", "system/cpu", "system/memory"]
    assert len(frame) == 1 and not math.isnan(frame["system/memory"].iloc[0])


@pytest.mark.parametrize("settings", [{"_disable_stats": True}, {"x_disable_stats": True}, "Settings", None])
def test_system_metrics_can_be_switched_off(settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    if settings == "Settings":
        settings = nbtrack.Settings(x_disable_stats=True)
    if settings is None:
        monkeypatch.setenv("NBTRACK_SYSTEM_METRICS", "0")
    with nbtrack.init(project="sys", settings=settings) as run:
        run.log({"x": 1.0})
        assert run._system is None
    assert nbtrack.system_history(run).empty
    assert not [t for t in __import__("threading").enumerate() if t.name == f"nbtrack-system-{run.id}"]


def test_interval_from_settings_and_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    assert sampling_interval(None) == DEFAULT_INTERVAL
    assert sampling_interval({"_stats_sample_rate_seconds": 7}) == 7.0
    assert sampling_interval(SimpleNamespace(x_stats_sampling_interval=0.5, _disable_stats=False)) == 0.5
    monkeypatch.setenv("NBTRACK_SYSTEM_INTERVAL", "3")
    assert sampling_interval(None) == 3.0
    with nbtrack.init(project="sys") as run:
        assert run._system is not None and run._system.interval == 3.0
    for bad in (0, -1, "nan"):
        with pytest.raises(ValueError, match="interval"):
            sampling_interval({"_stats_sample_rate_seconds": bad})
    monkeypatch.setenv("NBTRACK_SYSTEM_METRICS", "off")
    assert sampling_interval({"_stats_sample_rate_seconds": 1}) is None


def test_a_resumed_run_continues_the_sample_numbers() -> None:
    with nbtrack.init(project="sys", id="resumed1", settings={"_stats_sample_rate_seconds": 0.05}) as run:
        time.sleep(0.2)
    first = len(nbtrack.system_history(run))
    with nbtrack.init(project="sys", id="resumed1", resume="allow",
                      settings={"_stats_sample_rate_seconds": 0.05}) as again:
        time.sleep(0.2)
    frame = nbtrack.system_history(again)
    assert len(frame) > first and list(frame["_sample"]) == list(range(len(frame)))


def test_disabled_mode_samples_nothing() -> None:
    with nbtrack.init(project="sys", mode="disabled") as run:
        run.log({"x": 1.0})
        assert run._system is None


class FakeNvml:
    """Stands in for pynvml (no NVIDIA GPU here): device 0 answers everything, device 1 has no power sensor."""

    NVML_TEMPERATURE_GPU = 0

    class NVMLError(Exception):
        pass

    def nvmlDeviceGetUtilizationRates(self, h: int) -> Any:  # noqa: N802 - NVML's names
        return SimpleNamespace(gpu=40 + h, memory=10)

    def nvmlDeviceGetMemoryInfo(self, h: int) -> Any:  # noqa: N802
        return SimpleNamespace(used=2 * 2**30, total=8 * 2**30)

    def nvmlDeviceGetTemperature(self, h: int, sensor: int) -> int:  # noqa: N802
        return 61

    def nvmlDeviceGetPowerUsage(self, h: int) -> int:  # noqa: N802
        if h == 1:
            raise self.NVMLError("not supported")
        return 123_456


def test_gpu_readings_are_named_per_device() -> None:
    out = gpu_sample(FakeNvml(), [0, 1])
    assert out == {
        "system/gpu.0.util": 40.0, "system/gpu.0.mem_used_mb": 2048.0, "system/gpu.0.mem_percent": 25.0,
        "system/gpu.0.temp_c": 61.0, "system/gpu.0.power_w": 123.456,
        "system/gpu.1.util": 41.0, "system/gpu.1.mem_used_mb": 2048.0, "system/gpu.1.mem_percent": 25.0,
        "system/gpu.1.temp_c": 61.0,
    }


def test_live_view_draws_system_samples_against_time() -> None:
    from nbtrack.ui.live import LiveRunView

    run = nbtrack.init(project="sys", settings={"_stats_sample_rate_seconds": 0.05})
    view = LiveRunView(run)
    run.log({"loss": 0.5})
    time.sleep(0.3)
    view.redraw()
    assert "system/cpu" in view._points and "loss" in view._points
    x, _ = view._points["system/cpu"].view()
    assert len(x) >= 2 and (np.diff(x) > 0).all() and x[-1] < 60
    assert "system" in view._figures and view._figures["system"].layout.xaxis.title.text == "Relative time (s)"
    run.finish()
