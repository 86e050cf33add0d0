"""bench_sweep.py's parts (c) and (d): PBT against random and bayes at equal compute, and the trials
that drawing without replacement saves on a small discrete space.

(c) A 64-32-10 ReLU network (numpy, SGD with momentum, minibatches of 64) on scikit-learn's bundled
    digits; lr (log 1e-3..1) and momentum (0..0.99) searched; the figure is the best validation
    log-loss logged anywhere in the sweep. Equal compute: PBT runs P members for G generations of
    k epochs (P*G*k epochs); random and bayes run P trials of G*k epochs each. Median over seeds
    of the best final model (the lowest validation loss at the last epoch: what one would keep),
    and of the lowest validation loss logged at any epoch.
(d) A 4 x 3 categorical space (12 configs). nbtrack's random and bayes against the same Optuna
    samplers used directly (what nbtrack did before it deduplicated): repeated configs within 12
    trials, and trials until every config has run (capped at 200).
"""

from __future__ import annotations

import pathlib
import statistics
import tempfile
import time
from typing import Any

PARAMS = {"lr": {"distribution": "log_uniform_values", "min": 1e-3, "max": 1.0},
          "momentum": {"min": 0.0, "max": 0.99}}
SPACE = {"a": {"values": [1, 2, 3, 4]}, "b": {"values": ["x", "y", "z"]}}


def _digits() -> tuple[Any, ...]:
    import numpy as np
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    X, y = load_digits(return_X_y=True)
    Xtr, Xva, ytr, yva = train_test_split(X / 16.0, y, test_size=0.3, random_state=0)
    return Xtr, np.eye(10)[ytr], Xva, yva


def _forward(p: dict[str, Any], X: Any) -> tuple[Any, Any]:
    import numpy as np

    h = np.maximum(X @ p["W1"] + p["b1"], 0)
    z = h @ p["W2"] + p["b2"]
    e = np.exp(z - z.max(1, keepdims=True))
    return h, e / e.sum(1, keepdims=True)


def _epoch(p: dict[str, Any], data: tuple[Any, ...], lr: float, momentum: float, rng: Any) -> None:
    Xtr, Y = data[0], data[1]
    order = rng.permutation(len(Xtr))
    for start in range(0, len(order), 64):
        batch = order[start:start + 64]
        h, prob = _forward(p, Xtr[batch])
        g = (prob - Y[batch]) / len(batch)
        gh = g @ p["W2"].T * (h > 0)
        grads = {"W2": h.T @ g, "b2": g.sum(0), "W1": Xtr[batch].T @ gh, "b1": gh.sum(0)}
        for name, grad in grads.items():
            p["m" + name] = momentum * p["m" + name] - lr * grad
            p[name] += p["m" + name]


def _val_loss(p: dict[str, Any], data: tuple[Any, ...]) -> float:
    import numpy as np

    _, prob = _forward(p, data[2])
    return float(-np.log(prob[np.arange(len(data[3])), data[3]] + 1e-12).mean())


def child_pbt(method: str, seed: int, population: int, generations: int, interval: int) -> dict[str, Any]:
    """One sweep of `method` at the equal budget; the best validation loss and the epochs it cost."""
    import numpy as np

    import nbtrack

    data = _digits()
    total = generations * interval

    def train() -> None:
        run = nbtrack.init()
        path = run.load_checkpoint()
        if path:
            saved = np.load(path)
            p, step = {k: saved[k] for k in saved.files if k != "step"}, int(saved["step"])
        else:
            r = np.random.default_rng(seed)
            p = {"W1": r.normal(0, 0.1, (64, 32)), "b1": np.zeros(32), "W2": r.normal(0, 0.1, (32, 10)),
                 "b2": np.zeros(10)}
            p.update({"m" + k: np.zeros_like(v) for k, v in list(p.items())})
            step = 0
        rng = np.random.default_rng([seed, step])
        while step < total:
            _epoch(p, data, run.config.lr, run.config.momentum, rng)
            step += 1
            run.log({"val/loss": _val_loss(p, data)}, step=step)
            if method == "pbt":
                out = pathlib.Path(run.dir) / "checkpoint.npz"
                np.savez(out, step=step, **p)
                run.save_checkpoint(out)

    root = tempfile.mkdtemp(prefix="nbtrack-bench-pbt-")
    config: dict[str, Any] = {"method": method, "metric": {"name": "val/loss", "goal": "minimize"},
                              "parameters": PARAMS, "run_cap": population}
    if method == "pbt":
        config.update(pbt={"population_size": population, "perturbation_interval": interval},
                      run_cap=population * generations)
    sweep_id = nbtrack.sweep(config, project="bench-pbt", store=root)
    started = time.perf_counter()
    nbtrack.agent(sweep_id, function=train, progress=False, store=root)
    seconds = time.perf_counter() - started
    st = nbtrack.open_store(root)
    runs = st.list_runs(sweep_id=sweep_id)
    history = st.read_history([r.id for r in runs], ["val/loss"])
    series = [history[r.id]["val/loss"] for r in runs if "val/loss" in history.get(r.id, {})]
    values = [float(v) for s in series for v in s.values]
    final = [float(s.values[-1]) for s in series if int(s.steps[-1]) == total]  # the trained models' end
    return {"best": min(values), "final": min(final), "epochs": len(values), "seconds": seconds}


def child_norepeat(tool: str, method: str, seed: int) -> dict[str, Any]:
    """Repeats within 12 trials, and trials until all 12 configs ran, for nbtrack or raw Optuna."""
    import optuna

    size, cap = 12, 200
    if tool == "optuna":
        optuna.logging.set_verbosity(optuna.logging.WARNING)
        sampler = (optuna.samplers.TPESampler(seed=seed) if method == "bayes"
                   else optuna.samplers.RandomSampler(seed=seed))
        study = optuna.create_study(sampler=sampler)
        seen: list[tuple[Any, Any]] = []
        while len(set(seen)) < size and len(seen) < cap:
            trial = study.ask()
            point = (trial.suggest_categorical("a", [1, 2, 3, 4]), trial.suggest_categorical("b", ["x", "y", "z"]))
            study.tell(trial, float(point[0]) + (point[1] == "y"))
            seen.append(point)
    else:
        import nbtrack

        root = tempfile.mkdtemp(prefix="nbtrack-bench-norepeat-")
        sweep_id = nbtrack.sweep({"method": method, "metric": {"name": "loss"}, "parameters": SPACE,
                                  "run_cap": cap}, project="bench", store=root)

        def train() -> None:
            with nbtrack.init() as run:
                run.log({"loss": float(run.config.a) + (run.config.b == "y")})

        nbtrack.agent(sweep_id, function=train, progress=False, store=root)
        seen = [(r.config["a"], r.config["b"]) for r in nbtrack.open_store(root).list_runs(sweep_id=sweep_id)]
    covered = next((i + 1 for i in range(len(seen)) if len(set(seen[:i + 1])) == size), None)
    return {"repeats": size - len(set(seen[:size])), "to_cover": covered if covered is not None else cap}


def part_pbt(run_child: Any, python: str, seeds: int, population: int, generations: int, interval: int,
             workers: int) -> dict[str, Any]:
    """(c): the table of best validation loss by method, median over seeds."""
    from concurrent.futures import ThreadPoolExecutor

    print(f"\n### (c) PBT vs random vs bayes at equal compute ({population} x {generations} x {interval} epochs; "
          f"{seeds} seeds)\n")
    jobs = [(m, s) for m in ("random", "bayes", "pbt") for s in range(seeds)]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        results = list(pool.map(lambda job: run_child(python, ["pbt", job[0], str(job[1]), str(population),
                                                               str(generations), str(interval)], threads=1), jobs))
    by_method: dict[str, list[dict[str, Any]]] = {}
    for (method, _), result in zip(jobs, results):
        by_method.setdefault(method, []).append(result)
    print("| method | best final model: median val log-loss | per seed | best at any epoch: median | epochs "
          "| median wall s |")
    print("|---|---|---|---|---|---|")
    for method, rows in by_method.items():
        finals = [r["final"] for r in rows]
        print(f"| {method} | {statistics.median(finals):.4f} | {', '.join(f'{b:.4f}' for b in finals)} | "
              f"{statistics.median(r['best'] for r in rows):.4f} | {rows[0]['epochs']} | "
              f"{statistics.median(r['seconds'] for r in rows):.1f} |")
    return by_method


def part_norepeat(run_child: Any, python: str, seeds: int) -> dict[str, Any]:
    """(d): repeats and trials-to-cover on a 12-config space, nbtrack vs the samplers used directly."""
    print(f"\n### (d) No repeated trials on a 4 x 3 space (12 configs; {seeds} seeds)\n")
    print("| engine | repeats in 12 trials (median) | trials until all 12 ran (median) |")
    print("|---|---|---|")
    out = {}
    for tool in ("nbtrack", "optuna"):
        for method in ("random", "bayes"):
            rows = [run_child(python, ["norepeat", tool, method, str(s)], threads=1) for s in range(seeds)]
            label = f"{tool} {method}" if tool == "nbtrack" else f"Optuna {'TPE' if method == 'bayes' else 'random'}"
            print(f"| {label} | {statistics.median(r['repeats'] for r in rows):g} | "
                  f"{statistics.median(r['to_cover'] for r in rows):g} |")
            out[label] = rows
    return out
