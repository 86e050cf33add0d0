"""What a reader of a shared notebook sees: saved by nbclient, opened with no kernel able to start.

The notebook (two `%%track` cells, a dashboard left on its scatter tab, a sweep panel that ran
its trials, an agent's progress bar) is executed by nbclient, so it is untrusted. It is opened in
a fresh JupyterLab and in Notebook 7 whose Jupyter secret never signed it, under a kernel name
that does not exist. Every tracked cell, the dashboard, the sweep panel and the progress bar
must show a drawn chart or image of real size, and no "Error displaying widget". The same with
kaleido's browser unavailable while it ran, once signed (trusted) with the kernel still gone, and
signed and reopened in a new kernel (where the widgets' models are not found).
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbclient import NotebookClient
from nbformat.sign import NotebookNotary

sys.path.insert(0, str(Path(__file__).parent))

from labkit import LabServer, screenshot  # noqa: E402

NO_KERNEL = "nbtrack-no-such-kernel"

CELLS = [
    "%load_ext nbtrack\nimport time\nimport nbtrack",
    "%%track --project shared lr=0.1\nfor step in range(30):\n    run.log({'loss': lr / (step + 1), 'acc': step / 30})",
    "%%track --project shared lr=0.01\nfor step in range(30):\n    run.log({'loss': 1 - step * lr, 'acc': step / 40})",
    "dash = nbtrack.dashboard(project='shared')\ndash",
    # the reader must see the view as the user left it: the scatter tab (closing draws a pending snapshot)
    "dash.view.value = 'scatter'\ndash.close()",
    "def train():\n    with nbtrack.init() as run:\n        for epoch in range(3):\n"
    "            run.log({'loss': (run.config.x - 0.3) ** 2 + 1.0 / (epoch + 1)})\n"
    "config = {'method': 'random', 'metric': {'name': 'loss', 'goal': 'minimize'},\n"
    "          'parameters': {'x': {'min': 0.0, 'max': 1.0}}}\n"
    "panel = nbtrack.sweep_panel(train, config=config, project='shared-sweep')\npanel.form.count.value = '4'\npanel",
    "panel.start()\ndeadline = time.monotonic() + 120\n"
    "while not panel._settled.is_set() and time.monotonic() < deadline:\n    time.sleep(0.1)\n"
    "assert panel.status == 'finished', panel.status",
    "sweep_id = nbtrack.sweep(config, project='shared-agent')\nnbtrack.agent(sweep_id, function=train, count=3)",
]


def _execute(path: Path, env: dict[str, str]) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(c) for c in CELLS]
    old = dict(os.environ)
    os.environ.update(env)
    try:
        NotebookClient(nb, timeout=180, kernel_name="python3",
                       resources={"metadata": {"path": str(path.parent)}}).execute()
    finally:
        os.environ.clear()
        os.environ.update(old)
    nb.metadata["kernelspec"] = {"name": NO_KERNEL, "display_name": "gone", "language": "python"}
    nbformat.write(nb, path)
    return path


class _FreshServer(LabServer):
    """A JupyterLab (also serving Notebook 7) with a Jupyter secret of its own: it never signed anything."""

    def __init__(self, base: Path, data: Path, *, kernels: bool) -> None:
        # without kernels: only a kernel name that does not exist is allowed, so none can start
        super().__init__(base, () if kernels else (f"--KernelSpecManager.allowed_kernelspecs={NO_KERNEL}",))
        self.data = data

    def env(self) -> dict[str, str]:
        return {**super().env(), "JUPYTER_DATA_DIR": str(self.data)}


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, _FreshServer]]:
    """One server where no kernel can start, one (same secret) for the author reopening with a kernel."""
    data = tmp_path_factory.mktemp("jupyter-data")
    made = {"none": _FreshServer(tmp_path_factory.mktemp("shared-lab"), data, kernels=False),
            "python3": _FreshServer(tmp_path_factory.mktemp("shared-lab-kernel"), data, kernels=True)}
    try:
        for srv in made.values():
            srv.start()
        yield made
    finally:
        for srv in made.values():
            srv.stop()




@pytest.fixture(scope="module")
def saved(servers: dict[str, _FreshServer], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The notebook executed twice: with kaleido as installed, and with its browser missing."""
    server, work = servers["none"], tmp_path_factory.mktemp("shared-run")
    out = {}
    for variant, extra in (("untrusted", {}), ("no-kaleido", {"BROWSER_PATH": "/nonexistent"})):
        env = {"NBTRACK_DIR": str(work / variant / "store"), "NBTRACK_PNG": "1", **extra}
        (work / variant).mkdir()
        out[variant] = _execute(server.root / f"shared-{variant}.ipynb", env)
    signed = nbformat.read(out["untrusted"], as_version=4)
    signed.cells.append(nbformat.v4.new_markdown_cell("signed copy"))
    NotebookNotary(data_dir=str(server.data)).sign(signed)
    nbformat.write(signed, server.root / "shared-trusted.ipynb")
    out["trusted"] = server.root / "shared-trusted.ipynb"
    # reopened by its author in a new kernel: the widgets' models are gone ("model not found")
    signed.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    NotebookNotary(data_dir=str(server.data)).sign(signed)
    nbformat.write(signed, servers["python3"].root / "shared-new-kernel.ipynb")
    out["new-kernel"] = servers["python3"].root / "shared-new-kernel.ipynb"
    return out


def _kernels(server: _FreshServer) -> list[Any]:
    return [s["kernel"] for s in server.api("GET", "/api/sessions") if s.get("kernel")]


_SIZES_JS = """(root) => Array.from(root.querySelectorAll('img.nbtrack-chart-img, .plotly-graph-div .main-svg'))
  .map(e => { const r = e.getBoundingClientRect();
              return {w: r.width, h: r.height, ok: e.tagName !== 'IMG' || (e.complete && e.naturalWidth > 0)}; })"""


def _drawn(page: Any, selector: str) -> list[dict[str, Any]]:
    """Sizes of the charts (pictures or interactive) inside the first visible element matching selector."""
    target = page.locator(selector).first
    target.wait_for(state="attached", timeout=30_000)
    target.scroll_into_view_if_needed()  # cells out of view are not rendered (content-visibility)
    target.wait_for(state="visible", timeout=30_000)
    deadline = time.monotonic() + 20
    while True:  # pictures decode asynchronously: wait for them, not a fixed time
        sizes = target.evaluate(_SIZES_JS)
        if (sizes and all(s["ok"] for s in sizes)) or time.monotonic() > deadline:
            return sizes


@pytest.mark.parametrize("front", ["lab", "notebook7"])
@pytest.mark.parametrize("variant", ["untrusted", "no-kaleido", "trusted", "new-kernel"])
def test_a_shared_notebook_shows_every_chart_without_a_kernel(front: str, variant: str,
                                                               servers: dict[str, _FreshServer],
                                                               saved: dict[str, Path], browser: Any) -> None:
    path = saved[variant]
    server = servers["python3" if variant == "new-kernel" else "none"]
    trusted = NotebookNotary(data_dir=str(server.data)).check_signature(nbformat.read(path, as_version=4))
    assert trusted == (variant in ("trusted", "new-kernel"))
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    errors: list[str] = []
    try:
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        url = (f"{server.url}/lab/workspaces/w-{variant}/tree/{path.name}" if front == "lab"
               else f"{server.url}/notebooks/{path.name}")
        page.goto(f"{url}?token={server.token}")
        page.locator(".jp-OutputArea-output").first.wait_for(timeout=60_000)
        dialog = page.locator(".jp-Dialog")
        try:  # the kernel cannot start: Jupyter asks for another one; the reader declines
            dialog.first.wait_for(timeout=10_000)
            page.keyboard.press("Escape")
            dialog.first.wait_for(state="detached", timeout=10_000)
        except Exception:  # no dialog in this front end: nothing to decline
            pass

        deadline = time.monotonic() + 60
        while variant == "new-kernel" and not _kernels(server) and time.monotonic() < deadline:
            time.sleep(0.25)  # the author's new kernel: the widgets' models will not be found in it
        # the two %%track cells, then the agent's three trials (the panel's trials draw no views of their own)
        runs = page.locator(".nbtrack-static")
        runs.nth(4).wait_for(timeout=30_000)
        assert runs.count() == 5
        for i in range(5):
            sizes = _drawn(page, f".nbtrack-static >> nth={i}")
            assert sizes and all(s["ok"] and s["w"] > 100 and s["h"] > 100 for s in sizes), (i, sizes)
        for name, selector, least in (("dashboard", ".nbtrack-dashboard-static", 2),
                                      ("sweep panel", ".nbtrack-sweep-panel-static", 2)):
            sizes = _drawn(page, selector)
            assert len(sizes) >= least and all(s["ok"] and s["w"] > 100 and s["h"] > 100 for s in sizes), (name, sizes)
        dash = page.locator(".nbtrack-dashboard-static").first
        assert "vs" in (dash.locator(".nbtrack-chart").nth(1).inner_html())  # the scatter tab, as left
        status = page.locator(".nbtrack-sweep-panel-static .nbtrack-sweep-status").first.inner_text()
        assert "finished" in status and "4 / 4 trials" in status, status  # the panel as it ended
        bar = page.locator(".nbtrack-progress img").first
        bar.scroll_into_view_if_needed()
        assert bar.evaluate("e => e.complete && e.naturalWidth > 0 && e.getBoundingClientRect().width >= 200")
        assert "3/3 trials" in page.locator(".nbtrack-progress").first.inner_text()
        if trusted:  # the widgets' own outputs ("Loading widget...", "model not found") are there, hidden
            for root in (".nbtrack-dashboard-static", ".nbtrack-sweep-panel-static"):
                widget = page.locator(f".jp-OutputArea-child:has(+ .jp-OutputArea-child {root})").first
                assert widget.count() == 1 and not widget.is_visible(), root
        text = page.locator("body").inner_text()
        assert "Error displaying widget" not in text and "Loading widget" not in text
        assert bool(_kernels(server)) == (variant == "new-kernel")  # no kernel behind the other readers
        screenshot(page, f"shared-{front}-{variant}")
    finally:
        context.close()
        server.delete_sessions()
