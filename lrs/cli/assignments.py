"""``lrs assignments``: who must complete what by when (:mod:`lrs.services.assignments`)."""

from __future__ import annotations

import json
from datetime import date
from typing import TYPE_CHECKING, Any

import click

from lrs.cli.context import echo_records, tenant_option
from lrs.cli.people import MAX_ERRORS_SHOWN
from lrs.plugin.request import cli_actor, cli_source

if TYPE_CHECKING:
    from lrs.cli.context import Cli


@click.group()
def assignments() -> None:
    """Assignments: a person or group must complete an activity or program by a date."""


def _json_option(command: Any) -> Any:
    return click.option("--json", "as_json", is_flag=True,
                        help="Print JSON instead of a table.")(command)


@assignments.command("create", epilog="""\b
Examples:
  lrs assignments create --group "Sales" --activity https://example.com/courses/aml \\
      --due 2026-06-30 --every 12
  lrs assignments create --person E42 --program Onboarding --due 2026-03-31 \\
      --activity https://example.com/courses/security \\
      --activity https://example.com/sessions/fire-drill""")
@click.option("--person", metavar="EMPLOYEE_ID", help="The person, by employee id.")
@click.option("--group", metavar="NAME", help="A people group (lrs people groups list).")
@click.option("--activity", "activities", multiple=True, required=True, metavar="IRI",
              help="Activity to complete; repeat for a program (all are required).")
@click.option("--program", metavar="NAME", help="Name of the program the activities form.")
@click.option("--due", required=True, metavar="YYYY-MM-DD", help="The (first) due date.")
@click.option("--every", "every_months", type=int, metavar="MONTHS",
              help="Due again every MONTHS months after each due date [default: once].")
@click.option("--due-soon", "due_soon_days", type=int, metavar="DAYS",
              help="Days before the due date from which it is due soon [default: the "
                   "report's, 14].")
@tenant_option("Store (tenant) of the assignment [default: the default store].")
@click.option("--json", "as_json", is_flag=True, help="Print it as one JSON object.")
@click.pass_obj
def create(obj: Cli, person: str | None, group: str | None, activities: tuple[str, ...],
           program: str | None, due: str, every_months: int | None,
           due_soon_days: int | None, tenant: str | None, as_json: bool) -> None:
    """Assign an activity or a program to a person or a group."""
    from lrs.services.assignments import create_assignment, parse_assignment

    spec = {"person": person, "group": group, "program": program, "due": due,
            "every_months": every_months, "due_soon_days": due_soon_days,
            **({"activity": activities[0]} if len(activities) == 1
               else {"activities": list(activities)})}
    created = create_assignment(obj.runtime(), parse_assignment(spec), actor=cli_actor(),
                                tenant_id=obj.tenant_id(tenant), source=cli_source())
    if as_json:
        click.echo(json.dumps(created.as_dict()))
    else:
        click.echo(f"Created assignment {created.id}.")


@assignments.command("list", epilog="Examples:\n\n\b\n  lrs assignments list\n"
                                    "  lrs assignments list --json --tenant acme")
@tenant_option("Store (tenant) to list [default: the default store].")
@_json_option
@click.pass_obj
def list_assignments(obj: Cli, tenant: str | None, as_json: bool) -> None:
    """Show the assignments of a store."""
    from lrs.services.assignments import list_assignments as assignments_of

    records = [{**a.as_dict(), "to": f"{a.target_kind} {a.target}",
                "what": a.program or a.activities[0], "every": a.recurrence_months or ""}
               for a in assignments_of(obj.runtime(), tenant_id=obj.tenant_id(tenant))]
    if as_json:
        records = [{k: v for k, v in r.items() if k not in ("to", "what", "every")}
                   for r in records]
    echo_records(records, ["id", "to", "what", "due", "every"], as_json=as_json,
                 empty="No assignments yet. Create one with: lrs assignments create")


@assignments.command("delete", epilog="Example:\n\n  lrs assignments delete 7")
@click.argument("assignment_id", type=int)
@tenant_option("Store (tenant) of the assignment [default: the default store].")
@click.pass_obj
def delete(obj: Cli, assignment_id: int, tenant: str | None) -> None:
    """Delete the assignment ASSIGNMENT_ID (lrs assignments list shows ids)."""
    from lrs.services.assignments import delete_assignment

    delete_assignment(obj.runtime(), assignment_id, actor=cli_actor(),
                      tenant_id=obj.tenant_id(tenant), source=cli_source())
    click.echo(f"Deleted assignment {assignment_id}.")


@assignments.command("import", epilog="""\b
Examples:
  lrs assignments import training-plan.csv --dry-run
  lrs assignments import training-plan.csv --tenant acme

\b
Columns (header row first):
  person (employee id) or group (group name), one per row;
  activity (an IRI) or activities (IRIs separated by ;, all required);
  program (optional name); due (YYYY-MM-DD);
  every_months (optional); due_soon_days (optional).""")
@click.argument("file", type=click.File("r", encoding="utf-8-sig"))
@tenant_option("Store (tenant) to import into [default: the default store].")
@click.option("--dry-run", is_flag=True, help="Check the file and count, change nothing.")
@click.pass_obj
def import_assignments(obj: Cli, file: Any, tenant: str | None, dry_run: bool) -> None:
    """Create assignments from a CSV file, all or nothing.

    Every row is checked first (each error names its line and column); rows an
    existing assignment already states are skipped, so importing the same file
    again changes nothing.
    """
    from lrs.services import assignments as service

    rows, errors = service.parse_assignments_csv(file.read())
    if errors:
        for error in errors[:MAX_ERRORS_SHOWN]:
            click.echo(f"{file.name}: {error}", err=True)
        if len(errors) > MAX_ERRORS_SHOWN:
            click.echo(f"... and {len(errors) - MAX_ERRORS_SHOWN} more", err=True)
        raise click.ClickException(f"{len(errors)} error(s): nothing imported")
    counts = service.import_assignments(obj.runtime(), rows, actor=cli_actor(),
                                        tenant_id=obj.tenant_id(tenant), dry_run=dry_run,
                                        source=cli_source())
    verb = "Would create" if dry_run else "Created"
    click.echo(f"{verb} {counts.created} assignment(s); {counts.unchanged} already there.")


@assignments.command("status", epilog="""\b
Examples:
  lrs assignments status
  lrs assignments status --as-of 2026-06-30 --assignment 7 --json""")
@click.option("--as-of", metavar="YYYY-MM-DD", help="Judge as of this day [default: today].")
@click.option("--assignment", "ids", type=int, multiple=True, metavar="ID",
              help="Only this assignment; repeat for several [default: all].")
@tenant_option("Store (tenant) to report on [default: the default store].")
@_json_option
@click.pass_obj
def status(obj: Cli, as_of: str | None, ids: tuple[int, ...], tenant: str | None,
           as_json: bool) -> None:
    """Each assigned person's status: not started, in progress, compliant, due soon,
    overdue, with the statement ids as evidence."""
    from lrs.services.assignment_status import assignment_statuses

    try:
        day = date.fromisoformat(as_of) if as_of else None
    except ValueError:
        raise click.BadParameter("must be a date YYYY-MM-DD", param_hint="--as-of") from None
    found = assignment_statuses(obj.runtime(), tenant_id=obj.tenant_id(tenant), as_of=day,
                                ids=ids or None)
    records = [status.as_dict() for status in found]
    for record in records:
        if not as_json:
            record["evidence"] = [e["statement"] for e in record["evidence"]]
    echo_records(records, ["assignment", "employee_id", "status", "due", "evidence"],
                 as_json=as_json, empty="Nobody is assigned anything.")
