"""A store password never shows: not in `run.url`, `ApiRun.url`, reprs, warnings, error messages or CLI output.

The PostgreSQL case uses a real role that must give its password (scram-sha-256) in the
tests' throwaway cluster: a store opened with it, a flush that fails while the password is
wrong, a bad database name, a wrong password and the CLI, each checked for the secret.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import traceback
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from pgcluster import PgCluster

import nbtrack
from nbtrack.store import _connect, open_store, redact_url
from nbtrack.store._redact import redact_secrets

SECRET = "Sw0rdf1sh-x9"


@pytest.mark.parametrize(("url", "shown"), [
    ("postgresql+psycopg://ana:pw1@db.example:5432/runs", "postgresql+psycopg://ana:***@db.example:5432/runs"),
    ("postgresql://ana@db/runs?sslmode=require&password=pw1", "postgresql://ana@db/runs?sslmode=require&password=***"),
    ("postgres://ana:p%40ss@db/runs?sslpassword=k3y", "postgres://ana:***@db/runs?sslpassword=***"),
    ("postgresql://ana:pa/s@s@db/runs", "postgresql://ana:***@db/runs"),  # unescaped '/' and '@' in the password
    ("postgresql://ana@db:5432/runs", "postgresql://ana@db:5432/runs"),
    ("sqlite:////tmp/a:b@c/x?password=1/nbtrack.db", "sqlite:////tmp/a:b@c/x?password=1/nbtrack.db"),
])
def test_redact_url_masks_the_password_and_keeps_the_rest(url: str, shown: str) -> None:
    assert redact_url(url) == shown


def test_redact_secrets_masks_a_password_inside_free_text_as_written_and_decoded() -> None:
    url = "postgresql://ana:p%40ss@db/runs"
    text = f"bad conninfo {url} (password p@ss, raw p%40ss)"
    assert redact_secrets(text, url) == "bad conninfo postgresql://ana:***@db/runs (password ***, raw ***)"


def test_an_unsupported_url_is_refused_without_its_password() -> None:
    with pytest.raises(ValueError, match="unsupported store URL scheme") as info:
        open_store(f"mysql://ana:{SECRET}@db/runs")
    assert SECRET not in str(info.value) and "ana:***@db" in str(info.value)


@pytest.fixture
def secret_url(pg_cluster: PgCluster) -> Iterator[tuple[str, str]]:
    """(store URL with a password, its role): a fresh database owned by a role that must give a password."""
    role = pg_cluster.create_password_role(SECRET)
    name = pg_cluster.create_database()
    pg_cluster.admin_execute(f'ALTER DATABASE "{name}" OWNER TO "{role}"')
    yield f"postgresql+psycopg://{role}:{SECRET}@127.0.0.1:{pg_cluster.port}/{name}", role
    pg_cluster.drop_database(name)


def _error_text(exc: BaseException) -> str:
    return "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))


@pytest.mark.postgres
def test_a_postgres_password_never_shows(secret_url: tuple[str, str], pg_cluster: PgCluster,
                                         caplog: pytest.LogCaptureFixture, tmp_path: Path) -> None:
    url, role = secret_url
    admin = pg_cluster.admin_execute
    shown: list[str] = []
    with caplog.at_level(logging.WARNING, logger="nbtrack"), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        run = nbtrack.init(project="secret", store=url, settings={"_disable_stats": True})
        run.log({"loss": 1.0})
        assert run.flush() is True
        shown += [run.url, repr(run), run.store.url, str(run.path)]
        assert run.url.startswith(f"postgresql+psycopg://{role}:***@127.0.0.1")

        # the store goes away and comes back with another password: every flush fails and says so
        admin(f'ALTER ROLE "{role}" PASSWORD \'other-password\'')
        admin("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s", [role])
        run.log({"loss": 0.5})
        assert run.flush() is False  # the dead connection
        assert run.flush() is False  # the reconnect, refused
        assert caplog.records or caught, "the failing store was not reported"
        admin(f'ALTER ROLE "{role}" PASSWORD \'{SECRET}\'')
        assert run.flush() is True
        run.finish()

        api_run = nbtrack.Api(store=url).run(run.id)
        shown += [api_run.url, repr(api_run)]
        for attempt in (
            lambda: nbtrack.init(project="secret", id="no-such-run", resume="must", store=url),
            lambda: nbtrack.Api(store=url).run("no-such-run"),
            lambda: _connect(url.rsplit("/", 1)[0] + "/no_such_database"),
            lambda: _connect(url.replace(SECRET, SECRET[::-1])),
        ):
            with pytest.raises(Exception) as info:
                attempt()
            shown.append(_error_text(info.value))
    shown += [caplog.text, *(str(w.message) for w in caught)]
    assert any("no_such_database" in s for s in shown) and any("password authentication failed" in s for s in shown)
    assert any(f"{role}:***@" in s for s in shown)

    env = {**os.environ, "NBTRACK_STORE": url}
    for args in (["runs", "--project", "secret"], ["show", run.id], ["show", "no-such-run"]):
        proc = subprocess.run([sys.executable, "-m", "nbtrack", *args], capture_output=True, text=True, env=env,
                              cwd=tmp_path, timeout=120)
        shown.append(proc.stdout + proc.stderr)
    assert run.id in shown[-2] and "no-such-run" in shown[-1]
    leaks = [s for s in shown if SECRET in s or SECRET[::-1] in s]
    assert leaks == []
    st = _connect(url)
    try:
        assert list(st.read_history([run.id], ["loss"])[run.id]["loss"].values) == [1.0, 0.5]
        assert st.connection_url() == url
    finally:
        st.close()


def test_a_sqlite_store_has_nothing_to_hide(tmp_path: Path) -> None:
    st = _connect(f"sqlite:///{tmp_path / 'nbtrack.db'}")
    try:
        assert st.url == st.connection_url() == f"sqlite:///{tmp_path / 'nbtrack.db'}"
    finally:
        st.close()


def test_a_password_on_the_command_line_is_not_captured_with_the_run(tmp_path: Path) -> None:
    script = tmp_path / "train.py"
    script.write_text("import nbtrack\nwith nbtrack.init(project='argv') as run:\n    print(run.id)\n")
    store_arg = f"--store=postgresql://ana:{SECRET}@db.example/runs"
    proc = subprocess.run([sys.executable, str(script), store_arg, "--lr", "0.1"], capture_output=True, text=True,
                          cwd=tmp_path, timeout=120, env={**os.environ, "NBTRACK_DIR": str(tmp_path / ".nbtrack")})
    assert proc.returncode == 0, proc.stderr
    st = open_store(dir=tmp_path)
    argv = (st.get_capture(proc.stdout.strip()) or {}).get("argv")
    assert argv == [str(script), "--store=postgresql://ana:***@db.example/runs", "--lr", "0.1"]
