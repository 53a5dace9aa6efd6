"""Competency frameworks, the first part of competency mapping (docs/competency.md).

Registered through the ``competency`` entry point of ``lrs.plugins``. 1EdTech CASE
packages (CFPackage JSON, CASE 1.0 and 1.1) and simple CSV frameworks are read into
:class:`plugins.competency.package.Package` (:mod:`plugins.competency.package`,
:mod:`plugins.competency.csvframework`) and merged into the plugin's tables by
:mod:`plugins.competency.frameworks`, keyed by item URI and versioned by
``lastChangeDateTime``. ``/api/competency`` and ``lrs competency`` drive it.
Time-to-competency (:mod:`plugins.competency.time_to_competency`) is served there
too and offered as the ``competency.time_to_competency`` metric.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from lrs.plugin.hookspecs import Scope, hookimpl

if TYPE_CHECKING:
    import click
    from flask import Blueprint
    from sqlalchemy.orm import Session

    from lrs.plugin.connectors import ConnectorType
    from lrs.plugin.events import StatementsStored
    from lrs.plugin.host import AdminPage, Host
    from lrs.plugin.metrics import Metric


@hookimpl
def register_scopes() -> list[Scope]:
    return [
        Scope(
            "competency/read",
            "Read competency frameworks, evidence rules, profiles, heat maps, gaps, "
            "time-to-competency and exports.",
        ),
        Scope("competency/write", "Import competency frameworks, manage evidence rules."),
        Scope("competency/issue", "Issue signed Open Badges 3.0 / CLR 2.0 credentials."),
    ]


@hookimpl
def statements_stored(host: Host, event: StatementsStored, statements_json: list[str]) -> None:
    from plugins.competency.delivery import receive

    receive(host, event.tenant_id, event.source, statements_json)


@hookimpl
def register_migrations() -> list[Path]:
    return [Path(__file__).parent / "migrations"]


@hookimpl
def register_blueprints(host: Host) -> list[Blueprint]:
    from plugins.competency.config import config_of
    from plugins.competency.http import create_blueprint
    from plugins.competency.ui import create_ui_blueprint

    config_of(host)  # a bad LRS_PLUGIN_COMPETENCY_* value stops start-up
    return [create_blueprint(host), create_ui_blueprint(host)]


@hookimpl
def register_admin_pages(host: Host) -> list[AdminPage]:
    from plugins.competency.ui import admin_pages

    return admin_pages()


@hookimpl
def register_commands(cli: click.Group) -> None:
    from plugins.competency.cli import competency
    from plugins.competency.views_cli import add_view_commands

    add_view_commands(competency)
    cli.add_command(competency)


@hookimpl
def register_metrics() -> list[Metric]:
    from plugins.competency.metrics import TIME_TO_COMPETENCY

    return [TIME_TO_COMPETENCY]


@hookimpl
def register_connector_types(host: Host) -> list[ConnectorType]:
    from plugins.competency.pull import CASE

    return [CASE]


@hookimpl
def erase_person(
    host: Host,
    session: Session,
    tenant_id: int,
    person_keys: frozenset[str],
    deleted_statement_ids: tuple[str, ...],
    dry_run: bool,
) -> dict[str, int]:
    """The person's evidence, attainments and attainment history (docs/competency.md)."""
    from plugins.competency.erasure import erase

    return erase(host, session, tenant_id, person_keys, deleted_statement_ids, dry_run)
