"""Shared fixtures: an isolated store location per test, both store backends, a PostgreSQL cluster."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from pgcluster import PgCluster, PgUnavailable  # noqa: E402

from nbtrack import _current  # noqa: E402
from nbtrack import store as store_pkg  # noqa: E402
from nbtrack.store import Store  # noqa: E402


@pytest.fixture(autouse=True)
def _isolated_store_location(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every test writes under its own tmp_path: NBTRACK_DIR set, NBTRACK_STORE unset.

    Afterwards, runs a test left open are finished and the stores it opened are closed,
    so nothing carries over into the next test.
    """
    monkeypatch.setenv("NBTRACK_DIR", str(tmp_path / ".nbtrack"))
    from nbtrack._env import ENV_NAMES

    inherited = [n for pair in ENV_NAMES.values() for n in pair] + [
        "WANDB_DIR", "WANDB_SILENT", "NBTRACK_SILENT", _current.TRIAL_ENV, _current.AGENT_PID_ENV]
    for name in ("NBTRACK_STORE", *inherited):
        monkeypatch.delenv(name, raising=False)
    opened_before = set(store_pkg._open)
    yield
    for run in list(_current.active):
        run.finish()
    with store_pkg._open_lock:
        for key in set(store_pkg._open) - opened_before:
            store_pkg._open.pop(key).close()


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PgCluster]:
    """A throwaway PostgreSQL cluster for the session; FAILS (never skips) when it cannot start."""
    problem = None
    try:
        cluster = PgCluster()
    except PgUnavailable as exc:
        problem = f"PostgreSQL is required for the postgres tests: {exc}"
    else:
        try:
            cluster.start()
        except Exception as exc:
            cluster.stop()
            problem = f"could not start a throwaway PostgreSQL cluster: {exc}"
    if problem is not None:
        pytest.fail(problem, pytrace=False)
    yield cluster
    cluster.stop()


@pytest.fixture
def pg_url(pg_cluster: PgCluster) -> Iterator[str]:
    """A fresh, empty database for this test, as an nbtrack store URL (dropped afterwards)."""
    name = pg_cluster.create_database()
    yield pg_cluster.url(name)
    pg_cluster.drop_database(name)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of a fresh, empty store on each backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store' / 'nbtrack.db'}"
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture
def open_new(backend_url: str) -> Iterator[Callable[[], Store]]:
    """Open a new store object (a new connection, not the per-process cache) on `backend_url`."""
    opened: list[Store] = []

    def open_() -> Store:
        st = store_pkg._connect(backend_url)
        opened.append(st)
        return st

    yield open_
    for st in opened:
        st.close()


@pytest.fixture
def store(open_new: Callable[[], Store]) -> Store:
    """A fresh Store on each backend (SQLite file, PostgreSQL database)."""
    return open_new()
