"""System metrics: a background sampler of CPU, memory, disk, network and (with NVML) GPUs.

The samples form a stream of their own, apart from the run's history: the store
keeps them in `system_chunks` (shaped like metric chunks, with the sample number
as the step), so `run.log`'s `_step` counter and `nbtrack.history()` never see
them. Read them with `nbtrack.system_history(runs)`, indexed by sample number,
wall time and runtime. Keys are `system/...`, the views' "system" group.

Switch it off with `init(settings={"_disable_stats": True})` (W&B's setting) or
`NBTRACK_SYSTEM_METRICS=0`; set the interval with
`settings={"_stats_sample_rate_seconds": 10}` or `NBTRACK_SYSTEM_INTERVAL=10`.
"""

from __future__ import annotations

import logging
import math
import os
import threading
import time
from collections import deque
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .store import ChunkWrite, Store

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["SystemSampler", "sampling_interval", "system_history", "DEFAULT_INTERVAL"]

_log = logging.getLogger("nbtrack")

DEFAULT_INTERVAL = 2.0  # seconds between samples
WRITE_INTERVAL = 10.0  # seconds between writes of the buffered samples (and at the end of the run)
CHUNK_SAMPLES = 2048  # samples per stored chunk of one key
_MB = float(2**20)
_OFF = ("0", "false", "no", "off")
_nvml_lock = threading.Lock()
_nvml_state: dict[str, Any] = {}


def sampling_interval(settings: Any = None) -> float | None:
    """Seconds between samples from `init(settings=...)` and the environment; None when switched off."""
    if os.environ.get("NBTRACK_SYSTEM_METRICS", "").strip().lower() in _OFF:
        return None

    def get(name: str) -> Any:
        if settings is None:
            return None
        return settings.get(name) if isinstance(settings, Mapping) else getattr(settings, name, None)

    if get("_disable_stats") or get("x_disable_stats"):
        return None
    value = next((v for v in (get("_stats_sample_rate_seconds"), get("x_stats_sampling_interval"),
                              os.environ.get("NBTRACK_SYSTEM_INTERVAL") or None) if v is not None), None)
    if value is None:
        return DEFAULT_INTERVAL
    interval = float(value)
    if not (interval > 0 and math.isfinite(interval)):
        raise ValueError(f"system metrics: the sampling interval must be a positive number of seconds, not {value!r}")
    return interval


def _gpus() -> tuple[Any, list[Any]] | None:
    """(pynvml, device handles) when NVIDIA's management library is importable and initialises; else None."""
    with _nvml_lock:
        if "result" not in _nvml_state:
            result = None
            try:
                import pynvml

                pynvml.nvmlInit()
                result = (pynvml, [pynvml.nvmlDeviceGetHandleByIndex(i) for i in range(pynvml.nvmlDeviceGetCount())])
            except Exception:  # no package, no driver, no device: no GPU metrics
                result = None
            _nvml_state["result"] = result
        return _nvml_state["result"]


def gpu_sample(nvml: Any, handles: Sequence[Any]) -> dict[str, float]:
    """Utilisation, memory, temperature and power of each GPU (what a device does not support is left out)."""
    out: dict[str, float] = {}
    for i, h in enumerate(handles):
        p = f"system/gpu.{i}."
        for name, read in (
            ("util", lambda: nvml.nvmlDeviceGetUtilizationRates(h).gpu),
            ("mem_used_mb", lambda: nvml.nvmlDeviceGetMemoryInfo(h).used / _MB),
            ("mem_percent", lambda: 100.0 * (m := nvml.nvmlDeviceGetMemoryInfo(h)).used / m.total),
            ("temp_c", lambda: nvml.nvmlDeviceGetTemperature(h, nvml.NVML_TEMPERATURE_GPU)),
            ("power_w", lambda: nvml.nvmlDeviceGetPowerUsage(h) / 1000.0),
        ):
            try:
                out[p + name] = float(read())
            except Exception:
                continue
    return out


class _Probe:
    """Reads the machine's counters; I/O figures are rates since the previous reading."""

    def __init__(self, disk_path: Path, gpu: bool) -> None:
        import psutil

        self._psutil = psutil
        self._proc = psutil.Process()
        self._disk_path = str(disk_path)
        self._gpus = _gpus() if gpu else None
        psutil.cpu_percent(None)
        self._proc.cpu_percent(None)
        self._t = time.time()
        self._disk = self._safe(psutil.disk_io_counters)
        self._net = self._safe(psutil.net_io_counters)

    @staticmethod
    def _safe(read: Any) -> Any:
        try:
            return read()
        except Exception:
            return None

    def sample(self) -> tuple[float, dict[str, float]]:
        """(time, {key: value}) of one reading."""
        ps = self._psutil
        now = time.time()
        dt = max(now - self._t, 1e-6)
        out = {
            "system/cpu": ps.cpu_percent(None),
            "system/memory": ps.virtual_memory().percent,
            "system/proc_rss_mb": self._proc.memory_info().rss / _MB,
            "system/proc_cpu": self._proc.cpu_percent(None),
        }
        usage = self._safe(lambda: ps.disk_usage(self._disk_path))
        if usage is not None:
            out["system/disk"] = usage.percent
        disk, net = self._safe(ps.disk_io_counters), self._safe(ps.net_io_counters)
        if disk is not None and self._disk is not None:
            out["system/disk_read_mb_s"] = max(0, disk.read_bytes - self._disk.read_bytes) / _MB / dt
            out["system/disk_write_mb_s"] = max(0, disk.write_bytes - self._disk.write_bytes) / _MB / dt
        if net is not None and self._net is not None:
            out["system/net_recv_mb_s"] = max(0, net.bytes_recv - self._net.bytes_recv) / _MB / dt
            out["system/net_sent_mb_s"] = max(0, net.bytes_sent - self._net.bytes_sent) / _MB / dt
        self._t, self._disk, self._net = now, disk, net
        if self._gpus is not None:
            out.update(gpu_sample(*self._gpus))
        return now, {k: float(v) for k, v in out.items()}


class SystemSampler:
    """Samples every `interval` seconds in a daemon thread and writes the stream to the store."""

    def __init__(self, store: Store, run_id: str, *, interval: float = DEFAULT_INTERVAL, gpu: bool = True,
                 label: str | None = None) -> None:
        """`label` (another process's, in a multi-process run) makes the keys `system/<label>/...`."""
        self.store = store
        self.label = label
        self.run_id = run_id
        self.interval = float(interval)
        self.samples = 0
        self.error: BaseException | None = None
        self._gpu = gpu
        self._probe: _Probe | None = None
        self._seq = self._next = 0
        self._tail: dict[str, tuple[list[int], list[float], list[float]]] = {}
        self._tail_samples = 0
        self._dirty = False
        self._last_write = time.monotonic()
        self._taps: list[deque[tuple[float, dict[str, float]]]] = []
        self._lock = threading.RLock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name=f"nbtrack-system-{run_id}", daemon=True)

    def start(self) -> None:
        """Start sampling in the background."""
        self._thread.start()

    def tap(self) -> deque[tuple[float, dict[str, float]]]:
        """A queue that receives every sample `(time, {key: value})` from now on (for live views)."""
        queue: deque[tuple[float, dict[str, float]]] = deque()
        self._taps.append(queue)
        return queue

    def _begin(self) -> None:
        path = getattr(self.store, "path", None)
        disk_path = path.parent if isinstance(path, Path) and path.parent.exists() else Path(os.sep)
        self._seq, self._next = self.store.system_position(self.run_id)
        self._probe = _Probe(disk_path, self._gpu)

    def _loop(self) -> None:
        try:
            self._begin()
        except Exception as exc:  # no psutil, store unreadable: the run goes on without system metrics
            self.error = exc
            _log.warning("nbtrack: system metrics of run %s are off: %s", self.run_id, exc)
            return
        while not self._stop.wait(self.interval):
            self.sample()
            if time.monotonic() - self._last_write >= WRITE_INTERVAL:
                self.flush()

    def sample(self) -> dict[str, float] | None:
        """Take one reading now and buffer it; None when the sampler is not running."""
        with self._lock:
            if self._probe is None:
                return None
            try:
                t, row = self._probe.sample()
                if self.label:
                    row = {f"system/{self.label}/{k.removeprefix('system/')}": v for k, v in row.items()}
            except Exception as exc:
                if self.error is None:
                    _log.warning("nbtrack: a system metrics reading of run %s failed: %s", self.run_id, exc)
                self.error = exc
                return None
            step = self._next
            self._next += 1
            for key, value in row.items():
                col = self._tail.get(key)
                if col is None:
                    col = self._tail[key] = ([], [], [])
                col[0].append(step)
                col[1].append(t)
                col[2].append(value)
            self._tail_samples += 1
            self.samples += 1
            self._dirty = True
        for queue in self._taps:
            queue.append((t, row))
        return row

    def flush(self) -> bool:
        """Write the buffered samples (the current chunk of each key); False when the store failed."""
        with self._lock:
            if not self._dirty:
                return True
            chunks = [ChunkWrite(k, self._seq, list(s), list(t), list(v)) for k, (s, t, v) in self._tail.items()]
            try:
                self.store.write_system(self.run_id, chunks)
            except Exception as exc:  # keep the samples; the next write retries
                if self.error is None:
                    _log.warning("nbtrack: could not write system metrics of run %s: %s", self.run_id, exc)
                self.error = exc
                return False
            self._dirty = False
            self._last_write = time.monotonic()
            if self._tail_samples >= CHUNK_SAMPLES:
                self._seq, self._tail, self._tail_samples = self._seq + 1, {}, 0
            return True

    def stop(self) -> None:
        """Stop the thread, take a reading if there is none yet (so even a short run has one), write everything."""
        self._stop.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout=10)
        if self.samples == 0:
            self.sample()
        self.flush()


def system_history(runs: Any, keys: Sequence[str] | str | None = None, *, store: Store | None = None) -> pd.DataFrame:
    """System samples as one frame: `run_id, _sample, _timestamp, _runtime` and a column per `system/...` key."""
    import numpy as np
    import pandas as pd

    from . import _current
    from ._query import _align, _run_ids
    from .store import open_store

    st = store or open_store()
    ids = list(dict.fromkeys(_run_ids(runs, st)))
    key_list = [keys] if isinstance(keys, str) else (list(keys) if keys is not None else None)
    for run in list(_current.active):
        if run.id in ids:
            run.flush()
    data = st.read_system(ids, key_list)
    created = {r.id: r.created_at for r in st.list_runs(ids=ids)}
    all_keys = key_list if key_list is not None else sorted({k for per in data.values() for k in per})
    columns = ["run_id", "_sample", "_timestamp", "_runtime", *all_keys]
    parts: dict[str, list[Any]] = {c: [] for c in columns}
    for rid in ids:
        per = data.get(rid) or {}
        if not per:
            continue
        steps, times, values = _align(per)
        parts["run_id"].append(np.full(len(steps), rid, dtype=object))
        parts["_sample"].append(steps)
        parts["_timestamp"].append(times)
        parts["_runtime"].append(times - created.get(rid, times[0]))
        for k in all_keys:
            parts[k].append(values[k] if k in values else np.full(len(steps), math.nan))
    if not parts["run_id"]:
        return pd.DataFrame({c: [] for c in columns}).astype({"_sample": "int64", "_timestamp": "float64"})
    return pd.DataFrame({c: np.concatenate(v) for c, v in parts.items()})
