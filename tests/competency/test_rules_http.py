"""``/api/competency/rules``: create, list, show, replace, delete; every refusal names the
JSON path; scopes; each change an audited administrative action."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from lrs.plugin.testing import ApiCredential, deliver
from tests.competency.conftest import FA1, LISTEN, PASSED
from tests.plugins.conftest import RecordingPlugin

COURSE = "https://lms.example.com/courses/listening"


def actions(app: Flask, recorder: RecordingPlugin) -> list[Any]:
    deliver(app)
    return [
        call["event"]
        for call in recorder.called("admin_action_taken")
        if call["event"].action.startswith("competency.rule_")
    ]


def test_rules_are_created_listed_replaced_and_deleted_each_audited(
    seeded_app: Flask, xapi: dict[str, str], recorder: RecordingPlugin
) -> None:
    client = seeded_app.test_client()
    body = {
        "target_kind": "activity",
        "target": COURSE,
        "competencies": [LISTEN, FA1],
        "min_scaled": 0.8,
        "valid_days": 365,
    }
    created = client.post("/api/competency/rules", json=body, headers=xapi)
    assert created.status_code == 201, created.get_json()
    rule = created.get_json()
    assert rule["competencies"] == [LISTEN, FA1]
    assert rule["verbs"] == [] and PASSED in rule["counting_verbs"]
    assert rule["negative_verbs"] == ["http://adlnet.gov/expapi/verbs/failed"]
    assert (rule["weight"], rule["success_required"], rule["enabled"]) == (1.0, False, True)

    listed = client.get("/api/competency/rules", headers=xapi).get_json()["rules"]
    assert [r["id"] for r in listed] == [rule["id"]]
    shown = client.get(f"/api/competency/rules/{rule['id']}", headers=xapi).get_json()
    assert shown == rule

    replaced = client.put(
        f"/api/competency/rules/{rule['id']}",
        json={**body, "target_kind": "program", "weight": 2, "verbs": [PASSED]},
        headers=xapi,
    )
    assert replaced.status_code == 200
    assert (replaced.get_json()["target_kind"], replaced.get_json()["weight"]) == ("program", 2.0)
    assert replaced.get_json()["counting_verbs"] == [PASSED]

    assert client.delete(f"/api/competency/rules/{rule['id']}", headers=xapi).status_code == 204
    assert client.get("/api/competency/rules", headers=xapi).get_json() == {"rules": []}
    missing = client.get(f"/api/competency/rules/{rule['id']}", headers=xapi)
    assert missing.status_code == 404 and missing.get_json()["error"] == "not_found"
    assert client.delete("/api/competency/rules/abc", headers=xapi).status_code == 404
    for odd in ("%C2%B2", "9223372036854775808", "9" * 5000):  # no id: none stored either
        assert client.get(f"/api/competency/rules/{odd}", headers=xapi).status_code == 404
        assert client.delete(f"/api/competency/rules/{odd}", headers=xapi).status_code == 404

    events = actions(seeded_app, recorder)
    assert [e.action for e in events] == [
        "competency.rule_created",
        "competency.rule_updated",
        "competency.rule_deleted",
    ]
    assert {e.target for e in events} == {f"competency_rule:{rule['id']}"}
    assert events[0].actor.startswith("credential:")
    assert events[1].details["target_kind"] == "program"


@pytest.mark.parametrize(
    ("change", "path", "message"),
    [
        ({"target_kind": "course"}, "$.target_kind", "must be one of"),
        ({"target": "not an iri"}, "$.target", "must be an IRI"),
        ({"competencies": []}, "$.competencies", "non-empty list"),
        ({"competencies": [LISTEN, "urn:nope"]}, "$.competencies[1]", "not a competency"),
        ({"competencies": [LISTEN, 3]}, "$.competencies[1]", "must be a string"),
        ({"verbs": ["passed"]}, "$.verbs[0]", "must be an IRI"),
        ({"min_scaled": 1.5}, "$.min_scaled", "from 0 to 1"),
        ({"min_scaled": -0.1}, "$.min_scaled", "from 0 to 1"),
        ({"weight": 0}, "$.weight", "greater than 0"),
        ({"weight": "heavy"}, "$.weight", "greater than 0"),
        ({"valid_days": 0}, "$.valid_days", "at least 1"),
        ({"success_required": "yes"}, "$.success_required", "true or false"),
        ({"colour": "red"}, "$.colour", "unknown field"),
    ],
)
def test_a_bad_rule_is_refused_naming_the_json_path(
    seeded_app: Flask, xapi: dict[str, str], change: dict[str, Any], path: str, message: str
) -> None:
    client = seeded_app.test_client()
    body = {"target_kind": "activity", "target": COURSE, "competencies": [LISTEN], **change}
    response = client.post("/api/competency/rules", json=body, headers=xapi)
    assert response.status_code == 400
    errors = response.get_json()["errors"]
    assert any(e["path"] == path and message in e["message"] for e in errors), errors
    assert client.get("/api/competency/rules", headers=xapi).get_json() == {"rules": []}


def test_a_body_that_is_no_json_object_is_refused(seeded_app: Flask, xapi: dict[str, str]) -> None:
    client = seeded_app.test_client()
    response = client.post("/api/competency/rules", data="{", headers=xapi)
    assert response.status_code == 400
    assert response.get_json()["errors"] == [
        {"path": "$", "message": "Expecting property name enclosed in double quotes at line 1 "
                                 "column 2"}
    ]
    response = client.post("/api/competency/rules", json=[1], headers=xapi)
    assert response.get_json()["errors"] == [{"path": "$", "message": "not an object"}]


def test_rules_need_the_competency_scopes(
    seeded_app: Flask, lrs_make_credential: Callable[..., ApiCredential]
) -> None:
    client = seeded_app.test_client()
    body = {"target_kind": "activity", "target": COURSE, "competencies": [LISTEN]}
    reader = lrs_make_credential("competency/read", app=seeded_app, name="reader").headers
    everything = lrs_make_credential("all", app=seeded_app, name="lrs").headers
    assert client.get("/api/competency/rules", headers=reader).status_code == 200
    assert client.post("/api/competency/rules", json=body, headers=reader).status_code == 403
    assert client.get("/api/competency/rules", headers=everything).status_code == 403
    assert client.post("/api/competency/rules", json=body).status_code == 401


def test_rules_of_another_store_are_not_found(seeded_app: Flask, xapi: dict[str, str]) -> None:
    """A rule id of the default store is unknown to a credential of another store."""
    from lrs.store.credentials import create_credential
    from lrs.store.tenants import create_tenant

    client = seeded_app.test_client()
    rule = client.post(
        "/api/competency/rules",
        json={"target_kind": "activity", "target": COURSE, "competencies": [LISTEN]},
        headers=xapi,
    ).get_json()
    runtime = seeded_app.extensions["lrs"]
    with runtime.db.write() as session:
        tenant = create_tenant(session, "acme")
        issued = create_credential(
            session,
            runtime.settings.secret_key,
            name="acme",
            scopes=["competency/read", "competency/write"],
            known_scopes=runtime.scopes,
            tenant_id=tenant.id,
        )
    other = ApiCredential(issued.key, issued.secret, tuple(issued.scopes)).headers
    assert client.get(f"/api/competency/rules/{rule['id']}", headers=other).status_code == 404
    assert client.get("/api/competency/rules", headers=other).get_json() == {"rules": []}
    refused = client.post(
        "/api/competency/rules",
        json={"target_kind": "activity", "target": COURSE, "competencies": [LISTEN]},
        headers=other,
    )
    assert refused.get_json()["errors"][0]["path"] == "$.competencies[0]"
