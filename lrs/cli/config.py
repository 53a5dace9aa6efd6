"""``lrs config``: the configuration in force and its recorded changes
(:mod:`lrs.services.configuration`).

Both read through the same masking as the record itself (:mod:`lrs.masking`):
secrets only ever appear as ``*** (set, fingerprint ...)``.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import click

from lrs.cli.context import echo_records, echo_table
from lrs.models.types import iso_time

if TYPE_CHECKING:
    from lrs.cli.context import Cli


@click.group()
def config() -> None:
    """The configuration in force and the changes recorded in the audit trail."""


@config.command("show", epilog="""\b
Examples:
  lrs config show
  lrs config show --json | jq '.configuration'""")
@click.option("--json", "as_json", is_flag=True,
              help='Print {"configuration": {...}, "per_process": {...}} as JSON.')
@click.pass_obj
def show(obj: Cli, as_json: bool) -> None:
    """Show every setting, plugin variable and plugin in force, secrets masked.

    Settings marked "no" in RECORDED belong to one process (its database URL,
    log format, listening address...) and are not recorded when they change.
    This command's own environment is shown; only servers record the
    deployment's, and a note names the recorded values this one differs from.
    """
    from lrs.services.configuration import differing_from_record, shown_configuration

    runtime = obj.runtime()
    items = shown_configuration(runtime)
    if as_json:
        click.echo(json.dumps({
            "configuration": {i.name: i.value for i in items if i.recorded},
            "per_process": {i.name: i.value for i in items if not i.recorded},
        }))
    else:
        echo_table(("NAME", "VALUE", "RECORDED"),
                   [(i.name, _text(i.value), "yes" if i.recorded else "no") for i in items])
    differing = differing_from_record(runtime)
    if differing:
        click.echo(f"Note: the server recorded other values for {', '.join(differing)}; "
                   "run lrs commands with the server's environment.", err=True)


@config.command("history", epilog="""\b
Examples:
  lrs config history
  lrs config history --json""")
@click.option("--json", "as_json", is_flag=True,
              help="Print every change with its before and after values as a JSON array.")
@click.pass_obj
def history(obj: Cli, as_json: bool) -> None:
    """Show each recorded configuration: when, from which process, which keys changed.

    The first record (configuration.recorded) holds every key and lists none as
    changed; --json shows each record's before and after values.
    """
    from lrs.services.configuration import recorded_changes

    records = []
    for change in recorded_changes(obj.runtime()):
        before, after = json.loads(change.before), json.loads(change.after)
        source = json.loads(change.source)
        records.append({
            "recorded": iso_time(change.recorded_us), "action": change.action,
            "actor": change.actor, "source": source if as_json else _where(source),
            "changed": sorted(after) if change.action.endswith("changed") else [],
            **({"before": before, "after": after} if as_json else {}),
        })
    echo_records(records, ("recorded", "action", "source", "changed"), as_json=as_json,
                 empty="No configuration recorded yet: it is recorded when the LRS starts.")


def _text(value: object) -> str:
    """A value as a table cell: booleans as the environment spells them."""
    return str(value).lower() if isinstance(value, bool) else str(value)


def _where(source: dict[str, str]) -> str:
    """``user@host pid N (process)``: the process that recorded a configuration."""
    return (f"{source.get('user', '?')}@{source.get('host', '?')} pid {source.get('pid', '?')} "
            f"({source.get('process', '?')})")
