"""The PostgreSQL the suite runs against is real, version 15, and not run as root."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import create_engine, text


def test_server_is_real_postgresql_15(postgres_url: str) -> None:
    engine = create_engine(postgres_url)
    try:
        with engine.connect() as connection:
            version = connection.execute(text("select version()")).scalar_one()
            data_dir = connection.execute(text("show data_directory")).scalar_one()
    finally:
        engine.dispose()
    assert version.startswith("PostgreSQL 15.")
    if os.geteuid() == 0:
        assert Path(data_dir).stat().st_uid != 0
