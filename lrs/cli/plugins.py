"""``lrs worker``, ``lrs outbox`` and ``lrs plugins``: running and inspecting plugins.

:func:`add_plugin_commands` adds these to the ``lrs`` group, then lets every
installed plugin add its own (``register_commands``).
"""

from __future__ import annotations

import json
import os
import signal
import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING

import click

from lrs.cli.context import echo_table
from lrs.machinery.hooks import register_commands
from lrs.machinery.manager import PluginError, build_plugin_manager
from lrs.plugin.request import cli_actor
from lrs.process.heap import freeze_startup_objects
from lrs.process.priority import lower_cpu_priority

if TYPE_CHECKING:
    from lrs.cli.context import Cli


def add_plugin_commands(cli: click.Group, environ: Mapping[str, str] | None = None) -> None:
    """Add the plugin commands and every plugin's own commands to ``cli``.

    Only ``LRS_DISABLED_PLUGINS`` is read here, straight from the environment:
    building the full settings would create the development secret key as a
    side effect of ``lrs --help``.
    """
    environ = os.environ if environ is None else environ
    for command in (worker, outbox, plugins):
        cli.add_command(command)
    try:
        manager = build_plugin_manager(environ.get("LRS_DISABLED_PLUGINS", ""))
    except PluginError:
        # Raised here it would be a traceback before ``lrs`` even parses its
        # arguments. Every command that builds the application meets it again
        # and prints it as one line; ``lrs --help`` still works.
        return
    register_commands(manager, cli)


@click.command(
    epilog="""\b
Examples:
  LRS_OUTBOX_INLINE=false lrs serve &  lrs worker     # production: delivery out of the web workers
  lrs worker --once                                 # what is due now, then exit (cron)"""
)
@click.option("--once", is_flag=True, help="Deliver and run what is due, then exit.")
@click.pass_obj
def worker(obj: Cli, once: bool) -> None:
    """Deliver post-commit events to plugins and run due connectors.

    Events (statements stored, documents changed...) go to the plugins that
    subscribe to them; connector instances (lrs connectors list) run on their
    schedules, one run at a time per instance across every worker. Run one or
    more workers next to the server when LRS_OUTBOX_INLINE is false; several
    share the work safely. Stops cleanly on SIGTERM or Ctrl+C, letting a running
    connector reach its next checkpoint.

    Runs at a lower CPU priority than the server (LRS_WORKER_NICE, default 10)
    so that requests get shared cores first; --once runs as started.
    """
    runtime = obj.runtime(role="worker")  # plugins load what delivering needs, or stop it
    stopping = threading.Event()
    if once:
        delivered = runtime.outbox.run(stopping, once=True)
        ran = runtime.connectors.run(stopping, once=True)
    else:
        freeze_startup_objects()  # a long-lived process from here on
        nice = lower_cpu_priority(runtime.settings.worker_nice).nice
        for stop_signal in (signal.SIGTERM, signal.SIGINT):
            signal.signal(stop_signal, lambda *_: stopping.set())
        click.echo(f"Delivering events to plugins and running connectors at nice {nice} "
                   "(Ctrl+C to stop).")
        counts: list[int] = []
        connectors = threading.Thread(
            target=lambda: counts.append(runtime.connectors.run(stopping)),
            name="lrs-connectors")
        connectors.start()
        try:
            delivered = runtime.outbox.run(stopping)
        finally:
            stopping.set()
            connectors.join()
        ran = counts[0] if counts else 0
    click.echo(f"Processed {delivered} event(s); ran {ran} connector(s).")


@click.group()
def outbox() -> None:
    """Events owed to plugins: dead letters and their replay."""


@outbox.command("list", epilog="Example:\n\n  lrs outbox list")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@click.pass_obj
def list_dead_letters(obj: Cli, as_json: bool) -> None:
    """Show deliveries that failed every attempt (dead letters)."""
    dead = obj.runtime().outbox.dead_letters()
    rows = [{"event": d.event_id, "plugin": d.plugin, "attempts": d.attempts,
             "error": d.last_error or ""} for d in dead]
    if as_json:
        for row in rows:
            click.echo(json.dumps(row))
        return
    if not rows:
        click.echo("No dead letters.")
        return
    echo_table(("EVENT", "PLUGIN", "ATTEMPTS", "ERROR"), [tuple(r.values()) for r in rows])


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
    count = obj.runtime().outbox.replay(plugin=plugin, actor=cli_actor())
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
    echo_table(("NAME", "DISTRIBUTION", "HOOKS"),
               [(p.name, p.distribution or "", ", ".join(p.hooks)) for p in found])

