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
def statements_stored(
    host: Host, event: StatementsStored, statements: list[StoredStatement]
) -> None:
    # Early warning: the days people were active and their results, for the rules.
    from plugins.kpi.warning_facts import feed_for

    feed_for(host).add(event.tenant_id, statements)


@hookimpl
def register_blueprints(host: Host) -> list[Blueprint]:
    from plugins.kpi.warning_flags import evaluate_seconds
    from plugins.kpi.warning_http import create_blueprint as warnings_api
    from plugins.kpi.warning_ui import create_ui_blueprint as warnings_ui

    evaluate_seconds(host)  # a bad LRS_PLUGIN_KPI_WARNINGS_* value stops start-up
    return [warnings_api(host), warnings_ui(host)]


@hookimpl
def register_admin_pages(host: Host) -> list[AdminPage]:
    from plugins.kpi.warning_ui import admin_pages as warning_pages

    return warning_pages()


@hookimpl
def register_commands(cli: click.Group) -> None:
    from plugins.kpi.warning_cli import add_to

    add_to(cli)


@hookimpl
def erase_person(
    host: Host,
    session: Session,
    tenant_id: int,
    person_keys: frozenset[str],
    deleted_statement_ids: tuple[str, ...],
    dry_run: bool,
) -> dict[str, int]:
    """The early warning's facts, flags and flag history about the person."""
    from plugins.kpi.warning_erasure import erase

    return erase(host, session, tenant_id, person_keys, deleted_statement_ids, dry_run)
