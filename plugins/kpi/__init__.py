"""KPI evaluation: targets, cohorts, pilot versus control and early warning (docs/kpi.md).

Registered through the ``kpi`` entry point of ``lrs.plugins``, like a third-party
plugin: it reads the record through :mod:`lrs.plugin` only (the people directory,
assignments, the metrics other plugins register) and keeps its rollups, KPI
definitions, statuses and early-warning flags in tables of its own.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from lrs.plugin.hookspecs import Scope, hookimpl

if TYPE_CHECKING:
    import click
    from flask import Blueprint
    from sqlalchemy.orm import Session

    from lrs.plugin.events import StatementsStored
    from lrs.plugin.host import AdminPage, Host, StoredStatement
    from lrs.plugin.metrics import Metric


@hookimpl
def register_scopes() -> list[Scope]:
    return [
        Scope("kpi/read", "Read KPIs, their values, statuses and cohort comparisons."),
        Scope("kpi/write", "Define KPIs and their targets."),
        Scope("kpi/risk", "Read early-warning flags on learners and record actions on them."),
    ]


@hookimpl
def register_migrations() -> list[Path]:
    return [Path(__file__).parent / "migrations"]


@hookimpl
def register_blueprints(host: Host) -> list[Blueprint]:
    from plugins.kpi.evaluation import evaluate_seconds
    from plugins.kpi.http import create_blueprint
    from plugins.kpi.ui import create_ui_blueprint

    evaluate_seconds(host)  # a bad LRS_PLUGIN_KPI_EVALUATE_SECONDS stops start-up
    return [create_blueprint(host), create_ui_blueprint(host)]


@hookimpl
def register_admin_pages(host: Host) -> list[AdminPage]:
    from plugins.kpi.ui import admin_pages

    return admin_pages()


@hookimpl
def register_commands(cli: click.Group) -> None:
    from plugins.kpi.cli import kpi

    cli.add_command(kpi)


@hookimpl
def register_metrics(host: Host) -> list[Metric]:
    from plugins.kpi.metrics import metrics

    return metrics()


@hookimpl
def statements_stored(
    host: Host, event: StatementsStored, statements: list[StoredStatement]
) -> None:
    """Fold the batch into the rollups once the delivery batch is in (one transaction),
    then evaluate the store's KPIs if the last evaluation is old enough."""
    from plugins.kpi.evaluation import scheduler_for
    from plugins.kpi.rollups import feeder_for

    feeder_for(host, scheduler_for(host).after_batch).add(event.tenant_id, statements)


@hookimpl
def erase_person(
    session: Session, tenant_id: int, person_keys: frozenset[str], dry_run: bool
) -> dict[str, int]:
    """The person's rollup rows, found by the identities their statements named."""
    from plugins.kpi.erasure import erase

    return erase(session, tenant_id, person_keys, dry_run)
