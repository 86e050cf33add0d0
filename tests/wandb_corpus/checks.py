"""Run a corpus piece as a subprocess and check what it left in the nbtrack store."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from .manifest import Piece

ROOT = Path(__file__).resolve().parents[2]


def run_piece(script: Path, piece: Piece, route: str, *, timeout: float = 180,
              python: str = sys.executable) -> subprocess.CompletedProcess[str]:
    """Run the materialized script in its folder: nbtrack's store (or W&B's offline dir) lives there."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WANDB_", "NBTRACK_"))}
    env.update({"MPLBACKEND": "Agg", "KERAS_BACKEND": "torch", "TOKENIZERS_PARALLELISM": "false",
                "PYTHONWARNINGS": "ignore"})
    if route == "nbtrack":
        env.update({"NBTRACK_DIR": str(script.parent / ".nbtrack"),
                    "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)})
    else:
        env.update({"WANDB_MODE": "offline", "WANDB_SILENT": "true", "WANDB_DIR": str(script.parent),
                    "WANDB_DISABLE_GIT": "true", "WANDB_CONSOLE": "off"})
    return subprocess.run([python, script.name, *piece.argv], cwd=script.parent, env=env, capture_output=True,
                          text=True, timeout=timeout)


def store_problems(store_dir: Path, piece: Piece) -> list[str]:
    """What the piece's checks expect and the store does not hold (empty when all is there)."""
    from nbtrack._media import load
    from nbtrack.store import open_store

    c: dict[str, Any] = piece.checks
    db = store_dir / "nbtrack.db"
    if not db.exists():
        return [f"no store at {db}"]
    store = open_store(f"sqlite:///{db}")
    runs = store.list_runs()
    problems = []
    if len(runs) < c.get("runs", 1):
        problems.append(f"{len(runs)} runs, expected at least {c.get('runs', 1)}")
    keys = {k for r in runs for k in store.history_keys(r.id)}
    problems += [f"history key {k!r} missing (have {sorted(keys)[:12]})" for k in c.get("keys", []) if k not in keys]
    config = {k for r in runs for k in (r.config or {})}
    problems += [f"config key {k!r} missing" for k in c.get("config", []) if k not in config]
    summary = {k for r in runs for k in (r.summary or {})}
    problems += [f"summary key {k!r} missing" for k in c.get("summary", []) if k not in summary]
    for field in ("project", "group", "job_type"):
        if field in c and not any(getattr(r, field) == c[field] for r in runs):
            problems.append(f"no run with {field}={c[field]!r} (have {[getattr(r, field) for r in runs]})")
    for key, kind in c.get("media", {}).items():
        series = [store.read_history([r.id], [key]).get(r.id, {}).get(key) for r in runs] if key in keys else []
        stored = [v for s in series if s is not None for v in s.values]
        values = [x for v in stored for x in (v if isinstance(v, list) else [v]) if isinstance(x, dict)]
        if not any(v.get("_type") == kind for v in values):
            problems.append(f"{key!r}: no stored {kind!r} value")
        for v in values:
            try:
                load(v, store=store)  # the stored file reads back (digest checked)
            except (OSError, ValueError) as exc:
                problems.append(f"{key!r}: stored value does not read back: {exc}")
    if c.get("artifacts") and len(store.list_artifacts()) < c["artifacts"]:
        problems.append(f"{len(store.list_artifacts())} artifacts, expected at least {c['artifacts']}")
    return problems
