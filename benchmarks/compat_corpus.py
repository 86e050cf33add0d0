"""The W&B compatibility corpus on nbtrack and on the real `wandb` package offline, side by side.

    python benchmarks/compat_corpus.py [--docs | --sdk] [--only NAME ...] [--timeout S]

Each piece of tests/wandb_corpus (real W&B example code) is built twice: with nbtrack's import
lines (and then checked in the store, as tests/test_wandb_corpus.py does) and with its original
import lines, run with WANDB_MODE=offline (no network, no account). A piece passes on nbtrack when
it exits 0 and the store holds what the manifest expects; on wandb when it exits 0. Prints a row
per piece and the two pass counts.

With --docs it runs the docs corpus instead (tests/wandb_docs_corpus: our own scripts against W&B's
documented API, committed here, so it needs no checkout): the same two routes, the wandb one with
`import nbtrack as wandb` replaced by `import wandb` (and `from nbtrack.x import` by `from wandb.x import`).

With --sdk it runs the SDK docstring corpus (tests/wandb_sdk_corpus: the code examples of the
installed wandb package's docstrings, which W&B publishes as its Python reference, built at run
time and committed nowhere): on nbtrack with the import lines changed, on wandb exactly as published.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.wandb_corpus.checks import run_piece, store_problems  # noqa: E402
from tests.wandb_corpus.manifest import PIECES  # noqa: E402
from tests.wandb_corpus.materialize import NoCheckout, build, source_checkout  # noqa: E402
from tests.wandb_docs_corpus import checks as docs  # noqa: E402
from tests.wandb_docs_corpus.manifest import PIECES as DOC_PIECES  # noqa: E402
from tests.wandb_sdk_corpus import checks as sdk  # noqa: E402
from tests.wandb_sdk_corpus.extract import place as sdk_place  # noqa: E402
from tests.wandb_sdk_corpus.manifest import PIECES as SDK_PIECES  # noqa: E402


def _last_error(stderr: str) -> str:
    lines = [line.strip() for line in stderr.strip().splitlines() if line.strip()]
    errors = [line for line in lines if "Error" in line or "Exception" in line]
    return (errors or lines or ["?"])[-1][:90]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", default=None, help="piece names to run")
    parser.add_argument("--timeout", type=float, default=180)
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--docs", action="store_true", help="run the docs corpus (our scripts against W&B's documented API)")
    which.add_argument("--sdk", action="store_true", help="run the SDK docstring corpus (W&B's reference examples)")
    args = parser.parse_args()
    corpus = DOC_PIECES if args.docs else SDK_PIECES if args.sdk else PIECES
    pieces = tuple(p for p in corpus if not args.only or p.name in args.only)
    if not (args.docs or args.sdk):
        try:
            source_checkout()
        except NoCheckout as exc:
            sys.exit(f"compat_corpus: {exc}")
    passed = {"nbtrack": 0, "wandb": 0}
    with tempfile.TemporaryDirectory(prefix="nbtrack-corpus-") as tmp:
        print(f"{'piece':36} {'nbtrack':>8} {'wandb':>8}  note")
        for piece in pieces:
            row, notes = [], []
            for route in ("nbtrack", "wandb"):
                if args.docs:
                    script = docs.place(piece, Path(tmp) / route / piece.name, route)  # type: ignore[arg-type]
                elif args.sdk:
                    script = sdk_place(piece, Path(tmp) / route / piece.name, route)  # type: ignore[arg-type]
                else:
                    [script] = build(Path(tmp) / route, route, (piece,)).values()  # type: ignore[arg-type]
                start = time.perf_counter()
                try:
                    proc = run_piece(script, piece, route, timeout=args.timeout)
                    ok, why = proc.returncode == 0, "" if proc.returncode == 0 else _last_error(proc.stderr)
                except subprocess.TimeoutExpired:
                    ok, why = False, f"timed out after {args.timeout:.0f} s"
                if ok and route == "nbtrack":
                    if args.sdk:
                        problems = sdk.sdk_problems(script.parent / ".nbtrack", piece, proc.stdout)  # type: ignore[arg-type]
                    else:
                        check = docs.doc_store_problems if args.docs else store_problems
                        problems = check(script.parent / ".nbtrack", piece)
                    ok, why = not problems, "; ".join(problems)[:90]
                passed[route] += ok
                row.append(f"{'pass' if ok else 'FAIL'} {time.perf_counter() - start:4.1f}s")
                if why:
                    notes.append(f"{route}: {why}")
            print(f"{piece.name:36} {row[0]:>8} {row[1]:>8}  {' | '.join(notes)}", flush=True)
    print(f"\npassed: nbtrack {passed['nbtrack']}/{len(pieces)}, wandb (offline) {passed['wandb']}/{len(pieces)}")


if __name__ == "__main__":
    main()
