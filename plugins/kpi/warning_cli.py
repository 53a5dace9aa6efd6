"""``lrs kpi warnings evaluate | list | rules | backtest``: the early warning from a shell."""

from __future__ import annotations

import json
from datetime import datetime

import click

from lrs.plugin.host import Host, current_host
from plugins.kpi.warning_backtest import backtest, parse_window
from plugins.kpi.warning_errors import WarningError
from plugins.kpi.warning_flags import FILTERS, evaluate, list_flags
from plugins.kpi.warning_rules import RULES, rule_configs

TENANT = click.option(
    "--tenant", metavar="NAME", help="Store (tenant), by name [default: the default store]."
)
AS_JSON = click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")


def _host_and_tenant(tenant: str | None) -> tuple[Host, int]:
    host = current_host()
    return host, host.tenant_id(tenant)


def _fail(exc: WarningError) -> click.ClickException:
    first = exc.errors[0] if exc.errors else None
    return click.ClickException(
        exc.message + (f" ({first['path']}: {first['message']})" if first else "")
    )


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


@click.group()
def warnings() -> None:
    """Early warning: learners at risk, the rules that flag them, their backtest."""


@warnings.command(
    "evaluate",
    epilog="""\b
Examples:
  lrs kpi warnings evaluate
  lrs kpi warnings evaluate --as-of 2026-03-20 --tenant acme""",
)
@click.option(
    "--as-of",
    type=click.DateTime(["%Y-%m-%d"]),
    help="Evaluate as of the end of this day (YYYY-MM-DD) [default: today, UTC].",
)
@TENANT
def evaluate_(as_of: datetime | None, tenant: str | None) -> None:
    """Run the rules now: open, update and resolve flags."""
    host, tenant_id = _host_and_tenant(tenant)
    counts = evaluate(host, tenant_id, as_of.date() if as_of else None)
    click.echo(", ".join(f"{n} {what}" for what, n in counts.items()) + ".")


@warnings.command(
    "list",
    epilog="""\b
Examples:
  lrs kpi warnings list
  lrs kpi warnings list --manager E100 --rule inactive
  lrs kpi warnings list --group "Sales onboarding" --status all --json""",
)
@click.option("--manager", help="Only people whose manager has this employee id.")
@click.option("--group", help="Only members of this people group.")
@click.option("--rule", type=click.Choice(list(RULES)), help="Only flags of this rule.")
@click.option(
    "--status",
    type=click.Choice(FILTERS),
    default="active",
    show_default=True,
    help="active = open, acknowledged or contacted.",
)
@TENANT
@AS_JSON
def list_(
    manager: str | None,
    group: str | None,
    rule: str | None,
    status: str,
    tenant: str | None,
    as_json: bool,
) -> None:
    """List flags with their reasons."""
    host, tenant_id = _host_and_tenant(tenant)
    try:
        flags = list_flags(host, tenant_id, manager=manager, group=group, rule=rule, status=status)
    except WarningError as exc:
        raise _fail(exc) from exc
    if as_json:
        click.echo(json.dumps(flags, indent=2))
        return
    for f in flags:
        click.echo(
            f"#{f['id']} {f['employee_id']} {f['name'] or ''} [{f['rule']}, "
            f"{f['status']}, manager {f['manager'] or '-'}]: {f['reason']}"
        )
    if not flags:
        click.echo("No flags.")


@warnings.command(
    epilog="""\b
Examples:
  lrs kpi warnings rules
  lrs kpi warnings rules --json"""
)
@TENANT
@AS_JSON
def rules(tenant: str | None, as_json: bool) -> None:
    """Show each rule, whether it is on, and its parameters (change them with
    PUT /api/kpis/warnings/rules/RULE)."""
    host, tenant_id = _host_and_tenant(tenant)
    with host.read() as session:
        configs = [c.as_dict() for c in rule_configs(session, tenant_id)]
    if as_json:
        click.echo(json.dumps(configs, indent=2))
        return
    for c in configs:
        params = ", ".join(f"{k}={v}" for k, v in c["params"].items())
        click.echo(f"{c['rule']} ({'on' if c['enabled'] else 'off'}): {params}")


@warnings.command(
    "backtest",
    epilog="""\b
Examples:
  lrs kpi warnings backtest --group "Cohort 2026-Q1" --since 2026-01-01 --until 2026-03-31
  lrs kpi warnings backtest --group Pilot --since 2026-02-01 --until 2026-02-28 \
      --every-days 1 --json""",
)
@click.option("--group", required=True, help="The people group whose past cohort to replay.")
@click.option("--since", required=True, help="First day (YYYY-MM-DD): checkpoints start here.")
@click.option("--until", required=True, help="Last day (YYYY-MM-DD): cycles due by then count.")
@click.option("--every-days", default=7, show_default=True, help="Days between checkpoints.")
@TENANT
@AS_JSON
def backtest_(
    group: str, since: str, until: str, every_days: int, tenant: str | None, as_json: bool
) -> None:
    """Replay the rules on a past cohort: precision and recall against non-completion."""
    host, tenant_id = _host_and_tenant(tenant)
    try:
        first, last, step = parse_window(since, until, every_days, where="option")
        report = backtest(host, tenant_id, group, first, last, step)
    except WarningError as exc:
        raise _fail(exc) from exc
    if as_json:
        click.echo(json.dumps(report, indent=2))
        return
    click.echo(
        f"Group {group}: {report['pairs']} assignment cycles of {report['people']} "
        f"people due {first} to {last}; {report['did_not_complete']} not completed "
        f"by their due date; {len(report['checkpoints'])} checkpoints."
    )
    click.echo(
        f"{'rule':<24} {'flagged':>7} {'TP':>4} {'FP':>4} {'FN':>4} {'TN':>4} "
        f"{'precision':>9} {'recall':>7}"
    )
    for row in [*report["rules"], {"rule": "any rule", **report["overall"]}]:
        click.echo(
            f"{row['rule']:<24} {row['flagged']:>7} {row['true_positives']:>4} "
            f"{row['false_positives']:>4} {row['false_negatives']:>4} "
            f"{row['true_negatives']:>4} {_pct(row['precision']):>9} "
            f"{_pct(row['recall']):>7}"
        )
