"""``lrs attendance import | sessions create|list|import | review list|resolve``."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from lrs.plugin.host import Host, current_host
from lrs.plugin.request import cli_actor, cli_source
from plugins.attendance import service
from plugins.attendance.errors import AttendanceError
from plugins.attendance.importing import import_file, resolve_review
from plugins.attendance.sessions import parse_sessions_csv
from plugins.attendance.sources import SOURCES

TENANT = click.option(
    "--tenant", metavar="NAME", help="Store (tenant), by name [default: the default store]."
)


def _host_and_tenant(tenant: str | None) -> tuple[Host, int]:
    host = current_host()
    return host, host.tenant_id(tenant)


def _fail(exc: AttendanceError) -> click.ClickException:
    for problem in exc.errors[1:]:
        click.echo(f"  {problem['path']}: {problem['message']}", err=True)
    first = f"{exc.errors[0]['path']}: {exc.errors[0]['message']}" if exc.errors else ""
    # A problem of the whole file is the message already ("zoom.json: not valid JSON").
    return click.ClickException(
        exc.message if first in exc.message else f"{exc.message} ({first})")


class _RowsBar:
    """A progress bar over the file's rows, opened once reading the file has counted them."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.bar: Any = None

    def __call__(self, done: int, total: int) -> None:
        if self.bar is None:
            self.bar = click.progressbar(length=max(total, 1), label=self.label, file=sys.stderr)
            self.bar.__enter__()
        self.bar.update(done - self.bar.pos)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)


@click.group()
def attendance() -> None:
    """Live-session attendance: planned sessions, report imports, the review queue."""


@attendance.command(
    "import",
    epilog="""\b
Examples:
  lrs attendance import zoom_participants.csv --session onboarding-0504
  lrs attendance import teams.csv --session onboarding-0504 --source teams --dry-run
  lrs attendance import signin.csv --session fire-drill --tenant acme""",
)
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--session", "key", required=True, help="The planned session's key.")
@click.option(
    "--source",
    type=click.Choice(sorted(SOURCES)),
    help="The report's platform [default: recognised from its content].",
)
@click.option("--dry-run", is_flag=True, help="Read and match, store nothing.")
@TENANT
def import_(file: Path, key: str, source: str | None, dry_run: bool, tenant: str | None) -> None:
    """Import an attendance report for a session: match, merge, record statements."""
    host, tenant_id = _host_and_tenant(tenant)
    bar = _RowsBar(f"Importing {file.name}")
    try:
        summary = import_file(
            host,
            tenant_id,
            key,
            file.read_bytes(),
            filename=file.name,
            source=source,
            dry_run=dry_run,
            actor=cli_actor(),
            event_source=cli_source(),
            progress=bar,
        )
    except AttendanceError as exc:
        raise _fail(exc) from exc
    finally:
        bar.close()
    body = summary.as_dict()
    matched = ", ".join(f"{n} by {how}" for how, n in body["matched_by"].items()) or "none"
    click.echo(
        f"{'Would import' if dry_run else 'Imported'} {body['rows']} {body['source']} "
        f"rows for {key}: {matched}; {body['to_review']} to review."
    )
    if body["other_sessions"]:
        click.echo(f"{body['other_sessions']} rows about other sessions were left out.")
    if not dry_run:
        click.echo(
            f"{body['people']} people, {body['present']} present; statements: "
            f"{body['statements_stored']} stored, {body['statements_voided']} voided, "
            f"{body['unchanged']} unchanged."
        )
        for employee_id in body["without_identity"]:
            click.echo(
                f"warning: {employee_id} has no e-mail or identity in the directory; "
                "no statement recorded",
                err=True,
            )


@attendance.group()
def sessions() -> None:
    """Planned sessions: create, list, import from CSV."""


@sessions.command(
    "create",
    epilog="""\b
Example:
  lrs attendance sessions create --key onboarding-0504 \\
      --activity https://learn.example.com/sessions/onboarding-0504 \\
      --title "Onboarding day one" --start 2026-05-04T09:00:00+02:00 \\
      --end 2026-05-04T12:00:00+02:00 --timezone Europe/Berlin --platform zoom \\
      --meeting-id "812 3456 7890" --instructor E7 --group "New hires May"
""",
)
@click.option("--key", required=True)
@click.option("--activity", "activity_id", required=True, metavar="IRI")
@click.option("--title", required=True)
@click.option("--start", required=True, help="ISO 8601 with an offset.")
@click.option("--end", required=True, help="ISO 8601 with an offset.")
@click.option(
    "--timezone",
    default="UTC",
    show_default=True,
    help="Time zone of the times downloaded reports write.",
)
@click.option("--location")
@click.option("--meeting-id")
@click.option("--platform")
@click.option("--instructor", help="An employee id or an e-mail address.")
@click.option("--person", "people", multiple=True, help="An expected person (employee id).")
@click.option("--group", "groups", multiple=True, help="An expected group (its name).")
@TENANT
def create(
    people: tuple[str, ...], groups: tuple[str, ...], tenant: str | None, **fields: Any
) -> None:
    """Create (or update) a planned session."""
    host, tenant_id = _host_and_tenant(tenant)
    data = {k: v for k, v in fields.items() if v is not None}
    data["roster"] = {"people": list(people), "groups": list(groups)}
    try:
        _, created = service.create_or_update(
            host, tenant_id, data, actor=cli_actor(), source=cli_source()
        )
    except AttendanceError as exc:
        raise _fail(exc) from exc
    click.echo(f"Session {data['key']} {'created' if created else 'updated'}.")


@sessions.command(
    "list",
    epilog="Examples:\n\n\b\n  lrs attendance sessions list\n  lrs attendance sessions list --json",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@TENANT
def list_(as_json: bool, tenant: str | None) -> None:
    """List planned sessions, earliest first."""
    host, tenant_id = _host_and_tenant(tenant)
    found = service.sessions(host, tenant_id)
    if as_json:
        click.echo(json.dumps(found, indent=2))
        return
    for s in found:
        click.echo(f"{s['key']}\t{s['start']}\t{s['end']}\t{s['title']}")


@sessions.command(
    "import",
    epilog="""\b
Example:
  lrs attendance sessions import sessions.csv

\b
Columns (header row first): key, activity_id, title, start, end (required),
timezone, location, meeting_id, platform, instructor, roster_people and
roster_groups (';'-separated).""",
)
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@TENANT
def import_sessions(file: Path, tenant: str | None) -> None:
    """Create and update planned sessions from a CSV, all or nothing."""
    host, tenant_id = _host_and_tenant(tenant)
    try:
        rows = parse_sessions_csv(file.read_text(encoding="utf-8-sig"))
        created = updated = 0
        for row in rows:
            try:
                _, new = service.create_or_update(
                    host, tenant_id, row.data, actor=cli_actor(), source=cli_source()
                )
            except AttendanceError as exc:
                exc.errors = [
                    {
                        "path": f"line {row.line}, {p['path'].removeprefix('$.')}",
                        "message": p["message"],
                    }
                    for p in exc.errors
                ]
                raise
            created += new
            updated += not new
    except AttendanceError as exc:
        raise _fail(exc) from exc
    click.echo(f"{created} sessions created, {updated} updated.")


@attendance.group()
def review() -> None:
    """The review queue: rows no rung of the matching ladder placed."""


@review.command(
    "list",
    epilog="Examples:\n\n\b\n  lrs attendance review list\n"
    "  lrs attendance review list --status all --json",
)
@click.option(
    "--status",
    type=click.Choice(["open", "resolved", "ignored", "all"]),
    default="open",
    show_default=True,
)
@click.option("--session", "key", help="Only this session's.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@TENANT
def review_list(status: str, key: str | None, as_json: bool, tenant: str | None) -> None:
    """List rows waiting for (or settled by) an admin."""
    host, tenant_id = _host_and_tenant(tenant)
    try:
        found = service.reviews(host, tenant_id, status, key)
    except AttendanceError as exc:
        raise _fail(exc) from exc
    if as_json:
        click.echo(json.dumps(found, indent=2))
        return
    for r in found:
        candidates = ",".join(r["candidates"])
        click.echo(
            f"{r['id']}\t{r['session']}\t{r['reason']}\t{r['name']}\t"
            f"{r['email'] or ''}\t{candidates}\t{r['status']}"
        )


@review.command(
    "resolve",
    epilog="""\b
Examples:
  lrs attendance review resolve 12 --person E42
  lrs attendance review resolve 13 --ignore""",
)
@click.argument("review_id", type=int)
@click.option("--person", "employee_id", help="The person the rows are (employee id).")
@click.option("--ignore", is_flag=True, help="The rows are no one to record (a room device).")
@TENANT
def review_resolve(
    review_id: int, employee_id: str | None, ignore: bool, tenant: str | None
) -> None:
    """Settle a review once; the decision applies to later imports too."""
    if (employee_id is None) == (not ignore):
        raise click.UsageError("give --person EMPLOYEE_ID or --ignore")
    host, tenant_id = _host_and_tenant(tenant)
    try:
        keys = resolve_review(
            host,
            tenant_id,
            review_id,
            employee_id=employee_id,
            actor=cli_actor(),
            event_source=cli_source(),
        )
    except AttendanceError as exc:
        raise _fail(exc) from exc
    click.echo(
        f"Review {review_id} {'ignored' if ignore else 'resolved'}; "
        f"recorded again: {', '.join(keys) or 'no session'}."
    )
