"""Build the W&B compatibility corpus: real W&B example code, changed only as the manifest says.

The sources are not copied into this repository (the wandb/examples repository carries no
licence), and nothing is fetched at test time: each piece is read from a git checkout of
wandb/examples holding the pinned commit — the directory in NBTRACK_WANDB_EXAMPLES, else
/work/.mirror/wandb+examples/repo — and written out with the manifest's edits applied. Without
such a checkout `source_checkout()` raises NoCheckout (the tests skip, naming how to enable them;
tests/test_wandb_docs_corpus.py is the corpus that always runs):

- `route="nbtrack"`: the import edits (`import wandb` -> `import nbtrack as wandb`,
  `from wandb.x import` -> `from nbtrack.x import`; a script that does not import wandb itself gets
  `import nbtrack; nbtrack.as_wandb()` first) and the data edits;
- `route="wandb"`: the data edits only (the original import lines, for the real package offline).

Data edits replace a download with synthetic data of the same shape, between marker comments.
Usage: python -m tests.wandb_corpus.materialize OUTDIR [nbtrack|wandb]
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Literal

from .manifest import COMMIT, PIECES, REPO, Piece

__all__ = ["NoCheckout", "source_checkout", "materialize", "build", "script_name"]

_MIRROR = Path("/work/.mirror/wandb+examples/repo")
_IMPORT = re.compile(r"^(\s*)import wandb\s*$", re.M)
_FROM = re.compile(r"^(\s*)from wandb(\.[\w.]+)? import ", re.M)
DATA_BEGIN = "# --- nbtrack corpus: synthetic data of the same shape in place of the download ---"
DATA_END = "# --- end of synthetic data ---"


def _has_commit(git_dir: Path) -> bool:
    return subprocess.run(["git", f"--git-dir={git_dir}", "cat-file", "-e", f"{COMMIT}^{{commit}}"],
                          capture_output=True).returncode == 0


class NoCheckout(RuntimeError):
    """No local checkout of wandb/examples at the pinned commit is at hand."""


HOW_TO_ENABLE = (f"the examples corpus needs a local clone of the wandb/examples repository holding commit "
                 f"{COMMIT[:12]}: set NBTRACK_WANDB_EXAMPLES=path to that clone (nothing is fetched at test time; "
                 f"the docs corpus, tests/test_wandb_docs_corpus.py, runs without it)")


def source_checkout() -> Path:
    """The git directory of a local wandb/examples checkout holding the pinned commit; NoCheckout if none."""
    candidates = [Path(os.environ["NBTRACK_WANDB_EXAMPLES"])] if os.environ.get("NBTRACK_WANDB_EXAMPLES") else []
    candidates.append(_MIRROR)
    for git_dir in candidates:
        inner = git_dir / ".git" if (git_dir / ".git").is_dir() else git_dir
        if inner.is_dir() and _has_commit(inner):
            return inner
    raise NoCheckout(HOW_TO_ENABLE)


def _read(git_dir: Path, path: str) -> str:
    return subprocess.run(["git", f"--git-dir={git_dir}", "show", f"{COMMIT}:{path}"], capture_output=True,
                          check=True, text=True).stdout


def _edit(text: str, old: str, new: str, where: str) -> str:
    if text.count(old) != 1:
        raise ValueError(f"corpus {where}: the text to replace occurs {text.count(old)} times, not once: {old[:60]!r}")
    return text.replace(old, f"{DATA_BEGIN}\n{new.strip()}\n{DATA_END}\n" if new.strip() else "")


def _cells(notebook: str, cells: tuple[int, ...]) -> str:
    """The chosen code cells of a notebook, joined; shell (`!`) and magic (`%`) lines are left out."""
    nb = json.loads(notebook)
    parts = []
    for i in cells:
        cell = nb["cells"][i]
        if cell["cell_type"] != "code":
            raise ValueError(f"corpus: cell {i} is not a code cell")
        source = "".join(cell["source"])
        parts.append("\n".join(line for line in source.splitlines() if not line.lstrip().startswith(("!", "%"))))
    return f"# --- cell {cells[0]} ---\n" + "\n\n".join(parts) + "\n"


def materialize(piece: Piece, text: str, route: Literal["nbtrack", "wandb"], path: str) -> str:
    """The source `text` of `piece` with its data edits and, for the nbtrack route, its import edits."""
    if piece.cells:
        text = _cells(text, piece.cells)
    if piece.prelude:
        text = f"{DATA_BEGIN}\n{piece.prelude.strip()}\n{DATA_END}\n" + text
    for old, new in piece.data_edits:
        text = _edit(text, old, new, path)
    if route == "nbtrack":
        text, n = _IMPORT.subn(r"\1import nbtrack as wandb  # was: import wandb", text)
        text, m = _FROM.subn(lambda mt: f"{mt.group(1)}from nbtrack{mt.group(2) or ''} import ", text)
        if piece.route_third_party:
            text = "import nbtrack; nbtrack.as_wandb()  # added: third-party code imports wandb itself\n" + text
    where = f" (code cells {', '.join(map(str, piece.cells))}; shell lines left out)" if piece.cells else ""
    header = (f"# W&B compatibility corpus: {piece.name}\n# source: the {REPO} repository, commit {COMMIT}, {path}"
              f"{where}\n"
              f"# changed: {'import lines and ' if route == 'nbtrack' else ''}"
              f"{'marked synthetic-data blocks' if piece.data_edits or piece.prelude else 'nothing else'}\n")
    return header + text


def script_name(piece: Piece) -> str:
    """The file name a piece is written as (a notebook's cells become `<name>.py`)."""
    return f"{piece.name}.py" if piece.cells else Path(piece.path).name


def build(outdir: Path, route: Literal["nbtrack", "wandb"] = "nbtrack",
          pieces: tuple[Piece, ...] = PIECES) -> dict[str, Path]:
    """Write each piece as outdir/<name>/<script>; return {name: script path}."""
    git_dir = source_checkout()
    scripts = {}
    for piece in pieces:
        folder = outdir / piece.name
        folder.mkdir(parents=True, exist_ok=True)
        (folder / script_name(piece)).write_text(materialize(piece, _read(git_dir, piece.path), route, piece.path))
        scripts[piece.name] = folder / script_name(piece)
    return scripts


if __name__ == "__main__":
    out = build(Path(sys.argv[1]), sys.argv[2] if len(sys.argv) > 2 else "nbtrack")  # type: ignore[arg-type]
    print("\n".join(str(p) for p in out.values()))
