"""The system under test: a migrated database, a credential, and a real gunicorn server.

Why a real server: throughput and memory are properties of the production process
(gthread workers, keep-alive, connection pools, forked workers), which the Flask
test client does not have. The server is started exactly as ``docs/deploy.md``
says, ``gunicorn -c gunicorn.conf.py wsgi:app``, configured through ``LRS_*``
variables, with one exception: ``--max-requests 0``, so that workers are not
recycled mid-run (a recycled worker would hide a memory leak and a restart would
show up as a latency spike that production spreads out with jitter).

PostgreSQL is a real throw-away cluster from :class:`tests.postgres.PostgresServer`,
switched back to durable settings (the test suite turns ``fsync`` off) unless
``durable=False``: an LRS benchmark that may lose committed statements flatters
single-statement ingest.
"""

from __future__ import annotations

import base64
import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path

from flask import Flask
from sqlalchemy import Engine, create_engine, text

from lrs import migrations
from lrs.db import Database, create_db_engine
from lrs.settings import Settings
from lrs.store.credentials import create_credential

ROOT = Path(__file__).resolve().parents[1]
SECRET_KEY = "bench-secret-key-" + "b" * 32
_READY = re.compile(r"Weft LRS listening on http://127\.0\.0\.1:(\d+)/xapi")
_START_TIMEOUT = 60
_STOP_TIMEOUT = 30
#: PostgreSQL settings restored to their production defaults (reloadable, no restart).
_DURABLE = {"fsync": "on", "synchronous_commit": "on", "full_page_writes": "on"}


@dataclass
class Target:
    """A database ready to serve: its URL, a credential for it, and a description."""

    backend: str
    url: str
    authorization: str
    version: str
    #: Pid of the PostgreSQL postmaster (its children are the backends), else None.
    postmaster: int | None = None

    def database_cpu_seconds(self) -> float:
        """CPU time used so far by the PostgreSQL server processes (0 for SQLite,
        whose work is done inside the gunicorn workers)."""
        if self.postmaster is None:
            return 0.0
        return cpu_seconds(self.postmaster, reaped=True) + sum(
            cpu_seconds(pid) for pid in children(self.postmaster))


@contextlib.contextmanager
def database(backend: str, *, durable: bool = True, checkout: Path = ROOT) -> Iterator[Target]:
    """A fresh database of ``backend``, migrated by ``checkout`` (another checkout of
    Weft may have another schema), with an ``all`` credential; removed after."""
    if backend == "sqlite":
        folder = Path(tempfile.mkdtemp(prefix="weft-bench-"))
        try:
            yield _prepare(backend, f"sqlite:///{folder / 'lrs.sqlite3'}", checkout)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        return
    from tests.postgres import PostgresServer

    server = PostgresServer()
    try:
        server.start()
        url = server.create_database("weft_bench")
        if durable:
            _make_durable(url)
        target = _prepare(backend, url, checkout)
        target.postmaster = int((server.data_dir / "postmaster.pid").read_text().split()[0])
        yield target
    finally:
        server.stop()


def _make_durable(url: str) -> None:
    engine = create_db_engine(Settings.from_env({}, database_url=url, secret_key=SECRET_KEY))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        for name, value in _DURABLE.items():
            connection.execute(text(f"ALTER SYSTEM SET {name} = {value}"))
        connection.execute(text("SELECT pg_reload_conf()"))
    engine.dispose()


def _prepare(backend: str, url: str, checkout: Path) -> Target:
    settings = Settings.from_env({}, database_url=url, secret_key=SECRET_KEY)
    if checkout != ROOT:  # core's schema, as the in-process upgrade below makes it
        lrs_command("db", "upgrade", env=_environment_of(url, checkout=checkout),
                    checkout=checkout)
    engine = create_db_engine(settings)
    try:
        if checkout == ROOT:
            migrations.upgrade(engine)
        db = Database(engine)
        with db.write() as session:
            issued = create_credential(session, SECRET_KEY, name="bench", scopes=["all"])
        with db.read() as session:
            version = _database_version(session, backend)
    finally:
        engine.dispose()
    token = base64.b64encode(f"{issued.key}:{issued.secret}".encode()).decode()
    return Target(backend, url, f"Basic {token}", version)


def _database_version(session: object, backend: str) -> str:
    if backend == "sqlite":
        import sqlite3

        return f"SQLite {sqlite3.sqlite_version}"
    version = session.execute(text("SHOW server_version")).scalar()  # type: ignore[attr-defined]
    settings = ", ".join(
        f"{name}={session.execute(text(f'SHOW {name}')).scalar()}"  # type: ignore[attr-defined]
        for name in (*_DURABLE, "shared_buffers")
    )
    return f"PostgreSQL {version} ({settings})"


@dataclass
class Gunicorn:
    """A running ``gunicorn -c gunicorn.conf.py wsgi:app``; use :func:`serve` to get one."""

    process: subprocess.Popen[bytes]
    port: int
    log: Path
    workers: int
    threads: int

    def worker_pids(self) -> list[int]:
        return children(self.process.pid)

    def cpu_seconds(self) -> float:
        """CPU time used so far by the master and its workers."""
        return sum(cpu_seconds(pid) for pid in [self.process.pid, *self.worker_pids()])

    def worker_rss_mb(self) -> dict[int, float]:
        """Resident memory of each worker, in MiB (VmRSS of /proc/PID/status)."""
        sizes = {}
        for pid in self.worker_pids():
            with contextlib.suppress(OSError):
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        sizes[pid] = int(line.split()[1]) / 1024
        return sizes

    def log_tail(self, lines: int = 30) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


def children(parent: int) -> list[int]:
    """Pids whose parent is ``parent`` (psutil-free: the parent is in /proc/PID/stat)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and _stat_fields(int(entry.name))[1:2] == [str(parent)]:
            pids.append(int(entry.name))
    return sorted(pids)


def cpu_seconds(pid: int, *, reaped: bool = False) -> float:
    """User + system CPU time of ``pid`` so far (0 once it has exited); ``reaped``: plus
    that of its children that have exited (a PostgreSQL backend whose connection
    closed), which would otherwise vanish from a sum over the living."""
    fields = _stat_fields(pid)
    if len(fields) < 15:
        return 0.0
    used = int(fields[11]) + int(fields[12])
    if reaped:
        used += int(fields[13]) + int(fields[14])
    return used / os.sysconf("SC_CLK_TCK")


def _stat_fields(pid: int) -> list[str]:
    """/proc/PID/stat from the state field on (the command name before may hold spaces)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return []


def plugin_app(target: Target, *plugins: str, **settings: object) -> Flask:
    """An application in this process on ``target``, migrated, with only ``plugins`` of
    the installed ones enabled: what a benchmark of those plugins runs. The outbox is
    not delivered inline (the benchmark delivers and times it) unless ``settings``
    say otherwise; ``settings`` are :class:`~lrs.settings.Settings` fields."""
    from lrs.app import create_app

    others = [name for name in installed_plugins() if name not in plugins]
    return create_app(Settings.from_env({}, **{
        "database_url": target.url, "secret_key": SECRET_KEY,
        "disabled_plugins": ",".join(others), "auto_migrate": True, "outbox_inline": False,
        **settings,
    }))


def installed_plugins() -> list[str]:
    """The names of the installed plugins (``lrs.plugins`` entry points), sorted."""
    return sorted(ep.name for ep in entry_points(group="lrs.plugins"))


def environment(target: Target, *, workers: int = 0, threads: int = 0,
                checkout: Path = ROOT, **overrides: str) -> dict[str, str]:
    """The environment of the server (and of ``lrs`` commands run beside it).

    Production settings for ``target``; installed plugins are disabled unless
    ``overrides`` (``LRS_*`` names) say otherwise. ``checkout``: whose ``lrs`` runs
    (another checkout of Weft, to compare with this one).
    """
    return _environment_of(target.url, workers=workers, threads=threads, checkout=checkout,
                           **overrides)


def _environment_of(url: str, *, workers: int = 0, threads: int = 0,
                    checkout: Path = ROOT, **overrides: str) -> dict[str, str]:
    """:func:`environment` for the database at ``url`` (no credential needed yet)."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("LRS_")}
    installed = installed_plugins()
    env.update(
        PYTHONPATH=str(checkout), LRS_DATABASE_URL=url, LRS_SECRET_KEY=SECRET_KEY,
        LRS_AUTO_MIGRATE="false", LRS_BIND="127.0.0.1:0", LRS_LOG_FORMAT="json",
        LRS_LOG_LEVEL="info", LRS_WORKERS=str(workers), LRS_THREADS=str(threads),
        LRS_ENV="production", LRS_DISABLED_PLUGINS=",".join(installed),
    )
    env.update(overrides)
    return env


@contextlib.contextmanager
def serve(target: Target, log: Path, *, workers: int = 0, threads: int = 0,
          env: dict[str, str] | None = None, app: str = "wsgi:app",
          checkout: Path = ROOT) -> Iterator[Gunicorn]:
    """Start gunicorn on a free loopback port for ``target``; always stopped on exit.

    ``workers`` / ``threads`` of 0 keep the production defaults of ``lrs.process.gunicorn``.
    Installed plugins are disabled unless ``env`` (from :func:`environment`) enables
    them: this measures core; ``python -m bench.audit`` measures what the audit
    plugin adds. ``app`` is what gunicorn serves with that configuration (another
    WSGI app gives a ceiling: ``bench.noop:app``). ``checkout``: the Weft served (its
    ``gunicorn.conf.py`` and ``wsgi.py``; ``env`` should name it too).
    """
    env = env or environment(target, workers=workers, threads=threads)
    command = [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py",
               "--max-requests", "0", app]
    with _spawn(command, env, log, checkout) as process:
        port = _wait_ready(process, log)
        yield Gunicorn(process, port, log, *_pool_size(target, workers, threads))


def lrs_command(*args: str, env: dict[str, str], checkout: Path = ROOT) -> None:
    """Run ``lrs ARGS`` (``lrs db upgrade``...) of ``checkout`` to completion with ``env``."""
    subprocess.run([sys.executable, "-m", "lrs.cli", *args], cwd=checkout, env=env,
                   check=True, stdin=subprocess.DEVNULL, capture_output=True)


@contextlib.contextmanager
def lrs_process(*args: str, env: dict[str, str], log: Path,
                checkout: Path = ROOT) -> Iterator[subprocess.Popen[bytes]]:
    """Run ``lrs ARGS`` (``lrs worker``) of ``checkout`` in the background; stopped
    (SIGTERM) on exit."""
    with _spawn([sys.executable, "-m", "lrs.cli", *args], env, log, checkout) as process:
        yield process


@contextlib.contextmanager
def _spawn(command: list[str], env: dict[str, str], log: Path,
           checkout: Path = ROOT) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=checkout, env=env, stdout=out, stderr=out,
                                   stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        yield process
    finally:
        _stop(process)


def _pool_size(target: Target, workers: int, threads: int) -> tuple[int, int]:
    from lrs.process.gunicorn import gunicorn_options

    options = gunicorn_options(Settings.from_env(
        {}, database_url=target.url, secret_key=SECRET_KEY, workers=workers, threads=threads))
    return options["workers"], options["threads"]


def _wait_ready(process: subprocess.Popen[bytes], log: Path) -> int:
    deadline = time.monotonic() + _START_TIMEOUT
    while time.monotonic() < deadline:
        match = _READY.search(log.read_text(errors="replace"))
        if match:
            return int(match.group(1))
        if process.poll() is not None:
            break
        time.sleep(0.1)
    raise RuntimeError(f"gunicorn did not start; see {log}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM (graceful), then SIGKILL of the whole process group if it lingers."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=_STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@contextlib.contextmanager
def engine_of(url: str) -> Iterator[Engine]:
    """A short-lived engine on the benchmark's database, disposed afterwards."""
    engine = create_engine(url)
    try:
        yield engine
    finally:
        engine.dispose()


def count_rows(engine: Engine, table: str) -> int:
    with engine.connect() as connection:
        return int(connection.execute(text(f"SELECT count(*) FROM {table}")).scalar() or 0)


def analyze(engine: Engine) -> None:
    """Planner statistics, as autovacuum's ANALYZE keeps them on a database in use."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("ANALYZE"))


def drain_outbox(engine: Engine) -> float:
    """Seconds until the outbox holds nothing (the worker or the thread caught up)."""
    started = time.perf_counter()
    while True:
        with engine.connect() as connection:
            if not connection.execute(text("SELECT count(*) FROM outbox_events")).scalar():
                return time.perf_counter() - started
        time.sleep(0.02)


def audit_signing_key(folder: Path) -> Path:
    """A throw-away Ed25519 key: production refuses to run the audit plugin without one
    (give it as ``LRS_PLUGIN_AUDIT_KEY_FILE``)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    path = folder / "audit_ed25519.pem"
    path.write_bytes(Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    return path


def run_note(title: str) -> list[str]:
    """Two lines saying what ran where: commit and date, then the machine and its load."""
    import platform

    import gunicorn

    commit = subprocess.run(["git", "describe", "--always", "--dirty"], cwd=ROOT,
                            capture_output=True, text=True).stdout.strip() or "?"
    return [f"{title}  commit {commit}  {time.strftime('%Y-%m-%d %H:%M:%S')}",
            f"machine: {os.cpu_count()} CPUs ({platform.processor() or platform.machine()}), "
            f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}, "
            f"Python {platform.python_version()}, gunicorn {gunicorn.__version__}"]


def note(line: str) -> None:
    """A progress line on stderr, so that the tables on stdout stay clean."""
    print(f"[{time.strftime('%H:%M:%S')}] {line}", file=sys.stderr, flush=True)
