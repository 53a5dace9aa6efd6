"""Alembic, driven from code: the schema's only source on every database.

There is no ``alembic.ini`` to keep in sync; :func:`alembic_config` builds the
configuration for an engine, and ``lrs db upgrade`` / auto-migration at start-up
both call :func:`upgrade`.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

HERE = Path(__file__).parent


def alembic_config(engine: Engine, locations: Sequence[str] = ()) -> Config:
    """Core's migrations plus ``locations``: plugin branches (``register_migrations``)."""
    config = Config()
    config.set_main_option("script_location", str(HERE))
    config.set_main_option("path_separator", "os")
    config.set_main_option("version_locations",
                           os.pathsep.join([str(HERE / "versions"), *locations]))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "heads", *, locations: Sequence[str] = ()) -> None:
    """Bring the schema to ``revision`` (every branch head by default)."""
    command.upgrade(alembic_config(engine, locations), revision)


def revision(engine: Engine, message: str, *, rev_id: str | None = None) -> None:
    """Autogenerate a migration from the difference between models and the database."""
    command.revision(alembic_config(engine), message=message, autogenerate=True, rev_id=rev_id)
