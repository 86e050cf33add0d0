"""Hostile conditions for display: kaleido installed but its browser missing, failing or hung.

A real `%%track` cell in a real kernel (nbclient) must finish in seconds and keep its chart
(an SVG picture in the saved HTML), the PNG renderer must give up on its own, and the kernel
must shut down promptly; `figure_png` itself must return None within its deadline.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import os
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

TRACK_CELL = """%%track --project hostile lr=0.1
for step in range(20):
    run.log({"loss": lr / (step + 1), "acc": step / 20})
"""

# waits (with a deadline, not a fixed sleep) until the background PNG attempt has given up, then reports why
PNG_OFF_CELL = """import time
from nbtrack.ui import static
deadline = time.monotonic() + 60
while static._png.disabled is None and time.monotonic() < deadline:
    time.sleep(0.1)
print("png off:", static._png.disabled)
"""


def _browser(tmp_path: Path, kind: str) -> str:
    if kind == "missing":
        return str(tmp_path / "no-such-browser")
    script = tmp_path / f"browser-{kind}"
    script.write_text("#!/bin/sh\nexit 1\n" if kind == "exits" else "#!/bin/sh\nexec sleep 600\n")
    script.chmod(0o755)
    return str(script)


def _seconds(cell: nbformat.NotebookNode) -> float:
    timing = cell.metadata["execution"]
    started = dt.datetime.fromisoformat(timing["iopub.execute_input"].replace("Z", "+00:00"))
    ended = dt.datetime.fromisoformat(timing["shell.execute_reply"].replace("Z", "+00:00"))
    return (ended - started).total_seconds()


@pytest.mark.parametrize("kind", ["missing", "exits", "hangs"])
def test_a_tracked_cell_never_waits_on_a_browser(kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert importlib.util.find_spec("kaleido") is not None, "kaleido (dev extra) must be installed for this test"
    monkeypatch.setenv("BROWSER_PATH", _browser(tmp_path, kind))
    monkeypatch.setenv("NBTRACK_DIR", str(tmp_path / "store"))
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(c) for c in ("%load_ext nbtrack", TRACK_CELL, PNG_OFF_CELL)]
    client = NotebookClient(nb, timeout=90, kernel_name="python3", record_timing=True,
                            resources={"metadata": {"path": str(tmp_path)}})
    started = time.monotonic()
    client.execute()  # also shuts the kernel down: a browser left hanging would keep it from exiting
    total = time.monotonic() - started

    track = nb.cells[1]
    assert _seconds(track) < 5, f"the tracked cell took {_seconds(track):.1f} s with a {kind} browser"
    view = track.outputs[0]["data"]
    assert 'data-state="finished"' in view["text/html"]
    assert view["text/html"].count('class="nbtrack-chart-img"') >= 1  # the chart, drawn without a browser
    assert "data:image/svg+xml;base64," in view["text/html"] and view["image/svg+xml"].startswith("<svg")
    assert "image/png" not in view
    assert track.outputs[0]["metadata"]["nbtrack"]["kind"] == "run"
    said = "".join(o.get("text", "") for o in nb.cells[2].outputs)
    assert "png off: kaleido" in said, said
    assert total < 60, f"executing and shutting down took {total:.0f} s"


def test_figure_png_returns_none_within_its_deadline_without_a_browser(tmp_path: Path) -> None:
    code = ("import time, plotly.graph_objects as go\nfrom nbtrack.ui.static import figure_png\n"
            "t = time.monotonic(); png = figure_png(go.Figure())\nprint(png is None, round(time.monotonic() - t, 1))")
    for kind in ("missing", "hangs"):
        env = {**os.environ, "BROWSER_PATH": _browser(tmp_path, kind)}
        started = time.monotonic()
        out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, out.stderr
        assert out.stdout.startswith("True"), out.stdout
        assert "PNG images are off for this session" in out.stderr and out.stderr.count("PNG images are off") == 1
        assert time.monotonic() - started < 30  # the deadline (15 s) plus start-up, and the exit is not held up


PNG_DONE_CELL = """import threading, time
deadline = time.monotonic() + 90
while any(t.name == "nbtrack-png-later" for t in threading.enumerate()) and time.monotonic() < deadline:
    time.sleep(0.1)
from nbtrack.ui import static
print("png off:", static._png.disabled)
"""


def test_with_a_working_browser_the_png_arrives_after_the_finish(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BROWSER_PATH", raising=False)  # kaleido finds the system Chromium
    monkeypatch.setenv("NBTRACK_PNG", "1")
    monkeypatch.setenv("NBTRACK_DIR", str(tmp_path / "store"))
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(c) for c in ("%load_ext nbtrack", TRACK_CELL, PNG_DONE_CELL)]
    NotebookClient(nb, timeout=120, kernel_name="python3", record_timing=True,
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    track = nb.cells[1]
    assert _seconds(track) < 5  # the browser started after the cell, not in it
    said = "".join(o.get("text", "") for o in nb.cells[2].outputs)
    assert "png off: None" in said, said
    view = track.outputs[0]["data"]  # the frozen output, updated in place with the PNG
    assert view["image/png"] and 'data-state="finished"' in view["text/html"]
