"""Real-browser fixtures: one headless JupyterLab server and one Chromium per test session.

Chromium is Debian's (`/usr/bin/chromium`), driven by Playwright's sync API. A missing
browser FAILS the tests (it is a declared test dependency, installed by `.ci/run`); it
never skips them. Screenshots go to build/screenshots/ (a failing test leaves one too).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from labkit import CHROMIUM, CHROMIUM_ARGS, NOTEBOOKS, Lab, LabServer, screenshot  # noqa: E402


@pytest.fixture(scope="session")
def chromium_path() -> Path:
    if not CHROMIUM.exists():
        pytest.fail(
            f"browser tests need Debian's Chromium at {CHROMIUM}: install it with "
            "`apt-get install -y chromium chromium-driver` (what .ci/run does); "
            "never `playwright install`", pytrace=False)
    return CHROMIUM


@pytest.fixture(scope="session")
def browser(chromium_path: Path) -> Iterator[Any]:
    """One headless Chromium for the session (each test opens its own context)."""
    from playwright.sync_api import sync_playwright

    pw = sync_playwright().start()
    try:
        chromium = pw.chromium.launch(executable_path=str(chromium_path), headless=True, args=CHROMIUM_ARGS)
    except Exception as exc:
        pw.stop()
        pytest.fail(f"could not launch {chromium_path} through Playwright: {exc}", pytrace=False)
    yield chromium
    chromium.close()
    pw.stop()


@pytest.fixture(scope="session")
def lab_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabServer]:
    server = LabServer(tmp_path_factory.mktemp("lab"))
    try:
        server.start()
    except Exception as exc:
        server.stop()
        pytest.fail(f"could not start JupyterLab: {exc}", pytrace=False)
    yield server
    server.stop()


@pytest.fixture
def lab(lab_server: LabServer, browser: Any, request: pytest.FixtureRequest) -> Iterator[Lab]:
    """A fresh browser context on the session's JupyterLab; kernel sessions deleted before and after."""
    lab_server.delete_sessions()
    session = Lab(lab_server, browser, request.node.name.replace("[", "-").replace("]", ""))
    yield session
    failed = getattr(request.node, "rep_call", None)
    if session.page is not None and failed is not None and failed.failed:
        try:
            screenshot(session.page, f"FAILED-{session.name}")
        except Exception:
            pass
    session.close()
    lab_server.delete_sessions()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def notebooks_dir() -> Path:
    return NOTEBOOKS
