"""``lrs people merge / split / history``: fixing who is who in the directory."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from lrs.cli.context import echo_records, tenant_option
from lrs.models.types import iso_time
from lrs.plugin.request import cli_actor, cli_source

if TYPE_CHECKING:
    from lrs.cli.context import Cli


@click.command("merge", epilog="Example (E7 was Ada's contractor number):\n\n"
                               "  lrs people merge E1 E7")
@click.argument("keep")
@click.argument("absorb")
@tenant_option("Store (tenant) of the directory [default: the default store].")
@click.pass_obj
def merge(obj: Cli, keep: str, absorb: str, tenant: str | None) -> None:
    """Merge the person ABSORB into KEEP: one person, with both's identities and groups.

    Every statement of ABSORB's identities resolves to KEEP from now on; the
    merge is kept in `lrs people history`.
    """
    from lrs.services.identities import merge_people

    moved = merge_people(obj.runtime(), actor=cli_actor(), keep=keep, absorb=absorb,
                         tenant_id=obj.tenant_id(tenant), source=cli_source())
    click.echo(f"Merged {absorb} into {keep}: {len(moved)} identit(y/ies) moved.")


@click.command("split", epilog="""\b
Example (a shared training mailbox was listed as Ada's):
  lrs people split E1 --into E1-SHARED --display-name "Training desk" \\
      --identity mbox:mailto:training@example.com""")
@click.argument("employee_id")
@click.option("--into", required=True, help="Employee id of the new person.")
@click.option("--identity", "identities", multiple=True, required=True,
              help="An identity to move, as `lrs people list --json` shows it "
                   "(mbox:mailto:..., account:HOMEPAGE|NAME); repeatable.")
@click.option("--display-name", help="The new person's name.")
@tenant_option("Store (tenant) of the directory [default: the default store].")
@click.pass_obj
def split(obj: Cli, employee_id: str, into: str, identities: tuple[str, ...],
          display_name: str | None, tenant: str | None) -> None:
    """Move identities of EMPLOYEE_ID to a new person, kept in `lrs people history`."""
    from lrs.services.identities import split_person

    split_person(obj.runtime(), actor=cli_actor(), employee_id=employee_id,
                 identities=list(identities), into=into, display_name=display_name,
                 tenant_id=obj.tenant_id(tenant), source=cli_source())
    click.echo(f"Moved {len(identities)} identit(y/ies) of {employee_id} to {into}.")


@click.command("history")
@click.argument("employee_id", required=False)
@tenant_option("Store (tenant) of the directory [default: the default store].")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.pass_obj
def history(obj: Cli, employee_id: str | None, tenant: str | None, as_json: bool) -> None:
    """Show the merges and splits of the directory (only EMPLOYEE_ID's, if given)."""
    from lrs.services.identities import identity_history

    changes = identity_history(obj.runtime(), tenant_id=obj.tenant_id(tenant),
                               employee_id=employee_id)
    if not as_json:
        changes = [{**change, "recorded": iso_time(change["recorded_us"])}
                   for change in changes]
    echo_records(changes, ["recorded", "action", "person", "other", "identities", "actor"],
                 as_json=as_json, empty="No merges or splits yet.")
