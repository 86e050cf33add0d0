"""The SDK docstring corpus: W&B's own code examples (the docstrings of the installed `wandb` package, which
W&B publishes as its Python reference), changed only in the import line, each run as a subprocess on
nbtrack and then checked in the store.

Nothing of W&B's text is committed: tests/wandb_sdk_corpus/extract.py reads the examples from the
installed package (pinned in the dev extra) with `ast`, checks each block's sha256, and writes the
script at test time. `python benchmarks/compat_corpus.py --sdk` runs the same pieces on the real wandb.
"""

from __future__ import annotations

import ast
import importlib.metadata
import re
from dataclasses import replace
from pathlib import Path

import pytest

from tests.wandb_sdk_corpus.checks import run_sdk_piece, sdk_problems
from tests.wandb_sdk_corpus.extract import (PRELUDE_END, PRELUDE_START, ExampleChanged, example_text, place,
                                            script_text)
from tests.wandb_sdk_corpus.manifest import PIECES, WANDB_VERSION, SdkPiece

pytestmark = pytest.mark.timeout(200)
ROOT = Path(__file__).resolve().parents[1]


def _param(piece: SdkPiece) -> object:
    marks = [pytest.mark.xfail(reason=piece.xfail, strict=True)] if piece.xfail else []
    return pytest.param(piece, id=piece.name, marks=marks)


@pytest.mark.parametrize("piece", [_param(p) for p in PIECES])
def test_sdk_example_runs_on_nbtrack_and_lands_in_the_store(piece: SdkPiece, tmp_path: Path) -> None:
    script = place(piece, tmp_path / piece.name, "nbtrack")
    proc = run_sdk_piece(script, piece, "nbtrack")
    assert proc.returncode == 0, f"{piece.name} failed:\n{proc.stderr[-3000:]}"
    assert sdk_problems(script.parent / ".nbtrack", piece, proc.stdout) == []


def test_the_corpus_is_big_enough_and_pinned_to_the_installed_wandb() -> None:
    assert len(PIECES) >= 30 and len({p.name for p in PIECES}) == len(PIECES)
    assert importlib.metadata.version("wandb") == WANDB_VERSION
    assert f'"wandb=={WANDB_VERSION}"' in (ROOT / "pyproject.toml").read_text()  # CI installs the same text
    assert all(p.url.startswith("https://docs.wandb.ai/") for p in PIECES)
    failures = []
    for piece in PIECES:
        try:
            example_text(piece)
        except ExampleChanged as exc:
            failures.append(str(exc))
    assert failures == []


def test_a_changed_example_fails_loudly_naming_the_piece() -> None:
    piece = replace(PIECES[0], sha256="0" * 64)
    with pytest.raises(ExampleChanged, match=rf"{piece.name}: the example .* changed .*re-pin"):
        example_text(piece)
    with pytest.raises(ExampleChanged, match=r"has \d+ example blocks, the manifest pins block 99"):
        example_text(replace(PIECES[0], index=99))


@pytest.mark.parametrize("piece", PIECES, ids=[p.name for p in PIECES])
def test_the_example_is_changed_only_in_its_import_lines(piece: SdkPiece) -> None:
    original, text = script_text(piece, "wandb"), script_text(piece, "nbtrack")
    assert original.endswith(example_text(piece))  # the wandb route runs the example as published
    assert len(original.splitlines()) == len(text.splitlines())
    for was, now in zip(original.splitlines(), text.splitlines()):
        if was != now:
            assert (was.strip(), now.strip()) == ("import wandb", "import nbtrack as wandb") or (
                re.fullmatch(r"\s*from wandb(\.\w+)* import .*", was)
                and now == was.replace("from wandb", "from nbtrack", 1)), (was, now)
    assert not re.search(r"^\s*(import wandb|from wandb\b)", text, re.M)  # the real wandb is never imported
    ast.parse(text)  # the script is Python as it stands
    if piece.prelude:  # ours, marked, and before the example
        assert text.count(PRELUDE_START) == 1 and text.index(PRELUDE_END) < len(text) - len(example_text(piece))
