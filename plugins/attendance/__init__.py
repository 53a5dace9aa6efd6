"""Instructor-led attendance merged with online learning (docs/attendance.md).

Registered through the ``attendance`` entry point of ``lrs.plugins``. Attendance
files (Zoom, Microsoft Teams, Google Meet, Webex, sign-in sheets) are parsed into
:class:`plugins.attendance.rows.AttendanceRow` (:mod:`plugins.attendance.sources`),
matched to people of the directory (:mod:`plugins.attendance.matching`), merged per
person and planned session (:mod:`plugins.attendance.merge`), and recorded as
``attended`` statements (:mod:`plugins.attendance.recording`). ``/api/attendance``,
``lrs attendance`` and the web UI's "Attendance" pages drive it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import delete, func, select

from lrs.plugin.hookspecs import Scope, hookimpl

if TYPE_CHECKING:
    import click
    from flask import Blueprint
    from sqlalchemy.orm import Session

    from lrs.plugin.connectors import ConnectorType
    from lrs.plugin.host import AdminPage, Host


@hookimpl
def register_scopes() -> list[Scope]:
    return [
        Scope("attendance/read", "Read planned sessions, attendance and the review queue."),
        Scope("attendance/write", "Plan sessions, import attendance, settle reviews."),
    ]


@hookimpl
def register_migrations() -> list[Path]:
    return [Path(__file__).parent / "migrations"]


@hookimpl
def register_blueprints(host: Host) -> list[Blueprint]:
    from plugins.attendance.http import create_blueprint
    from plugins.attendance.importing import config_of
    from plugins.attendance.ui import create_ui_blueprint

    config_of(host)  # a bad LRS_PLUGIN_ATTENDANCE_* value stops start-up
    return [create_blueprint(host), create_ui_blueprint(host)]


@hookimpl
def register_admin_pages(host: Host) -> list[AdminPage]:
    from plugins.attendance.ui import admin_pages

    return admin_pages()


@hookimpl
def register_connector_types(host: Host) -> list[ConnectorType]:
    from plugins.attendance.pull import connector_types

    return connector_types()


@hookimpl
def register_commands(cli: click.Group) -> None:
    from plugins.attendance.cli import attendance

    cli.add_command(attendance)


@hookimpl
def erase_person(
    session: Session, tenant_id: int, person_keys: frozenset[str], dry_run: bool
) -> dict[str, int]:
    """The person's outcomes (found by the identity their statements named), the report
    rows matched to them, and rows and reviews carrying one of their e-mail addresses."""
    from plugins.attendance.models import ImportedRow, Outcome, PlannedSession, Review

    sessions = select(PlannedSession.id).where(PlannedSession.tenant_id == tenant_id)
    outcomes = (Outcome.tenant_id == tenant_id, Outcome.agent_key.in_(sorted(person_keys)))
    employee_ids = sorted(set(session.scalars(select(Outcome.employee_id).where(*outcomes))))
    emails = sorted(
        k.removeprefix("mbox:mailto:") for k in person_keys if k.startswith("mbox:mailto:")
    )
    rows = (
        ImportedRow.session_id.in_(sessions),
        ImportedRow.employee_id.in_(employee_ids) | ImportedRow.email.in_(emails),
    )
    reviews = (Review.tenant_id == tenant_id, Review.email.in_(emails))
    counts = {}
    for name, table, where in (
        ("outcomes", Outcome, outcomes),
        ("rows", ImportedRow, rows),
        ("reviews", Review, reviews),
    ):
        counts[name] = (
            session.scalar(select(func.count()).select_from(table).where(*where))
            if dry_run
            else session.execute(delete(table).where(*where)).rowcount
        )
    return counts
