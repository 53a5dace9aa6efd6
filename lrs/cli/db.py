"""``lrs db``: database schema migrations, core's and every installed plugin's."""

from __future__ import annotations

import click

from lrs.cli.context import Cli


@click.group()
def db() -> None:
    """Database schema migrations."""


@db.command(
    epilog="""\b
Example (production, with LRS_AUTO_MIGRATE=false):
  LRS_DATABASE_URL=postgresql+psycopg://weft:PASSWORD@db/weft lrs db upgrade"""
)
@click.pass_obj
def upgrade(obj: Cli) -> None:
    """Apply every pending migration, core and installed plugins' (before a new release)."""
    obj.runtime(migrate=True)
    from lrs.masking import redact

    click.echo(f"Database {redact(obj.settings().database_url)} is up to date.")


@db.command(
    epilog="""\b
Example:
  lrs db revision -m "add widget table\""""
)
@click.option("-m", "--message", required=True, help="What the migration does.")
@click.pass_obj
def revision(obj: Cli, message: str) -> None:
    """Autogenerate a migration from the models (development).

    Compares lrs/models with an up-to-date database and writes the difference
    under lrs/migrations/versions; read and edit it before committing.
    """
    from lrs import migrations
    from lrs.db import create_db_engine

    # Core's chain only: the models compared are core's, and plugins version their own.
    engine = create_db_engine(obj.settings())
    obj.ctx.call_on_close(engine.dispose)
    migrations.upgrade(engine)
    migrations.revision(engine, message)
