"""``lrs kpi compare``: two groups on one measure, as ``GET /api/kpis/compare`` answers."""

from __future__ import annotations

import json
from typing import Any

import click

from plugins.kpi.cli import AS_JSON, TENANT, _fail, _host_and_tenant
from plugins.kpi.compare import compare
from plugins.kpi.errors import KpiError


def _number(value: float | None, unit: str = "") -> str:
    return "-" if value is None else f"{value:g}{unit}"


def lines(body: dict[str, Any]) -> list[str]:
    """The comparison as a few readable lines: each group, the difference, the verdict."""
    unit = body["unit"]
    window = f"{(body['since'] or 'the start')[:10]} to {(body['until'] or 'now')[:10]}"
    out = [f"{body['measure']} ({unit}), {body['a']['group']} vs {body['b']['group']}, {window}"]
    durations = "events" in body["a"]
    header = f"{'group':<20} {'people':>6} {'value':>9}"
    if durations:
        header += f" {'n':>5} {'events':>6} {'censored':>8} {'median 95% CI':>17}"
    out.append(header)
    for side in ("a", "b"):
        group = body[side]
        row = f"{group['group'][:20]:<20} {group['people']:>6} {_number(group['value']):>9}"
        if durations:
            ci = group["median_ci"] or {"lower": None, "upper": None}
            interval = f"{_number(ci['lower'])} to {_number(ci['upper'])}"
            row += f" {group['n']:>5} {group['events']:>6} {group['censored']:>8} {interval:>17}"
        out.append(row)
    if body["test"] is not None:
        difference = f"Difference a - b: {_number(body['difference'])} {unit}"
        interval = body["confidence_interval"]
        if interval is not None:
            difference += f" (95% CI {_number(interval['lower'])} to {_number(interval['upper'])})"
        out.append(f"{difference}; {body['test']} test, p = {body['p_value']:.3g}")
    out.append(body["verdict"]["text"])
    return out


@click.command(
    "compare",
    epilog="""\b
Examples:
  lrs kpi compare pass_rate --a Pilot --b Control --since 2026-01-05 --until 2026-07-05
  lrs kpi compare time_to_competency --a Pilot --b Control \\
      --param competency=https://example.com/c/fire-safety --json""",
)
@click.argument("measure")
@click.option("--a", "a", required=True, metavar="GROUP", help="The group compared (the pilot).")
@click.option("--b", "b", required=True, metavar="GROUP", help="The reference group (control).")
@click.option("--since", metavar="DATE", help="Start of the window (ISO date or timestamp).")
@click.option("--until", metavar="DATE", help="End of the window, excluded [default: now].")
@click.option(
    "--param",
    "params",
    multiple=True,
    metavar="KEY=VALUE",
    help="A parameter of the measure (activity, attempt, basis, competency, start).",
)
@AS_JSON
@TENANT
def compare_command(
    measure: str,
    a: str,
    b: str,
    since: str | None,
    until: str | None,
    params: tuple[str, ...],
    as_json: bool,
    tenant: str | None,
) -> None:
    """Compare group A with group B on MEASURE: each group's value, the difference, the
    test that suits the measure, the sample sizes and a verdict (docs/kpi.md)."""
    args = {"measure": measure, "a": a, "b": b}
    args |= {k: v for k, v in (("since", since), ("until", until)) if v is not None}
    for item in params:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"{item!r} is not KEY=VALUE", param_hint="--param")
        args[key] = value
    host, tenant_id = _host_and_tenant(tenant)
    try:
        body = compare(host, tenant_id, args)
    except KpiError as exc:
        raise _fail(exc) from None
    click.echo(json.dumps(body, indent=2) if as_json else "\n".join(lines(body)))
