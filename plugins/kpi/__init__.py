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

    from lrs.plugin.events import AdminActionTaken, StatementsStored
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
    from plugins.kpi.dashboard_ui import create_ui_blueprint as dashboard_ui
    from plugins.kpi.evaluation import evaluate_seconds
    from plugins.kpi.http import create_blueprint
    from plugins.kpi.ui import create_ui_blueprint
    from plugins.kpi.views import view_days
    from plugins.kpi.warning_flags import evaluate_seconds as warnings_evaluate_seconds
    from plugins.kpi.warning_http import create_blueprint as warnings_api
    from plugins.kpi.warning_ui import create_ui_blueprint as warnings_ui

    # A bad LRS_PLUGIN_KPI_EVALUATE_SECONDS, _VIEW_DAYS or _WARNINGS_* stops start-up.
    evaluate_seconds(host)
    view_days(host)
    warnings_evaluate_seconds(host)
    return [
        create_blueprint(host),
        create_ui_blueprint(host),
        warnings_api(host),
        warnings_ui(host),
        dashboard_ui(host),
    ]


@hookimpl
def register_admin_pages(host: Host) -> list[AdminPage]:
    from plugins.kpi.dashboard_ui import admin_pages as dashboard_pages
    from plugins.kpi.ui import admin_pages
    from plugins.kpi.warning_ui import admin_pages as warning_pages

    return [*admin_pages(), *dashboard_pages(), *warning_pages()]


@hookimpl
def register_commands(cli: click.Group) -> None:
    from plugins.kpi.cli import kpi
    from plugins.kpi.compare_cli import compare_command
    from plugins.kpi.warning_cli import warnings

    kpi.add_command(warnings)
    kpi.add_command(compare_command)
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
    then evaluate the store's KPIs if the last evaluation is old enough; keep what the
    early-warning rules need (the days people were active, their results)."""
    from plugins.kpi.rollups import feeder_for
    from plugins.kpi.schedule import scheduler_for
    from plugins.kpi.warning_facts import feed_for

    feeder_for(host, scheduler_for(host).after_batch).add(event.tenant_id, statements)
    feed_for(host).add(event.tenant_id, statements)


@hookimpl
def erase_person(
    host: Host,
    session: Session,
    tenant_id: int,
    person_keys: frozenset[str],
    deleted_statement_ids: tuple[str, ...],
    dry_run: bool,
) -> dict[str, int]:
    """The person's rollup rows, and the early warning's facts, flags and flag history
    about them."""
    from plugins.kpi.erasure import erase
    from plugins.kpi.warning_erasure import erase as erase_warnings

    counts = erase(session, tenant_id, person_keys, dry_run)
    counts.update(
        erase_warnings(host, session, tenant_id, person_keys, deleted_statement_ids, dry_run)
    )
    return counts


@hookimpl
def admin_action_taken(host: Host, event: AdminActionTaken) -> None:
    """A change to the people directory or the assignments drops the recorded dashboard
    views: who is in a group, assigned a program or in a manager's view may differ (they
    are computed again when asked for)."""
    from plugins.kpi.views import DIRECTORY_ACTIONS, forget

    if event.action.startswith(DIRECTORY_ACTIONS):
        with host.write() as session:
            forget(session, event.tenant_id)
