"""What a run records about where it ran: host, Python, platform, git, command, packages."""

from __future__ import annotations

import json
import os
import socket
import sys
from typing import Any

from .store._redact import redact_url

__all__ = ["basic_capture", "slow_capture", "installed_packages", "environment_hash", "git_state"]


def git_state(cwd: str | None = None) -> dict[str, Any] | None:
    """Commit, branch and dirty flag of the repository around `cwd`, or None outside one.

    Outside a repository no subprocess runs; commit and branch are cached until HEAD or the
    index changes; the dirty flag is read every time.
    """
    where = os.path.abspath(cwd or os.getcwd())
    marks = _git_marks(where)
    if not marks:
        return None
    cached = _git_cache.get(where)
    if cached is None or cached[0] != marks:
        cached = _git_cache[where] = (marks, _git_head(where))
    head = cached[1]
    if head is None:
        return None
    try:
        dirty: bool | None = bool(_git(where, "status", "--porcelain", "--untracked-files=no"))
    except (OSError, RuntimeError):
        dirty = None
    return {**head, "dirty": dirty}


_git_cache: dict[str, tuple[Any, dict[str, Any] | None]] = {}


def _git_marks(where: str) -> tuple[float, ...]:
    """mtimes of .git/HEAD and .git/index of the nearest repository; () outside one."""
    path = where
    while True:
        git = os.path.join(path, ".git")
        if os.path.exists(git):
            return (1.0, *(_mtime(os.path.join(git, f)) for f in ("HEAD", "index")))
        parent = os.path.dirname(path)
        if parent == path:
            return ()
        path = parent


def _git(cwd: str, *args: str) -> str:
    import subprocess

    try:
        return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, timeout=10,
                              check=True).stdout.strip()
    except subprocess.SubprocessError as exc:
        raise RuntimeError(str(exc)) from exc


def _git_head(cwd: str) -> dict[str, Any] | None:
    try:
        return {"commit": _git(cwd, "rev-parse", "HEAD"), "branch": _git(cwd, "rev-parse", "--abbrev-ref", "HEAD")}
    except (OSError, RuntimeError):
        return None


def installed_packages() -> dict[str, str]:
    """Every installed distribution as {name: version}, cached until a path entry changes."""
    key = tuple(_mtime(p) for p in sys.path)
    if _packages_cache.get("key") != key:
        _packages_cache["key"] = key
        _packages_cache["value"] = _scan_packages()
    return dict(_packages_cache["value"])


_packages_cache: dict[str, Any] = {}


def _mtime(path: str) -> float:
    try:
        return os.stat(path or ".").st_mtime
    except OSError:
        return 0.0


def _scan_packages() -> dict[str, str]:
    """Names and versions from the `*.dist-info` / `*.egg-info` folder names on sys.path (no metadata parsing)."""
    found: dict[str, str] = {}
    for entry in sys.path:
        try:
            names = [d.name for d in os.scandir(entry or ".") if d.name.endswith((".dist-info", ".egg-info"))]
        except OSError:
            continue
        for folder in names:
            stem = folder.rsplit(".", 1)[0]
            name, sep, version = stem.partition("-")
            if sep and version:
                found.setdefault(name.replace("_", "-"), version)
    return dict(sorted(found.items(), key=lambda kv: kv[0].lower()))


def _platform() -> str:
    """`Linux-6.1.0-x86_64`-style text from uname (platform.platform() reads the interpreter binary: slow)."""
    import platform

    u = platform.uname()
    return f"{u.system}-{u.release}-{u.machine}"


def environment_hash(packages: dict[str, str]) -> str:
    """A stable digest of an environment, so identical package lists are stored once."""
    import hashlib

    payload = json.dumps([sys.version, sorted(packages.items())], separators=(",", ":"))
    return hashlib.sha256(payload.encode()).hexdigest()[:32]


def basic_capture() -> dict[str, Any]:
    """The context that costs microseconds to read: taken at `init`."""
    return {
        "host": socket.gethostname(),
        "pid": os.getpid(),
        "python": sys.version.split()[0],
        "python_full": sys.version,
        "executable": sys.executable,
        "cwd": os.getcwd(),
        "argv": [redact_url(a) if "://" in a else a for a in sys.argv],  # a store URL's password stays out
    }


def slow_capture() -> dict[str, Any]:
    """The context that needs a subprocess or file scans: platform, git, installed packages."""
    packages = installed_packages()
    return {
        "platform": _platform(),
        "git": git_state(),
        "env_hash": environment_hash(packages),
        "packages": packages,
    }
