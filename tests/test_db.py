"""Connection upkeep: PostgreSQL's pool drops connections the server closed, without a
ping per checkout, and gets back in transaction mode what lookups used in autocommit;
SQLite's WAL file is truncated now and then instead of growing."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sqlalchemy import Connection, create_engine, text
from sqlalchemy.exc import DBAPIError

from lrs.db import Database, create_db_engine
from lrs.settings import Settings


def test_pool_replaces_a_connection_the_server_terminated(postgres_url: str) -> None:
    engine = create_db_engine(Settings.from_env({}, database_url=postgres_url))
    admin = create_engine(postgres_url)
    try:
        with engine.connect() as connection:
            first_pid = connection.execute(text("select pg_backend_pid()")).scalar_one()
        with admin.connect() as connection:
            # What a PostgreSQL restart does to every pooled connection.
            connection.execute(text("select pg_terminate_backend(:pid)"), {"pid": first_pid})
        time.sleep(0.2)  # the goodbye message reaches the pooled socket
        with engine.connect() as connection:
            second_pid = connection.execute(text("select pg_backend_pid()")).scalar_one()
        assert second_pid != first_pid
    finally:
        engine.dispose()
        admin.dispose()


def test_pool_keeps_a_live_connection(postgres_url: str) -> None:
    engine = create_db_engine(Settings.from_env({}, database_url=postgres_url))
    try:
        pids = set()
        for _ in range(3):
            with engine.connect() as connection:
                pids.add(connection.execute(text("select pg_backend_pid()")).scalar_one())
        assert len(pids) == 1
    finally:
        engine.dispose()


def test_pool_keeps_a_connection_for_every_request_thread(postgres_url: str) -> None:
    """Every thread of a worker busy with the database at once, then done: none of
    their connections is closed, so the next requests open none."""
    settings = Settings.from_env({}, database_url=postgres_url)
    engine = create_db_engine(settings)
    try:
        held = [engine.connect() for _ in range(settings.worker_threads)]
        pids = {_pid(connection) for connection in held}
        for connection in held:
            connection.close()
        assert engine.pool.checkedin() == settings.worker_threads == 16
        again = [engine.connect() for _ in range(settings.worker_threads)]
        assert {_pid(connection) for connection in again} == pids
        for connection in again:
            connection.close()
    finally:
        engine.dispose()


def _write_rows(db: Database, count: int) -> None:
    for _ in range(count):
        with db.write() as session:
            session.execute(text("insert into t (data) values (randomblob(4000))"))


def _transaction_times(connection: Connection) -> tuple[object, object]:
    """``now()`` (its transaction's start) of two statements 10 ms apart: equal when
    they share a transaction, different when each commits alone (autocommit)."""
    first = connection.execute(text("select now()")).scalar_one()
    time.sleep(0.01)
    return first, connection.execute(text("select now()")).scalar_one()


def _pid(connection: Connection) -> int:
    return int(connection.execute(text("select pg_backend_pid()")).scalar_one())


def test_lookups_run_alone_and_the_pool_gets_a_transactional_connection_back(
    postgres_url: str,
) -> None:
    """One pooled connection serves, in turn, a lookup and a single statement (each
    statement its own transaction), one whose statement failed, then a write
    transaction, which is one transaction again."""
    db = Database(create_engine(postgres_url, pool_size=1, max_overflow=0))
    try:
        with db.lookup() as connection:
            pid = _pid(connection)
            first, second = _transaction_times(connection)
            assert first != second
        with db.single_statement() as connection:
            first, second = _transaction_times(connection)
            assert first != second and _pid(connection) == pid
        with pytest.raises(DBAPIError), db.lookup() as connection:
            connection.execute(text("select 1 / 0"))
        with db.write() as session:
            first, second = _transaction_times(session.connection())
            assert first == second and _pid(session.connection()) == pid
    finally:
        db.engine.dispose()


def test_a_lookup_whose_connection_the_server_closed_leaves_the_pool_usable(
    postgres_url: str,
) -> None:
    db = Database(create_db_engine(Settings.from_env({}, database_url=postgres_url)))
    admin = create_engine(postgres_url)
    try:
        with db.lookup() as connection:
            pid = _pid(connection)
            with admin.connect() as other:
                other.execute(text("select pg_terminate_backend(:pid)"), {"pid": pid})
            time.sleep(0.2)
        with db.write() as session:
            first, second = _transaction_times(session.connection())
            assert first == second and _pid(session.connection()) != pid
    finally:
        db.engine.dispose()
        admin.dispose()


def test_sqlite_wal_is_truncated_every_checkpoint_every_writes(tmp_path: Path) -> None:
    path = tmp_path / "wal.db"
    db = Database(create_db_engine(Settings.from_env({}, database_url=f"sqlite:///{path}")))
    db.checkpoint_every = 5
    wal = Path(f"{path}-wal")
    try:
        with db.write() as session:
            session.execute(text("create table t (n integer primary key, data blob)"))
        _write_rows(db, 3)  # 4 write transactions: no checkpoint yet
        assert wal.stat().st_size > 0
        _write_rows(db, 1)  # the 5th
        assert wal.stat().st_size == 0
    finally:
        db.engine.dispose()
