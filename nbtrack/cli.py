"""The `nbtrack` command line: list and inspect runs (more verbs join as features land)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any

__all__ = ["main", "describe_run"]


def describe_run(run_id: str, store: Any = None) -> str:
    """A readable report of one run: state, config, summary, history keys, capture, code or traceback."""
    from ._query import run_records
    from .store import open_store

    st = store or open_store()
    found = run_records(store=st, ids=[run_id])
    if not found:
        raise KeyError(f"no run with id {run_id!r} in {st.url}")
    rec = found[0]
    capture = st.get_capture(rec.id) or {}
    lines = [
        f"run {rec.name} ({rec.id})",
        f"  project:  {rec.project}",
        f"  state:    {rec.state}" + (f" (exit code {rec.exit_code})" if rec.exit_code not in (None, 0) else ""),
    ]
    for label, value in (("group", rec.group), ("job_type", rec.job_type), ("sweep", rec.sweep_id),
                         ("notes", rec.notes), ("tags", ", ".join(rec.tags))):
        if value:
            lines.append(f"  {label + ':':<9} {value}")
    for title, data in (("config", rec.config), ("summary", rec.summary)):
        lines.append(f"{title}:")
        lines.extend(f"  {k} = {json.dumps(v, default=str)}" for k, v in data.items())
    lines.append("history keys: " + (", ".join(st.history_keys(rec.id)) or "(none)"))
    packages = capture.pop("packages", {})
    source = capture.pop("cell_source", None)
    if capture:
        lines.append("capture:")
        lines.extend(f"  {k} = {json.dumps(v, default=str)}" for k, v in sorted(capture.items()))
        lines.append(f"  packages = {len(packages)} installed")
    if source:
        lines.append("cell source:")
        lines.extend("  | " + line for line in source.splitlines())
    if rec.error:
        lines.append("error:")
        lines.extend("  " + line for line in rec.error.rstrip().splitlines())
    return "\n".join(lines)


def _cmd_runs(args: argparse.Namespace) -> int:
    import pandas as pd

    from ._query import runs

    frame = runs(args.project, filters={"state": args.state} if args.state else None)
    if frame.empty:
        print("no runs")
        return 0
    cols = ["id", "name", "project", "state", "created_at", "runtime"] + [
        c for c in frame.columns if c.startswith("summary.")
    ][:4]
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(frame[cols].to_string(index=False))
    return 0


def _cmd_show(args: argparse.Namespace) -> int:
    print(describe_run(args.run))
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="nbtrack", description="Experiment tracking inside the notebook.")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("runs", help="list runs")
    p.add_argument("--project", "-p")
    p.add_argument("--state", choices=["running", "finished", "failed", "crashed", "killed", "pruned"])
    p.set_defaults(func=_cmd_runs)
    p = sub.add_parser("show", help="show one run")
    p.add_argument("run", help="run id")
    p.set_defaults(func=_cmd_show)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `nbtrack` command and `python -m nbtrack`."""
    args = _parser().parse_args(argv)
    try:
        return int(args.func(args))
    except (KeyError, ValueError) as exc:
        message = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
        print(f"nbtrack: {message}", file=sys.stderr)
        return 2
