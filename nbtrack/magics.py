"""`%%track` and `%nbtrack`: thin notebook adapters over `nbtrack.init` and the query API."""

from __future__ import annotations

import argparse
import ast
import os
import shlex
from typing import Any

from IPython.core.magic import Magics, cell_magic, line_magic, magics_class

__all__ = ["TrackMagics", "load_ipython_extension", "unload_ipython_extension", "parse_track_line"]


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:  # raise instead of exiting the kernel
        raise ValueError(f"%%track: {message}")


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="%%track", add_help=False)
    p.add_argument("--project")
    p.add_argument("--name")
    p.add_argument("--tags", help="comma-separated")
    p.add_argument("--notes")
    p.add_argument("--group")
    p.add_argument("--job-type", "--job_type", dest="job_type")
    p.add_argument("--id")
    p.add_argument("--resume", choices=["allow", "must", "never"])
    p.add_argument("assignments", nargs="*", help="key=value config entries")
    return p


def _literal(text: str) -> Any:
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def parse_track_line(line: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Split a `%%track` line into init keyword arguments and config entries."""
    args = _parser().parse_args(shlex.split(line))
    config: dict[str, Any] = {}
    for item in args.assignments:
        key, sep, value = item.partition("=")
        if not sep or not key.isidentifier():
            raise ValueError(f"%%track: expected key=value with a Python identifier as key, got {item!r}")
        config[key] = _literal(value)
    kwargs = {k: v for k, v in vars(args).items() if k != "assignments" and v is not None}
    if "tags" in kwargs:
        kwargs["tags"] = [t.strip() for t in kwargs["tags"].split(",") if t.strip()]
    return kwargs, config


def _notebook_path(shell: Any) -> str | None:
    ns = shell.user_ns
    for candidate in (os.environ.get("NBTRACK_NOTEBOOK"), ns.get("__vsc_ipynb_file__"), ns.get("__session__"),
                      os.environ.get("JPY_SESSION_NAME")):
        if candidate:
            return str(candidate)
    return None


def _cell_id(shell: Any) -> str | None:
    kernel = getattr(shell, "kernel", None)
    try:
        parent = kernel.get_parent("shell") if kernel is not None else None
    except TypeError:
        parent = kernel.get_parent()
    except Exception:
        return None
    if not parent:
        return None
    return (parent.get("metadata") or {}).get("cellId")


@magics_class
class TrackMagics(Magics):
    """The magics `%load_ext nbtrack` registers."""

    @cell_magic
    def track(self, line: str, cell: str) -> None:
        """%%track [--project P] [--name N] [--tags a,b] [--notes T] [--group G] [key=value ...]"""
        from ._init import init

        kwargs, config = parse_track_line(line)
        shell = self.shell
        count = shell.displayhook.prompt_count  # this cell's In[] number
        run = init(config=config, **kwargs)
        run.add_capture(
            cell_source=cell, notebook=_notebook_path(shell), execution_count=count,
            cell_id=_cell_id(shell), source_kind="notebook-cell", magic_line=f"%%track {line}".rstrip(),
        )
        shell.user_ns["run"] = run
        for key in config:
            shell.user_ns[key] = run.config[key]
        filename = shell.compile.cache(cell, count)
        code = shell.compile(shell.transform_cell(cell), filename, "exec")
        try:
            exec(code, shell.user_global_ns, shell.user_ns)
        except BaseException as exc:
            run.fail(exc, exc.__traceback__)
            raise
        run.finish()

    @line_magic
    def nbtrack(self, line: str) -> Any:
        """%nbtrack runs [--project P] [--state S] | %nbtrack show RUN | %nbtrack dashboard [--project P]"""
        parts = shlex.split(line)
        if parts[:1] == ["dashboard"]:
            from .ui.dashboard import dashboard

            p = _Parser(prog="%nbtrack dashboard", add_help=False)
            p.add_argument("--project")
            return dashboard(p.parse_args(parts[1:]).project)
        if not parts or parts[0] not in ("runs", "show"):
            raise ValueError("%nbtrack: use `%nbtrack runs [--project P] [--state S]`, `%nbtrack show RUN_ID` "
                             "or `%nbtrack dashboard [--project P]`")
        if parts[0] == "runs":
            p = _Parser(prog="%nbtrack runs", add_help=False)
            p.add_argument("--project")
            p.add_argument("--state")
            args = p.parse_args(parts[1:])
            from ._query import runs

            return runs(args.project, filters={"state": args.state} if args.state else None)
        if len(parts) != 2:
            raise ValueError("%nbtrack show: give one run id")
        from .cli import describe_run

        print(describe_run(parts[1]))
        return None


def load_ipython_extension(ipython: Any) -> None:
    """Register the magics (idempotent); in a kernel, load the live view's code once the cell is done."""
    ipython.register_magics(TrackMagics)
    if getattr(ipython, "kernel", None) is not None:
        from .ui.warm import warm_up_when_idle

        warm_up_when_idle()


def unload_ipython_extension(ipython: Any) -> None:
    """Remove the magics again."""
    magics = ipython.magics_manager.magics
    magics["cell"].pop("track", None)
    magics["line"].pop("nbtrack", None)
