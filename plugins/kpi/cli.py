"""``lrs kpi list | show | history | evaluate | load | export | rebuild | alerts``."""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import Any

import click

from lrs.plugin.host import Host, current_host
from lrs.plugin.request import cli_actor, cli_source
from plugins.kpi import definitions, service
from plugins.kpi.errors import KpiError
from plugins.kpi.evaluation import evaluate
from plugins.kpi.files import dump, parse
from plugins.kpi.periods import day_of
from plugins.kpi.rollups import rebuild as rebuild_rollups
from plugins.kpi.schedule import evaluate_store
from plugins.kpi.template import TEMPLATE

TENANT = click.option(
    "--tenant", metavar="NAME", help="Store (tenant), by name [default: the default store]."
)
AS_JSON = click.option("--json", "as_json", is_flag=True, help="Print JSON.")


def _host_and_tenant(tenant: str | None) -> tuple[Host, int]:
    host = current_host()
    return host, host.tenant_id(tenant)


def _fail(exc: KpiError) -> click.ClickException:
    for problem in exc.errors[1:]:
        click.echo(f"  {problem['path']}: {problem['message']}", err=True)
    first = exc.errors[0] if exc.errors else None
    detail = (
        f" ({first['path']}: {first['message']})"
        if first and first["path"] not in (exc.message)
        else ""
    )
    return click.ClickException(exc.message + detail)


def _value(result: dict[str, Any] | None) -> str:
    if result is None:
        return "not evaluated"
    value = "-" if result["value"] is None else f"{result['value']:g}"
    target = "-" if result["target"] is None else f"{result['op']} {result['target']:g}"
    trend = "" if result["trend"] is None else f", trend {result['trend']:+g}"
    return (
        f"{result['period']['label']}: {value} (target {target}) "
        f"{result['status'].replace('_', ' ')}{trend}"
    )


@click.group()
def kpi() -> None:
    """KPIs: definitions, evaluation per period, status history (docs/kpi.md)."""


@kpi.command(
    "list",
    epilog="""\b
Examples:
  lrs kpi list
  lrs kpi list --json --tenant acme""",
)
@AS_JSON
@TENANT
def list_(as_json: bool, tenant: str | None) -> None:
    """Every KPI with its latest evaluated period."""
    host, tenant_id = _host_and_tenant(tenant)
    kpis = service.overview(host, tenant_id)
    if as_json:
        click.echo(json.dumps(kpis, indent=2))
        return
    if not kpis:
        click.echo("No KPIs; lrs kpi load --template loads the customer's template.")
    for spec in kpis:
        click.echo(f"{spec['key']:<28} {spec['title']} — {_value(spec['current'])}")


@kpi.command(
    epilog="""\b
Examples:
  lrs kpi show completion-rate
  lrs kpi show pass-rate-first-attempt --json"""
)
@click.argument("key")
@AS_JSON
@TENANT
def show(key: str, as_json: bool, tenant: str | None) -> None:
    """One KPI: its definition and its recent periods, newest first."""
    host, tenant_id = _host_and_tenant(tenant)
    try:
        body = service.detail(host, tenant_id, key)
        past = service.kpi_history(host, tenant_id, key, service.TREND_POINTS)
    except KpiError as exc:
        raise _fail(exc) from exc
    if as_json:
        click.echo(json.dumps(body, indent=2))
        return
    population = body["population"]
    click.echo(f"{body['title']} ({body['key']}): {body['measure']} {json.dumps(body['params'])}")
    click.echo(
        f"  population: {json.dumps(population)}; period: {json.dumps(body['period'])}; "
        f"target: {json.dumps(body['target'])}; owner: {body['owner']}"
    )
    for result in past:
        click.echo(f"  {_value(result)}")


def _day(text: str | None) -> date | None:
    """``--as-of``: a day :func:`plugins.kpi.periods.day_of` accepts."""
    if text is None:
        return None
    try:
        return day_of(text)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


@kpi.command(
    "evaluate",
    epilog="""\b
Examples:
  lrs kpi evaluate                       # every KPI, this period and the one before
  lrs kpi evaluate completion-rate --periods 12
  lrs kpi evaluate --as-of 2026-06-30    # as if on that day (cron: daily, any time)""",
)
@click.argument("key", required=False)
@click.option(
    "--periods",
    type=click.IntRange(1, 520),
    default=2,
    show_default=True,
    help="Periods evaluated, up to the one holding --as-of.",
)
@click.option(
    "--as-of",
    "as_of",
    callback=lambda _ctx, _param, text: _day(text),
    help="Evaluate as on this day, YYYY-MM-DD [default: today, UTC].",
)
@AS_JSON
@TENANT
def evaluate_(
    key: str | None, periods: int, as_of: date | None, as_json: bool, tenant: str | None
) -> None:
    """Evaluate KPIs: value, target, status and trend per period, recorded as history."""
    host, tenant_id = _host_and_tenant(tenant)
    try:
        if key is None:
            results, refreshed = evaluate_store(host, tenant_id, as_of=as_of, periods=periods)
            click.echo(f"Refreshed {refreshed} recorded dashboard views.", err=True)
        else:
            definition_id, spec = definitions.definition(host, tenant_id, key)
            results = evaluate(host, tenant_id, definition_id, spec, as_of=as_of, periods=periods)
    except KpiError as exc:
        raise _fail(exc) from exc
    if as_json:
        click.echo(json.dumps(results, indent=2))
        return
    for result in results:
        note = f" [{result['note']}]" if "note" in result else ""
        click.echo(f"{result['kpi']:<28} {_value(result)}{note}")


@kpi.command(
    epilog="""\b
Examples:
  lrs kpi load kpis.yaml
  lrs kpi load kpis.json --tenant acme
  lrs kpi load --template                # the customer's template (docs/kpi.md)"""
)
@click.argument(
    "file", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option("--template", is_flag=True, help="Load the customer's KPI template.")
@TENANT
def load(file: Path | None, template: bool, tenant: str | None) -> None:
    """Create or replace KPIs from a YAML or JSON file ({"kpis": [...]}), all or none."""
    if (file is None) == (not template):
        raise click.UsageError("give a FILE or --template (not both)")
    host, tenant_id = _host_and_tenant(tenant)
    try:
        if file is None:
            specs = [(f"$.kpis[{i}]", spec) for i, spec in enumerate(TEMPLATE)]
        else:
            fmt = "json" if file.suffix.lower() == ".json" else "yaml"
            specs = parse(file.read_text(encoding="utf-8"), fmt)
        outcome = definitions.save(host, tenant_id, specs, actor=cli_actor(), source=cli_source())
    except KpiError as exc:
        raise _fail(exc) from exc
    except UnicodeDecodeError:
        raise click.ClickException(f"{file}: not UTF-8 text") from None
    click.echo(
        f"KPIs: {len(outcome['created'])} created, {len(outcome['updated'])} updated, "
        f"{len(outcome['unchanged'])} unchanged."
    )


@kpi.command(
    epilog="""\b
Examples:
  lrs kpi export > kpis.yaml
  lrs kpi export --format json -o kpis.json"""
)
@click.option(
    "--format", "fmt", type=click.Choice(["yaml", "json"]), default="yaml", show_default=True
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to this file [default: standard output].",
)
@TENANT
def export(fmt: str, output: Path | None, tenant: str | None) -> None:
    """Write every KPI definition as a file lrs kpi load reads back."""
    host, tenant_id = _host_and_tenant(tenant)
    text = dump([spec for _, spec in definitions.definitions(host, tenant_id)], fmt)
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")


@kpi.command(
    epilog="""\b
Examples:
  lrs kpi delete pass-rate-any-attempt"""
)
@click.argument("key")
@TENANT
def delete(key: str, tenant: str | None) -> None:
    """Delete a KPI and its recorded results (audited)."""
    host, tenant_id = _host_and_tenant(tenant)
    try:
        definitions.remove(host, tenant_id, key, actor=cli_actor(), source=cli_source())
    except KpiError as exc:
        raise _fail(exc) from exc
    click.echo(f"Deleted KPI {key}.")


@kpi.command(
    epilog="""\b
Examples:
  lrs kpi rebuild
  lrs kpi rebuild --tenant acme"""
)
@TENANT
def rebuild(tenant: str | None) -> None:
    """Recompute the rollups from every stored statement (after a restore, or voids)."""
    host, tenant_id = _host_and_tenant(tenant)
    with click.progressbar(
        host.query_statements(tenant_id),
        label="Rolling up statements",
        file=sys.stderr,
        show_pos=True,
    ) as statements:
        total = rebuild_rollups(host, tenant_id, statements)
    click.echo(f"Rolled up {total} statements.")


@kpi.command(
    epilog="""\b
Examples:
  lrs kpi alerts
  lrs kpi alerts --limit 10 --json"""
)
@click.option("--limit", type=click.IntRange(1, 1000), default=50, show_default=True)
@AS_JSON
@TENANT
def alerts(limit: int, as_json: bool, tenant: str | None) -> None:
    """The latest changes of KPI status, newest first."""
    host, tenant_id = _host_and_tenant(tenant)
    found = service.recent_alerts(host, tenant_id, limit)
    if as_json:
        click.echo(json.dumps(found, indent=2))
        return
    for alert in found:
        click.echo(
            f"{alert['occurred']} {alert['kpi']} {alert['period']}: "
            f"{alert['previous']} -> {alert['status']}"
        )
