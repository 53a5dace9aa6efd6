"""``lrs people erase``: a person's right to erasure (GDPR Art. 17), from the command line.

The erasure itself is :func:`lrs.services.admin.erase_person`, which the web UI's
erasure page calls too; this module asks, confirms and prints.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from lrs.cli.context import cli_actor, cli_source, echo_table, tenant_option
from lrs.cli.params import AGENT
from lrs.store.erasure import count_titles

if TYPE_CHECKING:
    from lrs.cli.context import Cli

@click.group()
def people() -> None:
    """People (xAPI Agents): erase one person's data from a store (docs/erasure.md)."""


@people.command(
    "erase",
    epilog="""\b
Examples:
  lrs people erase --agent '{"mbox": "mailto:ada@example.com"}' --dry-run
  lrs people erase --agent '{"mbox": "mailto:ada@example.com"}'
  lrs people erase --tenant acme --yes \\
      --agent '{"account": {"homePage": "https://lms.example.com", "name": "u42"}}'""",
)
@click.option("--agent", type=AGENT, required=True,
              help="The person, as an xAPI Agent with one identifier (JSON).")
@tenant_option("Store (tenant) to erase them from [default: the default store].")
@click.option("--dry-run", is_flag=True, help="Only show what would be erased.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.pass_obj
def erase(obj: Cli, agent: dict[str, Any], tenant: str | None, dry_run: bool,
          yes: bool) -> None:
    """Erase one person: their statements, documents and the attachments only they used.

    Statements that are other people's records and merely name the person are
    kept with the person removed. The erasure is recorded (as person.erased,
    with a pseudonym, never the identifier); it cannot be undone.
    """
    from lrs.services import admin

    runtime, tenant_id = obj.runtime(), obj.tenant_id(tenant)
    store = tenant or "default"
    erase_in = dict(actor=cli_actor(), agent=agent, tenant_id=tenant_id, source=cli_source())
    if dry_run or not yes:
        counts = admin.erase_person(runtime, dry_run=True, **erase_in)
        click.echo(f"Would erase from store {store!r}:")
        _echo_counts(counts)
        if dry_run:
            return
        click.confirm("Erase this person permanently? This cannot be undone", abort=True)
    counts = admin.erase_person(runtime, **erase_in)
    click.echo(f"Erased from store {store!r}:")
    _echo_counts(counts)


def _echo_counts(counts: dict[str, int]) -> None:
    echo_table(("WHAT", "COUNT"), [(title, counts[key]) for key, title in count_titles(counts)])
