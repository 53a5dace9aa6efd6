"""Which statements become evidence: each route (rules by activity, activity type and
program; statements naming a competency as object, in context, in a result extension),
the rules' conditions, voiding, people the directory does not know, redelivery, and the
plugin's own assertions (never evidence)."""

from __future__ import annotations

import logging
import uuid
from typing import Any

import pytest
from flask import Flask

from plugins.competency.evidence import EXTENSION
from tests.competency.conftest import BRIEF, COMM, COMPLETED, FA1, FAILED, LISTEN, PASSED, VERBS
from tests.competency.engine_helpers import (
    add_rule,
    assertions,
    attainments,
    evidence,
    history,
    send,
    stmt,
)

COURSE = "https://lms.example.com/courses/listening"
MODULE = "https://lms.example.com/courses/onboarding/module-3"
PROGRAM = "https://lms.example.com/programs/onboarding"
ASSESSMENT = "http://adlnet.gov/expapi/activities/assessment"


def routes(app: Flask) -> dict[tuple[str, str], tuple[str, bool]]:
    return {(e.statement_id, e.competency_uri): (e.route, e.positive) for e in evidence(app)}


def test_each_evidence_route(seeded_app: Flask, xapi: dict[str, str]) -> None:
    client = seeded_app.test_client()
    by_activity = add_rule(client, xapi, target=COURSE, competencies=[LISTEN])
    by_type = add_rule(
        client, xapi, target_kind="activity_type", target=ASSESSMENT, competencies=[BRIEF]
    )
    by_program = add_rule(
        client, xapi, target_kind="program", target=PROGRAM, competencies=[FA1], weight=2
    )
    statements = {
        "activity": stmt(COMPLETED, COURSE),
        "type": stmt(
            PASSED, "https://lms.example.com/quiz/7", object={"definition": {"type": ASSESSMENT}}
        ),
        "parent": stmt(
            COMPLETED, MODULE, context={"contextActivities": {"parent": [{"id": PROGRAM}]}}
        ),
        "grouping": stmt(
            PASSED, MODULE + "/quiz", context={"contextActivities": {"grouping": [{"id": PROGRAM}]}}
        ),
        "program itself": stmt(COMPLETED, PROGRAM),
        "object": stmt(PASSED, LISTEN),
        "category": stmt(
            PASSED,
            "https://coach.example.com/role-play/12",
            context={"contextActivities": {"category": [{"id": BRIEF}]}},
        ),
        "extension": stmt(
            COMPLETED,
            "https://lms.example.com/sim/4",
            result={"extensions": {EXTENSION: [LISTEN, BRIEF, "urn:not-a-competency"]}},
        ),
        "single extension": stmt(
            COMPLETED, "https://lms.example.com/sim/5", result={"extensions": {EXTENSION: FA1}}
        ),
        "unrelated": stmt(PASSED, "https://lms.example.com/courses/other"),
    }
    send(seeded_app, client, xapi, *statements.values())
    found = routes(seeded_app)
    ids = {name: s["id"] for name, s in statements.items()}
    assert found == {
        (ids["activity"], LISTEN): ("rule", True),
        (ids["type"], BRIEF): ("rule", True),
        (ids["parent"], FA1): ("rule", True),
        (ids["grouping"], FA1): ("rule", True),
        (ids["program itself"], FA1): ("rule", True),
        (ids["object"], LISTEN): ("object", True),
        (ids["category"], BRIEF): ("context", True),
        (ids["extension"], LISTEN): ("extension", True),
        (ids["extension"], BRIEF): ("extension", True),
        (ids["single extension"], FA1): ("extension", True),
    }
    rows = {(e.statement_id, e.competency_uri): e for e in evidence(seeded_app)}
    assert rows[(ids["activity"], LISTEN)].rule_id == by_activity["id"]
    assert rows[(ids["type"], BRIEF)].rule_id == by_type["id"]
    assert rows[(ids["parent"], FA1)].weight == 2.0
    assert rows[(ids["parent"], FA1)].rule_id == by_program["id"]
    assert rows[(ids["object"], LISTEN)].rule_id is None
    assert {e.person_id for e in evidence(seeded_app)} == {"E1"}


@pytest.mark.parametrize(
    ("rule", "verb", "result", "expected"),
    [
        ({}, PASSED, None, True),
        ({}, VERBS + "experienced", None, None),
        ({}, FAILED, None, False),
        ({}, COMPLETED, {"success": False}, False),
        ({"verbs": [VERBS + "attended"]}, VERBS + "attended", None, True),
        ({"verbs": [VERBS + "attended"]}, PASSED, None, None),
        ({"verbs": [VERBS + "attended"]}, FAILED, None, False),
        ({"min_scaled": 0.8}, PASSED, {"score": {"scaled": 0.85}}, True),
        ({"min_scaled": 0.8}, PASSED, {"score": {"scaled": 0.8}}, True),
        ({"min_scaled": 0.8}, PASSED, {"score": {"scaled": 0.5}}, False),
        ({"min_scaled": 0.8}, PASSED, None, None),
        ({"success_required": True}, COMPLETED, None, None),
        ({"success_required": True}, COMPLETED, {"success": True}, True),
    ],
)
def test_rule_conditions(
    seeded_app: Flask,
    xapi: dict[str, str],
    rule: dict[str, Any],
    verb: str,
    result: dict[str, Any] | None,
    expected: bool | None,
) -> None:
    client = seeded_app.test_client()
    add_rule(client, xapi, target=COURSE, competencies=[LISTEN], **rule)
    extra = {"result": result} if result is not None else {}
    sent = stmt(verb, COURSE, **extra)
    send(seeded_app, client, xapi, sent)
    found = routes(seeded_app)
    if expected is None:
        assert found == {}
    else:
        assert found == {(sent["id"], LISTEN): ("rule", expected)}


def test_a_disabled_rule_gives_no_evidence(seeded_app: Flask, xapi: dict[str, str]) -> None:
    client = seeded_app.test_client()
    add_rule(client, xapi, target=COURSE, competencies=[LISTEN], enabled=False)
    send(seeded_app, client, xapi, stmt(PASSED, COURSE))
    assert evidence(seeded_app) == []


def test_people_the_directory_does_not_know_are_skipped_and_counted(
    seeded_app: Flask, xapi: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    client = seeded_app.test_client()
    group = {"objectType": "Group", "member": [{"mbox": "mailto:ada@example.com"}]}
    with caplog.at_level(logging.INFO, logger="lrs.plugins.competency"):
        send(
            seeded_app,
            client,
            xapi,
            stmt(PASSED, LISTEN, "mailto:stranger@example.com"),
            {**stmt(PASSED, LISTEN), "actor": group},
            stmt(PASSED, LISTEN, "mailto:grace@example.com"),
        )
    assert [(e.person_id, e.competency_uri) for e in evidence(seeded_app)] == [("E2", LISTEN)]
    assert "2 statements of tenant 1 name no person of the directory" in caplog.text


def test_redelivered_statements_give_no_second_evidence(
    seeded_app: Flask, xapi: dict[str, str]
) -> None:
    client = seeded_app.test_client()
    sent = stmt(PASSED, LISTEN)
    send(seeded_app, client, xapi, sent)
    send(seeded_app, client, xapi, sent)  # a client's retry is announced again
    assert len(evidence(seeded_app)) == 1
    assert [(c.competency_uri, c.to_state) for c in history(seeded_app)] == [
        (LISTEN, "attained"),
        (COMM, "not_attained"),  # its other child is unknown
    ]
    assert len([s for s in assertions(client, xapi) if s["object"]["id"] == LISTEN]) == 1


def test_voiding_removes_the_evidence_and_what_it_gave(
    seeded_app: Flask, xapi: dict[str, str]
) -> None:
    client = seeded_app.test_client()
    sent = stmt(PASSED, LISTEN)
    send(seeded_app, client, xapi, sent)
    first = attainments(seeded_app)[LISTEN].first_attained_us
    voiding = {
        "id": str(uuid.uuid4()),
        "actor": {"mbox": "mailto:lms@example.com"},
        "verb": {"id": VERBS + "voided"},
        "object": {"objectType": "StatementRef", "id": sent["id"]},
    }
    send(seeded_app, client, xapi, voiding)
    assert evidence(seeded_app) == []
    row = attainments(seeded_app)[LISTEN]
    assert (row.state, row.evidence_count, row.first_attained_us) == ("unknown", 0, first)
    lost = [s for s in assertions(client, xapi) if s["result"]["success"] is False]
    assert [s["object"]["id"] for s in lost] == [LISTEN]


def test_the_plugins_own_assertions_are_never_evidence(
    seeded_app: Flask, xapi: dict[str, str]
) -> None:
    """The ``asserted`` statement's object is the competency: were it read as evidence,
    every assertion would feed the next."""
    client = seeded_app.test_client()
    send(seeded_app, client, xapi, stmt(PASSED, LISTEN))
    (assertion,) = [s for s in assertions(client, xapi) if s["object"]["id"] == LISTEN]
    assert [e.statement_id for e in evidence(seeded_app)] != [assertion["id"]]
    assert len(evidence(seeded_app)) == 1
