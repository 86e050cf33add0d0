"""The W&B docs corpus: our own scripts against W&B's documented API (tests/wandb_docs_corpus/pieces,
each naming the page it exercises), each run as a subprocess with W&B/nbtrack environment variables
cleared and its store in tmp_path, then checked in the store.

Unlike tests/test_wandb_corpus.py it needs nothing outside this repository, so it always runs.
`python benchmarks/compat_corpus.py --docs` runs the same pieces on the real wandb offline.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.wandb_docs_corpus.checks import doc_store_problems, place, run_doc_piece, wandb_text
from tests.wandb_docs_corpus.manifest import PIECES, PIECES_DIR, DocPiece

pytestmark = pytest.mark.timeout(180)


@pytest.mark.parametrize("piece", PIECES, ids=[p.name for p in PIECES])
def test_docs_piece_runs_and_lands_in_the_store(piece: DocPiece, tmp_path: Path) -> None:
    script = place(piece, tmp_path / piece.name, "nbtrack")
    proc = run_doc_piece(script, piece, "nbtrack")
    assert proc.returncode == 0, f"{piece.name} failed:\n{proc.stderr[-3000:]}"
    assert doc_store_problems(script.parent / ".nbtrack", piece) == []


def test_the_docs_corpus_is_big_enough_names_its_pages_and_imports_nbtrack_as_wandb() -> None:
    files = sorted(p.stem for p in PIECES_DIR.glob("*.py"))
    assert len(PIECES) >= 25 and files == sorted(p.name for p in PIECES)
    for piece in PIECES:
        text = piece.path.read_text()
        assert re.match(r"# exercises the API documented at: https://docs\.wandb\.ai/\S+\n", text), piece.name
        assert re.search(r"^import nbtrack as wandb$", text, re.M), piece.name
        assert not re.search(r"^\s*(import wandb|from wandb\b)", text, re.M), piece.name  # no real wandb
        assert not re.search(r"^\s*(import|from) nbtrack", wandb_text(text), re.M)  # the wandb side is all W&B's
