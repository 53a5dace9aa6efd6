"""``lrs connectors``: connector types, and the instances administrators configure and run."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import click

from lrs.cli.context import echo_records, tenant_option
from lrs.models.types import iso_time
from lrs.plugin.request import cli_actor, cli_source

if TYPE_CHECKING:
    from lrs.cli.context import Cli
    from lrs.services.connectors import InstanceView, RunView

_TENANT_HELP = "Store (tenant) of the connector [default: the default store]."
_SETTING = """\b
Configuration: --set FIELD=VALUE for each field (text fields take VALUE as it is;
others read it as JSON: --set page_size=500, --set 'verbs=["..."]'), or --config
FILE with a JSON object. Secret fields (passwords,
tokens) are better given with --secret FIELD, which asks for the value without
echoing it or keeping it in your shell history. Fields are listed by
'lrs connectors types'."""


@click.group()
def connectors() -> None:
    """Connectors to LMSs, HRIS, virtual classrooms and other LRSs, run on a schedule.

    A plugin offers connector types; you create instances of them (a name, a
    configuration, a schedule). 'lrs worker' runs each instance when it is due.
    """


@connectors.command("types", epilog="Example:\n\n  lrs connectors types")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
@click.pass_obj
def connector_types(obj: Cli, as_json: bool) -> None:
    """Show the connector types installed plugins offer (required fields marked *)."""
    echo_records([{"name": t.name, "from": t.origin, "config": t.config_fields(),
                   "description": t.description} for t in obj.runtime().connector_types],
                 ("name", "from", "config", "description"), as_json=as_json,
                 empty="No connector types: install a plugin that registers some.")


def _config_options(command: Any) -> Any:
    for option in reversed((
        click.option("--set", "settings", multiple=True, metavar="FIELD=VALUE",
                     help="A configuration field; repeat for several."),
        click.option("--config", "config_file", type=click.File("r"),
                     help="A JSON file holding the configuration object."),
        click.option("--secret", "secrets", multiple=True, metavar="FIELD",
                     help="A secret field whose value you are asked for (not echoed)."),
    )):
        command = option(command)
    return command


def _config(config_file: Any) -> dict[str, Any]:
    """The ``--config`` file's object (empty without one)."""
    if config_file is None:
        return {}
    try:
        loaded = json.load(config_file)
    except ValueError as exc:
        raise click.BadParameter(f"not JSON: {exc}", param_hint="--config") from None
    if not isinstance(loaded, dict):
        raise click.BadParameter("give a JSON object", param_hint="--config")
    return loaded


def _texts(settings: tuple[str, ...], secrets: tuple[str, ...]) -> dict[str, str]:
    """``--set FIELD=VALUE`` pairs, and the ``--secret`` fields asked for."""
    texts: dict[str, str] = {}
    for setting in settings:
        field, sep, value = setting.partition("=")
        if not sep or not field:
            raise click.BadParameter(f"{setting!r} is not FIELD=VALUE", param_hint="--set")
        texts[field] = value
    for field in secrets:
        texts[field] = click.prompt(field, hide_input=True, err=True)
    return texts


@connectors.command("create", epilog="""\b
Examples:
  lrs connectors create moodle-main --type moodle --set base_url=https://moodle.example.com \\
      --secret token --schedule "every 1h"
  lrs connectors create nightly-hr --type hris --config hris.json --schedule "0 2 * * *"
""" + _SETTING + """

\b
Schedules: 'every <number><s|m|h|d>' or a five-field cron expression in UTC.""")
@click.argument("name")
@click.option("--type", "type_name", required=True,
              help="Its connector type (lrs connectors types).")
@_config_options
@click.option("--schedule", default="every 1h", show_default=True,
              help="When it runs: 'every 15m' or a cron expression (UTC).")
@click.option("--disabled", is_flag=True, help="Create it disabled (enable it later).")
@tenant_option(_TENANT_HELP)
@click.pass_obj
def create(obj: Cli, name: str, type_name: str, settings: tuple[str, ...], config_file: Any,
           secrets: tuple[str, ...], schedule: str, disabled: bool, tenant: str | None) -> None:
    """Create the connector NAME: validated, secrets encrypted, due at once."""
    from lrs.services.connectors import create_connector

    runtime = obj.runtime()
    view = create_connector(runtime, runtime.connector_types, tenant_id=obj.tenant_id(tenant),
                            name=name, type_name=type_name, config=_config(config_file),
                            texts=_texts(settings, secrets), schedule=schedule,
                            enabled=not disabled, actor=cli_actor(), source=cli_source())
    click.echo(f"Created connector {view.name!r} ({view.type}, {view.schedule}, {view.state}).")


@connectors.command("update", epilog="""\b
Examples:
  lrs connectors update moodle-main --secret token          # a new token
  lrs connectors update moodle-main --schedule "every 30m" --set page_size=200
""" + _SETTING)
@click.argument("name")
@_config_options
@click.option("--unset", multiple=True, metavar="FIELD", help="Remove an optional field.")
@click.option("--schedule", help="A new schedule.")
@tenant_option(_TENANT_HELP)
@click.pass_obj
def update(obj: Cli, name: str, settings: tuple[str, ...], config_file: Any,
           secrets: tuple[str, ...], unset: tuple[str, ...], schedule: str | None,
           tenant: str | None) -> None:
    """Change fields or the schedule of NAME; secrets not named keep their value."""
    from lrs.services.connectors import update_connector

    runtime = obj.runtime()
    view = update_connector(runtime, runtime.connector_types, tenant_id=obj.tenant_id(tenant),
                            name=name, changes=_config(config_file),
                            texts=_texts(settings, secrets),
                            unset=unset, schedule=schedule, actor=cli_actor(),
                            source=cli_source())
    click.echo(f"Updated connector {view.name!r}.")


@connectors.command("list", epilog="Example:\n\n  lrs connectors list --tenant acme")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
@tenant_option("Store (tenant) whose connectors to list [default: the default store].")
@click.pass_obj
def list_connectors(obj: Cli, as_json: bool, tenant: str | None) -> None:
    """Show the store's connectors: type, schedule, state and next run."""
    from lrs.services.connectors import list_connectors as listed

    echo_records([_summary(view) for view in listed(obj.runtime(), obj.tenant_id(tenant))],
                 ("name", "type", "schedule", "state", "failures", "next_run"),
                 as_json=as_json, empty="No connectors: create one with lrs connectors create.")


@connectors.command("show", epilog="Example:\n\n  lrs connectors show moodle-main")
@click.argument("name")
@tenant_option(_TENANT_HELP)
@click.pass_obj
def show(obj: Cli, name: str, tenant: str | None) -> None:
    """Show NAME's configuration (secrets by name only), state and cursor as JSON."""
    from lrs.services.connectors import connector_named

    view = connector_named(obj.runtime(), obj.tenant_id(tenant), name)
    click.echo(json.dumps({**_summary(view), "config": view.config,
                           "secrets_set": list(view.secrets_set), "cursor": view.cursor},
                          indent=2))


@connectors.command("run", epilog="""\b
Examples:
  lrs connectors run moodle-main
  lrs connectors run moodle-main --until-done     # catch up a whole backlog""")
@click.argument("name")
@click.option("--until-done", is_flag=True,
              help="Run again while the connector reports more work.")
@tenant_option(_TENANT_HELP)
@click.pass_obj
def run(obj: Cli, name: str, until_done: bool, tenant: str | None) -> None:
    """Run NAME now, in this process, whatever its schedule; print what it did.

    Fails if a worker is running it at this moment. Exits with status 1 when the
    run failed.
    """
    runtime = obj.runtime()
    tenant_id = obj.tenant_id(tenant)
    while True:
        click.echo(f"Running connector {name!r}...", err=True)
        report = runtime.connectors.run_instance(tenant_id, name)
        done = report.run
        click.echo(f"{done.status}: fetched {done.fetched}, stored {done.stored}, skipped "
                   f"{done.skipped}, sent {done.sent} in {done.duration_ms} ms")
        for message in done.messages:
            click.echo(f"  {message}")
        if done.status != "succeeded":
            raise click.ClickException(done.error or done.status)
        if not (until_done and report.more):
            return


@connectors.command("runs", epilog="Example:\n\n  lrs connectors runs moodle-main --limit 50")
@click.argument("name")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 1000))
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
@tenant_option(_TENANT_HELP)
@click.pass_obj
def runs(obj: Cli, name: str, limit: int, as_json: bool, tenant: str | None) -> None:
    """Show NAME's latest runs, newest first: records in and out, errors, duration."""
    from lrs.services.connectors import connector_runs

    echo_records([_run_record(r) for r in connector_runs(obj.runtime(), obj.tenant_id(tenant),
                                                         name, limit)],
                 ("started", "trigger", "status", "fetched", "stored", "skipped", "sent",
                  "duration_ms", "error"), as_json=as_json, empty=f"{name!r} has not run yet.")


def _state_command(action: str, help_text: str) -> None:
    @connectors.command(action, help=help_text,
                        epilog=f"Example:\n\n  lrs connectors {action} moodle-main")
    @click.argument("name")
    @tenant_option(_TENANT_HELP)
    @click.pass_obj
    def command(obj: Cli, name: str, tenant: str | None) -> None:
        from lrs.services.connectors import set_state

        view = set_state(obj.runtime(), tenant_id=obj.tenant_id(tenant), name=name,
                         action=action, actor=cli_actor(), source=cli_source())
        click.echo(f"Connector {view.name!r} is {view.state}.")


_state_command("enable", "Enable NAME: it runs on its schedule again, first at once.")
_state_command("disable", "Disable NAME: workers no longer run it (its cursor is kept).")
_state_command("resume", "Resume NAME after it was paused by repeated failures.")


@connectors.command("delete", epilog="Example:\n\n  lrs connectors delete moodle-main --yes")
@click.argument("name")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@tenant_option(_TENANT_HELP)
@click.pass_obj
def delete(obj: Cli, name: str, yes: bool, tenant: str | None) -> None:
    """Delete NAME, its secrets, cursor and run history."""
    from lrs.services.connectors import delete_connector

    if not yes:
        click.confirm(f"Delete connector {name!r} and its run history?", abort=True)
    delete_connector(obj.runtime(), tenant_id=obj.tenant_id(tenant), name=name,
                     actor=cli_actor(), source=cli_source())
    click.echo(f"Deleted connector {name!r}.")


def _summary(view: InstanceView) -> dict[str, Any]:
    return {"name": view.name, "type": view.type, "schedule": view.schedule,
            "state": view.state, "failures": view.failures,
            "next_run": iso_time(view.next_run_us) if view.state == "enabled" else ""}


def _run_record(run: RunView) -> dict[str, Any]:
    return {"started": iso_time(run.started_us), "trigger": run.trigger, "status": run.status,
            "fetched": run.fetched, "stored": run.stored, "skipped": run.skipped,
            "sent": run.sent, "duration_ms": run.duration_ms or "",
            "error": run.error or "", "messages": list(run.messages)}
