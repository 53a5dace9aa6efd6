"""Each person's outcome of a session as one ``attended`` statement, kept in step with it.

The statement id is a uuid5 of the store, the session, the person and the
outcome's version: importing the same data again finds the same outcome and
stores nothing; a changed outcome (a sheet added, a review resolved) bumps the
version, voids the statement of the previous one and stores its replacement.
The statements are stored before the outcomes that name them are written, so an
interrupted import redone later stores the same ids again (nothing twice).
"""

from __future__ import annotations

import json
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, select

from lrs.plugin.host import Host, Person
from plugins.attendance.merge import AttendanceResult, merge
from plugins.attendance.models import ImportedRow, Outcome, PlannedSession
from plugins.attendance.rows import AttendanceRow
from plugins.attendance.sessions import NAMESPACE, moment, primary_agent

ATTENDED = "http://adlnet.gov/expapi/verbs/attended"
VOIDED = "http://adlnet.gov/expapi/verbs/voided"
MEETING = "http://adlnet.gov/expapi/activities/meeting"
#: Context extensions the statements carry (share of the window, late, left early).
EXTENSION = "https://weft.dev/xapi/extensions/attendance/"
AUTHORITY = {
    "objectType": "Agent",
    "name": "Weft attendance",
    "account": {"homePage": "https://weft.dev/plugins", "name": "attendance"},
}


@dataclass(frozen=True)
class Recorded:
    """What bringing a session's statements in step did."""

    stored: int
    voided: int
    unchanged: int
    people: int
    present: int
    #: People whose outcome has no statement because the directory gives them no identity.
    without_identity: tuple[str, ...] = ()


def row_of(stored: ImportedRow) -> AttendanceRow:
    return AttendanceRow(
        source=stored.source,
        session_key="",
        raw_name=stored.raw_name,
        email=stored.email,
        external_id=stored.external_id,
        join=moment(stored.join_us) if stored.join_us is not None else None,
        leave=moment(stored.leave_us) if stored.leave_us is not None else None,
        present=stored.present,
        origin=stored.origin,
        duration=timedelta(seconds=stored.duration_s) if stored.duration_s is not None else None,
    )


def statement_id(tenant_id: int, key: str, employee_id: str, version: int) -> str:
    return str(uuid.uuid5(NAMESPACE, f"{tenant_id}/{key}/{employee_id}/{version}"))


def attended(
    plan: PlannedSession, statement_id: str, agent: dict[str, Any], result: AttendanceResult
) -> dict[str, Any]:
    """The ``attended`` statement of one person's result."""
    context: dict[str, Any] = {
        "registration": plan.registration,
        "extensions": {
            EXTENSION + "share": round(result.share, 4),
            EXTENSION + "late": result.late,
            EXTENSION + "left-early": result.left_early,
        },
    }
    if plan.instructor:
        context["instructor"] = json.loads(plan.instructor)
    return {
        "id": statement_id,
        "actor": agent,
        "verb": {"id": ATTENDED, "display": {"en-US": "attended"}},
        "object": {
            "objectType": "Activity",
            "id": plan.activity_id,
            "definition": {"name": {"en-US": plan.title}, "type": MEETING},
        },
        "result": {"duration": result.duration, "completion": result.present},
        "context": context,
        "timestamp": moment(plan.end_us).isoformat(),
    }


def voiding(target: str) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid5(NAMESPACE, f"void/{target}")),
        "actor": AUTHORITY,
        "verb": {"id": VOIDED, "display": {"en-US": "voided"}},
        "object": {"objectType": "StatementRef", "id": target},
    }


def agent_key(agent: dict[str, Any]) -> str:
    if "mbox" in agent:
        return "mbox:" + agent["mbox"]
    if "account" in agent:
        return f"account:{agent['account']['homePage']}|{agent['account']['name']}"
    return "openid:" + agent.get("openid", "")


def record(
    host: Host, tenant_id: int, plan_key: str, *, threshold: float, grace: timedelta
) -> Recorded:
    """Merge every matched row of the session per person and bring statements in step."""
    with host.read() as session:
        plan = session.scalar(
            select(PlannedSession).where(
                PlannedSession.tenant_id == tenant_id, PlannedSession.key == plan_key
            )
        )
        assert plan is not None
        session.expunge(plan)
        rows: dict[str, list[ImportedRow]] = defaultdict(list)
        for stored in session.scalars(
            select(ImportedRow).where(
                ImportedRow.session_id == plan.id, ImportedRow.employee_id.is_not(None)
            )
        ):
            rows[stored.employee_id].append(stored)
        before = {
            o.employee_id: o
            for o in session.scalars(select(Outcome).where(Outcome.session_id == plan.id))
        }
        for outcome in before.values():
            session.expunge(outcome)
    # Someone whose rows are gone (a corrected report) keeps an outcome of nothing, and
    # their statement is voided.
    everyone = sorted(set(rows) | set(before))
    people = {p.id: p for p in host.people_by_employee_id(tenant_id, everyone) if p}
    start, end = moment(plan.start_us), moment(plan.end_us)
    statements: list[dict[str, Any]] = []
    changed: list[dict[str, Any]] = []
    unchanged = present = 0
    without: list[str] = []
    now = time.time_ns() // 1000
    for employee_id in everyone:
        stored_rows = rows.get(employee_id, [])
        result = merge(
            [row_of(r) for r in stored_rows], start, end, threshold=threshold, grace=grace
        )
        person = people.get(employee_id) or Person(id=employee_id)
        agent = primary_agent(person.attributes.get("email"), person.agents)
        if agent is not None and person.name:
            agent["name"] = person.name
        due = agent is not None and (result.present or result.seconds > 0)
        if agent is None and (result.present or result.seconds > 0):
            without.append(employee_id)
        present += result.present
        facts = {
            "seconds": result.seconds,
            "present": result.present,
            "late": result.late,
            "left_early": result.left_early,
            "basis": result.basis,
            "agent_key": agent_key(agent) if due and agent else None,
        }
        old = before.get(employee_id)
        if old is not None and all(getattr(old, k) == v for k, v in facts.items()):
            unchanged += 1
            continue
        version = (old.version + 1) if old is not None else 1
        new_id = statement_id(tenant_id, plan.key, employee_id, version) if due else None
        if old is not None and old.statement_id:
            statements.append(voiding(old.statement_id))
        if due and agent is not None and new_id is not None:
            statements.append(attended(plan, new_id, agent, result))
        changed.append(
            {
                "session_id": plan.id,
                "employee_id": employee_id,
                "tenant_id": tenant_id,
                "display_name": person.name,
                "share": result.share,
                "version": version,
                "statement_id": new_id,
                "matched_by": ",".join(sorted({r.matched_by for r in stored_rows})),
                "updated_us": now,
                **facts,
            }
        )
    if statements:
        host.ingest(tenant_id, statements, authority=AUTHORITY, plugin="attendance")
    with host.write() as session:
        # Replaced in bulk: a webinar's thousands of outcomes are not thousands of UPDATEs.
        employee_ids = [values["employee_id"] for values in changed]
        for start_at in range(0, len(employee_ids), 1000):
            session.execute(
                delete(Outcome).where(
                    Outcome.session_id == plan.id,
                    Outcome.employee_id.in_(employee_ids[start_at : start_at + 1000]),
                )
            )
        host.insert_rows(session, Outcome.__table__, changed)
    voided = sum(1 for s in statements if s["verb"]["id"] == VOIDED)
    return Recorded(
        stored=len(statements) - voided,
        voided=voided,
        unchanged=unchanged,
        people=len(everyone),
        present=present,
        without_identity=tuple(without),
    )
