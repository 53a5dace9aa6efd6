"""The ``lrs`` command: run the server, migrate, manage credentials, move statements.

Every command reads the same ``LRS_*`` settings as the server (``--database``
overrides ``LRS_DATABASE_URL``), so a credential created here works there. Heavy
modules are imported inside the commands: ``lrs --help`` stays instant, and
``lrs serve --reload`` leaves the application code for gunicorn workers to import.
"""

from __future__ import annotations

from typing import Any

import click

from lrs.cli.config import config
from lrs.cli.context import Cli
from lrs.cli.credentials import credentials
from lrs.cli.db import db
from lrs.cli.oauth import oauth
from lrs.cli.params import describe_error
from lrs.cli.people import people
from lrs.cli.plugins import add_plugin_commands
from lrs.cli.registries import connectors, metrics, scopes
from lrs.cli.serve import serve
from lrs.cli.statements import statements
from lrs.cli.tenants import tenants
from lrs.cli.users import users
from lrs.machinery.manager import PluginError
from lrs.plugin.host import COMMAND_HOST
from lrs.settings import SettingsError
from lrs.xapi.errors import XapiError


class _Group(click.Group):
    """Turns configuration, plugin and xAPI errors into a one-line ``Error:`` and exit code 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (SettingsError, PluginError) as exc:
            raise click.ClickException(str(exc)) from exc
        except XapiError as exc:
            raise click.ClickException(describe_error(exc)) from exc


@click.group(
    cls=_Group,
    context_settings={"help_option_names": ["-h", "--help"]},
    epilog="""\b
Examples:
  lrs serve                                      # http://127.0.0.1:8000/xapi on SQLite
  lrs credentials create --name my-lms --scope all
  lrs --database postgresql+psycopg://weft@db/weft db upgrade

Configuration comes from LRS_* environment variables (docs/configuration.md).""",
)
@click.option(
    "--database",
    metavar="URL",
    help="SQLAlchemy database URL; overrides LRS_DATABASE_URL.",
)
@click.pass_context
def cli(ctx: click.Context, database: str | None) -> None:
    """Weft, an xAPI 1.0.3 and 2.0 Learning Record Store."""
    ctx.obj = Cli(database, ctx)
    # current_host() in a plugin's command finds the host here, built on first use.
    ctx.meta[COMMAND_HOST] = lambda: ctx.obj.runtime().host


for command in (serve, db, credentials, statements, oauth, users, tenants, people, scopes, metrics,
                connectors, config):
    cli.add_command(command)
add_plugin_commands(cli)


def main() -> None:
    cli(prog_name="lrs")

