"""nbtrack's sweep benchmark: (a) what a trial costs over raw Optuna, (b) how fast `bayes` finds good configs.

    python benchmarks/bench_sweep.py                 # full: ~1 hour on 2 cores (W&B's GP dominates)
    python benchmarks/bench_sweep.py --quick         # a few minutes: 100 trials; 3 seeds x 10/20/30 trials
    python benchmarks/bench_sweep.py --part overhead # only (a)
    python benchmarks/bench_sweep.py --part pbt      # only (c) and (d): PBT, no repeated trials

(a) Controller overhead. The same trivial objective (Branin, one value logged) run N times:
    by `nbtrack.agent` with a function (claim in the durable SQLite store, `init`, `log`,
    `finish`, sync of the in-memory Optuna study), and by raw Optuna with the same sampler
    (TPE, random; seed 0) in memory, on a JournalFileBackend and on RDBStorage/SQLite. A
    trial's cost is the wall time between two successive objective calls; the median over
    trials 6..N is shown. Overhead = nbtrack − Optuna in memory; target <= 3 ms per trial.
    "git capture cached" repeats nbtrack with `git_state()` computed once per process: every
    run records its git state, and that `git` subprocess runs at `finish()` for runs shorter
    than the capture delay (5 s), so it is part of a trivial trial's cost but not of the
    controller's.
(b) Sample efficiency. Branin (2-d), Hartmann-6 and an RBF support vector regression on
    scikit-learn's bundled diabetes data (3-fold CV 1 − R² over log C, log gamma, log epsilon;
    continuous, unlike a classifier's error rate), each minimised from the same
    W&B sweep config by nbtrack's `bayes` (its default model: Optuna's GPSampler when torch is
    installed, else TPE), by nbtrack `bayes` with TPE, by nbtrack `random`, and by W&B's own
    Bayes engine (the `sweeps` package from PyPI, run locally). Median over seeds of the best
    value after each budget; and how many trials nbtrack's median needs to reach W&B's median
    at the largest budget (target: at most half).

(c) and (d) are described in `_bench_pbt.py`: PBT against random and bayes at equal compute on
    a small network trained on digits, and the trials that drawing without replacement saves.

W&B's engine pins its own numpy: install it in a separate virtual environment, never in the
development one, and point `--wandb-python` at it (default: `.venv-sweeps/bin/python`, then
`.venv-bench/bin/python`, whichever can `import sweeps`):

    python3 -m venv .venv-sweeps && .venv-sweeps/bin/pip install sweeps scikit-learn

Every run happens in a fresh child process (this file with `--child`), so one engine's
imports, threads or caches never weigh on another's figures; up to `--workers` children
run at once in part (b) (each pinned to one thread). Nothing here needs a network.
The output is markdown: paste the tables as they are. Not a timed test: nothing fails
when a target is missed.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
import _bench_pbt  # noqa: E402  (stdlib-only at import, like this file)
T_OVERHEAD_MS = 3.0

# -- problems (module level imports stay stdlib-only: W&B's venv has no nbtrack) ------------------

BRANIN_MIN = 0.397887
HARTMANN6_MIN = -3.32237

PROBLEMS: dict[str, dict[str, Any]] = {
    "branin": {
        "label": "Branin (2-d, min 0.398)",
        "parameters": {"x1": {"min": -5.0, "max": 10.0}, "x2": {"min": 0.0, "max": 15.0}},
    },
    "hartmann6": {
        "label": "Hartmann-6 (min -3.322)",
        "parameters": {f"x{i}": {"min": 0.0, "max": 1.0} for i in range(1, 7)},
    },
    "svr": {
        "label": "SVR on diabetes (3-fold CV 1 − R²)",
        "parameters": {
            "C": {"distribution": "log_uniform_values", "min": 0.01, "max": 1000.0},
            "gamma": {"distribution": "log_uniform_values", "min": 1e-4, "max": 1.0},
            "epsilon": {"distribution": "log_uniform_values", "min": 1e-3, "max": 1.0},
        },
    },
}


def sweep_config(problem: str, method: str = "bayes") -> dict[str, Any]:
    """The W&B sweep config both engines get for a problem."""
    return {"method": method, "metric": {"name": "y", "goal": "minimize"},
            "parameters": PROBLEMS[problem]["parameters"]}


def branin(x1: float, x2: float) -> float:
    b, c, t = 5.1 / (4 * math.pi ** 2), 5 / math.pi, 1 / (8 * math.pi)
    return (x2 - b * x1 ** 2 + c * x1 - 6) ** 2 + 10 * (1 - t) * math.cos(x1) + 10


_H6_A = [[10, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14], [3, 3.5, 1.7, 10, 17, 8], [17, 8, 0.05, 10, 0.1, 14]]
_H6_P = [[1312, 1696, 5569, 124, 8283, 5886], [2329, 4135, 8307, 3736, 1004, 9991],
         [2348, 1451, 3522, 2883, 3047, 6650], [4047, 8828, 8732, 5743, 1091, 381]]
_H6_ALPHA = [1.0, 1.2, 3.0, 3.2]


def hartmann6(**x: float) -> float:
    xs = [x[f"x{i}"] for i in range(1, 7)]
    return -sum(
        alpha * math.exp(-sum(a * (xi - p * 1e-4) ** 2 for a, xi, p in zip(row_a, xs, row_p)))
        for alpha, row_a, row_p in zip(_H6_ALPHA, _H6_A, _H6_P)
    )


_SVR_DATA: Any = None


def svr_error(C: float, gamma: float, epsilon: float) -> float:
    """1 − R² of an RBF support vector regression on scikit-learn's bundled diabetes data (3-fold CV)."""
    global _SVR_DATA
    from sklearn.compose import TransformedTargetRegressor
    from sklearn.datasets import load_diabetes
    from sklearn.model_selection import KFold, cross_val_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVR

    if _SVR_DATA is None:
        _SVR_DATA = load_diabetes(return_X_y=True)
    X, y = _SVR_DATA
    model = TransformedTargetRegressor(make_pipeline(StandardScaler(), SVR(C=C, gamma=gamma, epsilon=epsilon)),
                                       transformer=StandardScaler())
    r2 = cross_val_score(model, X, y, cv=KFold(3, shuffle=True, random_state=0), scoring="r2").mean()
    return float(1.0 - r2)


def evaluate(problem: str, config: dict[str, Any]) -> float:
    if problem == "branin":
        return branin(config["x1"], config["x2"])
    if problem == "hartmann6":
        return hartmann6(**config)
    return svr_error(config["C"], config["gamma"], config["epsilon"])


# -- children: one measurement each, JSON on stdout -------------------------------------------------

def _quiet() -> None:
    import logging
    import warnings

    warnings.simplefilter("ignore")
    logging.getLogger("optuna").setLevel(logging.WARNING)


def _optuna_sampler(name: str, seed: int | None) -> Any:
    import optuna

    if name == "tpe":
        return optuna.samplers.TPESampler(seed=seed)
    if name == "gp":
        return optuna.samplers.GPSampler(seed=seed)
    return optuna.samplers.RandomSampler(seed=seed)


def _seed_nbtrack(model: str, seed: int) -> str:
    """Make nbtrack's controller build a seeded sampler of the given model; returns its class name."""
    from nbtrack.sweeps import _controller, _study

    def make_sampler(config: Any, *, seed: Any = None, model_: str = model, seed_: int = seed) -> Any:
        return _study.make_sampler(config, seed=seed_, model=model_ if config["method"] == "bayes" else "auto")

    _controller.make_sampler = make_sampler  # type: ignore[assignment]
    return type(make_sampler({"method": "bayes"} if model != "random" else {"method": "random"})).__name__


def child_overhead(tool: str, sampler: str, n: int) -> dict[str, Any]:
    """Per-trial wall time of `n` trivial trials with one tool and sampler."""
    _quiet()
    marks: list[float] = []
    cpu: list[float] = []
    tmp = Path(tempfile.mkdtemp(prefix="nbtrack-bench-sweep-"))
    if tool.startswith("nbtrack"):
        os.environ["NBTRACK_DIR"] = str(tmp / ".nbtrack")
        os.environ.pop("NBTRACK_STORE", None)
        import nbtrack

        if tool == "nbtrack-gitcached":
            from nbtrack import _capture

            git = _capture.git_state()
            _capture.git_state = lambda cwd=None: git  # type: ignore[assignment]
        _seed_nbtrack("tpe" if sampler == "tpe" else "random", 0)
        sweep_id = nbtrack.sweep(sweep_config("branin", "bayes" if sampler == "tpe" else "random"), project="bench")

        def train() -> None:
            run = nbtrack.init()
            run.log({"y": branin(run.config.x1, run.config.x2)})
            marks.append(time.perf_counter())
            cpu.append(time.process_time())

        start = time.perf_counter()
        nbtrack.agent(sweep_id, function=train, count=n, progress=False)
        total = time.perf_counter() - start
    else:
        import optuna

        storage: Any = None
        if tool == "optuna-journal":
            from optuna.storages import JournalStorage
            from optuna.storages.journal import JournalFileBackend

            storage = JournalStorage(JournalFileBackend(str(tmp / "journal.log")))
        elif tool == "optuna-sqlite":
            storage = f"sqlite:///{tmp / 'optuna.db'}"
        study = optuna.create_study(sampler=_optuna_sampler(sampler, 0), storage=storage)

        def objective(trial: Any) -> float:
            value = branin(trial.suggest_float("x1", -5.0, 10.0), trial.suggest_float("x2", 0.0, 15.0))
            marks.append(time.perf_counter())
            cpu.append(time.process_time())
            return value

        start = time.perf_counter()
        study.optimize(objective, n_trials=n)
        total = time.perf_counter() - start
    gaps = [b - a for a, b in zip(marks, marks[1:])][5:]
    cpu_gaps = [b - a for a, b in zip(cpu, cpu[1:])][5:]
    return {"median_ms": statistics.median(gaps) * 1e3, "mean_ms": total / n * 1e3,
            "p90_ms": sorted(gaps)[int(0.9 * len(gaps))] * 1e3, "cpu_ms": statistics.median(cpu_gaps) * 1e3}


def child_efficiency(engine: str, problem: str, seed: int, n: int) -> dict[str, Any]:
    """Best-so-far after each of `n` trials of one engine on one problem and seed."""
    _quiet()
    values: list[float] = []
    start = time.perf_counter()
    if engine == "wandb":
        import random

        import numpy as np
        from sweeps import RunState, SweepRun, next_run

        random.seed(seed)
        np.random.seed(seed)
        config, runs = sweep_config(problem), []
        for i in range(n):
            suggested = next_run(config, runs, validate=True)
            params = {k: v["value"] for k, v in suggested.config.items()}
            y = evaluate(problem, params)
            values.append(y)
            runs.append(SweepRun(name=f"r{i}", state=RunState.finished, config=suggested.config,
                                 summary_metrics={"y": y}, history=[{"y": y}]))
        sampler = "W&B sweeps GP (EI)"
    else:
        tmp = Path(tempfile.mkdtemp(prefix="nbtrack-bench-sweep-"))
        os.environ["NBTRACK_DIR"] = str(tmp / ".nbtrack")
        os.environ.pop("NBTRACK_STORE", None)
        import nbtrack

        model = engine.split("-", 1)[1]  # nbtrack-auto | nbtrack-tpe | nbtrack-random
        if model == "auto":
            from nbtrack.sweeps._study import gp_available

            model = "gp" if gp_available() else "tpe"
        sampler = _seed_nbtrack(model, seed)
        sweep_id = nbtrack.sweep(sweep_config(problem, "random" if model == "random" else "bayes"), project="eff")

        def train() -> None:
            run = nbtrack.init()
            y = evaluate(problem, run.config.as_dict())
            values.append(y)
            run.log({"y": y})

        nbtrack.agent(sweep_id, function=train, count=n, progress=False)
    best, trace = math.inf, []
    for y in values:
        best = min(best, y)
        trace.append(best)
    return {"trace": trace, "seconds": time.perf_counter() - start, "sampler": sampler}


# -- the parent --------------------------------------------------------------------------------

def _child_env(threads: int | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NBTRACK_", "WANDB_"))}
    if threads is not None:
        for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
            env[name] = str(threads)
    return env


def run_child(python: str, args: list[str], *, threads: int | None = None, timeout: float = 3600) -> dict[str, Any]:
    proc = subprocess.run([python, str(Path(__file__).resolve()), "--child", *args], capture_output=True,
                          text=True, env=_child_env(threads), timeout=timeout, cwd=tempfile.gettempdir())
    if proc.returncode != 0:
        raise RuntimeError(f"child {' '.join(args)} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def find_wandb_python(explicit: str | None) -> tuple[str | None, str]:
    """An interpreter that can `import sweeps` (W&B's engine), and what was tried."""
    candidates = [explicit] if explicit else [str(ROOT / ".venv-sweeps/bin/python"), str(ROOT / ".venv-bench/bin/python")]
    tried = []
    for python in candidates:
        if not python or not Path(python).exists():
            tried.append(f"{python}: not found")
            continue
        probe = subprocess.run([python, "-c", "import sweeps, sklearn; print(sweeps.__version__ if hasattr(sweeps, '__version__') else '')"],
                               capture_output=True, text=True)
        if probe.returncode == 0:
            version = subprocess.run([python, "-c", "import importlib.metadata as m; print(m.version('sweeps'))"],
                                     capture_output=True, text=True).stdout.strip()
            return python, version
        tried.append(f"{python}: {probe.stderr.strip().splitlines()[-1] if probe.stderr.strip() else 'no sweeps'}")
    return None, "; ".join(tried)


def _fmt(value: float | None, digits: int = 2) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def part_overhead(n: int, repeats: int) -> dict[str, Any]:
    tools = ["nbtrack", "nbtrack-gitcached", "optuna-memory", "optuna-journal", "optuna-sqlite"]
    results: dict[str, dict[str, float]] = {}
    for sampler in ("tpe", "random"):
        for tool in tools:
            runs = [run_child(sys.executable, ["overhead", tool, sampler, str(n if tool != "optuna-sqlite" else min(n, 100))])
                    for _ in range(repeats)]
            results[f"{sampler}/{tool}"] = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
            print(f"  {sampler:6s} {tool:18s} {results[f'{sampler}/{tool}']['median_ms']:.2f} ms/trial", file=sys.stderr)
    print(f"\n### (a) Cost per trial over raw Optuna ({n} trials, median ms per trial, median of {repeats} runs)\n")
    print("| sampler | nbtrack agent, SQLite store | same, git capture cached | Optuna in memory "
          "| **overhead** (nbtrack − memory) | overhead, git capture cached | target | Optuna journal file "
          "| Optuna RDB SQLite |")
    print("|---|---|---|---|---|---|---|---|---|")
    for sampler in ("tpe", "random"):
        r = {tool: results[f"{sampler}/{tool}"]["median_ms"] for tool in tools}
        over, over_cached = r["nbtrack"] - r["optuna-memory"], r["nbtrack-gitcached"] - r["optuna-memory"]
        mark = lambda v: f"{v:.2f} {'✓' if v <= T_OVERHEAD_MS else '✗'}"  # noqa: E731
        print(f"| {sampler.upper() if sampler == 'tpe' else sampler} | {r['nbtrack']:.2f} | {r['nbtrack-gitcached']:.2f} "
              f"| {r['optuna-memory']:.2f} | **{mark(over)}** | {mark(over_cached)} | <= {T_OVERHEAD_MS:.0f} "
              f"| {r['optuna-journal']:.2f} | {r['optuna-sqlite']:.2f} |")
    print("\nCPU ms per trial of the process (threads included, child processes such as `git` not; median), "
          "less sensitive to a loaded machine than wall time:\n")
    print("| sampler | nbtrack | nbtrack, git capture cached | Optuna in memory | overhead | overhead, git cached "
          "| Optuna journal | Optuna RDB SQLite |")
    print("|---|---|---|---|---|---|---|---|")
    for sampler in ("tpe", "random"):
        c = {tool: results[f"{sampler}/{tool}"]["cpu_ms"] for tool in tools}
        print(f"| {sampler.upper() if sampler == 'tpe' else sampler} | {c['nbtrack']:.2f} | {c['nbtrack-gitcached']:.2f} "
              f"| {c['optuna-memory']:.2f} | {c['nbtrack'] - c['optuna-memory']:.2f} "
              f"| {c['nbtrack-gitcached'] - c['optuna-memory']:.2f} | {c['optuna-journal']:.2f} | {c['optuna-sqlite']:.2f} |")
    print("\nMean wall ms per trial (total / N, first trials and study creation included): "
          + "; ".join(f"{k} {v['mean_ms']:.2f}" for k, v in results.items()))
    return results


def part_efficiency(seeds: int, budgets: list[int], problems: list[str], workers: int,
                    wandb_python: str | None) -> dict[str, Any]:
    n = max(budgets)
    python, info = find_wandb_python(wandb_python)
    engines = ["nbtrack-auto", "nbtrack-tpe", "nbtrack-random"] + (["wandb"] if python else [])
    if python is None:
        print(f"\nW&B's sweeps engine is not available, so only nbtrack's figures are shown ({info}). "
              "Install it apart: python3 -m venv .venv-sweeps && .venv-sweeps/bin/pip install sweeps scikit-learn")
    tasks = [(engine, problem, seed) for problem in problems for seed in range(seeds) for engine in engines]
    # slowest first (the GP engines), so the pool ends together
    tasks.sort(key=lambda t: (t[0] in ("nbtrack-tpe", "nbtrack-random"), t[1] != "svr"))
    results: dict[tuple[str, str, int], dict[str, Any]] = {}

    def one(task: tuple[str, str, int]) -> None:
        engine, problem, seed = task
        interpreter = python if engine == "wandb" else sys.executable
        results[task] = run_child(interpreter, ["efficiency", engine, problem, str(seed), str(n)],
                                  threads=1 if workers > 1 else None)
        print(f"  {engine:15s} {problem:10s} seed {seed}: best {results[task]['trace'][-1]:.4g} "
              f"in {results[task]['seconds']:.0f} s", file=sys.stderr)

    with ThreadPoolExecutor(max_workers=workers) as pool:
        for future in [pool.submit(one, t) for t in tasks]:
            future.result()

    labels = {"nbtrack-auto": "nbtrack bayes", "nbtrack-tpe": "nbtrack bayes (TPE)",
              "nbtrack-random": "nbtrack random", "wandb": f"W&B bayes (sweeps {info})"}
    samplers = {e: results[(e, problems[0], 0)]["sampler"] for e in engines}
    print(f"\n### (b) Sample efficiency: median best value over {seeds} seeds (lower is better)\n")
    print("Samplers: " + "; ".join(f"{labels[e]} = {samplers[e]}" for e in engines) + "\n")
    head = " | ".join(labels[e] for e in engines)
    print(f"| problem | trials | {head} |" + (" nbtrack bayes ≤ W&B |" if python else ""))
    print("|---|---|" + "---|" * len(engines) + ("---|" if python else ""))
    summary: dict[str, Any] = {}
    for problem in problems:
        curves = {e: [statistics.median(results[(e, problem, s)]["trace"][i] for s in range(seeds)) for i in range(n)]
                  for e in engines}
        summary[problem] = curves
        for budget in budgets:
            row = " | ".join(f"{curves[e][budget - 1]:.4g}" for e in engines)
            verdict = ""
            if python:
                ok = curves["nbtrack-auto"][budget - 1] <= curves["wandb"][budget - 1]
                verdict = f" {'✓' if ok else '✗'} |"
            print(f"| {PROBLEMS[problem]['label']} | {budget} | {row} |{verdict}")
    if python:
        print(f"\nTrials nbtrack's median needs to reach W&B's median at {n} trials (target: <= {n // 2}):\n")
        print(f"| problem | W&B median @ {n} | nbtrack bayes | nbtrack bayes (TPE) | target |")
        print("|---|---|---|---|---|")
        for problem in problems:
            goal = summary[problem]["wandb"][n - 1]

            def reach(engine: str) -> str:
                hit = next((i + 1 for i, v in enumerate(summary[problem][engine]) if v <= goal), None)
                return f"> {n} ✗" if hit is None else f"{hit} {'✓' if hit <= n // 2 else '✗'}"

            print(f"| {PROBLEMS[problem]['label']} | {goal:.4g} | {reach('nbtrack-auto')} | {reach('nbtrack-tpe')} "
                  f"| <= {n // 2} |")
    print("\nWall seconds per trial (median over seeds, objective included): "
          + "; ".join(f"{labels[e]} {statistics.median(r['seconds'] / n for (e2, _, _), r in results.items() if e2 == e):.3f}"
                      for e in engines))
    return {"curves": summary, "engines": engines}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer trials and seeds: a few minutes")
    parser.add_argument("--part", choices=["overhead", "efficiency", "pbt", "all"], default="all")
    parser.add_argument("--trials", type=int, help="trials per overhead measurement (default 300; quick 100)")
    parser.add_argument("--repeats", type=int, help="overhead repeats (default 3; quick 1)")
    parser.add_argument("--seeds", type=int, help="seeds per problem (default 10; quick 3)")
    parser.add_argument("--budgets", help="comma-separated trial budgets (default 20,50,100; quick 10,20,30)")
    parser.add_argument("--problems", default="branin,hartmann6,svr")
    parser.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1),
                        help="children at once in part (b)")
    parser.add_argument("--wandb-python", help="an interpreter with W&B's `sweeps` package installed")
    parser.add_argument("--json", help="also write the raw figures to this file")
    parser.add_argument("--pbt", default="8,9,2", help="PBT population,generations,interval (default 8,9,2)")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, *rest = args.child
        if kind == "overhead":
            out = child_overhead(rest[0], rest[1], int(rest[2]))
        elif kind == "pbt":
            out = _bench_pbt.child_pbt(rest[0], *(int(v) for v in rest[1:]))
        elif kind == "norepeat":
            out = _bench_pbt.child_norepeat(rest[0], rest[1], int(rest[2]))
        else:
            out = child_efficiency(rest[0], rest[1], int(rest[2]), int(rest[3]))
        print(json.dumps(out))
        return
    trials = args.trials or (100 if args.quick else 300)
    repeats = args.repeats or (1 if args.quick else 3)
    seeds = args.seeds or (3 if args.quick else 10)
    budgets = [int(b) for b in (args.budgets or ("10,20,30" if args.quick else "20,50,100")).split(",")]
    problems = [p for p in args.problems.split(",") if p]
    unknown = set(problems) - set(PROBLEMS)
    if unknown:
        parser.error(f"unknown problem(s) {sorted(unknown)}; choose from {sorted(PROBLEMS)}")
    from importlib import metadata

    versions = ", ".join(f"{d} {metadata.version(d)}" for d in ("nbtrack", "optuna") if _installed(d))
    print(f"## nbtrack sweep benchmark{' (--quick)' if args.quick else ''}\n")
    print(f"{platform.platform()}, Python {platform.python_version()}, {os.cpu_count()} CPUs; {versions}")
    out: dict[str, Any] = {}
    if args.part in ("overhead", "all"):
        out["overhead"] = part_overhead(trials, repeats)
    if args.part in ("efficiency", "all"):
        out["efficiency"] = part_efficiency(seeds, budgets, problems, args.workers, args.wandb_python)
    if args.part in ("pbt", "all"):
        population, generations, interval = (int(v) for v in args.pbt.split(","))
        pbt_seeds = args.seeds or (3 if args.quick else 7)
        out["pbt"] = _bench_pbt.part_pbt(run_child, sys.executable, pbt_seeds, population, generations, interval,
                                         args.workers)
        out["norepeat"] = _bench_pbt.part_norepeat(run_child, sys.executable, pbt_seeds)
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=1, default=str))


def _installed(dist: str) -> bool:
    from importlib import metadata

    try:
        metadata.version(dist)
        return True
    except metadata.PackageNotFoundError:
        return False


if __name__ == "__main__":
    main()
