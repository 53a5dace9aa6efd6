"""The plugin's use cases as the API, the web UI and ``lrs attendance`` share them."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import func, select

from lrs.plugin.host import Host
from plugins.attendance.importing import config_of, roster_of
from plugins.attendance.models import ImportedRow, Outcome, PlannedSession, Review
from plugins.attendance.recording import record
from plugins.attendance.sessions import (
    as_dict,
    delete_session,
    get,
    list_sessions,
    load_session,
    save_session,
)


def create_or_update(
    host: Host,
    tenant_id: int,
    data: Any,
    *,
    actor: str,
    key: str | None = None,
    create_only: bool = False,
    source: dict[str, str] | None = None,
) -> tuple[dict[str, Any], bool]:
    """Save a session from JSON-like ``data``; a ``key`` given apart (a URL's) wins.

    An updated session's attendance is merged again at once: a moved window or a
    changed roster changes outcomes, whose statements are voided and replaced.
    """
    if key is not None and isinstance(data, dict):
        data = {**data, "key": key}
    fields = load_session(data)
    with host.write() as session:
        row, created = save_session(host, session, tenant_id, fields, create_only=create_only)
        host.record_admin_action(
            session,
            tenant_id,
            actor=actor,
            action="attendance.session_created" if created else "attendance.session_updated",
            target=f"attendance_session:{row.key}",
            source=source,
        )
        body = as_dict(row)
    if not created:
        config = config_of(host)
        record(host, tenant_id, body["key"], threshold=config.threshold, grace=config.grace)
    return body, created


def remove(
    host: Host, tenant_id: int, key: str, *, actor: str, source: dict[str, str] | None = None
) -> None:
    with host.write() as session:
        delete_session(session, tenant_id, key)
        host.record_admin_action(
            session,
            tenant_id,
            actor=actor,
            action="attendance.session_deleted",
            target=f"attendance_session:{key}",
            source=source,
        )


def sessions(host: Host, tenant_id: int) -> list[dict[str, Any]]:
    with host.read() as session:
        return [as_dict(row) for row in list_sessions(session, tenant_id)]


def session_detail(host: Host, tenant_id: int, key: str) -> dict[str, Any]:
    with host.read() as session:
        return as_dict(get(session, tenant_id, key))


def attendance(host: Host, tenant_id: int, key: str) -> dict[str, Any]:
    """A session's attendance: each person's outcome, expected people with no record,
    and how many rows are waiting in the review queue."""
    with host.read() as session:
        plan = get(session, tenant_id, key)
        session.expunge(plan)
        outcomes = list(
            session.scalars(
                select(Outcome).where(Outcome.session_id == plan.id).order_by(Outcome.employee_id)
            )
        )
        waiting = session.scalar(
            select(func.count())
            .select_from(Review)
            .where(Review.session_id == plan.id, Review.status == "open")
        )
        sources = sorted(
            set(
                session.scalars(select(ImportedRow.source).where(ImportedRow.session_id == plan.id))
            )
        )
    people = [
        {
            "employee_id": o.employee_id,
            "name": o.display_name,
            "minutes": round(o.seconds / 60, 2),
            "share": round(o.share, 4),
            "present": o.present,
            "late": o.late,
            "left_early": o.left_early,
            "basis": o.basis,
            "matched_by": o.matched_by,
            "statement_id": o.statement_id,
        }
        for o in outcomes
    ]
    seen = {o.employee_id for o in outcomes}
    missing = sorted(
        (p for p in roster_of(host, tenant_id, plan) if p.id not in seen), key=lambda p: p.id
    )
    return {
        "session": as_dict(plan),
        "sources": sources,
        "people": people,
        "no_record": [{"employee_id": p.id, "name": p.name} for p in missing],
        "open_reviews": waiting,
    }


def reviews(
    host: Host, tenant_id: int, status: str = "open", key: str | None = None
) -> list[dict[str, Any]]:
    with host.read() as session:
        query = select(Review).where(Review.tenant_id == tenant_id)
        if status != "all":
            query = query.where(Review.status == status)
        if key is not None:
            query = query.where(Review.session_id == get(session, tenant_id, key).id)
        found = list(session.scalars(query.order_by(Review.id)))
        keys = {
            row.id: row.key
            for row in session.execute(
                select(PlannedSession.id, PlannedSession.key).where(
                    PlannedSession.tenant_id == tenant_id
                )
            )
        }
        return [
            {
                "id": r.id,
                "session": keys.get(r.session_id),
                "source": r.source,
                "name": r.raw_name,
                "email": r.email,
                "external_id": r.external_id,
                "reason": r.reason,
                "candidates": json.loads(r.candidates),
                "status": r.status,
                "employee_id": r.employee_id,
                "resolved_by": r.resolved_by,
            }
            for r in found
        ]
