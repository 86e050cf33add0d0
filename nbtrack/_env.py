"""W&B's environment variables as `init()` defaults, as W&B documents them.

An argument given to `init()` wins; else nbtrack's own variable (`NBTRACK_RUN_ID`, ...);
else W&B's (`WANDB_RUN_ID`, ...). `WANDB_TAGS` is comma-separated. `WANDB_DIR` (where W&B
writes) places the store under that directory unless `NBTRACK_STORE` or `NBTRACK_DIR` says
where it is. `WANDB_SILENT` quiets nbtrack's own messages; `WANDB_CONSOLE` is accepted and has
no effect (nbtrack does not capture the console).
"""

from __future__ import annotations

import os
from typing import Any

__all__ = ["ENV_NAMES", "env_defaults", "env_dir", "silent"]

# init() argument -> (nbtrack's variable, W&B's variable)
ENV_NAMES: dict[str, tuple[str, str]] = {
    "id": ("NBTRACK_RUN_ID", "WANDB_RUN_ID"),
    "resume": ("NBTRACK_RESUME", "WANDB_RESUME"),
    "project": ("NBTRACK_PROJECT", "WANDB_PROJECT"),
    "entity": ("NBTRACK_ENTITY", "WANDB_ENTITY"),
    "name": ("NBTRACK_NAME", "WANDB_NAME"),
    "notes": ("NBTRACK_NOTES", "WANDB_NOTES"),
    "tags": ("NBTRACK_TAGS", "WANDB_TAGS"),
    "group": ("NBTRACK_RUN_GROUP", "WANDB_RUN_GROUP"),
    "job_type": ("NBTRACK_JOB_TYPE", "WANDB_JOB_TYPE"),
    "mode": ("NBTRACK_MODE", "WANDB_MODE"),
}
_RESUME = {"allow": "allow", "must": "must", "never": "never", "auto": "auto", "true": "allow", "false": "never"}
_TRUE = ("1", "true", "yes", "on")


def _lookup(arg: str) -> tuple[str, str] | None:
    """(variable, value) of the first non-empty of nbtrack's then W&B's variable for `arg`."""
    for var in ENV_NAMES[arg]:
        value = os.environ.get(var)
        if value:
            return var, value
    return None


def env_defaults(args: dict[str, Any]) -> dict[str, Any]:
    """`args` with each None filled from the environment (tags split on commas, resume checked)."""
    out = dict(args)
    for arg in ENV_NAMES:
        if out.get(arg) is not None:
            continue
        found = _lookup(arg)
        if found is None:
            continue
        var, value = found
        if arg == "tags":
            out[arg] = [t.strip() for t in value.split(",") if t.strip()]
        elif arg == "resume":
            if value.lower() not in _RESUME:
                raise ValueError(f"{var}={value!r}: expected one of allow, must, never, auto")
            out[arg] = _RESUME[value.lower()]
        else:
            out[arg] = value
    return out


def env_dir() -> str | None:
    """`WANDB_DIR`, when neither `NBTRACK_STORE` nor `NBTRACK_DIR` places the store."""
    if os.environ.get("NBTRACK_STORE") or os.environ.get("NBTRACK_DIR"):
        return None
    return os.environ.get("WANDB_DIR") or None


def silent() -> bool:
    """Whether `NBTRACK_SILENT` (else `WANDB_SILENT`) asks nbtrack not to print its own messages."""
    value = os.environ.get("NBTRACK_SILENT") or os.environ.get("WANDB_SILENT") or ""
    return value.strip().lower() in _TRUE
