"""The ``lrs`` command: run the server, migrate, manage credentials, move statements.

Every command reads the same ``LRS_*`` settings as the server (``--database``
overrides ``LRS_DATABASE_URL``), so a credential created here works there. Heavy
modules are imported inside the commands: ``lrs --help`` stays instant, and
``lrs serve --reload`` leaves the application code for gunicorn workers to import.
"""

from __future__ import annotations

from typing import Any

import click

from lrs.cli.assignments import assignments
from lrs.cli.config import config
from lrs.cli.connectors import connectors
from lrs.cli.context import Cli
from lrs.cli.credentials import credentials
from lrs.cli.db import db
from lrs.cli.notifications import notifications
from lrs.cli.oauth import oauth
from lrs.cli.params import describe_error
from lrs.cli.people import people
from lrs.cli.plugins import add_plugin_commands
from lrs.cli.registries import metrics, scopes
from lrs.cli.serve import serve
from lrs.cli.statements import statements
from lrs.cli.tenants import tenants
from lrs.cli.users import users
from lrs.machinery.manager import PluginError
from lrs.plugin.host import COMMAND_HOST
from lrs.settings import SettingsError
from lrs.xapi.errors import XapiError


class _Group(click.Group):
    """The error boundary of every ``lrs`` command: one ``Error: ...`` line, never a traceback.

    Errors users can act on (a bad setting, a plugin that cannot load or lacks
    its configuration, an xAPI refusal, an unreachable database) are printed as
    what to fix. Anything else is a bug: one line naming it and how to see the
    traceback (``lrs --traceback ...``), which ``--traceback`` then shows.
    """

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except Exception as exc:
            if ctx.params.get("traceback"):
                raise
            raise click.ClickException(describe_failure(exc, ctx)) from exc


def describe_failure(exc: Exception, ctx: click.Context) -> str:
    """The one line an ``lrs`` command prints for ``exc``, saying what to do about it."""
    from sqlalchemy.exc import DBAPIError

    from lrs.masking import redact

    if isinstance(exc, (SettingsError, PluginError)):
        return str(exc)
    if isinstance(exc, XapiError):
        return describe_error(exc)
    if (input_problem := _describe_input_problem(exc)) is not None:
        return input_problem
    if isinstance(exc, DBAPIError):  # unreachable, refused, or not migrated yet
        reason = str(exc.orig or exc).strip().splitlines()[0]
        where = redact(ctx.obj.settings().database_url) if isinstance(ctx.obj, Cli) else ""
        return (f"database {where}: {reason} (check LRS_DATABASE_URL or --database and that "
                "the database is running; on a new database or release run `lrs db upgrade`)")
    return (f"unexpected {type(exc).__name__}: {exc} (this is a bug; rerun with "
            "`lrs --traceback ...` to see where, and report it)")


def _describe_input_problem(exc: Exception) -> str | None:
    """What was wrong with a file or argument the user gave, when ``exc`` says so: a
    file that is not UTF-8, an argument that is not text, unreadable CSV, nesting too
    deep to read, a path that cannot be opened or written; ``None`` for anything else."""
    import csv

    from sqlalchemy.exc import ArgumentError

    if isinstance(exc, UnicodeDecodeError):
        return (f"the input is not UTF-8 text ({exc.reason} at byte {exc.start}): "
                "save the file as UTF-8")
    if isinstance(exc, UnicodeEncodeError):
        return (f"an argument holds bytes that are not text ({exc.reason} at character "
                f"{exc.start}): check its spelling and the terminal's encoding")
    if isinstance(exc, csv.Error):
        return f"the CSV input cannot be read: {exc}"
    if isinstance(exc, RecursionError):
        return "the input nests its lists or objects deeper than can be read"
    if isinstance(exc, OSError) and exc.strerror:
        return f"{exc.strerror}: {exc.filename!r}" if exc.filename is not None else exc.strerror
    if isinstance(exc, ArgumentError):
        return f"LRS_DATABASE_URL or --database: {exc}"
    return None


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
@click.option(
    "--traceback", is_flag=True,
    help="Show the full traceback of an unexpected error instead of one line.",
)
@click.pass_context
def cli(ctx: click.Context, database: str | None, traceback: bool) -> None:
    """Weft, an xAPI 1.0.3 and 2.0 Learning Record Store."""
    ctx.obj = Cli(database, ctx)
    # current_host() in a plugin's command finds the host here, built on first use.
    ctx.meta[COMMAND_HOST] = lambda: ctx.obj.runtime().host


for command in (serve, db, credentials, statements, oauth, users, tenants, people, scopes, metrics,
                connectors, config, assignments, notifications):
    cli.add_command(command)
add_plugin_commands(cli)


def main() -> None:
    cli(prog_name="lrs")

