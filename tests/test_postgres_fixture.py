"""The session's PostgreSQL server is real, version 15, unprivileged, and cleaned up."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.postgres import PostgresServer, find_bin_dir


def test_server_is_postgresql_15_and_writable(postgres_url: str) -> None:
    engine = create_engine(postgres_url)
    try:
        with engine.begin() as connection:
            version = connection.execute(text("select version()")).scalar_one()
            assert version.startswith("PostgreSQL 15."), version
            connection.execute(text("create table fixture_probe (id int primary key, note text)"))
            connection.execute(text("insert into fixture_probe values (1, 'ünïcode')"))
            note = connection.execute(text("select note from fixture_probe")).scalar_one()
            assert note == "ünïcode"
            connection.execute(text("drop table fixture_probe"))
        with engine.connect() as connection:
            exists = connection.execute(text("select to_regclass('fixture_probe')")).scalar()
            assert exists is None
    finally:
        engine.dispose()


def test_server_runs_unprivileged(postgres_url: str) -> None:
    engine = create_engine(postgres_url)
    try:
        with engine.connect() as connection:
            data_dir = connection.execute(text("select current_setting('data_directory')"))
            data_dir = data_dir.scalar_one()
            backend_pid = connection.execute(text("select pg_backend_pid()")).scalar_one()
            listen = connection.execute(text("select current_setting('listen_addresses')"))
            assert listen.scalar_one() == "127.0.0.1"
    finally:
        engine.dispose()
    owner = Path(data_dir).stat().st_uid
    if os.geteuid() == 0:
        assert owner != 0, f"{data_dir} is owned by root"
    else:
        assert owner == os.geteuid()
    process = Path(f"/proc/{backend_pid}")
    if process.exists():  # the backend process itself, not just its files, is unprivileged
        assert process.stat().st_uid == owner


def test_start_stop_leaves_nothing_behind() -> None:
    server = PostgresServer()
    server.start()
    root, port = server.root, server.port
    assert root is not None
    assert root.is_dir()
    with socket.create_connection(("127.0.0.1", port), timeout=5):
        pass
    server.stop()
    server.stop()  # idempotent: the atexit safety net may call it again
    assert not root.exists()
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
        pass


def test_bad_override_is_an_error_not_a_fallback(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("LRS_TEST_PG_BIN", str(tmp_path))
    with pytest.raises(FileNotFoundError, match="apt-get install postgresql-15"):
        find_bin_dir()
