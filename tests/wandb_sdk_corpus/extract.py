"""Find a piece's example in the installed wandb's source (ast, never importing wandb), check it, build the script.

The example is the `index`-th fenced block (```python, or a bare ``` fence) in the docstring of
`qualname` in `module`; its text is the block's lines, dedented, with the docstring cleaned as
`inspect.cleandoc` does. The script is our marked prelude (if any) and then that text, with only
the import lines changed for the nbtrack route: `import wandb` -> `import nbtrack as wandb` and
`from wandb.x import ...` -> `from nbtrack.x import ...` (nbtrack keeps W&B's module names).
"""

from __future__ import annotations

import ast
import hashlib
import importlib.util
import re
import textwrap
from pathlib import Path
from typing import Literal

from .manifest import SdkPiece

_FENCE = re.compile(r"^([ \t]*)```(\w*)[ \t]*\n(.*?)^\1```", re.S | re.M)
_TO_NBTRACK = ((re.compile(r"^(\s*)import wandb$", re.M), r"\1import nbtrack as wandb"),
               (re.compile(r"^(\s*)from wandb((?:\.\w+)*) import ", re.M), r"\1from nbtrack\2 import "))
PRELUDE_START = "# --- synthetic data (nbtrack corpus) ---"
PRELUDE_END = "# --- end of synthetic data ---"


class ExampleChanged(AssertionError):
    """The installed wandb's docstring no longer holds the example the manifest pinned."""


def wandb_source_root() -> Path:
    """The installed wandb package's folder, found without importing it."""
    spec = importlib.util.find_spec("wandb")  # a top-level find_spec does not run the package
    if spec is None or not spec.submodule_search_locations:
        raise ExampleChanged("the wandb package is not installed (it is in the dev extra)")
    return Path(next(iter(spec.submodule_search_locations)))


def _docstring(module: str, qualname: str) -> str:
    """The cleaned docstring of `qualname` (first definition with a docstring; "" the module) in wandb's `module`."""
    path = wandb_source_root().parent / (module.replace(".", "/") + ".py")
    if not path.exists():
        path = path.with_suffix("") / "__init__.py"
    nodes: list[ast.AST] = [ast.parse(path.read_text(encoding="utf-8"))]
    for part in qualname.split(".") if qualname else ():  # "" is the module's own docstring
        nodes = [child for node in nodes for child in ast.iter_child_nodes(node)
                 if isinstance(child, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and child.name == part]
    docs = [doc for node in nodes if (doc := ast.get_docstring(node))]  # type: ignore[arg-type]
    if not docs:
        raise ExampleChanged(f"{module}:{qualname} has no docstring in the installed wandb ({path})")
    return docs[0]


def example_text(piece: SdkPiece) -> str:
    """The piece's example block as the installed wandb publishes it; fails loudly if it changed."""
    blocks = [textwrap.dedent(m.group(3)) for m in _FENCE.finditer(_docstring(piece.module, piece.qualname))]
    if piece.index >= len(blocks):
        raise ExampleChanged(f"{piece.name}: {piece.module}.{piece.qualname} has {len(blocks)} example blocks, "
                             f"the manifest pins block {piece.index}")
    text = blocks[piece.index]
    digest = hashlib.sha256(text.encode()).hexdigest()
    if digest != piece.sha256:
        raise ExampleChanged(f"{piece.name}: the example {piece.module}.{piece.qualname}[{piece.index}] changed "
                             f"(sha256 {digest}, manifest pins {piece.sha256}); review it and re-pin")
    return text


def nbtrack_text(text: str) -> str:
    """W&B code with its import lines sent to nbtrack (the one edit the corpus allows)."""
    for pattern, repl in _TO_NBTRACK:
        text = pattern.sub(repl, text)
    return text


def script_text(piece: SdkPiece, route: Literal["nbtrack", "wandb"]) -> str:
    """The piece's script: header, marked prelude, then the example (imports edited for nbtrack)."""
    parts = [f"# {piece.name}: example {piece.index} of {piece.module}.{piece.qualname} (installed wandb),\n"
             f"# published at {piece.url}\n"]
    if piece.prelude:
        parts.append(f"{PRELUDE_START}\n{textwrap.dedent(piece.prelude).strip()}\n{PRELUDE_END}\n")
    parts.append(example_text(piece))
    text = "\n".join(parts)
    return nbtrack_text(text) if route == "nbtrack" else text


def place(piece: SdkPiece, folder: Path, route: Literal["nbtrack", "wandb"]) -> Path:
    """Write the piece's script into `folder` (its store, or W&B's offline dir, lives there)."""
    folder.mkdir(parents=True, exist_ok=True)
    script = folder / "piece.py"
    script.write_text(script_text(piece, route), encoding="utf-8")
    return script
