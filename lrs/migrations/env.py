"""Alembic environment: runs online against the engine handed over in the config."""

from __future__ import annotations

from alembic import context

import lrs.models
from lrs.models.base import Base

assert lrs.models  # every table must be registered before autogenerate compares

config = context.config
engine = config.attributes["engine"]

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
