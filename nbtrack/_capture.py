"""What a run records about where it ran: host, Python, platform, git, command, packages."""

from __future__ import annotations

import json
import os
import socket
import sys
from typing import Any

__all__ = ["basic_capture", "slow_capture", "installed_packages", "environment_hash", "git_state"]


def git_state(cwd: str | None = None) -> dict[str, Any] | None:
    """Commit, branch and dirty flag of the repository around `cwd`, or None outside one."""
    import subprocess

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=cwd, capture_output=True, text=True, timeout=10, check=True
        ).stdout.strip()

    try:
        commit = git("rev-parse", "HEAD")
    except (OSError, subprocess.SubprocessError):
        return None
    try:
        branch = git("rev-parse", "--abbrev-ref", "HEAD")
        dirty = bool(git("status", "--porcelain", "--untracked-files=no"))
    except (OSError, subprocess.SubprocessError):
        branch, dirty = None, None
    return {"commit": commit, "branch": branch, "dirty": dirty}


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
    from importlib.metadata import distributions

    found: dict[str, str] = {}
    for dist in distributions():
        name = dist.metadata["Name"]
        if name:
            found.setdefault(name, dist.version)
    return dict(sorted(found.items(), key=lambda kv: kv[0].lower()))


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
        "argv": list(sys.argv),
    }


def slow_capture() -> dict[str, Any]:
    """The context that needs a subprocess or file scans: platform, git, installed packages."""
    import platform

    packages = installed_packages()
    return {
        "platform": platform.platform(),
        "git": git_state(),
        "env_hash": environment_hash(packages),
        "packages": packages,
    }
