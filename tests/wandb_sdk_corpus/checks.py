"""Run an SDK-corpus piece as a subprocess (nbtrack, or the real wandb offline) and check what it stored."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Literal

from tests.wandb_corpus.checks import run_piece
from tests.wandb_docs_corpus.checks import doc_store_problems

from .manifest import SdkPiece


def run_sdk_piece(script: Path, piece: SdkPiece, route: Literal["nbtrack", "wandb"],
                  timeout: float = 150) -> subprocess.CompletedProcess[str]:
    """Run the placed script in its folder with W&B/nbtrack environment variables cleared (see run_piece)."""
    return run_piece(script, piece, route, timeout=timeout)  # type: ignore[arg-type]


def sdk_problems(store_dir: Path, piece: SdkPiece, stdout: str) -> list[str]:
    """What the piece's checks expect and the store, the printed output or its folder (`files`) does not hold."""
    problems = doc_store_problems(store_dir, piece)  # type: ignore[arg-type]
    problems += [f"no file {name!r} beside the script" for name in piece.checks.get("files", [])
                 if not (store_dir.parent / name).is_file()]
    pattern = piece.checks.get("stdout")
    if pattern and not re.search(pattern, stdout):
        problems.append(f"output does not match {pattern!r}: {stdout[-300:]!r}")
    return problems
