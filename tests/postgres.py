"""A real PostgreSQL server for the test session, started from Debian's binaries.

Mocks would hide exactly what differs between SQLite and PostgreSQL (locking,
types, ``ON CONFLICT``), so the suite runs against the real thing: ``initdb`` and
``pg_ctl`` from ``/usr/lib/postgresql/<version>/bin`` into a temporary folder,
listening on 127.0.0.1 only. PostgreSQL refuses to run as root, so as root the
server runs as the Debian ``postgres`` system user (or ``nobody``), passed to
``subprocess`` as ``user=`` so no ``su``/``sudo`` is needed.

A missing PostgreSQL is a failure with install instructions, never a skip.
"""

from __future__ import annotations

import atexit
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

_INSTALL_HINT = (
    "PostgreSQL server binaries not found: install them with "
    "`apt-get install postgresql-15` or point LRS_TEST_PG_BIN at the folder holding "
    "initdb and pg_ctl"
)
_SERVER_OPTIONS = (
    "-c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off "
    "-c full_page_writes=off -c max_connections=200"
)


def find_bin_dir() -> Path:
    """Where ``initdb`` and ``pg_ctl`` live: LRS_TEST_PG_BIN, Debian's 15, newest, pg_config."""
    candidates: list[Path] = []
    if os.environ.get("LRS_TEST_PG_BIN"):
        candidates.append(Path(os.environ["LRS_TEST_PG_BIN"]))
    candidates.append(Path("/usr/lib/postgresql/15/bin"))
    candidates.extend(sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True))
    pg_config = shutil.which("pg_config")
    if pg_config:
        result = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True)
        candidates.append(Path(result.stdout.strip()))
    for candidate in candidates:
        if (candidate / "initdb").exists() and (candidate / "pg_ctl").exists():
            return candidate
    raise FileNotFoundError(_INSTALL_HINT)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _server_user() -> pwd.struct_passwd | None:
    """The unprivileged account to run as, or None when we are not root."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    raise RuntimeError("running as root and neither a 'postgres' nor a 'nobody' user exists")


class PostgresServer:
    """One throw-away PostgreSQL cluster in a temporary folder."""

    def __init__(self, bin_dir: Path | None = None) -> None:
        self.bin_dir = bin_dir or find_bin_dir()
        self.port = _free_port()
        self.user = _server_user()
        self.root = Path(tempfile.mkdtemp(prefix="weft-pg-"))
        self.data_dir = self.root / "data"
        self.log_file = self.root / "server.log"
        self.superuser = "weft"
        self._running = False

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        kwargs: dict[str, object] = {}
        if self.user is not None:
            kwargs = {"user": self.user.pw_uid, "group": self.user.pw_gid}
        return subprocess.run(
            [str(self.bin_dir / args[0]), *args[1:]],
            capture_output=True,
            text=True,
            timeout=120,
            cwd=self.root,
            **kwargs,  # type: ignore[arg-type]
        )

    def start(self) -> None:
        os.chmod(self.root, 0o755)
        if self.user is not None:
            os.chown(self.root, self.user.pw_uid, self.user.pw_gid)
        init = self._run(
            "initdb", "-D", str(self.data_dir), "-U", self.superuser, "-A", "trust",
            "-E", "UTF8", "--locale=C", "--no-sync",
        )
        if init.returncode != 0:
            raise RuntimeError(f"initdb failed:\n{init.stdout}\n{init.stderr}")
        options = f"{_SERVER_OPTIONS} -p {self.port} -k {self.root}"
        started = self._run(
            "pg_ctl", "-D", str(self.data_dir), "-l", str(self.log_file), "-o", options,
            "-w", "-t", "60", "start",
        )
        if started.returncode != 0:
            raise RuntimeError(f"pg_ctl start failed:\n{started.stderr}\n{self._log_tail()}")
        self._running = True
        atexit.register(self.stop)

    def stop(self) -> None:
        if self._running:
            self._run("pg_ctl", "-D", str(self.data_dir), "-m", "immediate", "-w", "stop")
            self._running = False
        shutil.rmtree(self.root, ignore_errors=True)

    def url(self, dbname: str) -> str:
        return f"postgresql+psycopg://{self.superuser}@127.0.0.1:{self.port}/{dbname}"

    def create_database(self, name: str) -> str:
        with psycopg.connect(
            host="127.0.0.1", port=self.port, user=self.superuser, dbname="postgres",
            autocommit=True,
        ) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def _log_tail(self) -> str:
        try:
            return "\n".join(self.log_file.read_text().splitlines()[-30:])
        except OSError:
            return "(no server log)"


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    try:
        server = PostgresServer()
    except FileNotFoundError as exc:
        pytest.fail(str(exc), pytrace=False)
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def postgres_url(postgres_server: PostgresServer) -> str:
    return postgres_server.create_database("weft_test")
