"""The W&B compatibility corpus: real W&B example code (wandb/examples, pinned commit), changed only
in its import lines and with synthetic data in place of downloads, run as a subprocess each, then
checked in the store (runs, history keys, config/summary, media read back, artifacts).

See tests/wandb_corpus/manifest.py for the pieces and materialize.py for how they are built;
`python benchmarks/compat_corpus.py` runs the same corpus on the real wandb package offline.
The sources are not in this repository and nothing is fetched at test time: without a local clone
(NBTRACK_WANDB_EXAMPLES) the piece tests skip with the reason; the docs corpus always runs.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.wandb_corpus.checks import run_piece, store_problems
from tests.wandb_corpus.manifest import PIECES, Piece
from tests.wandb_corpus.materialize import NoCheckout, build, source_checkout

pytestmark = pytest.mark.timeout(240)


def _no_checkout() -> str:
    """Why the pieces cannot be built here ('' when a checkout of the pinned commit is at hand)."""
    try:
        source_checkout()
    except NoCheckout as exc:
        return str(exc)
    return ""


_SKIP = _no_checkout()


def _param(piece: Piece) -> object:
    marks = [pytest.mark.xfail(reason=piece.xfail, strict=True)] if piece.xfail else []
    return pytest.param(piece, id=piece.name, marks=marks)


@pytest.mark.skipif(bool(_SKIP), reason=_SKIP)
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


def test_without_a_checkout_nothing_is_fetched_and_the_reason_names_the_setting(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.wandb_corpus import materialize

    monkeypatch.delenv("NBTRACK_WANDB_EXAMPLES", raising=False)
    monkeypatch.setattr(materialize, "_MIRROR", tmp_path / "absent")
    monkeypatch.setenv("HOME", str(tmp_path))  # no cache either: nothing is cloned there
    with pytest.raises(NoCheckout, match="NBTRACK_WANDB_EXAMPLES=path to that clone"):
        source_checkout()
    assert list(tmp_path.iterdir()) == []
