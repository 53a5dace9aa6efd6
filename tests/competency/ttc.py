"""Building known situations for time-to-competency tests: people with hire dates,
groups, rules and attainment rows written straight into the plugin's tables (the
engine that fills them is tested on its own)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from click.testing import Result
from flask import Flask

from lrs.plugin.host import Host
from plugins.competency.models import Attainment, Evidence, EvidenceRule

COMPETENCY = "https://example.com/competencies/fire-safety"
COURSE = "https://example.com/courses/fire-safety"
URL = "/api/competency/time-to-competency"


def host_of(app: Flask) -> Host:
    return app.extensions["lrs"].host


def us(day: date | datetime) -> int:
    moment = day if isinstance(day, datetime) else datetime(day.year, day.month, day.day)
    return int(moment.replace(tzinfo=UTC).timestamp() * 1_000_000)


def person_id(employee_id: str) -> Any:
    """The employee id as the tables' ``person_id`` column takes it (the directory's
    employee ids here are digits, so an integer column works too)."""
    return Attainment.__table__.c.person_id.type.python_type(employee_id)


def people(
    app: Flask,
    cli: Callable[..., Result],
    rows: Iterable[tuple[str, str, str | None]],
    *groups: str,
) -> None:
    """``(employee id, department, hire date or None)`` into the directory, and a rule
    group per department named in ``groups``."""
    records = [
        {
            "employee_id": e,
            "display_name": f"Person {e}",
            "email": f"p{e}@example.com",
            "department": department,
            **({"hire_date": hired} if hired else {}),
        }
        for e, department, hired in rows
    ]
    result = host_of(app).import_people(1, records, actor="test")
    assert not result.errors, result.errors
    for group in groups:
        made = cli("people", "groups", "create", group, "--rule", f"department = {group}")
        assert made.exit_code == 0, made.output


def attained(
    app: Flask, employee_id: str, when: date | datetime, competency: str = COMPETENCY
) -> None:
    with host_of(app).write() as session:
        session.add(
            Attainment(
                tenant_id=1,
                person_id=person_id(employee_id),
                competency_uri=competency,
                state="attained",
                confidence=1.0,
                evidence_count=1,
                first_attained_us=us(when),
                attained_since_us=us(when),
                lapses_us=None,
                updated_us=us(when),
            )
        )


def not_attained(app: Flask, employee_id: str) -> None:
    """A person working on it: evidence so far, but no attainment."""
    with host_of(app).write() as session:
        session.add(
            Attainment(
                tenant_id=1,
                person_id=person_id(employee_id),
                competency_uri=COMPETENCY,
                state="not_attained",
                confidence=0.2,
                evidence_count=1,
                first_attained_us=None,
                attained_since_us=None,
                lapses_us=None,
                updated_us=0,
            )
        )


def evidence(app: Flask, employee_id: str, when: date | datetime) -> None:
    with host_of(app).write() as session:
        session.add(
            Evidence(
                tenant_id=1,
                person_id=person_id(employee_id),
                competency_uri=COMPETENCY,
                statement_id=f"00000000-0000-4000-8000-{int(employee_id):012d}",
                route="rule",
                rule_id=None,
                verb="http://adlnet.gov/expapi/verbs/passed",
                positive=True,
                weight=1.0,
                scaled=None,
                occurred_us=us(when),
                expires_us=None,
                recorded_us=0,
            )
        )


def rule(app: Flask, target: str = COURSE, kind: str = "activity") -> None:
    with host_of(app).write() as session:
        session.add(
            EvidenceRule(
                tenant_id=1,
                target_kind=kind,
                target=target,
                competencies=json.dumps([COMPETENCY]),
                verbs="[]",
                min_scaled=None,
                success_required=False,
                weight=1.0,
                valid_days=None,
                enabled=True,
                created_us=0,
                updated_us=0,
            )
        )


def journey(
    app: Flask, employee_id: str, department: str, days: float, done: bool, end: date
) -> tuple[str, str, str]:
    """A person hired so that, observed until ``end``, they took ``days`` to attain
    (``done``) or have been at it ``days`` days (censored)."""
    if done:
        hired = end - timedelta(days=40)
        attained(
            app, employee_id, datetime.combine(hired, datetime.min.time()) + timedelta(days=days)
        )
    else:
        hired = end - timedelta(days=days)
        not_attained(app, employee_id)
    return employee_id, department, hired.isoformat()
