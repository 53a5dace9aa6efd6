"""``/api/assignments``: create, list, delete and import, each an administrative action.

Malformed requests get a 400 whose errors name the JSON path (or CSV line and
column); nothing is half-done; every view needs its own scope, which ``all``
does not grant.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.assignments.conftest import AML, FIRE, admin_actions, auth, create
from tests.plugins.conftest import RecordingPlugin


def test_created_assignments_are_listed_and_deleted_as_admin_actions(
    directory: None, app: Flask, client: FlaskClient, writer: dict[str, str],
    recorder: RecordingPlugin,
) -> None:
    made = create(client, writer, group="Sales", activity=AML, due="2026-06-30",
                  every_months=12, due_soon_days=30)
    assert made | {"created": "", "created_by": ""} == {
        "id": made["id"], "group": "Sales", "activities": [AML], "program": None,
        "due": "2026-06-30", "every_months": 12, "due_soon_days": 30, "created": "",
        "created_by": ""}
    assert made["created_by"].startswith("credential:")
    program = create(client, writer, person="E1", program="Onboarding",
                     activities=[AML, FIRE], due="2026-03-31")
    listed = client.get("/api/assignments", headers=writer).get_json()["assignments"]
    assert [a["id"] for a in listed] == [made["id"], program["id"]]
    assert client.delete(f"/api/assignments/{made['id']}", headers=writer).status_code == 204
    assert client.delete(f"/api/assignments/{made['id']}", headers=writer).status_code == 404
    listed = client.get("/api/assignments", headers=writer).get_json()["assignments"]
    assert [a["id"] for a in listed] == [program["id"]]
    actions = [a for a in admin_actions(app, recorder) if a.action.startswith("assignment")]
    assert [(a.action, a.target) for a in actions] == [
        ("assignment.created", f"assignment:{made['id']}"),
        ("assignment.created", f"assignment:{program['id']}"),
        ("assignment.deleted", f"assignment:{made['id']}")]
    assert actions[0].details["after"]["group"] == "Sales"
    assert actions[2].details["before"]["activities"] == [AML]
    assert actions[0].actor == made["created_by"] and actions[0].source["ip"]


def test_the_same_assignment_twice_is_a_conflict(
    directory: None, client: FlaskClient, writer: dict[str, str],
) -> None:
    made = create(client, writer, person="E1", activity=AML, due="2026-06-30")
    again = client.post("/api/assignments", headers=writer,
                        json={"person": "E1", "activity": AML, "due": "2026-06-30"})
    assert again.status_code == 409
    assert again.get_json()["message"] == f"assignment {made['id']} already assigns this"


@pytest.mark.parametrize(("body", "errors"), [
    ({"activity": AML, "due": "2026-06-30"},
     [("$.person", "give either a person (employee id) or a group name")]),
    ({"person": "E1", "group": "Sales", "activity": AML, "due": "2026-06-30"},
     [("$.person", "give either a person (employee id) or a group name")]),
    ({"person": "E9", "activity": AML, "due": "2026-06-30"},
     [("$.person", "no person with employee id 'E9' in the directory")]),
    ({"person": "E1", "activity": "not an iri", "due": "2026-02-30"},
     [("$.activity", "must be an IRI, e.g. https://example.com/courses/aml"),
      ("$.due", "a date YYYY-MM-DD is required")]),
    ({"person": "E1", "activities": [AML, 7], "due": "2026-06-30", "every_months": 0,
      "due_soon_days": True, "colour": "red"},
     [("$.colour", "unknown field"),
      ("$.activities[1]", "must be an IRI, e.g. https://example.com/courses/aml"),
      ("$.every_months", "must be a whole number from 1 to 120"),
      ("$.due_soon_days", "must be a whole number from 0 to 366")]),
    ({"person": ["E1"], "activities": [], "due": 20260630},
     [("$.person", "must be a string of 1 to 200 characters"),
      ("$.activities", "must be a list of 1 to 200 activity IRIs"),
      ("$.due", "a date YYYY-MM-DD is required")]),
    ([{"person": "E1"}], [("$", "must be an object")]),
])
def test_malformed_assignments_are_refused_with_json_paths(
    directory: None, client: FlaskClient, writer: dict[str, str], body: Any,
    errors: list[tuple[str, str]],
) -> None:
    response = client.post("/api/assignments", headers=writer, json=body)
    assert response.status_code == 400, response.get_json()
    assert [(e["path"], e["message"]) for e in response.get_json()["errors"]] == errors
    assert client.get("/api/assignments", headers=writer).get_json() == {"assignments": []}


@pytest.mark.parametrize(("method", "url", "data", "status"), [
    ("POST", "/api/assignments", b'{"person": "E1",', 400),
    ("POST", "/api/assignments", b"\xff\xfe", 400),
    ("DELETE", "/api/assignments/99999999999999999999999", b"", 404),
    ("DELETE", "/api/assignments/abc", b"", 404),
    ("DELETE", "/api/assignments/²", b"", 404),
    ("GET", "/api/assignments/status?assignment=²", b"", 400),
    ("GET", "/api/assignments/status?as_of=2026-13-01", b"", 400),
    ("GET", "/api/assignments/status?assignment=-1", b"", 400),
    ("GET", "/api/assignments/status?assignment=99999999999999999999", b"", 400),
    ("POST", "/api/assignments/import", b"person,activity,due\n", 415),
    ("GET", "/api/assignments/status?as_of=9999-12-31", b"", 400),
    ("POST", "/api/assignments", b'{"person": "E1", "activity": "https://x/y", '
                                 b'"due": "9999-12-31"}', 400),
])
def test_bad_requests_get_a_json_4xx_never_a_500(
    directory: None, client: FlaskClient, writer: dict[str, str], method: str, url: str,
    data: bytes, status: int,
) -> None:
    response = client.open(url, method=method, data=data, headers={
        **writer, "Content-Type": "application/json"})
    assert response.status_code == status, response.data
    assert response.get_json()["message"]


def test_csv_import_checks_every_row_then_creates_all_or_nothing(
    directory: None, app: Flask, client: FlaskClient, writer: dict[str, str],
    recorder: RecordingPlugin,
) -> None:
    csv = ("person,group,activities,program,due,every_months,due_soon_days\n"
           f",Sales,{AML},,2026-06-30,12,\n"
           f"E1,,{AML};{FIRE},Onboarding,2026-03-31,,7\n")
    headers = {**writer, "Content-Type": "text/csv"}
    bad = client.post("/api/assignments/import", headers=headers, data=(
        csv + f"E1,,{AML},,2026-31-03,x,\nE9,,{AML},,2026-03-31,,\n"))
    assert bad.status_code == 400
    assert [(e["path"], e["message"]) for e in bad.get_json()["errors"]] == [
        ("line 4, every_months", "'x' is not a whole number"),
        ("line 4, due", "a date YYYY-MM-DD is required")]
    unknown = client.post("/api/assignments/import", headers=headers,
                          data=csv + f"E9,,{AML},,2026-03-31,,\n")
    assert [(e["path"], e["message"]) for e in unknown.get_json()["errors"]] == [
        ("line 4, person", "no person with employee id 'E9' in the directory")]
    assert client.get("/api/assignments", headers=writer).get_json() == {"assignments": []}
    dry = client.post("/api/assignments/import?dry_run=true", headers=headers, data=csv)
    assert dry.get_json() == {"created": 2, "unchanged": 0, "dry_run": True}
    assert client.get("/api/assignments", headers=writer).get_json() == {"assignments": []}
    done = client.post("/api/assignments/import", headers=headers, data=csv)
    assert done.get_json() == {"created": 2, "unchanged": 0, "dry_run": False}
    again = client.post("/api/assignments/import", headers=headers, data=csv)
    assert again.get_json() == {"created": 0, "unchanged": 2, "dry_run": False}
    listed = client.get("/api/assignments", headers=writer).get_json()["assignments"]
    assert [(a.get("group") or a.get("person"), a["activities"], a["every_months"])
            for a in listed] == [("Sales", [AML], 12), ("E1", [AML, FIRE], None)]
    imports = [a for a in admin_actions(app, recorder) if a.action == "assignments.imported"]
    assert [a.details for a in imports] == [{"created": 2, "unchanged": 0},
                                           {"created": 0, "unchanged": 2}]


def test_each_view_needs_its_scope_and_all_grants_none(
    directory: None, app: Flask, client: FlaskClient,
) -> None:
    reader = auth(app, "assignments/read")
    xapi = auth(app, "all")
    spec = {"person": "E1", "activity": AML, "due": "2026-06-30"}
    assert client.post("/api/assignments", headers=reader, json=spec).status_code == 403
    assert client.post("/api/assignments", headers=xapi, json=spec).status_code == 403
    assert client.get("/api/assignments", headers=xapi).status_code == 403
    assert client.get("/api/assignments/status", headers=xapi).status_code == 403
    assert client.delete("/api/assignments/1", headers=reader).status_code == 403
    assert client.get("/api/assignments").status_code == 401
    assert client.get("/api/assignments", headers=reader).status_code == 200
