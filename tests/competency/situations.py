"""Known situations for the views (profile, heat map, gaps, exports, credentials): a
framework, a few people in a group, and attainment and evidence rows written straight
into the plugin's tables, as the attainment engine would leave them.

Lapse dates are relative to :data:`NOW` (the views' clock, when the tests start), so
that ``lapsed`` is decided the same on every run.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from flask import Flask
from sqlalchemy import insert

from lrs.services.groups import add_members, create_group
from plugins.competency.frameworks import import_package
from plugins.competency.models import Attainment, Evidence
from plugins.competency.package import read_package
from tests.competency.conftest import package

HOSTILE = '<img src=x onerror="alert(1)">'
#: Names in other scripts, which the PDF must show.
FOREIGN = "Юлия Ωμέγα"
#: A name a spreadsheet would run as a formula.
FORMULA = '=HYPERLINK("http://evil.example")'
DAY = 86_400_000_000


def us(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp() * 1_000_000)


NOW = time.time_ns() // 1000
PEOPLE = [
    {
        "employee_id": "E1",
        "display_name": "Ada Lovelace",
        "email": "ada@example.com",
        "department": "Safety",
    },
    {"employee_id": "E2", "display_name": HOSTILE, "email": "e2@example.com"},
    {"employee_id": "E3", "display_name": FOREIGN, "email": "julia@example.com"},
    {"employee_id": "E4", "display_name": FORMULA, "email": "e4@example.com"},
]
GROUP = "Wardens"


def item_uris() -> dict[str, str]:
    """The fixture framework's item URIs by code (``HS.1``)."""
    return {i["humanCodingScheme"]: i["uri"] for i in package()["CFItems"]}


@dataclass
class Situation:
    framework: str
    uris: dict[str, str]
    #: Evidence statement ids by (employee id, code).
    statements: dict[tuple[str, str], list[str]] = field(default_factory=dict)


def attainment(person_id: str, uri: str, state: str, **values: Any) -> dict[str, Any]:
    row = {
        "tenant_id": 1,
        "person_id": person_id,
        "competency_uri": uri,
        "state": state,
        "confidence": 0.0,
        "evidence_count": 0,
        "first_attained_us": None,
        "attained_since_us": None,
        "lapses_us": None,
        "updated_us": NOW,
    }
    return {**row, **values}


def seed(app: Flask, *, hostile_statement: bool = False) -> Situation:
    """The situation: the safety framework (one statement written as markup when
    ``hostile_statement``); E1 to E4, E1 to E3 in the group "Wardens"; attainments:

    - E1: HS attained, HS.1 attained (2 evidence statements, one against), HS.2 attained
      but lapsed yesterday, FA.1 conflicting, FA.2 not attained;
    - E2: HS.1 attained, FA.2 attained (lapses in 150 days);
    - E3: nothing;  E4: HS.1 attained (outside the group).
    """
    core = app.extensions["lrs"]
    host = core.host
    data = package()
    if hostile_statement:
        data["CFItems"][1]["fullStatement"] = HOSTILE
    import_package(host, 1, read_package(data), actor="test")
    assert not host.import_people(1, PEOPLE, actor="test").errors
    create_group(core, actor="test", name=GROUP)
    add_members(core, actor="test", name=GROUP, employee_ids=["E1", "E2", "E3"])
    situation = Situation(data["CFDocument"]["identifier"], item_uris())
    u = situation.uris
    evidence = []
    for employee, code, positive, when in (
        ("E1", "HS.1", True, "2026-03-01T10:00:00"),
        ("E1", "HS.1", False, "2026-02-01T10:00:00"),
        ("E1", "HS.2", True, "2025-06-01T10:00:00"),
        ("E2", "HS.1", True, "2026-04-01T10:00:00"),
        ("E2", "FA.2", True, "2026-05-01T10:00:00"),
        ("E4", "HS.1", True, "2026-05-01T10:00:00"),
    ):
        email = next(p["email"] for p in PEOPLE if p["employee_id"] == employee)
        [statement_id] = host.ingest(
            1,
            [
                {
                    "actor": {"mbox": f"mailto:{email}"},
                    "verb": {
                        "id": "http://adlnet.gov/expapi/verbs/"
                        + ("passed" if positive else "failed")
                    },
                    "object": {"id": u[code]},
                    "timestamp": when + "Z",
                }
            ],
            authority={"mbox": "mailto:test@example.com", "objectType": "Agent"},
        )
        situation.statements.setdefault((employee, code), []).append(statement_id)
        evidence.append(
            {
                "tenant_id": 1,
                "person_id": employee,
                "competency_uri": u[code],
                "statement_id": statement_id,
                "route": "object",
                "rule_id": None,
                "verb": "http://adlnet.gov/expapi/verbs/" + ("passed" if positive else "failed"),
                "positive": positive,
                "weight": 1.0,
                "scaled": 0.9 if positive else 0.3,
                "occurred_us": us(when),
                "expires_us": NOW - DAY if code == "HS.2" else None,
                "recorded_us": NOW,
            }
        )
    rows = [
        attainment(
            "E1",
            u["HS"],
            "attained",
            confidence=0.8,
            evidence_count=0,
            first_attained_us=us("2026-03-01T10:00:00"),
            attained_since_us=us("2026-03-01T10:00:00"),
        ),
        attainment(
            "E1",
            u["HS.1"],
            "attained",
            confidence=0.75,
            evidence_count=2,
            first_attained_us=us("2026-03-01T10:00:00"),
            attained_since_us=us("2026-03-01T10:00:00"),
            lapses_us=NOW + 90 * DAY,
        ),
        attainment(
            "E1",
            u["HS.2"],
            "attained",
            confidence=0.6,
            evidence_count=1,
            first_attained_us=us("2025-06-01T10:00:00"),
            attained_since_us=us("2025-06-01T10:00:00"),
            lapses_us=NOW - DAY,
        ),
        attainment("E1", u["FA.1"], "conflicting", confidence=0.5, evidence_count=2),
        attainment("E1", u["FA.2"], "not_attained", confidence=0.1, evidence_count=1),
        attainment(
            "E2",
            u["HS.1"],
            "attained",
            confidence=1.0,
            evidence_count=1,
            first_attained_us=us("2026-04-01T10:00:00"),
            attained_since_us=us("2026-04-01T10:00:00"),
        ),
        attainment(
            "E2",
            u["FA.2"],
            "attained",
            confidence=0.9,
            evidence_count=1,
            first_attained_us=us("2026-05-01T10:00:00"),
            attained_since_us=us("2026-05-01T10:00:00"),
            lapses_us=NOW + 150 * DAY,
        ),
        attainment(
            "E4",
            u["HS.1"],
            "attained",
            confidence=1.0,
            evidence_count=1,
            first_attained_us=us("2026-05-01T10:00:00"),
            attained_since_us=us("2026-05-01T10:00:00"),
        ),
    ]
    with host.write() as session:
        session.execute(insert(Evidence), evidence)
        session.execute(insert(Attainment), rows)
    return situation
