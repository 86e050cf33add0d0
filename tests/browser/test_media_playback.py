"""Logged audio and video play in a real browser: in JupyterLab (the live view's media panel, then the
frozen `%%track` output; and a shared, unsigned notebook's saved output), and offline in the page
`nbtrack export` writes of such a notebook (and in nbconvert's page of it) and in `nbtrack.report`'s page.

W&B-style values: `Audio` from an array and a sample rate (stored as WAV), `Video` from a
(T, C, H, W) array as GIF (the default), MP4 (H.264) and WebM (VP9) through the `video` extra.
Each `<audio>`/`<video>` must load (readyState >= 1, duration = the logged length), play after
`play()` (currentTime advances), and each GIF must decode (naturalWidth > 0).
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import nbformat
import pytest
from labkit import Lab, offline_context, screenshot
from nbconvert import HTMLExporter

import nbtrack
from nbtrack.cli import main
from nbtrack.store import open_store

pytestmark = pytest.mark.browser

AUDIO_SECONDS = 1.5  # 12000 samples at 8 kHz
VIDEO_SECONDS = 2.0  # 8 frames at 4 fps

_CELL = """\
%%track --project media --name av
t = np.arange(12000) / 8000
frames = np.stack([np.full((3, 32, 48), 30 * i, dtype=np.uint8) for i in range(8)])
frames[:, 0, 8:24, 8:24] = 255
row = {"tone": nbtrack.Audio(0.3 * np.sin(2 * np.pi * 440 * t), sample_rate=8000, caption="A4"),
       "clip": nbtrack.Video(frames, fps=4)}
for fmt in FORMATS:
    row[f"clip_{fmt}"] = nbtrack.Video(frames, fps=4, format=fmt)
run.log(row)
"""

_EXECUTE = """
import sys
import nbformat
from nbclient import NotebookClient

src, dest, cwd = sys.argv[1:4]
nb = nbformat.read(src, as_version=4)
NotebookClient(nb, timeout=180, kernel_name="python3", store_widget_state=False,
               resources={"metadata": {"path": cwd}}).execute()
nbformat.write(nb, dest)
"""

# every player under the elements `scope` selects: what it loaded, and how far it has played
_PLAYERS_JS = """(scope) => Array.from(document.querySelectorAll(scope)).flatMap(r => Array.from(
  r.querySelectorAll('audio, video'))).map(m => ({
  tag: m.tagName.toLowerCase(), src: m.currentSrc.slice(0, 20), ready: m.readyState, duration: m.duration,
  time: m.currentTime, paused: m.paused, error: m.error ? m.error.code : null }))"""

_GIFS_JS = """(scope) => Array.from(document.querySelectorAll(scope)).flatMap(r => Array.from(
  r.querySelectorAll('figure.nbtrack-video img'))).map(i => ({
  src: i.currentSrc.slice(0, 15), complete: i.complete, width: i.naturalWidth, height: i.naturalHeight }))"""

_PLAY_JS = """(scope) => { window.nbtrackRefused = [];  // play() of a player that never loads never settles
  for (const r of document.querySelectorAll(scope)) for (const m of r.querySelectorAll('audio, video'))
    m.play().catch(e => window.nbtrackRefused.push(m.tagName + ': ' + e.name + ' ' + e.message)); }"""


_LIVE = ".jp-NotebookPanel:not(.lm-mod-hidden) .nbtrack-live"
_FROZEN = ".jp-NotebookPanel:not(.lm-mod-hidden) .nbtrack-static"


def _formats() -> list[str]:
    """MP4 and WebM when the `video` extra (PyAV) is installed, as in the dev environment."""
    try:
        import av  # noqa: F401
    except ImportError:
        return []
    return ["mp4", "webm"]


def _wait(page: Any, condition: str, arg: Any = None, timeout: int = 30_000) -> None:
    """Wait for a condition; on timeout go on, so the assertions name what is missing."""
    try:
        page.wait_for_function(condition, arg=arg, timeout=timeout, polling=100)
    except Exception:
        pass


def _play_offline(browser: Any, page_path: Path, shot: str, players: int, gifs: int) -> dict[str, Any]:
    """Open a local page with every non-file request refused; load, play and measure each player."""
    context, blocked = offline_context(browser)
    try:
        page = context.new_page()
        page.goto(page_path.as_uri(), wait_until="load", timeout=60_000)
        seen = _measure(page, "body", players, gifs)
        screenshot(page, shot)
    finally:
        context.close()
    return {**seen, "blocked": blocked}


def _measure(page: Any, scope: str, players: int, gifs: int) -> dict[str, Any]:
    """Wait for the players under `scope` to load, play each (awaiting its clock), and read the GIFs."""
    page.mouse.click(5, 5)  # a user gesture, as a reader's click on play would give
    _wait(page, f"([scope, n]) => {{ const p = ({_PLAYERS_JS})(scope); return p.length >= n && "
                "p.every(x => x.ready >= 1 || x.error); }", [scope, players])
    loaded = page.evaluate(_PLAYERS_JS, scope)
    page.evaluate(_PLAY_JS, scope)
    _wait(page, f"(scope) => ({_PLAYERS_JS})(scope).every(x => x.time > 0.2) || window.nbtrackRefused.length",
          scope, timeout=20_000)
    refused = page.evaluate("() => window.nbtrackRefused")
    played = page.evaluate(_PLAYERS_JS, scope)
    _wait(page, f"([scope, n]) => {{ const g = ({_GIFS_JS})(scope); return g.length >= n && "
                "g.every(x => x.complete); }", [scope, gifs])
    return {"loaded": loaded, "refused": refused, "played": played, "gifs": page.evaluate(_GIFS_JS, scope),
            "blocked": []}


def _check(seen: dict[str, Any], formats: list[str], gifs: int, *, ours: bool) -> None:
    kinds = sorted((p["tag"], p["src"].split(";")[0]) for p in seen["loaded"])
    assert kinds == sorted([("audio", "data:audio/wav"), *(("video", f"data:video/{f}") for f in formats)]), seen
    for p in seen["loaded"]:
        assert p["error"] is None and p["ready"] >= 1, seen  # decoded: Chromium can play this codec
        expected = AUDIO_SECONDS if p["tag"] == "audio" else VIDEO_SECONDS
        assert abs(p["duration"] - expected) < 0.15, seen  # the logged length
    assert seen["refused"] == [], seen
    assert all(p["time"] > 0.2 for p in seen["played"]), seen  # playing: its clock moved
    assert len(seen["gifs"]) == gifs and all(g["src"].startswith("data:image/gif") and g["width"] == 48
                                            and g["height"] == 32 for g in seen["gifs"]), seen
    if ours:  # (nbconvert's own template asks CDNs for require.js and MathJax: refused, and nothing needed them)
        assert seen["blocked"] == [], seen


def _notebook(cell: str, formats: list[str]) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(f"%load_ext nbtrack\nimport numpy as np\nimport nbtrack\nFORMATS = {formats!r}"),
                nbformat.v4.new_code_cell(cell)]
    return nb


@pytest.fixture(scope="module")
def executed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The notebook run by nbclient (unsigned, as a shared notebook reaches a teammate) and its store directory."""
    base = tmp_path_factory.mktemp("media")
    source, done = base / "media.ipynb", base / "media-run.ipynb"
    nbformat.write(_notebook(_CELL, _formats()), source)
    env = {k: v for k, v in os.environ.items() if k not in ("NBTRACK_STORE", "NBTRACK_PROJECT")}
    env.update(NBTRACK_PNG="0", NBTRACK_DIR=str(base / "store"))
    subprocess.run([sys.executable, "-c", _EXECUTE, str(source), str(done), str(base)], env=env,
                   check=True, timeout=240, cwd=base)
    return done, base / "store"


def test_logged_audio_and_video_play_in_chromium(browser: Any, tmp_path: Path, executed: tuple[Path, Path],
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    formats = _formats()
    notebook, store_dir = executed
    frozen = "".join(str(o.get("data", {}).get("text/html", "")) for o in nbformat.read(notebook, 4).cells[1].outputs)
    assert "<audio controls" in frozen and "data:image/gif" in frozen, "the frozen %%track output holds the players"

    exported, converted, report = tmp_path / "exported.html", tmp_path / "nbconvert.html", tmp_path / "report.html"
    assert main(["export", str(notebook), "-o", str(exported)]) == 0  # unsigned: exported as untrusted
    assert "warning" not in capsys.readouterr().err
    converted.write_text(HTMLExporter().from_filename(str(notebook))[0], encoding="utf-8")
    nbtrack.report("media", path=report, store=open_store(f"sqlite:///{store_dir / 'nbtrack.db'}"))

    players = 1 + len(formats)
    # the report shows the newest value of each key: one GIF; the frozen output likewise
    for page_path, shot in ((exported, "media-export"), (converted, "media-nbconvert"), (report, "media-report")):
        seen = _play_offline(browser, page_path, shot, players, gifs=1)
        _check(seen, formats, gifs=1, ours=page_path != converted)


def test_a_shared_notebooks_audio_and_video_play_in_jupyterlab(lab: Lab, executed: tuple[Path, Path]) -> None:
    # opened by a teammate: not signed by them, so JupyterLab shows the saved output through its sanitizer
    formats = _formats()
    page = lab.open_notebook(executed[0])
    page.wait_for_selector(f"{_FROZEN} figure.nbtrack-audio audio", state="attached", timeout=30_000)
    seen = _measure(page, _FROZEN, players=1 + len(formats), gifs=1)
    screenshot(page, "media-shared-lab")
    _check(seen, formats, gifs=1, ours=True)



def test_audio_and_video_play_in_jupyterlab_live_and_frozen(lab: Lab, tmp_path: Path) -> None:
    # the cell keeps its run open until the test has played the live view's players (a flag file it waits for)
    formats = _formats()
    flag = f"played-{uuid.uuid4().hex[:8]}.flag"
    wait = (f"\nimport pathlib, time\ndeadline = time.monotonic() + 120\n"
            f"while not pathlib.Path({flag!r}).exists() and time.monotonic() < deadline:\n    time.sleep(0.05)\n")
    nb = _notebook(_CELL.replace("--name av", "--name live") + wait, formats)
    source = tmp_path / "media-live.ipynb"
    nbformat.write(nb, source)
    page = lab.open_notebook(source)
    lab.run_all()
    page.wait_for_selector(f"{_LIVE} figure.nbtrack-audio audio", state="attached", timeout=60_000)
    # the live media panel shows one key per kind: the audio, and the first video key (the GIF)
    live = _measure(page, _LIVE, players=1, gifs=1)
    screenshot(page, "media-live")
    (lab.server.root / flag).write_text("played")
    lab.wait_cells_done()
    page.wait_for_selector(f"{_FROZEN} figure.nbtrack-audio audio", state="attached", timeout=30_000)
    frozen = _measure(page, _FROZEN, players=1 + len(formats), gifs=1)
    screenshot(page, "media-frozen")
    _check(live, [], gifs=1, ours=True)
    _check(frozen, formats, gifs=1, ours=True)
