"""Filesystem safety for artifacts: reading a directory without following links out of it, and
writing files only inside a download root (never through a link that leads elsewhere)."""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import ArtifactError

__all__ = ["download_root", "safe_destination", "walk_dir"]


def download_root(name: str, version: int) -> Path:
    """W&B's default download directory: `./artifacts/NAME:vN` (`NAME-vN` on Windows)."""
    sep = "-" if os.name == "nt" else ":"
    return Path("artifacts") / f"{name}{sep}v{version}"


def walk_dir(artifact: str, root: Path) -> list[tuple[str, Path]]:
    """Every regular file under `root` as (relative '/'-path, absolute path), sorted.

    Links are followed only while they stay inside `root`; a link leading outside it (or a
    broken one) raises, naming the file. Each real directory is visited once (no link loops).
    """
    if not root.is_dir():
        raise ArtifactError(f"artifact {artifact!r}: add_dir: {os.fspath(root)!r} is not a directory")
    real_root = root.resolve()
    seen: set[str] = set()
    found: list[tuple[str, Path]] = []
    for dirpath, dirnames, filenames in os.walk(real_root, followlinks=True):
        real_dir = os.path.realpath(dirpath)
        rel_dir = os.path.relpath(dirpath, real_root)
        if not Path(real_dir).is_relative_to(real_root):
            raise _escape(artifact, root, rel_dir)
        if real_dir in seen:
            dirnames[:] = []
            continue
        seen.add(real_dir)
        dirnames.sort()
        for filename in sorted(filenames):
            path = Path(dirpath) / filename
            rel = filename if rel_dir == "." else f"{rel_dir.replace(os.sep, '/')}/{filename}"
            real = path.resolve()
            if not real.is_relative_to(real_root):
                raise _escape(artifact, root, rel)
            if not real.exists():
                raise ArtifactError(f"artifact {artifact!r}: add_dir: {_shown(root, rel)!r} is a broken link")
            if real.is_file():
                found.append((rel, real))
    return sorted(found)


def _shown(root: Path, rel: str) -> str:
    return os.fspath(root / rel)


def _escape(artifact: str, root: Path, rel: str) -> ArtifactError:
    return ArtifactError(
        f"artifact {artifact!r}: add_dir: {_shown(root, rel)!r} is a link leading outside {os.fspath(root)!r}"
    )


def safe_destination(real_root: Path, member: str, *, label: str) -> Path:
    """The path where `member` goes under `real_root`, creating its directories one by one.

    A directory component that is a link must lead inside `real_root`; a directory where a
    file must go, or a file where a directory must go, raises naming the file.
    """
    parts = member.split("/")
    current = real_root
    for part in parts[:-1]:
        current = current / part
        if current.is_symlink() and not current.resolve().is_relative_to(real_root):
            raise ArtifactError(f"{label} would be written outside {real_root} (through the link {current})")
        if not current.exists():
            current.mkdir()
        elif not current.is_dir():
            raise ArtifactError(f"{label}: {current} is a file where a directory is needed")
    dest = current / parts[-1]
    if dest.is_dir() and not dest.is_symlink():
        raise ArtifactError(f"{label}: {dest} is a directory where the file must go")
    return dest
