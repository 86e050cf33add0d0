"""A throwaway PostgreSQL cluster for the tests (see ../shared/RECIPES.md, "PostgreSQL in tests").

Debian's server binaries live in /usr/lib/postgresql/<version>/bin (not on PATH);
initdb and pg_ctl refuse to run as root, so as root they run through
`runuser -u postgres --` in a base directory under /tmp owned by that user.
The cluster listens on 127.0.0.1 at a free port with a short socket directory,
fsync off, its files on tmpfs when there is room. Each test gets its own database (CREATE/DROP need autocommit).
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

__all__ = ["PgCluster", "PgUnavailable", "find_bindir"]

SERVER_USER = "postgres"


class PgUnavailable(RuntimeError):
    """PostgreSQL cannot be started here; the message says what to install."""


def find_bindir() -> Path:
    """The highest installed version's server binaries, or PgUnavailable."""
    found = [Path(p) for p in glob.glob("/usr/lib/postgresql/*/bin") if (Path(p) / "initdb").exists()]

    def version(p: Path) -> tuple[int, ...]:
        return tuple(int(x) for x in re.findall(r"\d+", p.parent.name)) or (0,)

    if not found:
        raise PgUnavailable(
            "PostgreSQL server binaries not found (no /usr/lib/postgresql/<version>/bin/initdb): "
            "install Debian's postgresql package (apt-get install -y postgresql), as .ci/run does"
        )
    return max(found, key=version)


def _base_parent() -> str:
    """/dev/shm when it is a roomy tmpfs (CREATE DATABASE copies ~8 MB: ~15 ms there, ~300 ms on
    this machine's disk), else /tmp. Both are world-traversable, unlike pytest's tmp_path."""
    try:
        st = os.statvfs("/dev/shm")
        if st.f_bavail * st.f_frsize >= 2 << 30 and os.access("/dev/shm", os.W_OK | os.X_OK):
            return "/dev/shm"
    except OSError:
        pass
    return "/tmp"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PgCluster:
    """initdb + pg_ctl start on a fresh data directory; `stop()` removes everything."""

    def __init__(self) -> None:
        try:
            import psycopg  # noqa: F401
        except ImportError as exc:
            raise PgUnavailable("psycopg 3 is not installed: pip install 'psycopg[binary]' (in the dev extra)") from exc
        self.bindir = find_bindir()
        self.as_root = os.geteuid() == 0
        self.base = Path(tempfile.mkdtemp(prefix="nbpg-", dir=_base_parent()))
        self.data = self.base / "data"
        self.sockdir = self.base  # short: /dev/shm/nbpg-XXXXXXXX (socket paths are limited to ~107 bytes)
        self.logfile = self.base / "server.log"
        self.port = 0
        self.user = SERVER_USER if self.as_root else _current_user()
        self._admin = None
        if self.as_root:
            shutil.chown(self.base, user=SERVER_USER)

    def _run(self, *args: str) -> None:
        cmd = [str(self.bindir / args[0]), *args[1:]]
        if self.as_root:
            if shutil.which("runuser") is None:
                raise PgUnavailable("running as root needs `runuser` (util-linux) to start PostgreSQL as postgres")
            cmd = ["runuser", "-u", SERVER_USER, "--", *cmd]
        proc = subprocess.run(
            cmd, cwd=self.base, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120
        )
        if proc.returncode != 0:
            log = self.logfile.read_text(errors="replace")[-3000:] if self.logfile.exists() else ""
            raise PgUnavailable(
                f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}\n{log}"
            )

    def start(self) -> PgCluster:
        self._run("initdb", "--no-sync", "--locale=C", "-E", "UTF8", "-A", "trust", "-U", self.user,
                  "-D", str(self.data))
        for attempt in range(3):  # the port picked may be taken in between: retry with another
            self.port = _free_port()
            options = (f"-p {self.port} -k {self.sockdir} -c listen_addresses=127.0.0.1 -c fsync=off "
                       "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
            try:
                self._run("pg_ctl", "-D", str(self.data), "-l", str(self.logfile), "-w", "-t", "60",
                          "-o", options, "start")
                break
            except PgUnavailable:
                if attempt == 2:
                    raise
        import psycopg

        self._admin = psycopg.connect(self.conninfo("postgres"), autocommit=True)
        return self

    def conninfo(self, dbname: str) -> str:
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/{dbname}"

    def url(self, dbname: str) -> str:
        """The store URL nbtrack takes (NBTRACK_STORE)."""
        return f"postgresql+psycopg://{self.user}@127.0.0.1:{self.port}/{dbname}"

    def create_database(self) -> str:
        name = "t_" + uuid.uuid4().hex[:16]
        # FILE_COPY (the only strategy before 15) copies the template's files instead of WAL-logging
        # them: faster for a small database with fsync off
        strategy = " STRATEGY = FILE_COPY" if self._admin.info.server_version >= 150000 else ""
        self._admin.execute(f'CREATE DATABASE "{name}"{strategy}')
        return name

    def create_password_role(self, password: str) -> str:
        """A login role that must give `password` over TCP (scram-sha-256; everyone else stays `trust`)."""
        from psycopg import sql

        name = "pw_" + uuid.uuid4().hex[:12]
        self._admin.execute(sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(sql.Identifier(name),
                                                                                sql.Literal(password)))
        hba = self.data / "pg_hba.conf"
        hba.write_text(f"host all {name} 127.0.0.1/32 scram-sha-256\n" + hba.read_text())
        self._admin.execute("SELECT pg_reload_conf()")
        import psycopg

        deadline = time.monotonic() + 30
        while True:  # the server applies the reload asynchronously: wait until a wrong password is refused
            try:
                psycopg.connect(f"postgresql://{name}:not-{password}@127.0.0.1:{self.port}/postgres").close()
            except psycopg.OperationalError:
                return name
            if time.monotonic() > deadline:
                raise PgUnavailable("pg_hba.conf reload did not take effect")
            time.sleep(0.05)

    def admin_execute(self, query: str, params: list[object] | None = None) -> None:
        """Run one statement as the cluster's superuser."""
        self._admin.execute(query, params)

    def drop_database(self, name: str) -> None:
        self._admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def stop(self) -> None:
        if self._admin is not None:
            self._admin.close()
            self._admin = None
        try:
            if (self.data / "postmaster.pid").exists():
                self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.base, ignore_errors=True)


def _current_user() -> str:
    import pwd

    return pwd.getpwuid(os.geteuid()).pw_name
