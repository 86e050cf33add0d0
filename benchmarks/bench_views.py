"""nbtrack's notebook views: how fast the dashboard opens and follows a selection, and what the
live view costs a training loop.

    python benchmarks/bench_views.py            # 1,000 runs x 10,000 steps (store built once, cached)
    python benchmarks/bench_views.py --quick    # 100 runs x 2,000 steps

The store is written once through the Store API (`create_run` + `flush` of
1,000-point chunks, as the background writer makes them) and cached under
`build/bench-views/`. Output is markdown with the targets from issue 3 next to
the figures; nothing fails when a target is missed.

Measured (no kernel: widget messages go nowhere, so these are the Python side), each as
wall-clock and process CPU time, with the load average printed beside them:
  open (cold)    a fresh interpreter: the imports (nbtrack's dashboard, pandas, plotly, ipywidgets,
                 which a kernel pays once), then `nbtrack.dashboard(project)` and its MIME
                 bundle (what displaying it costs)
  open (warm)    the same in a process that has opened one before (median)
  select         adding one run to the selection: history of the new run read, curves,
                 compare view and colours redrawn (median)
  refresh idle   one poll when nothing changed (median)

Static pictures (section `static`): the SVG nbtrack draws for each chart of a saved output
(no browser), the chart's HTML (SVG + figure JSON), and kaleido's PNG where a browser works.

Live view (a real kernel through nbclient; its comm messages really leave the kernel):
  a `%%track` cell logs 3 keys at 1 kHz (each step first computes for 1 ms, a busy wait standing in for
  training) for N steps, with the live view on and with NBTRACK_LIVE=0,
  alternating; the ratio of the loop's wall times is the view's overhead (target <= 1.05).

First chart and finish path (`--only first`; issue 10, a fresh kernel each time, jupyter_client):
  `%load_ext nbtrack`, then a `%%track` cell of 30 steps x 30 ms; first chart: from the cell's
  `execute_input` to the moment a chart with points has been sent and the live widget holding it
  shown (target <= 1 s, cold imports included: `%load_ext` only schedules the chart code's import for
  when its cell is done, so with "Run All" it runs between the two cells, counted in neither); finish
  path: from the user's last line to the end of `run.finish()` (target < 0.3 s).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "build" / "bench-views"
PROJECT = "bench"
KEYS = ("loss", "acc", "val_loss")
CHUNK = 1000  # points per stored chunk
T_OPEN, T_SELECT = 2.0, 0.300  # issue 3 targets, seconds

clock = time.perf_counter


def build_store(runs: int, steps: int) -> Path:
    """A store with `runs` finished runs of `steps` steps x KEYS, made once and reused."""
    from nbtrack.store import ChunkWrite, RunRecord, open_store

    path = CACHE / f"{runs}x{steps}"
    done = path / "complete.json"
    if done.exists():
        return path
    if path.exists():
        for old in path.iterdir():
            old.unlink()
    path.mkdir(parents=True, exist_ok=True)
    store = open_store(str(path))
    rng = random.Random(0)
    started = clock()
    base = time.time() - runs * steps * 0.01
    for r in range(runs):
        config = {
            "lr": 10 ** rng.uniform(-5, -1),
            "batch_size": rng.choice([32, 64, 128, 256]),
            "optimizer": rng.choice(["adam", "sgd", "adamw"]),
            "dropout": round(rng.uniform(0.0, 0.5), 3),
            "layers": rng.randint(2, 8),
        }
        created = base + r * steps * 0.01
        columns = _curves(rng, steps, config["lr"])
        summary = {key: column[-1] for key, column in zip(KEYS, columns)}
        summary["best_acc"] = max(columns[1])
        state = "failed" if r % 37 == 5 else "finished"
        store.create_run(RunRecord(
            id=f"run{r:05d}", project=PROJECT, name=f"bench-{r}", state="running", created_at=created,
            heartbeat_at=created, tags=tuple(t for t in ("baseline", "augment", "tuned") if rng.random() < 0.3),
            config=config,
        ))
        times = [created + i * 0.01 for i in range(steps)]
        for start in range(0, steps, CHUNK):
            stop = min(steps, start + CHUNK)
            chunks = [
                ChunkWrite(key, start // CHUNK, list(range(start, stop)), times[start:stop], column[start:stop])
                for key, column in zip(KEYS, columns)
            ]
            store.flush(f"run{r:05d}", chunks=chunks, heartbeat_at=times[stop - 1])
        store.flush(f"run{r:05d}", summary=summary)
        store.update_run(f"run{r:05d}", state=state, finished_at=times[-1])
        if r % 100 == 99:
            print(f"  wrote {r + 1} runs ({clock() - started:.0f} s)", file=sys.stderr)
    done.write_text(json.dumps({"runs": runs, "steps": steps, "keys": KEYS}))
    return path


def _curves(rng: random.Random, steps: int, lr: float) -> list[list[float]]:
    """Noisy loss / accuracy / validation-loss curves whose speed depends on lr."""
    rate = 1 + 4 * (math.log10(lr) + 5) / 4
    loss = [2.5 / (1 + rate * i / steps * 10) + rng.gauss(0, 0.05) for i in range(steps)]
    acc = [min(1.0, 1.0 - 0.9 * x / 2.5 + rng.gauss(0, 0.01)) for x in loss]
    val = [x + rng.gauss(0.1, 0.02) for x in loss]
    return [loss, acc, val]


Timing = tuple[float, float]  # (wall, CPU) seconds


def _timed(block: Callable[[], Any]) -> Timing:
    """Wall-clock and process CPU seconds of one call (CPU time shows the cost when the machine is busy)."""
    wall, cpu = clock(), time.process_time()
    block()
    return clock() - wall, time.process_time() - cpu


def _median(samples: list[Timing]) -> Timing:
    return statistics.median(s[0] for s in samples), statistics.median(s[1] for s in samples)


def measure_open_cold(path: Path) -> dict[str, Timing]:
    """Import and open in a fresh interpreter (the first dashboard of a kernel)."""
    out = subprocess.run(
        [sys.executable, __file__, "--child-open", str(path)], check=True, capture_output=True, text=True
    )
    return {name: tuple(value) for name, value in json.loads(out.stdout.strip().splitlines()[-1]).items()}


def _child_open(path: str) -> None:
    """In the child: time the imports, then one dashboard open plus its MIME bundle."""

    def imports() -> None:
        import nbtrack.ui.dashboard  # noqa: F401  (what the lazy `nbtrack.dashboard` loads)

    imported = _timed(imports)
    import nbtrack

    store = nbtrack.open_store(path)

    def open_and_render() -> None:
        dash = nbtrack.dashboard(PROJECT, store=store)
        dash.static_bundle()
        dash.close()

    print(json.dumps({"import": imported, "open": _timed(open_and_render)}))


def measure_open_warm(path: Path, repeats: int) -> tuple[Timing, Timing, Any]:
    """Median open (construct, and construct + MIME bundle) in a warm process; returns the last dashboard."""
    import nbtrack

    store = nbtrack.open_store(str(path))
    nbtrack.dashboard(PROJECT, store=store).close()  # warm-up
    opens, bundles, made = [], [], []
    for _ in range(repeats):
        if made:
            made.pop().close()
        opens.append(_timed(lambda: made.append(nbtrack.dashboard(PROJECT, store=store))))
        bundle = _timed(made[-1].static_bundle)
        bundles.append((opens[-1][0] + bundle[0], opens[-1][1] + bundle[1]))
    return _median(opens), _median(bundles), made[-1]


def measure_select(dash: Any, repeats: int) -> Timing:
    """Median time of a selection change that adds one run not read before."""
    base = list(dash.table.selected)
    candidates = [i for i in dash.table.order if i not in base]
    samples = [_timed(lambda: setattr(dash.table, "selected", [*base, run_id])) for run_id in candidates[:repeats]]
    dash.table.selected = base
    return _median(samples)


def measure_refresh_idle(dash: Any, repeats: int) -> Timing:
    """Median time of one poll when nothing changed in the store."""
    return _median([_timed(dash.refresh) for _ in range(repeats)])


def _row(name: str, value: Timing, target_s: float | None) -> str:
    wall, cpu = value
    target = f"<= {target_s * 1000:.0f} ms" if target_s is not None else ""
    verdict = ("ok" if wall <= target_s else "MISSED") if target_s is not None else ""
    return f"| {name} | {wall * 1000:,.0f} ms | {cpu * 1000:,.0f} ms | {target} | {verdict} |"


def dashboard_section(runs: int, steps: int, repeats: int) -> list[str]:
    """The dashboard's figures as markdown table rows."""
    path = build_store(runs, steps)
    cold = measure_open_cold(path)
    warm_open, warm_bundle, dash = measure_open_warm(path, repeats)
    select = measure_select(dash, repeats)
    idle = measure_refresh_idle(dash, repeats)
    dash.close()
    both = (cold["import"][0] + cold["open"][0], cold["import"][1] + cold["open"][1])
    return [
        f"### Dashboard: {runs:,} runs x {steps:,} steps x {len(KEYS)} keys",
        "",
        f"Load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs "
        "(wall times grow with it; CPU times much less).",
        "",
        "| measurement | wall (median) | CPU (median) | target | |",
        "| --- | ---: | ---: | --- | --- |",
        _row("imports, fresh interpreter (what `nbtrack.dashboard` loads)", cold["import"], None),
        _row("open, first in a process (after the imports)", cold["open"], T_OPEN),
        _row("open, first in a process (imports included)", both, None),
        _row("open (construct)", warm_open, None),
        _row("open (construct + MIME bundle)", warm_bundle, T_OPEN),
        _row("select one more run", select, T_SELECT),
        _row("refresh poll, nothing changed", idle, None),
    ]


_LIVE_CELL = """%%track --project live-bench
import time
started = time.perf_counter()
for i in range({steps}):
    step_start = time.perf_counter()
    while time.perf_counter() - step_start < 0.001:  # 1 ms of "training" per step
        pass
    run.log({{"loss": 1.0 / (i + 1), "acc": i / {steps}, "val/loss": 2.0 / (i + 1)}})
elapsed = time.perf_counter() - started
"""


def measure_live(steps: int, repeats: int) -> list[tuple[float, float]]:
    """(seconds with the view, seconds without) of a 1 kHz logging loop in a real kernel, per repeat."""
    import tempfile

    import nbformat
    from nbclient import NotebookClient

    pairs = []
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(repeats):
            pair = []
            for live in ("1", "0"):
                nb = nbformat.v4.new_notebook()
                nb.cells = [nbformat.v4.new_code_cell(f"import os; os.environ['NBTRACK_LIVE'] = {live!r}\n%load_ext nbtrack"),
                            nbformat.v4.new_code_cell(_LIVE_CELL.format(steps=steps)),
                            nbformat.v4.new_code_cell("elapsed")]
                env = {**os.environ, "NBTRACK_DIR": tmp, "NBTRACK_PNG": "0", "NBTRACK_SYSTEM_METRICS": "0"}
                client = NotebookClient(nb, timeout=600, kernel_name="python3", store_widget_state=False,
                                        resources={"metadata": {"path": tmp}})
                old = dict(os.environ)
                os.environ.update(env)
                try:
                    client.execute()
                finally:
                    os.environ.clear()
                    os.environ.update(old)
                pair.append(float(nb.cells[2].outputs[0]["data"]["text/plain"]))
            pairs.append((pair[0], pair[1]))
    return pairs


def live_section(steps: int, repeats: int) -> list[str]:
    """The live view's overhead on a 1 kHz loop, as markdown."""
    pairs = measure_live(steps, repeats)
    ratios = [on / off for on, off in pairs]
    ratio = statistics.median(ratios)
    return [
        f"### Live view overhead: {steps:,} steps at 1 kHz, 3 keys, {repeats} alternating pairs (real kernel)",
        "",
        f"Load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs.",
        "",
        "| loop with view (s) | loop without (s) | ratio | target | |",
        "| ---: | ---: | ---: | --- | --- |",
        *[f"| {on:.3f} | {off:.3f} | {on / off:.3f} | | |" for on, off in pairs],
        f"| | median | **{ratio:.3f}** | <= 1.05 | {'ok' if ratio <= 1.05 else 'MISSED'} |",
    ]


def _static_charts() -> dict[str, Any]:
    """The charts a frozen run, a dashboard and a sweep panel picture: 4-key lines of 2 runs x 2,000
    points (the live view's cap per curve), parallel coordinates of 50 runs, and importance bars."""
    import numpy as np
    import pandas as pd

    from nbtrack.ui._importance import importance_table
    from nbtrack.ui.charts import Curve, importance_table_figure, line_figure, parallel_data, parallel_figure

    rng = np.random.default_rng(0)
    x = np.arange(2000, dtype=float)
    panels = {key: [Curve(r, r, x, np.exp(-x / 500) + rng.random(2000) * 0.05) for r in ("a", "b")]
              for key in ("loss", "acc", "val/loss", "val/acc")}
    runs = pd.DataFrame({"id": [f"r{i}" for i in range(50)], "config.lr": rng.random(50),
                         "config.layers": rng.integers(1, 8, 50), "summary.loss": rng.random(50)})
    return {"lines (4 panels x 2 runs x 2,000 points)": line_figure(panels, title="train"),
            "parallel coordinates (50 runs)": parallel_figure(parallel_data(runs, "summary.loss")),
            "importance (2 parameters)": importance_table_figure(importance_table(runs, "summary.loss"),
                                                                  metric="summary.loss")}


def static_section(repeats: int) -> list[str]:
    """What one chart's static picture costs: nbtrack's SVG (always) and kaleido's PNG (where it works)."""
    from nbtrack.ui.static import _png, chart_html, figure_png
    from nbtrack.ui.svg import figure_svg

    charts = _static_charts()
    first = next(iter(charts.values()))
    started = clock()
    warm_png = figure_png(first)  # kaleido's start (a browser), once per process
    start_cost = clock() - started
    rows = []
    for name, fig in charts.items():
        svg = _median([_timed(lambda fig=fig: figure_svg(fig)) for _ in range(repeats)])
        html = _median([_timed(lambda fig=fig: chart_html(fig)) for _ in range(repeats)])
        png = (_median([_timed(lambda fig=fig: figure_png(fig)) for _ in range(repeats)])
               if warm_png is not None else None)
        png_text = f"{png[0] * 1000:,.0f} ms" if png is not None else f"n/a ({_png.disabled})"
        rows.append(f"| {name} | {svg[0] * 1000:,.1f} ms | {html[0] * 1000:,.1f} ms | "
                    f"{len(figure_svg(fig)) / 1024:,.0f} KiB | {png_text} |")
    return [
        f"### Static picture per chart ({repeats} repeats, median wall time)",
        "",
        f"Load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs. kaleido's first image "
        f"(browser start): {start_cost:.1f} s{'' if warm_png is not None else ' (no image: ' + str(_png.disabled) + ')'}.",
        "",
        "| chart | SVG (nbtrack, no browser) | chart HTML (SVG + figure JSON) | SVG size | PNG (kaleido) |",
        "| --- | ---: | ---: | ---: | ---: |",
        *rows,
    ]


_FIRST_CELL = """%%track --project first-chart lr=0.01
import time
user_started = time.perf_counter()
for epoch in range(30):  # ~0.9 s of "training", a quickstart's loop
    time.sleep(0.03)
    run.log({"loss": 1.0 / (epoch + 1), "acc": epoch / 30, "val/loss": 1.2 / (epoch + 1)})
user_ended = time.perf_counter()
run.add_finish_observer(lambda _run: globals().update(finished=time.perf_counter()))  # after the view's freeze
"""


def _has_points(content: dict[str, Any]) -> bool:
    """Whether a comm message carries a chart figure with at least one point."""
    state = (content.get("data") or {}).get("state") or {}
    traces = (state.get("figure") or {}).get("data") or []
    return any(t.get("y") for t in traces)


_NO_HEAD_START = ("from nbtrack.magics import TrackMagics\n"
                  "get_ipython().register_magics(TrackMagics)  # %load_ext without its warm-up")


def measure_first_chart(repeats: int, *, head_start: bool = True) -> list[dict[str, float]]:
    """Per fresh kernel: seconds from the tracked cell's start to the first chart (sent), its cost, finish path.

    head_start=False registers the magics without `%load_ext`'s warm-up: every import is the cell's.
    """
    import queue
    import tempfile

    from jupyter_client.manager import start_new_kernel

    out = []
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "NBTRACK_DIR": tmp, "NBTRACK_SYSTEM_METRICS": "0"}
        for _ in range(repeats):
            km, kc = start_new_kernel(kernel_name="python3", env=env, cwd=tmp)
            try:
                kc.execute_interactive("%load_ext nbtrack" if head_start else _NO_HEAD_START, timeout=60)
                while True:  # drain what the first cell said
                    try:
                        kc.get_iopub_msg(timeout=0.2)
                    except queue.Empty:
                        break
                started = points = widget = None
                msg_id = kc.execute(_FIRST_CELL)
                while True:
                    msg = kc.get_iopub_msg(timeout=120)
                    now = clock()
                    if msg["parent_header"].get("msg_id") != msg_id:
                        continue
                    kind = msg["msg_type"]
                    if kind == "execute_input":
                        started = now
                    elif kind in ("comm_open", "comm_msg") and points is None and _has_points(msg["content"]):
                        points = now
                    elif kind == "update_display_data" and widget is None and \
                            "application/vnd.jupyter.widget-view+json" in msg["content"]["data"]:
                        widget = now
                    elif kind == "status" and msg["content"]["execution_state"] == "idle":
                        ended = now
                        break
                said: list[str] = []
                kc.execute_interactive("print(time.perf_counter() - user_ended, user_ended - user_started, "
                                       "finished - user_ended)",
                                       timeout=60, output_hook=lambda m: said.append(m["content"].get("text", "")))
                finish, user, run_finish = (float(v) for v in "".join(said).split())
                first = max(points or math.nan, widget or math.nan)  # a chart with points, on show
                out.append({"first": first - (started or math.nan), "cell": ended - (started or ended),
                            "user": user, "finish": finish, "run_finish": run_finish})
            finally:
                kc.stop_channels()
                km.shutdown_kernel(now=True)
    return out


def first_chart_section(repeats: int) -> list[str]:
    """Time to the first chart in a fresh kernel and the finish path of a tracked cell, as markdown."""
    cold = measure_first_chart(repeats, head_start=False)
    rows = measure_first_chart(repeats)
    first = statistics.median(r["first"] for r in rows)
    first_cold = statistics.median(r["first"] for r in cold)
    finish = statistics.median(r["finish"] for r in rows)
    run_finish = statistics.median(r["run_finish"] for r in rows)
    return [
        f"### First chart in a fresh kernel and a tracked cell's finish ({repeats} fresh kernels)",
        "",
        "`%load_ext nbtrack`, then a `%%track` cell of 30 steps x 30 ms. first chart: from the cell's",
        "`execute_input` to when a chart with points is sent and the view holding it is shown (cold imports",
        "included; the browser's drawing not included). finish: from the last line of the user's code to the",
        "end of `run.finish()` (the frozen output sent); to next cell: to the next cell's first line (the",
        "kernel's and the client's round trip added).",
        "",
        f"Load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs.",
        "",
        "| first chart (s) | whole cell (s) | user code (s) | finish path (s) | to next cell (s) |",
        "| ---: | ---: | ---: | ---: | ---: |",
        *[f"| {r['first']:.3f} | {r['cell']:.3f} | {r['user']:.3f} | {r['run_finish']:.3f} | {r['finish']:.3f} |"
          for r in rows],
        f"| **{first:.3f}** (target <= 1.0, {'ok' if first <= 1.0 else 'MISSED'}) | | median | "
        f"**{run_finish:.3f}** (target < 0.3, {'ok' if run_finish < 0.3 else 'MISSED'}) | {finish:.3f} |",
        "",
        "Without `%load_ext`'s warm-up (every import paid inside the tracked cell): first chart "
        + ", ".join(f"{r['first']:.3f}" for r in cold)
        + f" s, median **{first_cold:.3f}** (target <= 1.0, {'ok' if first_cold <= 1.0 else 'MISSED'}).",
    ]


SECTIONS: dict[str, Callable[[argparse.Namespace], list[str]]] = {
    "dashboard": lambda args: dashboard_section(args.runs, args.steps, args.repeats),
    "live": lambda args: live_section(args.live_steps, max(3, args.repeats // 2)),
    "static": lambda args: static_section(args.repeats),
    "first": lambda args: first_chart_section(max(3, args.repeats // 2)),
}


def main(argv: list[str] | None = None) -> None:
    """Parse options, run the chosen sections and print markdown."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="100 runs x 2,000 steps, 3 repeats")
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--steps", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--live-steps", type=int, default=10_000, help="steps of the 1 kHz live-view loop")
    parser.add_argument("--only", choices=sorted(SECTIONS), action="append", help="run only these sections")
    parser.add_argument("--child-open", metavar="STORE", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child_open:
        _child_open(args.child_open)
        return
    if args.quick:
        args.runs, args.steps, args.repeats, args.live_steps = 100, 2000, 3, 3000
    for name in args.only or SECTIONS:
        print("\n".join(SECTIONS[name](args)) + "\n")


if __name__ == "__main__":
    main()
