"""Connection upkeep: PostgreSQL's pool drops connections the server closed, without a
ping per checkout; SQLite's WAL file is truncated now and then instead of growing."""

from __future__ import annotations

import time
from pathlib import Path

from sqlalchemy import create_engine, text

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


def _write_rows(db: Database, count: int) -> None:
    for _ in range(count):
        with db.write() as session:
            session.execute(text("insert into t (data) values (randomblob(4000))"))


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
