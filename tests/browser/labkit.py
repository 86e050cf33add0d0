"""Helpers of the browser tests: a headless JupyterLab server, a page on it, screenshots.

JupyterLab runs on loopback with its own settings / runtime / config directories, a
token and a free port, and exposes `window.jupyterapp` so that tests can wait on the
kernel and run cells through Lab's own commands.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Any

CHROMIUM = Path(os.environ.get("NBTRACK_TEST_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]
REPO = Path(__file__).resolve().parents[2]
NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
SCREENSHOTS = REPO / "build" / "screenshots"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LabServer:
    """A JupyterLab server started for the test session (stopped by its own PID)."""

    def __init__(self, base: Path, extra_args: tuple[str, ...] = ()) -> None:
        self.base = base
        self.extra_args = extra_args
        self.root = base / "notebooks"
        self.store_dir = base / "store"
        self.log_path = base / "jupyter-lab.log"
        self.token = secrets.token_hex(16)
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        for name in ("NBTRACK_STORE", "NBTRACK_PROJECT", "WANDB_PROJECT", "JUPYTER_PATH", "JUPYTER_DATA_DIR"):
            env.pop(name, None)
        env.update({
            "JUPYTERLAB_SETTINGS_DIR": str(self.base / "settings"),
            "JUPYTERLAB_WORKSPACES_DIR": str(self.base / "workspaces"),
            "JUPYTER_RUNTIME_DIR": str(self.base / "runtime"),
            "JUPYTER_CONFIG_DIR": str(self.base / "config"),
            "NBTRACK_DIR": str(self.store_dir),  # the kernels inherit it
            "NBTRACK_PNG": "0",  # Lab renders the HTML; a second Chromium for PNGs only costs time here
            "PYTHONUNBUFFERED": "1",
        })
        return env

    def _write_settings(self) -> None:
        # no news / update checks (no network here) and no popups over the notebook
        target = self.base / "settings" / "@jupyterlab" / "apputils-extension"
        target.mkdir(parents=True, exist_ok=True)
        (target / "notification.jupyterlab-settings").write_text(
            json.dumps({"fetchNews": "false", "checkForUpdates": False}))

    def start(self, timeout: float = 60.0) -> None:
        for sub in ("notebooks", "settings", "workspaces", "runtime", "config", "store"):
            (self.base / sub).mkdir(parents=True, exist_ok=True)
        self._write_settings()
        cmd = [
            sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={self.port}",
            "--port-retries=0", f"--IdentityProvider.token={self.token}", "--allow-root",
            "--LabApp.expose_app_in_browser=True", f"--ServerApp.root_dir={self.root}", *self.extra_args,
        ]
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(cmd, cwd=self.root, env=self.env(), stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"jupyter lab exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                self.api("GET", "/api/status", timeout=2)
                return
            except (OSError, urllib.error.URLError):
                time.sleep(0.25)
        raise RuntimeError(f"jupyter lab not ready after {timeout:.0f} s:\n{self.log_tail()}")

    def api(self, method: str, path: str, *, timeout: float = 10) -> Any:
        req = urllib.request.Request(self.url + path, method=method,
                                     headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            body = resp.read()
        return json.loads(body) if body else None

    def delete_sessions(self) -> None:
        """Shut down every kernel session (they outlive the page that started them)."""
        for session in self.api("GET", "/api/sessions"):
            try:
                self.api("DELETE", f"/api/sessions/{session['id']}", timeout=20)
            except urllib.error.HTTPError as exc:
                if exc.code != 404:
                    raise

    def log_tail(self, n: int = 4000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-n:]
        except OSError:
            return "(no log)"

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        try:
            self.delete_sessions()
        except Exception:  # the server may already be unhealthy; stopping it is what matters
            pass
        os.kill(self.proc.pid, signal.SIGTERM)  # our own PID, nothing broader
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=5)


def offline_context(browser: Any, **options: Any) -> tuple[Any, list[str]]:
    """A browser context that serves only file: URLs; every other request is refused and listed."""
    context = browser.new_context(viewport={"width": 1300, "height": 1000}, **options)
    blocked: list[str] = []

    def route(r: Any) -> None:
        if r.request.url.startswith("file:"):
            r.continue_()
        else:
            blocked.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    return context, blocked


def screenshot(page: Any, name: str) -> Path:
    """Save a full-page screenshot under build/screenshots/ and return its path."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


_KERNEL_READY_JS = """(path) => {
  const app = window.jupyterapp;
  const w = app && app.shell && app.shell.currentWidget;
  if (!w || !w.sessionContext || !w.context || w.context.path !== path || !w.context.isReady) return false;
  const sc = w.sessionContext;
  const kernel = sc.session && sc.session.kernel;
  return Boolean(sc.isReady && kernel && kernel.status === 'idle' && kernel.connectionStatus === 'connected');
}"""

_CELLS_DONE_JS = """(n) => {
  const w = window.jupyterapp.shell.currentWidget;
  const cells = w.content.widgets.slice(0, n === null ? undefined : n);
  const kernel = w.sessionContext.session && w.sessionContext.session.kernel;
  return Boolean(kernel && kernel.status === 'idle') &&
    cells.every(c => c.model.type !== 'code' || c.model.executionCount !== null);
}"""


class Lab:
    """What a test does with JupyterLab: open a notebook, run it, look at its cells."""

    def __init__(self, server: LabServer, browser: Any, name: str) -> None:
        self.server = server
        self.name = name
        self.context = browser.new_context(viewport={"width": 1400, "height": 1000})
        self.context.set_default_timeout(60_000)
        self.page: Any = None
        self.errors: list[str] = []

    def open_notebook(self, source: Path, timeout: float = 90.0) -> Any:
        """Copy `source` into the server's notebook dir, open it in a fresh workspace, wait for an idle kernel."""
        target_name = f"{self.name}-{uuid.uuid4().hex[:6]}.ipynb"
        shutil.copy(source, self.server.root / target_name)
        page = self.page = self.context.new_page()
        page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        workspace = f"ws-{uuid.uuid4().hex[:8]}"
        page.goto(f"{self.server.url}/lab/workspaces/{workspace}/tree/{target_name}?token={self.server.token}")
        page.wait_for_function(_KERNEL_READY_JS, arg=target_name, timeout=timeout * 1000, polling=250)
        return page

    def run_all(self) -> None:
        """Start running every cell (not awaited: the test watches the page meanwhile)."""
        self.page.evaluate("() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); }")

    def wait_cells_done(self, n: int | None = None, timeout: float = 120.0) -> None:
        """Wait until the first `n` code cells (all when None) have run and the kernel is idle."""
        self.page.wait_for_function(_CELLS_DONE_JS, arg=n, timeout=timeout * 1000, polling=250)

    def cell(self, index: int) -> Any:
        """The locator of the notebook's cell `index` (0-based, markdown cells included)."""
        return self.page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell").nth(index)

    def close(self) -> None:
        self.context.close()
