"""``lrs scopes`` and ``lrs metrics``: what core and the plugins offer.

Each lists a registry of the application (:attr:`lrs.runtime.Runtime.scopes`,
``metrics``) with the core or plugin each entry comes from (connector types:
:mod:`lrs.cli.connectors`).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING

import click

from lrs.cli.context import echo_records, echo_table, tenant_option

if TYPE_CHECKING:
    from lrs.cli.context import Cli


@click.group()
def scopes() -> None:
    """Scopes credentials and OAuth clients can be granted."""


@scopes.command("list", epilog="Example:\n\n  lrs scopes list")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
@click.pass_obj
def list_scopes(obj: Cli, as_json: bool) -> None:
    """Show every scope: xAPI's, core's and the plugins'.

    'all' grants the xAPI scopes only: core and plugin scopes are granted by name.
    """
    from lrs.machinery.hooks import scope_registry
    from lrs.machinery.manager import build_plugin_manager

    registry = scope_registry(build_plugin_manager(obj.settings().disabled_plugins))
    echo_records([{"scope": s.name, "from": s.origin, "description": s.description}
                  for s in registry], ("scope", "from", "description"), as_json=as_json,
                 empty="No scopes.")


@click.group()
def metrics() -> None:
    """KPI metrics offered by plugins (also at GET /api/metrics)."""


@metrics.command("list", epilog="Example:\n\n  lrs metrics list")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
@click.pass_obj
def list_metrics(obj: Cli, as_json: bool) -> None:
    """Show every metric with its unit, kind and filters."""
    echo_records([m.describe() for m in obj.runtime().metrics],
                 ("name", "from", "unit", "kind", "filters", "title"), as_json=as_json,
                 empty="No metrics: install a plugin that registers some (lrs plugins list).")


def _moment(ctx: click.Context, param: click.Parameter, value: str | None) -> datetime | None:
    from lrs.plugin.metrics import MetricError, parse_moment

    try:
        return None if value is None else parse_moment(value, param.name or "")
    except MetricError as exc:
        raise click.BadParameter(str(exc), ctx, param) from None


@metrics.command(
    "show",
    epilog="""\b
Examples:
  lrs metrics show example.completions_per_activity --since 2025-01-01
  lrs metrics show kpi.completion_rate --filter cohort=pilot --json""",
)
@click.argument("name")
@click.option("--since", callback=_moment, help="From this ISO 8601 date or timestamp (stored).")
@click.option("--until", callback=_moment, help="Before this ISO 8601 date or timestamp.")
@click.option("--filter", "filters", multiple=True, metavar="KEY=VALUE",
              help="A filter the metric accepts; repeat for several.")
@tenant_option("Store (tenant) to compute it for [default: the default store].")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.pass_obj
def show_metric(obj: Cli, name: str, since: datetime | None, until: datetime | None,
                filters: tuple[str, ...], tenant: str | None, as_json: bool) -> None:
    """Compute the metric NAME for a tenant and period."""
    from lrs.plugin.metrics import MetricError

    runtime = obj.runtime()
    metric = runtime.metrics.get(name)
    if metric is None:
        known = ", ".join(m.name for m in runtime.metrics) or "none"
        raise click.BadParameter(f"no metric {name!r} (known: {known})", param_hint="NAME")
    pairs = [f.partition("=") for f in filters]
    if any(not sep for _, sep, _ in pairs):
        raise click.BadParameter("use KEY=VALUE", param_hint="--filter")
    tenant_id = obj.tenant_id(tenant)
    try:
        result = metric.evaluate(runtime.host, tenant_id=tenant_id, since=since, until=until,
                                 filters={key: value for key, _, value in pairs})
    except MetricError as exc:
        raise click.UsageError(str(exc)) from None
    if as_json:
        click.echo(json.dumps(result))
    elif metric.kind == "series":
        echo_table(("LABEL", f"VALUE ({metric.unit})"),
                   [(p["label"], p["value"]) for p in result["series"]])  # type: ignore[attr-defined]
    else:
        click.echo(f"{metric.title}: {result['value']} {metric.unit}")
