"""``lrs worker``, ``lrs outbox`` and ``lrs plugins``: running and inspecting plugins.

:func:`add_plugin_commands` adds these to the ``lrs`` group, then lets every
installed plugin add its own (``register_commands``).
"""

from __future__ import annotations

import getpass
import json
import os
import signal
import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import click

from lrs.hooks import register_commands
from lrs.plugin_manager import build_plugin_manager

if TYPE_CHECKING:
    from lrs.cli import Cli
    from lrs.runtime import Runtime


def add_plugin_commands(cli: click.Group, environ: Mapping[str, str] | None = None) -> None:
    """Add the plugin commands and every plugin's own commands to ``cli``.

    Only ``LRS_DISABLED_PLUGINS`` is read here, straight from the environment:
    building the full settings would create the development secret key as a
    side effect of ``lrs --help``.
    """
    environ = os.environ if environ is None else environ
    for command in (worker, outbox, plugins):
        cli.add_command(command)
    register_commands(build_plugin_manager(environ.get("LRS_DISABLED_PLUGINS", "")), cli)


def _runtime(obj: Cli) -> Runtime:
    """The application's runtime, without the inline outbox thread (we are the worker)."""
    from lrs.app import create_app

    runtime: Runtime = create_app(obj.settings(outbox_inline=False)).extensions["lrs"]
    obj.ctx.call_on_close(runtime.db.engine.dispose)
    return runtime


@click.command(
    epilog="""\b
Examples:
  LRS_OUTBOX_INLINE=false lrs serve &  lrs worker     # production: delivery out of the web workers
  lrs worker --once                                 # deliver what is due now, then exit (cron)"""
)
@click.option("--once", is_flag=True, help="Deliver what is due, then exit.")
@click.pass_obj
def worker(obj: Cli, once: bool) -> None:
    """Deliver post-commit events (statements stored, documents changed...) to plugins.

    Run one or more next to the server when LRS_OUTBOX_INLINE is false; several
    workers share the work safely. Stops cleanly on SIGTERM or Ctrl+C.
    """
    runtime = _runtime(obj)
    stopping = threading.Event()
    if not once:
        signal.signal(signal.SIGTERM, lambda *_: stopping.set())
        click.echo("Delivering events to plugins (Ctrl+C to stop).")
    delivered = 0
    try:
        while not stopping.is_set():
            claimed = runtime.outbox.process_pending()
            delivered += claimed
            if not claimed:
                if once:
                    break
                stopping.wait(runtime.settings.outbox_poll_seconds)
    except KeyboardInterrupt:
        pass
    click.echo(f"Processed {delivered} event(s).")


@click.group()
def outbox() -> None:
    """Events owed to plugins: dead letters and their replay."""


@outbox.command("list", epilog="Example:\n\n  lrs outbox list")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@click.pass_obj
def list_dead_letters(obj: Cli, as_json: bool) -> None:
    """Show deliveries that failed every attempt (dead letters)."""
    dead = _runtime(obj).outbox.dead_letters()
    rows = [{"event": d.event_id, "plugin": d.plugin, "attempts": d.attempts,
             "error": d.last_error or ""} for d in dead]
    if as_json:
        for row in rows:
            click.echo(json.dumps(row))
        return
    if not rows:
        click.echo("No dead letters.")
        return
    _table(("EVENT", "PLUGIN", "ATTEMPTS", "ERROR"), [tuple(r.values()) for r in rows])


@outbox.command(
    "replay",
    epilog="""\b
Examples:
  lrs outbox replay                    # every dead letter
  lrs outbox replay --plugin compliance""",
)
@click.option("--plugin", help="Only this plugin's dead letters.")
@click.pass_obj
def replay(obj: Cli, plugin: str | None) -> None:
    """Deliver dead letters again, with a fresh count of attempts."""
    count = _runtime(obj).outbox.replay(plugin=plugin, actor=f"cli:{getpass.getuser()}")
    click.echo(f"Queued {count} dead letter(s) for delivery.")


@click.group()
def plugins() -> None:
    """Installed plugins."""


@plugins.command("list", epilog="Example:\n\n  lrs plugins list")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
@click.pass_obj
def list_plugins(obj: Cli, as_json: bool) -> None:
    """Show the loaded plugins (LRS_DISABLED_PLUGINS left out) and their hooks."""
    found = build_plugin_manager(obj.settings().disabled_plugins).list_plugins()
    if as_json:
        click.echo(json.dumps([{"name": p.name, "distribution": p.distribution,
                                "hooks": list(p.hooks)} for p in found]))
        return
    if not found:
        click.echo("No plugins installed.")
        return
    _table(("NAME", "DISTRIBUTION", "HOOKS"),
           [(p.name, p.distribution or "", ", ".join(p.hooks)) for p in found])


def _table(header: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        click.echo("  ".join(str(v).ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())
