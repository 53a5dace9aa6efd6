"""Database engine and sessions, one set per application.

SQLite gets the pragmas that make it a sound embedded default: WAL so readers do
not block the writer, a busy timeout instead of immediate "database is locked"
errors, and enforced foreign keys. Its WAL file is kept small: while readers
overlap without pause (a busy server), SQLite's automatic checkpoints can never
start the WAL over and it grows without bound (10 GB over a 1M-statement load),
so every :attr:`Database.checkpoint_every` write transactions one waits for the
readers and truncates it, and ``journal_size_limit`` trims it after any reset.

PostgreSQL connections are checked on every checkout without a round trip (see
:func:`_discard_closed_connection`): ``pool_pre_ping`` would send a ``SELECT 1``
for each of the two or three transactions of every request.
"""

from __future__ import annotations

import itertools
import os
import select
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DisconnectionError, NoSuchModuleError
from sqlalchemy.orm import Session, sessionmaker

from lrs.settings import Settings, SettingsError

#: The databases Weft runs on, as ``LRS_DATABASE_URL`` names them (docs/configuration.md).
SUPPORTED_DATABASES = ("SQLite (sqlite:///PATH) and PostgreSQL through psycopg "
                       "(postgresql+psycopg://USER:PASSWORD@HOST/DB)")


def create_db_engine(settings: Settings) -> Engine:
    """The engine of ``LRS_DATABASE_URL``.

    :raises SettingsError: the URL names a database or driver whose Python package is
        not installed (``mysql://``, ``postgresql+pg8000://``): SQLAlchemy imports the
        driver here, and its ``ImportError`` would read as a bug, not as the setting.
    """
    url = make_url(settings.database_url)
    try:
        return _create_engine(url, settings)
    except (ImportError, NoSuchModuleError) as exc:
        raise SettingsError(f"LRS_DATABASE_URL: no database driver for {url.drivername!r} is "
                            f"installed ({exc}); Weft runs on {SUPPORTED_DATABASES}") from exc


def _create_engine(url: URL, settings: Settings) -> Engine:
    """SQLite with its pragmas, or a pool sized for the server's threads."""
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False,
                                                "timeout": settings.sqlite_busy_timeout_ms / 1000})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin_immediate)
        return engine
    # A connection for each request thread and a few for the process's own threads
    # (the outbox's delivery, ``lrs worker``'s connectors): with fewer, connections
    # beyond the pool's size are opened and closed again request after request.
    engine = create_engine(url, pool_size=settings.worker_threads + 4, max_overflow=10,
                           pool_recycle=3600)
    event.listen(engine, "checkout", _discard_closed_connection)
    return engine


def _discard_closed_connection(dbapi_connection, _record, _proxy) -> None:  # type: ignore[no-untyped-def]
    """Replace a pooled connection the server has closed (restart, idle timeout, kill).

    The server says goodbye before closing (a FATAL message, then end of file), so
    an idle connection with anything to read is dead; a live idle one has nothing
    to read (the LRS never LISTENs). One non-blocking ``poll`` instead of a round
    trip per checkout; SQLAlchemy invalidates the connection and opens a new one
    when this raises. A connection lost without a word (a network partition) is
    only noticed when used; ``pool_recycle`` bounds how long such a one is kept.
    """
    if dbapi_connection.closed:
        raise DisconnectionError("connection closed")
    poller = select.poll()
    poller.register(dbapi_connection.fileno(), select.POLLIN)
    if poller.poll(0):
        raise DisconnectionError("the server closed the connection")


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA journal_size_limit={_WAL_SIZE_LIMIT}")
    cursor.close()


def _sqlite_begin_immediate(connection) -> None:  # type: ignore[no-untyped-def]
    # Writers take the lock up front: a deferred transaction that upgrades to a
    # writer after another commit fails with SQLITE_BUSY instead of waiting.
    # Readers stay deferred so that WAL lets them run beside a writer.
    if connection.get_execution_options().get(_WRITE_OPTION):
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        connection.exec_driver_sql("BEGIN")


_WRITE_OPTION = "lrs_write"

#: Bytes of WAL file SQLite keeps after a checkpoint started it over.
_WAL_SIZE_LIMIT = 64 * 1024 * 1024


class Database:
    """The engine of one app and the two ways to open a transaction on it."""

    #: SQLite write transactions between two truncating WAL checkpoints.
    checkpoint_every = 1000

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._writes = itertools.count(1) if engine.dialect.name == "sqlite" else None
        self._reader = sessionmaker(engine, expire_on_commit=False)
        self._postgresql = engine.dialect.name == "postgresql"
        self._write_engine = engine.execution_options(**{_WRITE_OPTION: True})
        self._writer = sessionmaker(self._write_engine, expire_on_commit=False)

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A unit of work that only reads: no write lock is taken on SQLite."""
        with self._reader() as session, session.begin():
            yield session

    @contextmanager
    def lookup(self) -> Iterator[Connection]:
        """A read of independent statements, for the small requests that run one or two.

        A Core connection, not a :class:`Session`: the session's own bookkeeping
        (begin, binding the connection, commit) cost a GET by id or a state GET
        about 70 µs, a tenth of its CPU, for queries that load no ORM objects.
        On PostgreSQL it runs outside a transaction (autocommit): no ``BEGIN`` and
        ``COMMIT`` round trips around the query, which cost as much again. Nothing
        is lost: at READ COMMITTED each statement of a transaction takes its own
        snapshot anyway. Not for server-side cursors
        (:func:`lrs.store.queries.stream`), which need a transaction. On SQLite
        it is one read transaction, as :meth:`read`.
        """
        with self._autocommitted(self.engine) as connection:
            yield connection

    @contextmanager
    def single_statement(self) -> Iterator[Connection]:
        """A connection for a write that is one statement, atomic on its own.

        On PostgreSQL outside a transaction (autocommit): the statement commits alone,
        without the ``BEGIN`` and ``COMMIT`` round trips (each costs the client about
        50 µs of CPU, the server as much again). On SQLite a write transaction
        around it, as :meth:`write`.
        """
        with self._autocommitted(self._write_engine) as connection:
            yield connection
        self._wrote()

    @contextmanager
    def _autocommitted(self, sqlite_engine: Engine) -> Iterator[Connection]:
        """A connection in autocommit on PostgreSQL; on SQLite one transaction on
        ``sqlite_engine`` (the write engine's takes the lock up front)."""
        if self._postgresql:
            with self.engine.connect() as connection, _autocommit(connection):
                yield connection
            return
        with sqlite_engine.connect() as connection, connection.begin():
            yield connection

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One write transaction: committed on success, rolled back on error."""
        with self._writer() as session, session.begin():
            yield session
        self._wrote()

    def _wrote(self) -> None:
        """Count a committed SQLite write transaction; checkpoint every so many."""
        if self._writes is not None and next(self._writes) % self.checkpoint_every == 0:
            self._checkpoint()

    def _checkpoint(self) -> None:
        """Copy the WAL into the database and truncate it (waits for current readers)."""
        connection = self.engine.raw_connection()
        try:
            connection.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            connection.close()


@contextmanager
def _autocommit(connection: Connection) -> Iterator[None]:
    """Run ``connection``'s statements in psycopg's autocommit mode, then leave it as the
    pool expects it.

    Switched here rather than by ``execution_options(isolation_level="AUTOCOMMIT")``,
    which has SQLAlchemy set and reset the connection's isolation characteristics on
    every checkout and return: about 26 µs of a lookup's CPU (a twentieth of a GET by
    id). SQLAlchemy's own transaction on the connection sends nothing in autocommit;
    rolling it back at the end sends nothing either, and tells the pool there is
    nothing to reset. A connection whose mode cannot be restored (the server went away)
    is discarded, never pooled in autocommit; what its statements did stands, and an
    error they raised goes on.
    """
    driver = connection.connection.driver_connection
    driver.autocommit = True
    try:
        yield
    finally:
        try:
            connection.rollback()
            driver.autocommit = False
        except Exception:  # the connection is unusable, not the request
            connection.invalidate()


def connection_of(session: Session | Connection) -> Connection:
    """The Core connection to run a prebuilt statement on: a session's, or the one given
    (:meth:`Database.lookup` yields a connection, a write transaction a session)."""
    return session if isinstance(session, Connection) else session.connection()


def dispose_after_fork(engine: Engine) -> None:
    """Drop pooled connections inherited from a parent process (gunicorn preload)."""
    if hasattr(os, "register_at_fork"):
        os.register_at_fork(after_in_child=lambda: engine.dispose(close=False))
