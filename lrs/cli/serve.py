"""``lrs serve``: the LRS under gunicorn, as production runs it."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any

import click

from lrs.cli.context import Cli
from lrs.settings import Settings

if TYPE_CHECKING:
    from flask import Flask


@click.command(
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
    "--workers",
    type=click.IntRange(1),
    help="Worker processes [default: 1 on SQLite, one per CPU].",
)
@click.option(
    "--threads",
    type=click.IntRange(1),
    help="Threads per worker [default: 8 on SQLite, 16 on PostgreSQL].",
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
    from lrs.process.gunicorn import WeftServer, log_listeners

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
