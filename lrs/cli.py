"""The ``lrs`` command: run the server, migrate, manage credentials, move statements.

Every command reads the same ``LRS_*`` settings as the server (``--database``
overrides ``LRS_DATABASE_URL``), so a credential created here works there. Heavy
modules are imported inside the commands: ``lrs --help`` stays instant, and
``lrs serve --reload`` leaves the application code for gunicorn workers to import.
"""

from __future__ import annotations

import json
from functools import partial
from typing import TYPE_CHECKING, Any

import click

from lrs.cli_config import config
from lrs.cli_context import Cli, cli_actor, cli_source, echo_grants, grant_options, tenant_option
from lrs.cli_oauth import oauth
from lrs.cli_people import people
from lrs.cli_plugins import add_plugin_commands
from lrs.cli_registries import connectors, metrics, scopes
from lrs.cli_statements import describe_error, statements
from lrs.cli_tenants import tenants
from lrs.cli_users import users
from lrs.plugin_manager import PluginError
from lrs.settings import Settings, SettingsError
from lrs.xapi.errors import XapiError

if TYPE_CHECKING:
    from flask import Flask

CURL_EXAMPLE = (
    "curl -u {key}:{secret} -H 'X-Experience-API-Version: 2.0.0' {url}/statements"
)


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
    if isinstance(exc, DBAPIError):  # unreachable, refused, or not migrated yet
        reason = str(exc.orig or exc).strip().splitlines()[0]
        where = redact(ctx.obj.settings().database_url) if isinstance(ctx.obj, Cli) else ""
        return (f"database {where}: {reason} (check LRS_DATABASE_URL or --database and that "
                "the database is running; on a new database or release run `lrs db upgrade`)")
    return (f"unexpected {type(exc).__name__}: {exc} (this is a bug; rerun with "
            "`lrs --traceback ...` to see where, and report it)")


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


@cli.command(
    epilog="""\b
Examples:
  lrs serve                                 # 127.0.0.1:8000, SQLite in ./instance
  lrs serve --host 0.0.0.0 --port 8080 --workers 4
  lrs serve --reload                        # development: restart on code changes"""
)
@click.option("--host", help="Interface to listen on [default: from LRS_BIND, 127.0.0.1].")
@click.option(
    "--port", type=click.IntRange(0, 65535),
    help="Port to listen on, 0 for any free one [default: from LRS_BIND, 8000].",
)
@click.option(
    "--workers", type=click.IntRange(1), help="Worker processes [default: 1 on SQLite, 2 x CPUs]."
)
@click.option(
    "--threads", type=click.IntRange(1), help="Threads per worker [default: 8 on SQLite, 4]."
)
@click.option("--reload", is_flag=True, help="Restart workers when the code changes (development).")
@click.pass_obj
def serve(
    obj: Cli, host: str | None, port: int | None, workers: int | None, threads: int | None,
    reload: bool,
) -> None:
    """Run the LRS with gunicorn.

    On the default SQLite database, the first start creates ./instance/weft.sqlite3
    and its schema; nothing needs to be set up first.
    """
    from lrs.serve import WeftServer, log_listeners

    overrides: dict[str, Any] = {"bind": _bind(obj.settings().bind, host, port)}
    if workers:
        overrides["workers"] = workers
    if threads:
        overrides["threads"] = threads
    settings = obj.settings(**overrides)

    def announce(server: Any) -> None:
        log_listeners(server)
        for listener in server.LISTENERS:
            click.echo(f"Weft LRS running at {listener}/xapi (Ctrl+C to stop)")
            click.echo(f"Web UI at {listener}/ui/")

    gunicorn: dict[str, Any] = {"when_ready": announce}
    if reload:
        gunicorn.update(reload=True, preload_app=False)
    WeftServer(settings, partial(_load_app, settings), gunicorn).run()


def _bind(bind: str, host: str | None, port: int | None) -> str:
    default_host, _, default_port = bind.rpartition(":")
    return f"{host or default_host}:{default_port if port is None else port}"


def _load_app(settings: Settings) -> Flask:
    """Build the app (migrating a fresh database) and hint at the first step if needed."""
    from lrs.app import create_app
    from lrs.store.credentials import list_credentials

    app = create_app(settings)
    with app.extensions["lrs"].db.read() as session:
        if all(c.revoked_us is not None for c in list_credentials(session)):
            click.echo(
                "No credential yet. Create one for your LMS with:\n"
                "  lrs credentials create --name my-lms --scope all"
            )
    return app


@cli.group()
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


@cli.group()
def credentials() -> None:
    """Basic-auth credentials for xAPI clients (LMS, authoring tools, reports)."""


@credentials.command(
    "create",
    epilog="""\b
Examples:
  lrs credentials create --name my-lms --scope all
  lrs credentials create --name reports --scope all/read
  lrs credentials create --name quiz --scope statements/write --scope state \\
      --authority '{"objectType": "Agent", "name": "Quiz", "mbox": "mailto:quiz@example.com"}'""",
)
@grant_options("key")
@click.pass_obj
def create_credential(
    obj: Cli, name: str, scopes: tuple[str, ...], authority: dict[str, Any] | None,
    tenant: str | None, as_json: bool,
) -> None:
    """Create a credential and print its key and secret.

    The secret is shown this once: only an HMAC of it is stored.
    """
    from lrs import admin

    issued = admin.create_credential(obj.runtime(), actor=cli_actor(), name=name,
                                     scopes=list(scopes), authority=authority,
                                     tenant_id=obj.tenant_id(tenant), source=cli_source())
    settings = obj.settings()
    if as_json:
        click.echo(json.dumps({"key": issued.key, "secret": issued.secret, "name": issued.name,
                               "scopes": issued.scopes, "authority": issued.authority,
                               "tenant": tenant or "default"}))
        return
    url = "http://" + settings.bind.replace("0.0.0.0:", "127.0.0.1:") + "/xapi"
    click.echo(
        f"Created credential {name!r} with scope(s) {', '.join(scopes)}.\n\n"
        f"  key:    {issued.key}\n  secret: {issued.secret}\n\n"
        "The secret is shown only this once: store it now.\nTry it:\n  "
        + CURL_EXAMPLE.format(key=issued.key, secret=issued.secret, url=url)
    )


@credentials.command(
    "list", epilog="Examples:\n\n\b\n  lrs credentials list\n  lrs credentials list --tenant acme"
)
@tenant_option("Only this store's credentials [default: every store's].")
@click.pass_obj
def list_credentials(obj: Cli, tenant: str | None) -> None:
    """Show every credential (never their secrets) with the store it belongs to."""
    from lrs.store import credentials as store

    echo_grants(obj, tenant, store.list_credentials, key_title="KEY",
                none_yet="No credentials. Create one with: lrs credentials create --name N "
                         "--scope all")


@credentials.command("revoke", epilog="Example:\n\n  lrs credentials revoke 3f9a0c...")
@click.argument("key")
@click.pass_obj
def revoke_credential(obj: Cli, key: str) -> None:
    """Revoke the credential KEY: its requests get 401 from now on."""
    from lrs import admin

    admin.revoke_credential(obj.runtime(), actor=cli_actor(), key=key, source=cli_source())
    click.echo(f"Revoked {key}.")


cli.add_command(statements)
cli.add_command(oauth)
cli.add_command(users)
for group in (tenants, people, scopes, metrics, connectors, config):
    cli.add_command(group)
add_plugin_commands(cli)


def main() -> None:
    cli(prog_name="lrs")


if __name__ == "__main__":
    main()
