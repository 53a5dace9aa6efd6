"""A real, throw-away PostgreSQL server for the test session, started from Debian's binaries.

Why a real server: mocks and SQLite hide exactly what differs in production (row locking,
types, ``ON CONFLICT``, transaction isolation), so the suite runs against PostgreSQL itself.
``initdb`` and ``pg_ctl`` build a cluster in a temporary folder under ``/tmp``; it listens on
127.0.0.1 only, on a free port, with its Unix socket inside that folder, so it never clashes
with a system PostgreSQL or with a parallel test session.

Why ``nobody`` when root: PostgreSQL refuses to run as root, and CI runs as root. We run
``initdb``/``pg_ctl`` as the ``nobody`` account through ``subprocess``'s ``user=``/``group=``/
``extra_groups=[]`` (no ``su``/``sudo``, and root's supplementary groups are dropped).
``nobody`` (uid 65534) is guaranteed by Debian's base-passwd, so nothing on the machine is
modified. A dedicated ``useradd --system weft-pg`` was rejected: it permanently changes
developer machines, needs write access to ``/etc/passwd``, and races when two sessions
create it at once. The cost of ``nobody`` -- other ``nobody`` processes could read the
cluster -- is irrelevant for throw-away test data that trust-authenticated loopback
clients can read anyway.

Why fail, never skip: a silently skipped PostgreSQL run would let backend-specific bugs
through CI, so missing binaries are a failure that says how to install them.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import pwd
import re
import shutil
import signal
import socket
import stat
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

__all__ = ["PostgresServer", "find_bin_dir", "postgres_server", "postgres_url"]

#: The database the ``postgres_url`` fixture creates.
TEST_DATABASE = "weft_test"

_REQUIRED_BINARIES = ("initdb", "pg_ctl", "postgres")
_DEBIAN_ROOT = Path("/usr/lib/postgresql")
_INSTALL_HINT = (
    "PostgreSQL server binaries (initdb, pg_ctl, postgres) not found. The test suite needs a "
    "real PostgreSQL 15 server: install it with `apt-get install postgresql-15` (Debian/Ubuntu),"
    " or set LRS_TEST_PG_BIN to the folder holding initdb, pg_ctl and postgres."
)
#: Appended to postgresql.conf: durability off for speed, loopback only, socket in our folder.
_SETTINGS = {
    "listen_addresses": "'127.0.0.1'",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "200",
    "log_min_messages": "warning",
}
_START_TIMEOUT = 60  # seconds pg_ctl -w waits for the server to accept connections
_COMMAND_TIMEOUT = 120  # seconds before a hung initdb/pg_ctl is killed
_UNPRIVILEGED_USER = "nobody"


def _has_binaries(folder: Path) -> bool:
    return all(os.access(folder / name, os.X_OK) for name in _REQUIRED_BINARIES)


def _version_key(folder: Path) -> tuple[int, ...]:
    """Sort ``/usr/lib/postgresql/9.6`` below ``.../15`` (a string sort would not)."""
    return tuple(int(part) for part in re.findall(r"\d+", folder.parent.name))


def _pg_config_bindir() -> Path | None:
    pg_config = shutil.which("pg_config")
    if pg_config is None:
        return None
    try:
        result = subprocess.run(
            [pg_config, "--bindir"], capture_output=True, text=True, timeout=30, check=True
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return Path(result.stdout.strip()) if result.stdout.strip() else None


def find_bin_dir() -> Path:
    """The folder holding initdb/pg_ctl/postgres.

    Order: ``LRS_TEST_PG_BIN`` (an explicit choice: if it is wrong we fail rather than
    silently test another version), Debian's ``/usr/lib/postgresql/15/bin``, the newest
    ``/usr/lib/postgresql/*/bin``, then ``pg_config --bindir``.
    """
    override = os.environ.get("LRS_TEST_PG_BIN")
    if override:
        if _has_binaries(Path(override)):
            return Path(override)
        raise FileNotFoundError(
            f"LRS_TEST_PG_BIN={override!r} does not hold executable "
            f"{', '.join(_REQUIRED_BINARIES)}. {_INSTALL_HINT}"
        )
    candidates = [_DEBIAN_ROOT / "15" / "bin"]
    candidates += sorted(_DEBIAN_ROOT.glob("*/bin"), key=_version_key, reverse=True)
    from_pg_config = _pg_config_bindir()
    if from_pg_config is not None:
        candidates.append(from_pg_config)
    for candidate in candidates:
        if _has_binaries(candidate):
            return candidate
    raise FileNotFoundError(_INSTALL_HINT)


def _free_port() -> int:
    """A port the kernel just considered free on 127.0.0.1 (tiny race, fine for tests)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _server_account() -> pwd.struct_passwd | None:
    """The unprivileged account to run the server as, or None when we are not root."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam(_UNPRIVILEGED_USER)
    except KeyError as exc:
        raise RuntimeError(
            f"running as root, and PostgreSQL refuses root, but there is no "
            f"{_UNPRIVILEGED_USER!r} account to run it as"
        ) from exc


def _temp_parent(account: pwd.struct_passwd | None) -> str:
    """``/tmp`` when root (TMPDIR may be e.g. /root/tmp, which nobody cannot traverse).

    Short paths also keep the Unix socket path under its 107-byte limit.
    """
    if account is not None or os.path.isdir("/tmp"):
        return "/tmp"
    return tempfile.gettempdir()


def _check_traversable(path: Path, account: pwd.struct_passwd) -> None:
    """Fail clearly if ``account`` cannot reach ``path`` (initdb's error would be obscure)."""
    for parent in path.parents:
        mode = parent.stat()
        if mode.st_uid == account.pw_uid or mode.st_mode & stat.S_IXOTH:
            continue
        raise RuntimeError(
            f"{parent} is not traversable by {account.pw_name!r}, which runs PostgreSQL "
            f"(mode {stat.filemode(mode.st_mode)}); the test cluster lives in {path}"
        )


def _clean_env() -> dict[str, str]:
    """Our environment without PG* variables (a stray PGPORT/PGDATA must not leak in)."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("PG")}
    env["LC_ALL"] = "C"
    return env


class PostgresServer:
    """One throw-away PostgreSQL cluster in a temporary folder.

    ``stop()`` is idempotent and also registered with :mod:`atexit`, so the server and its
    folder go away even if the fixture's teardown never runs (e.g. an error during
    collection); only SIGKILL of the test process can leave it behind.
    """

    superuser = "weft"

    def __init__(self, bin_dir: Path | None = None) -> None:
        self.bin_dir = bin_dir or find_bin_dir()
        self.account = _server_account()
        self.port = 0
        self.root: Path | None = None
        self._running = False

    @property
    def data_dir(self) -> Path:
        return self._root / "data"

    @property
    def socket_dir(self) -> Path:
        return self._root

    @property
    def log_file(self) -> Path:
        return self._root / "server.log"

    @property
    def _root(self) -> Path:
        if self.root is None:
            raise RuntimeError("PostgresServer.start() has not been called")
        return self.root

    def _run(self, *args: str, timeout: float = _COMMAND_TIMEOUT) -> subprocess.CompletedProcess:
        """Run a PostgreSQL binary, as the unprivileged account when we are root."""
        drop: dict[str, object] = {}
        if self.account is not None:
            drop = {
                "user": self.account.pw_uid,
                "group": self.account.pw_gid,
                "extra_groups": [],
            }
        return subprocess.run(
            [str(self.bin_dir / args[0]), *args[1:]],
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=self._root,  # root's cwd (e.g. /root) may be unreadable to nobody
            env=_clean_env(),
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # Ctrl-C reaches pytest, which then stops us cleanly
            **drop,  # type: ignore[arg-type]
        )

    def start(self) -> None:
        """initdb, configure and start; on any failure clean up and raise with the log tail."""
        if self._running:
            return
        atexit.register(self.stop)
        self.root = Path(tempfile.mkdtemp(prefix="weft-pg-", dir=_temp_parent(self.account)))
        try:
            self._start()
        except BaseException:
            self.stop()
            raise

    def _start(self) -> None:
        os.chmod(self._root, 0o700)
        if self.account is not None:
            os.chown(self._root, self.account.pw_uid, self.account.pw_gid)
            _check_traversable(self._root, self.account)
        init = self._run(
            "initdb", "-D", str(self.data_dir), "-U", self.superuser, "-A", "trust",
            "-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions",
        )  # fmt: skip
        if init.returncode != 0:
            raise RuntimeError(f"initdb failed ({init.returncode}):\n{init.stdout}\n{init.stderr}")
        self.port = _free_port()
        settings = {
            **_SETTINGS,
            "port": str(self.port),
            "unix_socket_directories": f"'{self.socket_dir}'",
        }
        # Appending as root keeps the file's owner; root may write regardless of mode.
        with open(self.data_dir / "postgresql.conf", "a", encoding="utf-8") as conf:
            conf.write("\n# weft test session\n")
            conf.writelines(f"{key} = {value}\n" for key, value in settings.items())
        try:
            started = self._run(
                "pg_ctl", "-D", str(self.data_dir), "-l", str(self.log_file),
                "-w", "-t", str(_START_TIMEOUT), "start",
                timeout=_START_TIMEOUT + 30,
            )  # fmt: skip
        except subprocess.TimeoutExpired as exc:
            raise RuntimeError(f"pg_ctl start hung:\n{self.log_tail()}") from exc
        if started.returncode != 0:
            raise RuntimeError(
                f"pg_ctl start failed ({started.returncode}): {started.stdout}{started.stderr}\n"
                f"--- server log tail ({self.log_file}) ---\n{self.log_tail()}"
            )
        self._running = True

    def stop(self) -> None:
        """Stop the server (immediate: data is disposable) and delete its folder."""
        atexit.unregister(self.stop)
        if self.root is None:
            return
        if self._running or (self.data_dir / "postmaster.pid").exists():
            with contextlib.suppress(OSError, subprocess.SubprocessError):
                self._run(
                    "pg_ctl", "-D", str(self.data_dir), "-m", "immediate", "-w", "stop", timeout=60
                )
            self._kill_leftover()
            self._running = False
        shutil.rmtree(self.root, ignore_errors=True)
        self.root = None

    def _kill_leftover(self) -> None:
        """SIGKILL the postmaster if pg_ctl could not stop it (its children then exit too)."""
        try:
            pid = int((self.data_dir / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)
            for _ in range(50):
                os.kill(pid, 0)
                time.sleep(0.1)

    def url(self, dbname: str) -> str:
        """SQLAlchemy URL for ``dbname`` over TCP on 127.0.0.1 (trust auth, no password)."""
        return f"postgresql+psycopg://{self.superuser}@127.0.0.1:{self.port}/{dbname}"

    def create_database(self, name: str) -> str:
        """Create database ``name`` and return its SQLAlchemy URL."""
        with psycopg.connect(
            host="127.0.0.1", port=self.port, user=self.superuser, dbname="postgres",
            autocommit=True, connect_timeout=10,
        ) as connection:  # fmt: skip
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return self.url(name)

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])
        except (OSError, RuntimeError):
            return "(no server log)"


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A running server for the whole session; stopped and deleted at the end, even on Ctrl-C."""
    try:
        server = PostgresServer()
    except (FileNotFoundError, RuntimeError) as exc:
        pytest.fail(str(exc), pytrace=False)
    try:
        try:
            server.start()
        except (RuntimeError, OSError, subprocess.SubprocessError) as exc:
            pytest.fail(f"could not start the test PostgreSQL server: {exc}", pytrace=False)
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def postgres_url(postgres_server: PostgresServer) -> str:
    """SQLAlchemy URL of an empty ``weft_test`` database on the session's server."""
    return postgres_server.create_database(TEST_DATABASE)
