"""One measurement in a fresh interpreter: `python _child.py SPEC.json RESULT.json`.

The parent (`bench_log.py`) starts one of these per task so that import time
and peak RSS belong to that task alone. Only the standard library is imported
before the timed parts; the result (or the error) goes to RESULT.json.
"""

from __future__ import annotations

import json
import random
import resource
import statistics
import sys
import time
import traceback
from pathlib import Path

clock = time.perf_counter


def _columns(n: int, seed: int) -> list[list[float]]:
    """Five noisy, realistic metric series (random mantissas, so nothing compresses for free)."""
    rng = random.Random(seed)
    loss = [2.5 / (1 + i / 500) + rng.gauss(0, 0.05) for i in range(n)]
    acc = [min(1.0, 0.1 + 0.9 * (1 - 1 / (1 + i / 800)) + rng.gauss(0, 0.01)) for i in range(n)]
    lr = [3e-4 * (0.5 ** (i / 2000)) * (1 + rng.random() * 1e-9) for i in range(n)]
    grad = [abs(rng.gauss(1.0, 0.3)) for _ in range(n)]
    val = [x + rng.gauss(0.1, 0.02) for x in loss]
    return [loss, acc, lr, grad, val]


def _maxrss_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux


def _points(frame, keys) -> int:
    return int(sum(int(frame[k].notna().sum()) for k in keys if k in frame.columns))


def task_import(tool, spec):
    t0 = clock()
    tool.load()
    return {"import_s": clock() - t0}


def task_seed(tool, spec):
    """Create the store (first run ever in it): the 'new store' init."""
    import pandas  # noqa: F401

    mod = tool.load()
    store = Path(spec["store"])
    t0 = clock()
    run = tool.init(mod, store, spec["project"], "seed", {"lr": 3e-4, "batch_size": 64})
    t1 = clock()
    tool.loop(mod, run, _columns(10, 1), 10)
    tool.finish(mod, run)
    return {"init_new_s": t1 - t0}


def task_work(tool, spec):
    """The main workload: init on an existing store, N log calls, finish."""
    import pandas  # noqa: F401

    t0 = clock()
    mod = tool.load()
    import_s = clock() - t0
    n = spec["steps"]
    cols = _columns(n, 2)
    store = Path(spec["store"])
    from _tools import dir_bytes

    before = dir_bytes(store)
    t0 = clock()
    run = tool.init(mod, store, spec["project"], "main", {"lr": 3e-4, "batch_size": 64, "optimizer": "adam"})
    t1 = clock()
    tool.loop(mod, run, cols, n)
    t2 = clock()
    tool.finish(mod, run)
    t3 = clock()
    after = dir_bytes(store)
    return {
        "import_with_pandas_s": import_s, "init_existing_s": t1 - t0, "loop_us": (t2 - t1) / n * 1e6,
        "finish_s": t3 - t2, "log_us": (t3 - t1) / n * 1e6, "steps": n, "ref": tool.ref(run),
        "bytes_before": before, "bytes_after_finish": after, "maxrss": _maxrss_bytes(),
    }


def task_init(tool, spec):
    """Import + first init in a fresh process, then later inits in the same process (existing store)."""
    store = Path(spec["store"])
    t0 = clock()
    mod = tool.load()
    t1 = clock()
    run = tool.init(mod, store, spec["project"], "init-0", {"lr": 3e-4})
    t2 = clock()
    tool.finish(mod, run)
    warm = []
    for i in range(spec.get("warm", 3)):
        t = clock()
        run = tool.init(mod, store, spec["project"], f"init-{i + 1}", {"lr": 3e-4})
        warm.append(clock() - t)
        tool.finish(mod, run)
    return {"import_init_s": t2 - t0, "init_first_s": t2 - t1, "init_warm_s": statistics.median(warm)}


def task_read(tool, spec):
    """History back into a DataFrame in a fresh process, pandas and the reader imported first."""
    import pandas  # noqa: F401

    from _tools import KEYS

    tool.prepare_read()
    store = Path(spec["store"])
    times, frame = [], None
    for _ in range(spec.get("reads", 5)):
        t = clock()
        frame = tool.read(store, spec["project"], spec["ref"])
        times.append(clock() - t)
    return {"read_first_s": times[0], "read_warm_s": statistics.median(times[1:] or times),
            "rows": len(frame), "points": _points(frame, KEYS)}


def task_scale_write(tool, spec):
    """nbtrack alone: R runs x N steps x 5 keys into one store, one after another."""
    mod = tool.load()
    store = Path(spec["store"])
    n, per_run = spec["steps"], []
    cols = _columns(n, 3)
    t0 = clock()
    for r in range(spec["runs"]):
        t = clock()
        run = tool.init(mod, store, spec["project"], f"run-{r}", {"lr": 3e-4 * (r + 1), "seed": r})
        t1 = clock()
        tool.loop(mod, run, cols, n)
        tool.finish(mod, run)
        per_run.append(((clock() - t1) / n * 1e6, t1 - t))
    return {"write_s": clock() - t0, "log_us": statistics.median(p[0] for p in per_run),
            "init_s": statistics.median(p[1] for p in per_run), "maxrss": _maxrss_bytes()}


def task_scale_read(tool, spec):
    """nbtrack alone: every run of the project into one DataFrame, and one run (5 x N points)."""
    import pandas  # noqa: F401

    import nbtrack
    from _tools import KEYS

    out = {}
    t = clock()
    runs = nbtrack.runs(spec["project"])
    out["runs_first_s"] = clock() - t
    ids = list(runs["id"])
    one = ids[len(ids) // 2]
    times = []
    for _ in range(6):
        t = clock()
        frame = nbtrack.history(one)
        times.append(clock() - t)
    out.update(one_first_s=times[0], one_warm_s=statistics.median(times[1:]), one_points=_points(frame, KEYS))
    del frame
    times = []
    for _ in range(spec.get("reads", 3)):
        t = clock()
        frame = nbtrack.history(spec["project"])
        times.append(clock() - t)
        out["all_points"] = _points(frame, KEYS)
        out["all_rows"] = len(frame)
        del frame
    out.update(all_first_s=times[0], all_warm_s=statistics.median(times[1:] or times), runs=len(ids),
               maxrss=_maxrss_bytes())
    return out


TASKS = {name[5:]: fn for name, fn in globals().items() if name.startswith("task_")}


def main() -> None:
    spec = json.loads(Path(sys.argv[1]).read_text())
    out_path = Path(sys.argv[2])
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    try:
        from _tools import TOOLS

        result = TASKS[spec["task"]](TOOLS[spec["tool"]], spec)
        result["ok"] = True
    except BaseException as exc:  # report, never hang the parent
        result = {"ok": False, "error": f"{type(exc).__name__}: {exc}", "traceback": traceback.format_exc()}
    out_path.write_text(json.dumps(result))


if __name__ == "__main__":
    main()
