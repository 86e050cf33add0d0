"""W&B's sweep `command` with its macros rendered to an argv list (`wandb_agent._command_run`)."""

from __future__ import annotations

import json
import os
import platform
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ..errors import SweepConfigError

DEFAULT_COMMAND = ("${env}", "${interpreter}", "${program}", "${args}")
_ENVVAR = re.compile(r"\$\{envvar\:([A-Z0-9_]*)\}")


def command_args(run_config: Mapping[str, Any]) -> dict[str, list[str]]:
    """The argv items each parameter macro expands to; a nested group is one key holding a dict."""
    args, no_hyphens, no_equals, no_booleans, append, override = [], [], [], [], [], []
    for key, value in run_config.items():
        flag = f"{key}={value}"
        args.append(f"--{flag}")
        no_hyphens.append(flag)
        no_equals += [f"--{key}", str(value)]
        if not isinstance(value, bool):
            no_booleans.append(f"--{flag}")
        elif value:
            no_booleans.append(f"--{key}")
        append.append(f"+{flag}")
        override.append(f"++{flag}")
    return {
        "args": args,
        "args_no_hyphens": no_hyphens,
        "args_no_equals": no_equals,
        "args_no_boolean_flags": no_booleans,
        "args_json": [json.dumps(dict(run_config))],
        "args_append_hydra": append,
        "args_override_hydra": override,
    }


def _substitute_envvars(chunk: Any, environ: Mapping[str, str]) -> str:
    """`${envvar:NAME}` anywhere in a chunk becomes NAME's value, or the literal NAME when unset."""
    return _ENVVAR.sub(lambda m: environ.get(m.group(1), m.group(1)), str(chunk))


def render_command(
    command: Sequence[Any] | None,
    run_config: Mapping[str, Any],
    *,
    program: str | None = None,
    args_json_file: str | os.PathLike[str] | None = None,
    environ: Mapping[str, str] | None = None,
) -> list[str]:
    """The argv a command-line agent runs for one trial, exactly as W&B's agent builds it.

    A chunk that is wholly `${name}` expands to a list (unknown names vanish); any other
    chunk passes through as text. `${args_json_file}` writes the run config as JSON to
    `args_json_file`, only when that chunk is present. An empty or non-list `command`
    means the default `${env} ${interpreter} ${program} ${args}`.
    """
    environ = os.environ if environ is None else environ
    chunks = command if isinstance(command, list) and command else DEFAULT_COMMAND
    chunks = [_substitute_envvars(chunk, environ) for chunk in chunks]
    macros: dict[str, list[str]] = {**command_args(run_config), "interpreter": ["python"]}
    if platform.system() != "Windows":
        macros["env"] = ["/usr/bin/env"]
    if "${program}" in chunks:
        if program is None:
            raise SweepConfigError("the command uses ${program} but the sweep config has no 'program'")
        macros["program"] = [program]
    if "${args_json_file}" in chunks:
        if args_json_file is None:
            raise ValueError("the command uses ${args_json_file}: pass the path to write it to")
        path = Path(args_json_file)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(macros["args_json"][0], encoding="utf-8")
        macros["args_json_file"] = [os.fspath(path)]
    argv: list[str] = []
    for chunk in chunks:
        if chunk.startswith("${") and chunk.endswith("}"):
            argv += macros.get(chunk[2:-1], [])
        else:
            argv.append(chunk)
    return argv
