"""``lrs tenants``: the stores one Weft serves, each with its own credentials and data.

Each creation is committed with its ``admin_action_taken`` event
(:func:`lrs.services.admin.announce_action`), like ``lrs credentials``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from lrs.cli.context import echo_table
from lrs.models.types import iso_time
from lrs.plugin.request import cli_actor, cli_source

if TYPE_CHECKING:
    from lrs.cli.context import Cli


@click.group()
def tenants() -> None:
    """Stores (tenants): isolated statements, documents and credentials (docs/tenants.md)."""


@tenants.command(
    "create",
    epilog="""\b
Examples:
  lrs tenants create acme
  lrs credentials create --tenant acme --name acme-lms --scope all""",
)
@click.argument("name")
@click.pass_obj
def create_tenant(obj: Cli, name: str) -> None:
    """Create the store NAME (1-64 letters, digits, '.', '_' or '-')."""
    from lrs.services import admin

    tenant = admin.create_tenant(obj.runtime(), actor=cli_actor(), name=name,
                                 source=cli_source())
    click.echo(f"Created store {tenant.name!r} (id {tenant.id}). Give it a credential with:\n"
               f"  lrs credentials create --tenant {tenant.name} --name NAME --scope all")


@tenants.command("list", epilog="Example:\n\n  lrs tenants list")
@click.pass_obj
def list_tenants(obj: Cli) -> None:
    """Show every store with its number of active credentials."""
    from lrs.store import tenants as store

    with obj.runtime().db.read() as session:
        rows = [(t.id, t.name, iso_time(t.created_us), t.active_credentials)
                for t in store.list_tenants(session)]
    echo_table(("ID", "NAME", "CREATED", "CREDENTIALS"), rows)
