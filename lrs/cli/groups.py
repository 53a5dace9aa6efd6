"""``lrs people groups``: groups and cohorts of a store's people (:mod:`lrs.services.groups`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from lrs.cli.context import echo_records, tenant_option
from lrs.plugin.request import cli_actor, cli_source

if TYPE_CHECKING:
    from lrs.cli.context import Cli


@click.group()
def groups() -> None:
    """Groups and cohorts: named sets of people, listed or matched by a rule."""


@groups.command("create", epilog="""\b
Examples:
  lrs people groups create "Safety wardens"
  lrs people groups create "Sales 2026" --rule "department = Sales AND hire_date >= 2026-01-01"

\b
A rule is clauses `field operator value` joined by AND and OR (AND binds tighter);
fields are employee_id, display_name, email, department, manager, location,
job_title, hire_date, active or a custom attribute; operators =, !=, <, <=, >, >=;
values are words or "quoted strings".""")
@click.argument("name")
@click.option("--rule", help="Members are everyone the directory matches [default: a static "
                             "group, whose members you add].")
@tenant_option("Store (tenant) of the group [default: the default store].")
@click.pass_obj
def create(obj: Cli, name: str, rule: str | None, tenant: str | None) -> None:
    """Create the group NAME."""
    from lrs.services.groups import create_group

    create_group(obj.runtime(), actor=cli_actor(), name=name, rule=rule,
                 tenant_id=obj.tenant_id(tenant), source=cli_source())
    click.echo(f"Created {'rule' if rule else 'static'} group {name!r}.")


@groups.command("add", epilog="Example:\n\n  lrs people groups add \"Safety wardens\" E1 E7 E42")
@click.argument("name")
@click.argument("employee_ids", nargs=-1, required=True)
@tenant_option("Store (tenant) of the group [default: the default store].")
@click.pass_obj
def add(obj: Cli, name: str, employee_ids: tuple[str, ...], tenant: str | None) -> None:
    """Add people, by employee id, to the static group NAME."""
    from lrs.services.groups import add_members

    added = add_members(obj.runtime(), actor=cli_actor(), name=name,
                        employee_ids=list(employee_ids), tenant_id=obj.tenant_id(tenant),
                        source=cli_source())
    click.echo(f"Added {added} person(s) to {name!r} "
               f"({len(employee_ids) - added} already in it).")


@groups.command("list")
@tenant_option("Store (tenant) to list [default: the default store].")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.pass_obj
def list_groups(obj: Cli, tenant: str | None, as_json: bool) -> None:
    """Show the groups of a store (static ones with their member count)."""
    from lrs.services.groups import list_groups as groups_of

    echo_records(groups_of(obj.runtime(), tenant_id=obj.tenant_id(tenant)),
                 ["name", "kind", "members", "rule"], as_json=as_json,
                 empty="No groups yet. Create one with: lrs people groups create NAME")


@groups.command("members")
@click.argument("name")
@tenant_option("Store (tenant) of the group [default: the default store].")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.pass_obj
def members(obj: Cli, name: str, tenant: str | None, as_json: bool) -> None:
    """Show who is in the group NAME now (a rule group is evaluated on the directory), with
    their role in it (a roster's enrollment role)."""
    from lrs.services.directory import group_details

    runtime, tenant_id = obj.runtime(), obj.tenant_id(tenant)
    people: list[dict[str, Any]] = []
    after: str | None = ""
    while after is not None:
        page = group_details(runtime, tenant_id=tenant_id, name=name, after=after, limit=1000)
        people += page["members"]
        after = page["next_after"]
    echo_records([{"employee_id": p["employee_id"], "name": p["name"],
                   "department": p["department"], "role": p["role"] or ""} for p in people],
                 ["employee_id", "name", "department", "role"], as_json=as_json,
                 empty=f"Nobody is in {name!r}.")
