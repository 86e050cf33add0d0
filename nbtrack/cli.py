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
    lines.extend(_alert_lines(st.list_alerts(rec.id)))
    lines.extend(_comment_lines(st.list_comments([rec.id])))
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



def _comment_lines(comments: Sequence[Any]) -> list[str]:
    """`nbtrack show`'s comments: time (UTC), author and text, oldest first."""
    import datetime as dt

    if not comments:
        return []
    lines = ["comments:"]
    for c in comments:
        when = dt.datetime.fromtimestamp(c.created_at, dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        body = c.text.splitlines() or [""]
        lines.append(f"  {when} {c.author}: {body[0]}")
        lines.extend("    " + line for line in body[1:])
    return lines


def _alert_lines(alerts: Sequence[Any]) -> list[str]:
    """`nbtrack show`'s alert listing: time, level, title, text and the webhook outcome."""
    import datetime as dt

    if not alerts:
        return []
    lines = [f"alerts: {len(alerts)}"]
    for a in alerts:
        when = dt.datetime.fromtimestamp(a.created_at, dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
        webhook = {"sent": " [webhook sent]", "pending": " [webhook pending]",
                   "failed": f" [webhook failed: {a.webhook_error}]"}.get(a.webhook, "")
        text = a.text.replace("\n", "\n      ")
        lines.append(f"  {when} {a.level:<5} {a.title}: {text}{webhook}")
    return lines

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


def _cmd_export(args: argparse.Namespace) -> int:
    from .export import export_notebook, external_references

    try:
        dest = export_notebook(args.notebook, output=args.output)
    except FileNotFoundError as exc:
        raise ValueError(str(exc)) from None
    remote = external_references(dest.read_text(encoding="utf-8"))
    for url in remote:
        print(f"nbtrack: warning: the page still loads {url} (from the notebook's own content)", file=sys.stderr)
    print(f"wrote {dest} ({dest.stat().st_size / 1e6:.1f} MB)")
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    """A saved report named TARGET (in --project when given) takes precedence; else TARGET is a project."""
    from .store import open_store

    st = open_store()
    if st.list_reports(args.project, name=args.target):
        from ._saved_report import Report

        saved = Report.load(args.target, args.project, store=st)
        if args.title:
            saved.title = args.title
        path = saved.render(args.output or f"{args.target}.html")
    else:
        from . import report  # the function (through the package), never binding nbtrack.report to the module

        path = report(args.target, title=args.title, path=args.output or f"{args.target}-report.html",
                      metric=args.metric, store=st)
    print(f"wrote {path} ({path.stat().st_size / 1e6:.1f} MB)")
    return 0


def _cmd_sweep(args: argparse.Namespace) -> int:
    from .sweeps._agent import stop_sweep, sweep

    if args.stop:
        stop_sweep(args.stop)
        print(f"stopped sweep {args.stop}")
        return 0
    if not args.config:
        raise ValueError("sweep: give a sweep config FILE.yaml, or --stop SWEEP_ID")
    print(sweep(args.config, project=args.project, entity=args.entity, prior_runs=args.prior_run))
    return 0


def _cmd_agent(args: argparse.Namespace) -> int:
    from .sweeps._agent import agent

    agent(args.sweep_id, count=args.count, project=args.project)
    return 0


def _cmd_artifacts(args: argparse.Namespace) -> int:
    from .artifacts._describe import list_text
    from .store import open_store

    print(list_text(open_store(), type=args.type))
    return 0


def _cmd_artifact_show(args: argparse.Namespace) -> int:
    from .artifacts._describe import show_text
    from .store import open_store

    print(show_text(open_store(), args.ref))
    return 0


def _cmd_registry(args: argparse.Namespace) -> int:
    from .artifacts import ArtifactError
    from .artifacts._describe import registry_list_text, registry_show_text
    from .artifacts._registry import Registry
    from .store import open_store

    reg = Registry(open_store())
    try:
        if args.registry_command == "list":
            print(registry_list_text(reg.store))
        elif args.registry_command == "show":
            print(registry_show_text(reg.store, args.collection))
        elif args.registry_command == "link":
            linked = reg.link(args.artifact, args.collection, aliases=args.alias or None)
            print(f"linked {linked.source_name} as {linked.name}")
        elif args.registry_command == "alias":
            version = reg.set_alias(args.collection, args.alias, args.version)
            print(f"{args.collection}:{args.alias} -> v{version.version} ({version.artifact})")
        elif args.registry_command == "unalias":
            reg.remove_alias(args.collection, args.alias)
            print(f"removed {args.collection}:{args.alias}")
        else:
            reg.unlink(args.collection, args.version)
            print(f"unlinked {args.collection}:{args.version}")
    except ArtifactError as exc:
        raise ValueError(str(exc)) from None
    return 0


def _cmd_import(args: argparse.Namespace) -> int:
    from .importers import import_mlflow, import_wandb_offline

    run_import = import_mlflow if args.source == "mlflow" else import_wandb_offline
    try:
        result = run_import(args.path, project=args.project)
    except ImportError as exc:  # the source's library is not installed
        raise ValueError(str(exc)) from None
    print(result)
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
    p = sub.add_parser("export", help="write a notebook as a self-contained HTML page (charts work offline)")
    p.add_argument("notebook", help="the .ipynb file")
    p.add_argument("-o", "--output", help="the HTML file to write (default: beside the notebook)")
    p.set_defaults(func=_cmd_export)
    p = sub.add_parser("report", help="write a saved report, or a report of a project, as standalone HTML "
                                      "(works offline)")
    p.add_argument("target", metavar="NAME_OR_PROJECT",
                   help="a saved report's name (nbtrack.Report; takes precedence), else a project")
    p.add_argument("--project", "-p", help="the project of the saved report NAME (when several have that name)")
    p.add_argument("-o", "--output", help="the HTML file (default NAME.html, or PROJECT-report.html)")
    p.add_argument("--title")
    p.add_argument("--metric", help="the summary metric to rank and colour runs by")
    p.set_defaults(func=_cmd_report)
    p = sub.add_parser("sweep", help="create a sweep from a W&B sweep YAML (prints its id), or stop one")
    p.add_argument("config", nargs="?", help="the sweep configuration file")
    p.add_argument("--project", "-p")
    p.add_argument("--entity", "-e")
    p.add_argument("--stop", metavar="SWEEP_ID", help="stop handing out trials of this sweep")
    p.add_argument("--prior_run", "--prior-run", metavar="RUN_ID", action="append", default=None,
                   help="a finished run that seeds the sweep (repeatable): its config is not run again")
    p.set_defaults(func=_cmd_sweep)
    p = sub.add_parser("agent", help="run trials of a sweep by launching its program")
    p.add_argument("sweep_id")
    p.add_argument("--count", type=int)
    p.add_argument("--project", "-p")
    p.set_defaults(func=_cmd_agent)
    p = sub.add_parser("artifacts", help="list artifacts: type, versions, latest, aliases")
    p.add_argument("--type", "-t", help="only artifacts of this type")
    p.set_defaults(func=_cmd_artifacts)
    p = sub.add_parser("artifact", help="inspect one artifact version")
    artifact_sub = p.add_subparsers(dest="artifact_command", required=True)
    p = artifact_sub.add_parser("show", help="versions, aliases, files, producing and consuming runs")
    p.add_argument("ref", metavar="NAME:ALIAS", help="e.g. data:v3, model:latest, model:best")
    p.set_defaults(func=_cmd_artifact_show)
    p = sub.add_parser("registry", help="the model registry: collections, versions, aliases (production, ...)")
    registry_sub = p.add_subparsers(dest="registry_command", required=True)
    p = registry_sub.add_parser("list", help="collections with their versions and aliases")
    p.set_defaults(func=_cmd_registry)
    p = registry_sub.add_parser("show", help="a collection's versions, linked artifacts and producing runs")
    p.add_argument("collection")
    p.set_defaults(func=_cmd_registry)
    p = registry_sub.add_parser("link", help="link an artifact version into a collection")
    p.add_argument("artifact", metavar="NAME:ALIAS", help="e.g. model:v3, model:best")
    p.add_argument("collection")
    p.add_argument("--alias", "-a", action="append", help="an alias to move to the new link (repeatable)")
    p.set_defaults(func=_cmd_registry)
    p = registry_sub.add_parser("alias", help="point an alias (e.g. production) at a version, moving it")
    p.add_argument("collection")
    p.add_argument("alias")
    p.add_argument("version", help="vN or another alias")
    p.set_defaults(func=_cmd_registry)
    p = registry_sub.add_parser("unalias", help="remove an alias from a collection")
    p.add_argument("collection")
    p.add_argument("alias")
    p.set_defaults(func=_cmd_registry)
    p = registry_sub.add_parser("unlink", help="remove a version from a collection (the artifact stays)")
    p.add_argument("collection")
    p.add_argument("version", help="vN or an alias")
    p.set_defaults(func=_cmd_registry)
    p = sub.add_parser("import", help="import runs from MLflow or W&B offline directories (steps, times, states kept)")
    p.add_argument("source", choices=["mlflow", "wandb-offline"], help="what wrote the runs")
    p.add_argument("path", metavar="PATH_OR_URI",
                   help="mlflow: an mlruns directory, mlflow.db or a tracking URI; wandb-offline: a wandb/ directory")
    p.add_argument("--project", "-p", help="put every run in this project (default: the experiment / W&B project)")
    p.set_defaults(func=_cmd_import)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `nbtrack` command and `python -m nbtrack`."""
    args = _parser().parse_args(argv)
    try:
        return int(args.func(args))
    except (KeyError, ValueError, OSError) as exc:
        message = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
        print(f"nbtrack: {message}", file=sys.stderr)
        return 2
