"""``lrs people``: the people directory (import, OneRoster import, list) and erasure.

The work is done by :mod:`lrs.services.people` and
:func:`lrs.services.admin.erase_person` (which the web UI's erasure page calls
too); this module reads files, asks, confirms and prints.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from lrs.cli.context import echo_records, echo_table, progress_bar, tenant_option
from lrs.cli.groups import groups
from lrs.cli.identities import history, merge, split
from lrs.cli.params import AGENT
from lrs.plugin.request import cli_actor, cli_source
from lrs.services.oneroster import KEYS
from lrs.store.erasure import count_titles

if TYPE_CHECKING:
    from lrs.cli.context import Cli
    from lrs.services.csv_rows import RowError
    from lrs.store.people import UpsertCounts

@click.group()
def people() -> None:
    """People: the directory of learners (docs/people.md) and erasure (docs/erasure.md)."""


#: Errors printed before "... and N more" (a file with a wrong column errs on every row).
MAX_ERRORS_SHOWN = 20


@people.command(
    "import",
    epilog="""\b
Examples:
  lrs people import staff.csv --dry-run
  lrs people import staff.csv --tenant acme

\b
Columns (header row first; only employee_id is required):
  employee_id, display_name, email, aliases (emails, ;-separated),
  accounts (LMS accounts as homePage|name, ;-separated), department,
  manager (the manager's employee_id), location, job_title,
  hire_date (YYYY-MM-DD), active (true/false); any other column is kept
  as a custom attribute.""",
)
@click.argument("file", type=click.File("r", encoding="utf-8-sig"))
@tenant_option("Store (tenant) whose directory to fill [default: the default store].")
@click.option("--dry-run", is_flag=True, help="Check the file and count, change nothing.")
@click.pass_obj
def import_people(obj: Cli, file: Any, tenant: str | None, dry_run: bool) -> None:
    """Create or update people from a CSV file, matched on employee_id.

    The whole file is checked first: any row in error and nothing is imported
    (each error names its line and column). Importing the same file again
    changes nothing.
    """
    from lrs.services import people as directory

    records, errors = directory.parse_people_csv(file.read())
    _refuse_errors(errors, file.name)
    runtime, tenant_id = obj.runtime(), obj.tenant_id(tenant)
    with progress_bar(None, len(records), "Importing people") as bar:
        counts = directory.import_people(runtime, records, actor=cli_actor(),
                                         tenant_id=tenant_id, dry_run=dry_run,
                                         source=cli_source(), progress=bar.update)
    click.echo(_imported(counts, len(records), tenant, dry_run))


@people.command(
    "import-oneroster",
    epilog="""\b
Examples:
  lrs people import-oneroster roster.zip --dry-run
  lrs people import-oneroster roster/ --tenant district7 \\
      --home-page https://lms.example.edu

\b
PATH is a OneRoster 1.2 CSV roster exported in bulk: a zip, or a directory
holding manifest.csv, users.csv and, for groups, classes.csv and
enrollments.csv (orgs.csv, courses.csv, academicSessions.csv and roles.csv
are read when the manifest lists them). Users become people, classes static
groups, enrollments memberships with their role (docs/people.md).""",
)
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@tenant_option("Store (tenant) whose directory to fill [default: the default store].")
@click.option("--key", type=click.Choice(KEYS), default="sourcedId", show_default=True,
              help="The users' column that is a person's employee_id in the directory.")
@click.option("--home-page", metavar="URL",
              help="homePage of the accounts named by username (the LMS learners sign in "
                   "to); without it, usernames are kept as an attribute only.")
@click.option("--dry-run", is_flag=True, help="Check the roster and count, change nothing.")
@click.pass_obj
def import_oneroster(obj: Cli, path: Path, tenant: str | None, key: str,
                     home_page: str | None, dry_run: bool) -> None:
    """Create or update people, class groups and their members from a OneRoster roster.

    Every file is checked first: any row in error and nothing is imported (each
    error names its file, line and column). Importing the same roster again
    changes nothing; a class's members become exactly those it enrolls.
    """
    from lrs.services import oneroster

    if home_page and not home_page.startswith(("http://", "https://")):
        raise click.BadParameter("must be an http(s) URL", param_hint="--home-page")
    files = oneroster.read_roster_files(
        path, max_file_bytes=obj.settings().max_roster_file_bytes)
    roster, errors = oneroster.parse_roster(files, key=key, home_page=home_page)
    _refuse_errors(errors, None)
    runtime, tenant_id = obj.runtime(), obj.tenant_id(tenant)
    with progress_bar(None, len(roster.people) + roster.enrollments,
                      "Importing roster") as bar:
        counts = oneroster.import_roster(runtime, roster, actor=cli_actor(),
                                         tenant_id=tenant_id, dry_run=dry_run,
                                         source=cli_source(), progress=bar.update)
    groups = counts.groups
    click.echo(_imported(counts.people, len(roster.people), tenant, dry_run))
    click.echo(f"Classes: {len(roster.classes)} ({groups.groups_created} new, "
               f"{groups.groups_renamed} renamed); enrollments: {roster.enrollments} "
               f"({groups.members_added} added, {groups.members_removed} removed, "
               f"{groups.roles_changed} with a new role).")


def _refuse_errors(errors: list[RowError], file: str | None) -> None:
    """Print the first errors (prefixed with ``file`` when they do not name theirs) and
    stop: nothing is imported from a file with an error."""
    if not errors:
        return
    for error in errors[:MAX_ERRORS_SHOWN]:
        click.echo(f"{file}: {error}" if file and not error.file else str(error), err=True)
    if len(errors) > MAX_ERRORS_SHOWN:
        click.echo(f"... and {len(errors) - MAX_ERRORS_SHOWN} more", err=True)
    raise click.ClickException(f"{len(errors)} error(s): nothing imported")


def _imported(counts: UpsertCounts, people: int, tenant: str | None, dry_run: bool) -> str:
    verb = "Would import" if dry_run else "Imported"
    return (f"{verb} {people} people into store {tenant or 'default'!r}: "
            f"{counts.created} new, {counts.updated} updated, {counts.unchanged} unchanged.")


@people.command("list", epilog="Examples:\n\n\b\n  lrs people list\n  lrs people list --json")
@tenant_option("Store (tenant) to list [default: the default store].")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.pass_obj
def list_people(obj: Cli, tenant: str | None, as_json: bool) -> None:
    """Show the people of a store's directory, with their identities."""
    from lrs.services.people import list_people as people_of
    from lrs.xapi.actors import agent_ifi_key

    records = [{"employee_id": person.id, "name": person.name or "", "department": "",
                "manager": "", **person.attributes,
                "identities": [agent_ifi_key(agent) for agent in person.agents]}
               for person in people_of(obj.runtime(), tenant_id=obj.tenant_id(tenant))]
    echo_records(records, ["employee_id", "name", "department", "manager", "active"],
                 as_json=as_json, empty="No people yet. Import some with: lrs people import FILE")


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


for command in (groups, merge, split, history):
    people.add_command(command)
