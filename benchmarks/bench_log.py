"""nbtrack's logging benchmark, side by side with wandb (offline), MLflow (sqlite) and trackio.

    python benchmarks/bench_log.py            # full run (several minutes; MLflow dominates)
    python benchmarks/bench_log.py --quick    # smaller, indicative figures

Every measurement runs in its own fresh interpreter (`_child.py`), started by
this process, so import time and peak RSS belong to one task. A peer that is
not installed, or fails offline, is reported as such and the others still run.
The output is markdown: paste the tables as they are.

What is measured, per tool and repeat (medians over repeats are shown):
  import       `import X` in a fresh interpreter (median of several; one warm-up discarded)
  init         first `init` in a fresh process on an existing store; later inits in the same
               process; and the first init ever (creating the store)
  log          10,000 calls of `log({5 scalars})`, amortised: first call through `finish()`
               (flush included) / 10,000; also the loop alone, and `finish()` alone
  history      the run's points back into a pandas DataFrame in a fresh process, pandas and
               the reader imported before timing (first call, and the median of later calls)
  disk         growth of the store directory from before `init` to right after `finish()`
               (WAL files included), and after the process has exited
  peak RSS     `getrusage(RUSAGE_SELF).ru_maxrss` of the logging process, and that plus the
               sampled peak of its helper processes (wandb logs through a `wandb-core` service)
A warm-up pass per tool (results discarded) compiles bytecode first, so no figure
includes compiling a tool's sources.
Then nbtrack alone at scale: R runs x 10,000 steps x 5 keys written, then read back.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path
from typing import Any, Callable

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _tools import TOOLS, Tool, dir_bytes  # noqa: E402

CHILD = HERE / "_child.py"
PYCACHE = Path(tempfile.gettempdir()) / "nbtrack-bench-pycache"  # set in main()
SLOW = {"mlflow"}  # peers whose logging costs milliseconds: fewer steps in --quick, fewer repeats
_ENV_DROP = ("NBTRACK_", "WANDB_", "MLFLOW_", "TRACKIO_", "HF_")

# Targets from issue 2 (nbtrack only).
T_IMPORT, T_INIT, T_INIT_NEW, T_LOG = 0.1, 0.005, 0.030, 3.0
T_READ_50K, T_READ_5M, T_BYTES = 0.020, 1.0, 12.0


class ChildError(RuntimeError):
    pass


# -- running children -----------------------------------------------------------

def _clean_env(extra: dict[str, str], pycache: Path) -> dict[str, str]:
    """The parent's environment without tracker settings; bytecode cached as an installed package has it.

    PYTHONDONTWRITEBYTECODE (set in some dev shells) would make every child recompile nbtrack's
    sources (an editable install) while the peers load pip's precompiled files; instead every
    tool compiles once, in a warm-up pass, into a private PYTHONPYCACHEPREFIX.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith(_ENV_DROP)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.update(extra)
    env["PYTHONPYCACHEPREFIX"] = str(pycache)
    env["PYTHONUNBUFFERED"] = "1"
    return env


def _helpers_rss(proc: Any) -> int:
    """Memory of every descendant of `proc` (wandb's service process, for one).

    Unique set size, not RSS: a freshly forked child (nbtrack's `git` call, before exec)
    shares all of its parent's pages and would otherwise count them twice.
    """
    total = 0
    try:
        procs = proc.children(recursive=True)
    except Exception:
        return 0
    for p in procs:
        try:
            total += p.memory_full_info().uss
        except Exception:
            pass
    return total


def run_child(tool: Tool, task: str, work: Path, timeout: float, **spec: Any) -> dict[str, Any]:
    """Run one task in a fresh interpreter; returns its result dict (raises ChildError on failure)."""
    store, aux = work / "store", work / "aux"
    aux.mkdir(parents=True, exist_ok=True)
    ipc = work / "ipc"
    ipc.mkdir(exist_ok=True)
    stamp = f"{task}-{time.monotonic_ns()}"
    spec_path, out_path, log_path = ipc / f"{stamp}.json", ipc / f"{stamp}.out.json", ipc / f"{stamp}.log"
    spec_path.write_text(json.dumps({"task": task, "tool": tool.key, "store": str(store), **spec}))
    try:
        import psutil
    except ImportError:
        psutil = None
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [sys.executable, str(CHILD), str(spec_path), str(out_path)], cwd=aux, stdout=log,
            stderr=subprocess.STDOUT, env=_clean_env(tool.env(store, aux), PYCACHE), start_new_session=True,
        )
        watched = psutil.Process(proc.pid) if psutil is not None else None
        peak, deadline = 0, time.monotonic() + timeout
        while proc.poll() is None:
            if time.monotonic() > deadline:
                os.killpg(proc.pid, signal.SIGKILL)  # our own child's session only
                proc.wait()
                raise ChildError(f"{task}: timed out after {timeout:.0f} s")
            if watched is not None:
                peak = max(peak, _helpers_rss(watched))
            time.sleep(0.02)
    if not out_path.exists():
        tail = log_path.read_text(errors="replace").strip().splitlines()[-5:]
        raise ChildError(f"{task}: exited with status {proc.returncode}: {' | '.join(tail)}")
    result = json.loads(out_path.read_text())
    if not result.get("ok"):
        raise ChildError(f"{task}: {result.get('error')}")
    result["helpers_rss"] = peak
    if "maxrss" in result:
        result["tree_rss"] = result["maxrss"] + peak
    return result


# -- the side-by-side comparison -------------------------------------------------

def bench_tool(tool: Tool, root: Path, args: argparse.Namespace) -> dict[str, Any]:
    """All measurements for one tool; {'error': ...} when it cannot be imported or fails offline."""
    out: dict[str, Any] = {"repeats": []}
    try:
        out["version"] = metadata.version(tool.dist)
    except metadata.PackageNotFoundError:
        return {"error": f"not installed (pip install -e '.[bench]' adds {tool.dist})"}
    steps = min(args.steps, args.slow_steps) if tool.key in SLOW else args.steps
    started = time.monotonic()
    try:
        warm = root / tool.key / "warmup"  # compiles bytecode, fills OS caches; results discarded
        run_child(tool, "seed", warm, args.timeout, project="bench")
        w = run_child(tool, "work", warm, args.timeout, project="bench", steps=min(steps, 200))
        run_child(tool, "read", warm, args.timeout, project="bench", ref=w["ref"], reads=1)
        run_child(tool, "init", warm, args.timeout, project="bench", warm=1)
        imp_dir = root / tool.key / "import"
        imports = [run_child(tool, "import", imp_dir, args.timeout)["import_s"] for _ in range(args.import_repeats + 1)]
        out["import_s"] = statistics.median(imports[1:])  # the first one warms the OS file cache
        for rep in range(args.repeats):
            t_rep = time.monotonic()
            work = root / tool.key / f"rep{rep}"
            r: dict[str, Any] = {}
            r.update(run_child(tool, "seed", work, args.timeout, project="bench"))
            seeded = dir_bytes(work / "store")
            w = run_child(tool, "work", work, args.timeout, project="bench", steps=steps)
            r.update(w)
            r["bytes_run_finish"] = w["bytes_after_finish"] - w["bytes_before"]
            r["bytes_run_exit"] = dir_bytes(work / "store") - seeded
            r["points_written"] = steps * 5
            for task, extra in (("read", {"ref": w["ref"], "reads": args.reads}), ("init", {})):
                res = run_child(tool, task, work, args.timeout, project="bench", **extra)
                r.update({k: v for k, v in res.items() if k not in ("ok", "helpers_rss")})
            out["repeats"].append(r)
            spent, last = time.monotonic() - started, time.monotonic() - t_rep
            if rep + 1 < args.repeats and spent + last > args.tool_budget:
                break
    except ChildError as exc:
        if not out["repeats"]:
            return {"version": out.get("version"), "error": f"failed: {exc}"}
        out["partial"] = str(exc)
    out["steps"] = steps
    return out


def _median(res: dict[str, Any], key: str) -> float | None:
    vals = [r[key] for r in res.get("repeats", []) if r.get(key) is not None]
    return statistics.median(vals) if vals else None


def _num(x: float, digits: int = 3) -> str:
    if x == 0:
        return "0"
    if abs(x) >= 100:
        return f"{x:,.0f}"
    if abs(x) >= 10:
        return f"{x:.1f}"
    return f"{x:.{digits}g}" if abs(x) < 1 else f"{x:.2f}"


def _ratio(peer: float | None, base: float | None) -> str:
    if peer is None or not base:
        return ""
    r = peer / base
    if r >= 10:
        return f" (×{r:,.0f})"
    return f" (×{r:.1f})" if r >= 0.1 else f" (×{r:.2g})"


def _check(value: float | None, target: float | None) -> str:
    if value is None or target is None:
        return ""
    return "ok" if value <= target else f"**MISS ×{value / target:.1f}**"


Row = tuple[str, str, "float | None", Callable[[dict[str, Any]], "float | None"], Callable[[float], str]]


def comparison_rows() -> list[Row]:
    ms = lambda v: _num(v * 1e3)  # noqa: E731
    s = lambda v: _num(v)  # noqa: E731
    us = lambda v: _num(v)  # noqa: E731
    mb = lambda v: _num(v / 2**20)  # noqa: E731
    count = lambda v: f"{v:,.0f}"  # noqa: E731

    def per_point(key: str) -> Callable[[dict[str, Any]], float | None]:
        def get(res: dict[str, Any]) -> float | None:
            b, p = _median(res, key), _median(res, "points_written")
            return b / p if b is not None and p else None

        return get

    med = lambda key: (lambda res: _median(res, key))  # noqa: E731
    return [
        ("import (s), fresh interpreter", "≤ 0.1 s", T_IMPORT, lambda res: res.get("import_s"), s),
        ("import + first init (ms), fresh process", "", None, med("import_init_s"), ms),
        ("init, existing store, first in process (ms)", "≤ 5 ms", T_INIT, med("init_first_s"), ms),
        ("init, existing store, later in process (ms)", "≤ 5 ms", T_INIT, med("init_warm_s"), ms),
        ("init, new store (ms)", "≤ 30 ms", T_INIT_NEW, med("init_new_s"), ms),
        ("log µs/call, amortised (first log → finish)", "≤ 3 µs", T_LOG, med("log_us"), us),
        ("log µs/call, loop only (before finish)", "", None, med("loop_us"), us),
        ("finish (ms)", "", None, med("finish_s"), ms),
        ("history → DataFrame, first call (ms)", "≤ 20 ms / 50k", T_READ_50K, med("read_first_s"), ms),
        ("history → DataFrame, later calls (ms)", "≤ 20 ms / 50k", T_READ_50K, med("read_warm_s"), ms),
        ("points read back", "", None, med("points"), count),
        ("disk growth after finish (bytes)", "", None, med("bytes_run_finish"), count),
        ("bytes/point after finish", "≤ 12", T_BYTES, per_point("bytes_run_finish"), us),
        ("bytes/point after process exit", "≤ 12", T_BYTES, per_point("bytes_run_exit"), us),
        ("peak RSS, logging process (MiB)", "", None, med("maxrss"), mb),
        ("peak RSS incl. helper processes (MiB)", "", None, med("tree_rss"), mb),
    ]


def print_comparison(results: dict[str, dict[str, Any]]) -> None:
    keys = [k for k in results if "error" not in results[k]]
    base = results.get("nbtrack", {})
    heads = []
    for k in keys:
        res = results[k]
        reused = " (reused)" if res.get("reused") else ""
        heads.append(f"{TOOLS[k].label} {res.get('version', '')}<br>{res['steps']:,} steps, n={len(res['repeats'])}{reused}")
    print("| metric | target | " + " | ".join(heads) + " | nbtrack vs target |")
    print("|---|---|" + "---:|" * len(keys) + "---|")
    for label, target_text, target, get, fmt in comparison_rows():
        b = get(base) if "error" not in base and base else None
        cells = []
        for k in keys:
            v = get(results[k])
            cell = "n/a" if v is None else fmt(v)
            if k != "nbtrack" and v is not None and label != "points read back":
                cell += _ratio(v, b)
            cells.append(cell)
        status = _check(b, target) if "nbtrack" in keys else ""
        print(f"| {label} | {target_text} | " + " | ".join(cells) + f" | {status} |")
    print()
    print("Ratios in parentheses: peer / nbtrack (higher = nbtrack is better by that factor).")
    for k, res in results.items():
        if "error" in res:
            print(f"- **{TOOLS[k].label}**: not measured: {res['error']}")
        elif "partial" in res:
            print(f"- **{TOOLS[k].label}**: stopped early: {res['partial']}")
    print()


# -- nbtrack alone, at scale ------------------------------------------------------

def bench_scale(root: Path, args: argparse.Namespace) -> dict[str, Any]:
    tool, work = TOOLS["nbtrack"], root / "scale"
    try:
        w = run_child(tool, "scale_write", work, max(args.timeout, 1800), project="scale", runs=args.scale_runs,
                      steps=args.steps)
        disk = dir_bytes(work / "store")
        r = run_child(tool, "scale_read", work, max(args.timeout, 1800), project="scale", reads=args.reads_scale)
    except ChildError as exc:
        return {"error": str(exc)}
    return {"write": w, "read": r, "disk": disk, "points": args.scale_runs * args.steps * 5}


def print_scale(res: dict[str, Any], args: argparse.Namespace) -> None:
    if "error" in res:
        print(f"nbtrack at scale: failed: {res['error']}\n")
        return
    w, r, pts = res["write"], res["read"], res["points"]
    runs = args.scale_runs
    print(f"| nbtrack at scale: {runs} runs × {args.steps:,} steps × 5 keys = {pts:,} points | figure | target | |")
    print("|---|---:|---|---|")
    rows = [
        ("write all runs, one after another (s)", _num(w["write_s"]), "", ""),
        ("log µs/call amortised, median run", _num(w["log_us"]), "≤ 3 µs", _check(w["log_us"], T_LOG)),
        ("init on the growing store, median (ms)", _num(w["init_s"] * 1e3), "≤ 5 ms", _check(w["init_s"], T_INIT)),
        (f"`runs(project)` → DataFrame, {runs} runs, first call (ms)", _num(r["runs_first_s"] * 1e3), "", ""),
    ]
    scaled = 5_000_000 / pts
    all_note = "" if pts == 5_000_000 else f" (→ {_num(r['all_warm_s'] * scaled)} s at 5M, linear)"
    rows += [
        (f"`history(project)` → one DataFrame, first call (s)", _num(r["all_first_s"]), "", ""),
        (f"`history(project)` → one DataFrame, later calls (s){all_note}", _num(r["all_warm_s"]),
         "≤ 1 s / 5M", _check(r["all_warm_s"] * scaled, T_READ_5M)),
        ("  points/s", f"{r['all_points'] / r['all_warm_s']:,.0f}", "≥ 5,000,000", ""),
        ("  points read back", f"{r['all_points']:,}", f"{pts:,}", "ok" if r["all_points"] == pts else "**MISMATCH**"),
        (f"one run ({r['one_points']:,} points) → DataFrame, first call (ms)", _num(r["one_first_s"] * 1e3), "", ""),
        (f"one run ({r['one_points']:,} points) → DataFrame, later calls (ms)", _num(r["one_warm_s"] * 1e3),
         "≤ 20 ms / 50k", _check(r["one_warm_s"] * 50_000 / max(r["one_points"], 1), T_READ_50K)),
        ("store size after exit (bytes)", f"{res['disk']:,}", "", ""),
        ("bytes/point", _num(res["disk"] / pts), "≤ 12", _check(res["disk"] / pts, T_BYTES)),
        ("peak RSS writer / reader (MiB)", f"{_num(w['maxrss'] / 2**20)} / {_num(r['maxrss'] / 2**20)}", "", ""),
    ]
    for label, fig, target, status in rows:
        print(f"| {label} | {fig} | {target} | {status} |")
    print()


# -- main -----------------------------------------------------------------------

def _machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} CPUs, Python {platform.python_version()}, {platform.system()} {platform.release()}"


def _load() -> str:
    """The 1-minute load average, flagged when other work competes for the CPUs."""
    try:
        load = os.getloadavg()[0]
    except OSError:
        return "load unknown"
    busy = load > 0.5 * (os.cpu_count() or 1)
    return f"load average {load:.1f}" + (" (**busy machine: figures inflated**)" if busy else "")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="fewer repeats, fewer MLflow steps, 10 runs at scale")
    p.add_argument("--tools", default=",".join(TOOLS), help="comma-separated subset of " + ",".join(TOOLS))
    p.add_argument("--steps", type=int, default=10_000, help="log calls per run (default 10,000)")
    p.add_argument("--repeats", type=int, default=None, help="workload repeats per tool (default 3; --quick 1)")
    p.add_argument("--import-repeats", type=int, default=None, help="fresh interpreters per import (default 5)")
    p.add_argument("--scale-runs", type=int, default=None, help="runs in the scale test (default 100; --quick 10)")
    p.add_argument("--no-scale", action="store_true", help="skip the nbtrack-at-scale section")
    p.add_argument("--tool-budget", type=float, default=150.0, help="stop repeating a tool after this many seconds")
    p.add_argument("--timeout", type=float, default=900.0, help="seconds before a child process is killed")
    p.add_argument("--json", type=Path, default=None, help="also write the raw figures here")
    p.add_argument("--reuse", type=Path, default=None,
                   help="take the tools not named in --tools from this earlier --json file "
                        "(e.g. re-measure nbtrack only: --tools nbtrack --reuse last.json)")
    p.add_argument("--keep", action="store_true", help="keep the temporary stores (their path is printed)")
    a = p.parse_args(argv)
    a.repeats = a.repeats or (1 if a.quick else 3)
    a.import_repeats = a.import_repeats or (3 if a.quick else 5)
    a.scale_runs = a.scale_runs or (10 if a.quick else 100)
    a.slow_steps = 1_000 if a.quick else a.steps
    a.reads, a.reads_scale = 5, 2 if a.quick else 3
    return a


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    chosen = [t.strip() for t in args.tools.split(",") if t.strip()]
    unknown = [t for t in chosen if t not in TOOLS]
    if unknown:
        raise SystemExit(f"unknown tool(s) {unknown}; choose from {', '.join(TOOLS)}")
    root = Path(tempfile.mkdtemp(prefix="nbtrack-bench-"))
    global PYCACHE
    PYCACHE = root / "pycache"
    print(f"## nbtrack logging benchmark{' (--quick)' if args.quick else ''}\n")
    print(f"Machine: {_machine()}; {_load()} at the start. Each task in a fresh interpreter after "
          "a warm-up pass; figures are medians over n repeats.\n")
    results: dict[str, dict[str, Any]] = {}
    t0 = time.monotonic()
    try:
        for key in chosen:
            print(f"[{time.monotonic() - t0:6.1f} s] measuring {key} ...", file=sys.stderr, flush=True)
            results[key] = bench_tool(TOOLS[key], root, args)
        scale = None
        if "nbtrack" in chosen and not args.no_scale:
            print(f"[{time.monotonic() - t0:6.1f} s] nbtrack at scale ...", file=sys.stderr, flush=True)
            scale = bench_scale(root, args)
        if args.reuse:
            earlier = json.loads(args.reuse.read_text())["results"]
            for key in TOOLS:
                if key not in results and key in earlier:
                    results[key] = {**earlier[key], "reused": True}
            results = {k: results[k] for k in TOOLS if k in results}
        print_comparison(results)
        if scale is not None:
            print_scale(scale, args)
        print(f"Total benchmark time {time.monotonic() - t0:.0f} s; {_load()} at the end.")
        if args.json:
            args.json.write_text(json.dumps({"results": results, "scale": scale, "machine": _machine()}, indent=1))
    finally:
        if args.keep:
            print(f"stores kept in {root}", file=sys.stderr)
        else:
            shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
