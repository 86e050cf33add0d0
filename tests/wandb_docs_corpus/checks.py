"""Run a docs-corpus piece as a subprocess (nbtrack, or the real wandb offline) and check the store."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Literal

from tests.wandb_corpus.checks import run_piece, store_problems

from .manifest import DocPiece

_TO_WANDB = ((re.compile(r"^(\s*)import nbtrack as wandb\b.*$", re.M), r"\1import wandb"),
             (re.compile(r"^(\s*)from nbtrack(\.[\w.]+)? import ", re.M), r"\1from wandb\2 import "))


def wandb_text(text: str) -> str:
    """The piece for the real wandb: its nbtrack import lines turned into W&B's."""
    for pattern, repl in _TO_WANDB:
        text = pattern.sub(repl, text)
    return text


def place(piece: DocPiece, folder: Path, route: Literal["nbtrack", "wandb"]) -> Path:
    """Copy the piece into `folder` (its store or W&B's offline dir will live there); return the script."""
    folder.mkdir(parents=True, exist_ok=True)
    script = folder / piece.path.name
    if route == "nbtrack":
        shutil.copyfile(piece.path, script)
    else:
        script.write_text(wandb_text(piece.path.read_text()))
    return script


def run_doc_piece(script: Path, piece: DocPiece, route: Literal["nbtrack", "wandb"],
                  timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run the placed script with W&B/nbtrack environment variables cleared (see run_piece)."""
    return run_piece(script, piece, route, timeout=timeout)  # type: ignore[arg-type]


def doc_store_problems(store_dir: Path, piece: DocPiece) -> list[str]:
    """What the piece's checks expect and the store does not hold; also every run must be finished."""
    from nbtrack.store import open_store

    c = piece.checks
    if c.get("runs", 1) == 0:
        return []
    problems = store_problems(store_dir, piece)  # type: ignore[arg-type]
    if problems and problems[0].startswith("no store"):
        return problems
    store = open_store(f"sqlite:///{store_dir / 'nbtrack.db'}")
    runs = store.list_runs()
    problems += [f"run {r.name!r} is {r.state!r}, not finished" for r in runs if r.state != "finished"]
    if "max_runs" in c and len(runs) > c["max_runs"]:
        problems.append(f"{len(runs)} runs, expected at most {c['max_runs']}")
    if c.get("registry") and len(store.list_registry_collections()) < c["registry"]:
        problems.append(f"fewer than {c['registry']} registered models")
    return problems
