"""``lrs competency frameworks import | list | show`` and ``lrs competency time-to-competency``."""

from __future__ import annotations

import getpass
import os
from pathlib import Path

import click

from lrs.plugin.host import current_host
from plugins.competency.errors import CompetencyError
from plugins.competency.frameworks import (
    framework_detail,
    import_package,
    list_frameworks,
    tree_lines,
)
from plugins.competency.reading import read_framework
from plugins.competency.starts import START_KINDS
from plugins.competency.time_to_competency import parse_query, report_lines, time_to_competency

TENANT = click.option(
    "--tenant", metavar="NAME", help="Store (tenant), by name [default: the default store]."
)


def _actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (OSError, KeyError):
        return f"cli:uid{os.getuid()}"


def _fail(exc: CompetencyError) -> click.ClickException:
    for problem in exc.errors[1:]:
        click.echo(f"  {problem['path']}: {problem['message']}", err=True)
    first = exc.errors[0] if exc.errors else None
    return click.ClickException(
        exc.message + (f" ({first['path']}: {first['message']})" if first else "")
    )


@click.group()
def competency() -> None:
    """Competency mapping: frameworks (CASE packages, CSV), time-to-competency."""


@competency.group()
def frameworks() -> None:
    """Competency frameworks: import, list, show."""


@frameworks.command(
    "import",
    epilog="""\b
Examples:
  lrs competency frameworks import safety-framework.json
  lrs competency frameworks import skills.csv --dry-run
  lrs competency frameworks import cfpackage.json --tenant acme""",
)
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check and compare, store nothing.")
@TENANT
def import_(file: Path, dry_run: bool, tenant: str | None) -> None:
    """Import a CASE CFPackage (JSON, CASE 1.0 or 1.1) or a CSV framework, detected."""
    host = current_host()
    try:
        package = read_framework(file.read_bytes(), file.name)
        summary = import_package(
            host,
            host.tenant_id(tenant),
            package,
            actor=_actor(),
            dry_run=dry_run,
            source={"cli": _actor()},
        )
    except CompetencyError as exc:
        raise _fail(exc) from exc
    items = ", ".join(f"{n} {what}" for what, n in summary.items.items() if n) or "none"
    links = ", ".join(f"{n} {what}" for what, n in summary.associations.items() if n) or "none"
    click.echo(
        f"{'Would import' if dry_run else 'Imported'} {summary.framework} "
        f"({'CASE ' + summary.format if summary.format != 'csv' else 'CSV'}"
        f"{', new' if summary.created else ''}): items {items}; associations {links}."
    )


@frameworks.command(
    "list",
    epilog="""\b
Examples:
  lrs competency frameworks list
  lrs competency frameworks list --tenant acme""",
)
@TENANT
def list_(tenant: str | None) -> None:
    """List the imported frameworks."""
    host = current_host()
    rows = list_frameworks(host, host.tenant_id(tenant))
    if not rows:
        click.echo("No frameworks.")
    for row in rows:
        version = f" v{row['version']}" if row["version"] else ""
        click.echo(
            f"{row['identifier']}  {row['title']}{version}  ({row['creator']}, "
            f"changed {row['lastChangeDateTime']})"
        )


@frameworks.command(
    "show",
    epilog="""\b
Examples:
  lrs competency frameworks show c1d2e3f4-0000-4000-8000-000000000001
  lrs competency frameworks show skills --tenant acme""",
)
@click.argument("identifier")
@TENANT
def show(identifier: str, tenant: str | None) -> None:
    """Show a framework's current competencies as a tree (isChildOf), with prerequisites."""
    host = current_host()
    try:
        detail = framework_detail(host, host.tenant_id(tenant), identifier)
    except CompetencyError as exc:
        raise _fail(exc) from exc
    retired = sum(1 for item in detail["items"] if item["retired"])
    click.echo(f"{detail['title']} ({detail['identifier']})")
    for line in tree_lines(detail):
        click.echo(f"  {line}")
    if retired:
        click.echo(f"{retired} retired items not shown.")


@competency.command(
    "time-to-competency",
    epilog="""\b
Examples:
  lrs competency time-to-competency --competency https://example.com/c/fire-safety
  lrs competency time-to-competency --competency URI --group "Pilot 2026" \\
      --baseline-group "Control 2026" --start assignment
  lrs competency time-to-competency --competency URI --start first_activity \\
      --baseline-since 2025-01-01 --baseline-until 2025-07-01 --people""",
)
@click.option("--competency", required=True, metavar="URI", help="The competency (CFItem URI).")
@click.option(
    "--start",
    type=click.Choice(START_KINDS),
    default="hire",
    show_default=True,
    help="What starts the clock: the hire date, the assignment, the first activity.",
)
@click.option("--group", metavar="NAME", help="The cohort: a people group [default: everyone].")
@click.option("--since", metavar="DATE", help="Only people whose start is on or after DATE.")
@click.option(
    "--until", metavar="DATE", help="Only people whose start is before DATE; observe until then."
)
@click.option("--baseline-group", metavar="NAME", help="Compare with this group.")
@click.option("--baseline-since", metavar="DATE", help="Compare with people starting from DATE...")
@click.option("--baseline-until", metavar="DATE", help="...until DATE (both needed).")
@click.option("--target", metavar="PERCENT", help="Wanted reduction of the median [default: 30].")
@click.option("--people", is_flag=True, help="Also list each person's days.")
@TENANT
def time_to_competency_(tenant: str | None, people: bool, **options: str | None) -> None:
    """Time from start to first attainment of a competency: Kaplan-Meier median and
    quartiles of a cohort (people not there yet count as censored), compared with a
    baseline group or period by the log-rank test."""
    host = current_host()
    try:
        report = time_to_competency(host, host.tenant_id(tenant), parse_query(options))
    except CompetencyError as exc:
        raise _fail(exc) from exc
    for line in report_lines(report.as_dict(), people=people):
        click.echo(line)
