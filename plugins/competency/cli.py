"""``lrs competency frameworks import | list | show``, ``lrs competency rules add | list |
remove``, ``lrs competency rebuild``, ``lrs competency sweep`` and ``lrs competency
time-to-competency``."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import click

from lrs.plugin.host import current_host
from lrs.plugin.request import cli_actor, cli_source
from plugins.competency.engine import sweep as sweep_lapsed
from plugins.competency.errors import CompetencyError
from plugins.competency.frameworks import (
    framework_detail,
    import_package,
    list_frameworks,
    tree_lines,
)
from plugins.competency.reading import read_framework
from plugins.competency.rebuild import people_to_reevaluate, rebuild_evidence, reevaluate_people
from plugins.competency.rules import delete_rule, list_rules, save_rule
from plugins.competency.starts import START_KINDS
from plugins.competency.time_to_competency import parse_query, report_lines, time_to_competency

TENANT = click.option(
    "--tenant", metavar="NAME", help="Store (tenant), by name [default: the default store]."
)


def _fail(exc: CompetencyError) -> click.ClickException:
    for problem in exc.errors[1:]:
        click.echo(f"  {problem['path']}: {problem['message']}", err=True)
    first = exc.errors[0] if exc.errors else None
    return click.ClickException(
        exc.message + (f" ({first['path']}: {first['message']})" if first else "")
    )


@click.group()
def competency() -> None:
    """Competency mapping: frameworks (CASE packages, CSV), evidence rules, attainments,
    time-to-competency."""


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
            actor=cli_actor(),
            dry_run=dry_run,
            source=cli_source(),
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


@competency.group()
def rules() -> None:
    """Evidence rules: which statements count for which competencies."""


@rules.command(
    "add",
    epilog="""\b
Examples:
  lrs competency rules add --activity https://lms.example.com/courses/fire-safety \\
      --competency https://case.example.org/uri/fa-1 --min-scaled 0.8
  lrs competency rules add --program https://example.com/programs/onboarding \\
      --competency urn:weft:competency:skills/comm --valid-days 365
  lrs competency rules add --activity-type http://adlnet.gov/expapi/activities/assessment \\
      --competency https://case.example.org/uri/fa-2 --verb http://adlnet.gov/expapi/verbs/passed""",
)
@click.option("--activity", help="The statements' object id (an activity IRI).")
@click.option("--activity-type", help="The object's definition.type.")
@click.option("--program", help="The object id or a parent/grouping context activity id.")
@click.option(
    "--competency",
    "competencies",
    multiple=True,
    required=True,
    help="A competency URI of an imported framework (repeatable).",
)
@click.option(
    "--verb",
    "verbs",
    multiple=True,
    help="A verb IRI that counts (repeatable) [default: completed, passed, mastered].",
)
@click.option("--min-scaled", type=float, help="Minimum result.score.scaled, 0 to 1.")
@click.option("--success-required", is_flag=True, help="Count only result.success true.")
@click.option(
    "--weight", type=float, default=1.0, show_default=True, help="How much one statement counts."
)
@click.option("--valid-days", type=int, help="Days evidence stays valid [default: for ever].")
@TENANT
def add_rule(
    activity: str | None,
    activity_type: str | None,
    program: str | None,
    competencies: tuple[str, ...],
    verbs: tuple[str, ...],
    min_scaled: float | None,
    success_required: bool,
    weight: float,
    valid_days: int | None,
    tenant: str | None,
) -> None:
    """Add an evidence rule for an activity, an activity type or a program."""
    targets = {"activity": activity, "activity_type": activity_type, "program": program}
    given = [(kind, target) for kind, target in targets.items() if target]
    if len(given) != 1:
        raise click.UsageError("give one of --activity, --activity-type or --program")
    data: dict[str, Any] = {
        "target_kind": given[0][0],
        "target": given[0][1],
        "competencies": list(competencies),
        "verbs": list(verbs),
        "min_scaled": min_scaled,
        "success_required": success_required,
        "weight": weight,
        "valid_days": valid_days,
    }
    host = current_host()
    try:
        rule = save_rule(host, host.tenant_id(tenant), data, actor=cli_actor(), source=cli_source())
    except CompetencyError as exc:
        raise _fail(exc) from exc
    click.echo(f"Added rule {rule['id']}: {rule['target_kind']} {rule['target']}.")


@rules.command(
    "list",
    epilog="""\b
Examples:
  lrs competency rules list
  lrs competency rules list --tenant acme""",
)
@TENANT
def list_rules_(tenant: str | None) -> None:
    """List the evidence rules."""
    host = current_host()
    found = list_rules(host, host.tenant_id(tenant))
    if not found:
        click.echo("No evidence rules.")
    for rule in found:
        conditions = [f"weight {rule['weight']:g}"]
        if rule["min_scaled"] is not None:
            conditions.append(f"scaled >= {rule['min_scaled']:g}")
        if rule["success_required"]:
            conditions.append("success required")
        if rule["valid_days"]:
            conditions.append(f"valid {rule['valid_days']} days")
        if not rule["enabled"]:
            conditions.append("disabled")
        click.echo(
            f"{rule['id']}  {rule['target_kind']} {rule['target']} -> "
            f"{', '.join(rule['competencies'])}  ({'; '.join(conditions)})"
        )


@rules.command(
    "remove",
    epilog="""\b
Examples:
  lrs competency rules remove 3
  lrs competency rules remove 3 --tenant acme""",
)
@click.argument("rule_id", type=int)
@TENANT
def remove_rule(rule_id: int, tenant: str | None) -> None:
    """Delete an evidence rule (run rebuild to drop the evidence it gave)."""
    host = current_host()
    try:
        delete_rule(host, host.tenant_id(tenant), rule_id, actor=cli_actor(), source=cli_source())
    except CompetencyError as exc:
        raise _fail(exc) from exc
    click.echo(f"Removed rule {rule_id}.")


@competency.command(
    epilog="""\b
Examples:
  lrs competency rebuild
  lrs competency rebuild --tenant acme""",
)
@TENANT
def rebuild(tenant: str | None) -> None:
    """Recompute evidence and attainments from the stored statements (after rule changes).

    Safe to run again: only real changes are recorded, and no assertion twice.
    """
    host = current_host()
    tenant_id = host.tenant_id(tenant)
    with click.progressbar(
        host.query_statements(tenant_id), label="Reading statements", show_pos=True
    ) as statements:
        taken = rebuild_evidence(host, tenant_id, statements)
    people = people_to_reevaluate(host, tenant_id)
    with click.progressbar(length=len(people), label="Evaluating people", show_pos=True) as bar:
        done = reevaluate_people(host, tenant_id, people, bar.update)
    click.echo(
        f"Read {taken.statements} statements: {taken.evidence} evidence, "
        f"{taken.unresolved} naming no person. {len(people)} people: "
        f"{done.changes} changes, {done.derived} assertions recorded."
    )


@competency.command(
    epilog="""\b
Examples:
  lrs competency sweep
  lrs competency sweep --tenant acme""",
)
@TENANT
def sweep(tenant: str | None) -> None:
    """Record the attainments whose evidence has expired (each delivered batch does it too)."""
    host = current_host()
    done = sweep_lapsed(host, host.tenant_id(tenant), time.time_ns() // 1000)
    click.echo(f"{done.changes} changes, {done.derived} assertions recorded.")


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
