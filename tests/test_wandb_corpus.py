"""The W&B compatibility corpus: real W&B example code (wandb/examples, pinned commit), changed only
in its import lines and with synthetic data in place of downloads, run as a subprocess each, then
checked in the store (runs, history keys, config/summary, media read back, artifacts).

See tests/wandb_corpus/manifest.py for the pieces and materialize.py for how they are built;
`python benchmarks/compat_corpus.py` runs the same corpus on the real wandb package offline.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.wandb_corpus.checks import run_piece, store_problems
from tests.wandb_corpus.manifest import PIECES, Piece
from tests.wandb_corpus.materialize import build

pytestmark = pytest.mark.timeout(240)


def _param(piece: Piece) -> object:
    marks = [pytest.mark.xfail(reason=piece.xfail, strict=True)] if piece.xfail else []
    return pytest.param(piece, id=piece.name, marks=marks)


@pytest.mark.parametrize("piece", [_param(p) for p in PIECES])
def test_corpus_piece_runs_and_lands_in_the_store(piece: Piece, tmp_path: Path) -> None:
    [script] = build(tmp_path, "nbtrack", (piece,)).values()
    text = script.read_text()
    assert "import wandb\n" not in text.replace("# was: import wandb\n", "")  # the import line was changed
    proc = run_piece(script, piece, "nbtrack")
    assert proc.returncode == 0, f"{piece.name} failed:\n{proc.stderr[-3000:]}"
    assert store_problems(script.parent / ".nbtrack", piece) == []


def test_the_corpus_is_big_enough_and_sourced() -> None:
    assert len(PIECES) >= 25 and len({p.name for p in PIECES}) == len(PIECES)
    assert all(p.path.startswith(("examples/", "colabs/")) for p in PIECES)
