"""The attendance API: sessions, imports through the matching ladder, the review queue,
statements kept in step (idempotent, voided and replaced), scopes and stores."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from lrs.plugin.testing import ApiCredential, deliver
from lrs.store.credentials import create_credential
from lrs.store.tenants import create_tenant
from tests.attendance.conftest import (
    ACTIVITY,
    SESSION,
    attended,
    seeded,
    session_body,
    sheet,
    upload,
)
from tests.conftest import basic_auth
from tests.plugins.conftest import RecordingPlugin

ADA = "Ada L.,ada.lovelace@example.org,,2026-12-04 08:58,2026-12-04 10:00"
GRACE = "G. Hopper,,E2,2026-12-04 09:10,2026-12-04 09:40"
KATHERINE = "Kate J,,sub-kj-5,2026-12-04 09:00,2026-12-04 10:00"
ALAN = "Alan Turin,,,2026-12-04 09:00,2026-12-04 10:00"
TURNER = "Turner Alan,,,2026-12-04 09:00,2026-12-04 10:00"
ROOM = "Room 4 camera,,,2026-12-04 09:00,2026-12-04 10:00"


def people(client: FlaskClient, auth: dict[str, str]) -> dict[str, dict[str, Any]]:
    response = client.get(f"/api/attendance/sessions/{SESSION}/attendance", headers=auth)
    assert response.status_code == 200
    return {p["employee_id"]: p for p in response.get_json()["people"]}


def open_reviews(client: FlaskClient, auth: dict[str, str]) -> list[dict[str, Any]]:
    response = client.get("/api/attendance/reviews", headers=auth)
    assert response.status_code == 200
    return response.get_json()["reviews"]


def test_every_rung_of_the_ladder_is_recorded_and_the_rest_waits_for_review(
    client: FlaskClient,
    auth: dict[str, str],
    planned: dict[str, Any],
) -> None:
    response = upload(
        client,
        auth,
        sheet(
            ADA,
            GRACE,
            KATHERINE,
            ALAN,
            ROOM,
            "Katherine Jonson,,,2026-12-04 09:00,2026-12-04 10:00",
        ),
    )
    assert response.status_code == 200, response.get_json()
    summary = response.get_json()
    assert summary["matched_by"] == {
        "ambiguous": 1,
        "email": 1,
        "employee_id": 1,
        "name": 1,
        "sso_subject": 1,
        "unmatched": 1,
    }
    assert summary["to_review"] == 2 and summary["statements_stored"] == 3
    found = people(client, auth)
    assert {k: v["matched_by"] for k, v in found.items()} == {
        "E1": "email",
        "E2": "employee_id",
        "E5": "name,sso_subject",
    }
    assert found["E1"]["present"] and not found["E1"]["late"] and found["E1"]["minutes"] == 60
    assert not found["E2"]["present"] and found["E2"]["late"] and found["E2"]["minutes"] == 30
    reviews = open_reviews(client, auth)
    assert [(r["name"], r["reason"], r["candidates"]) for r in reviews] == [
        ("Alan Turin", "ambiguous", ["E3", "E4"]),
        ("Room 4 camera", "unmatched", []),
    ]
    listing = client.get(f"/api/attendance/sessions/{SESSION}/attendance", headers=auth)
    assert {p["employee_id"] for p in listing.get_json()["no_record"]} == {"E3", "E4"}

    statements = {s["actor"]["mbox"]: s for s in attended(client, auth)}
    assert set(statements) == {
        "mailto:ada@example.com",
        "mailto:grace@example.com",
        "mailto:kj@example.com",
    }
    ada = statements["mailto:ada@example.com"]
    assert ada["actor"]["name"] == "Ada Lovelace"
    assert ada["object"]["id"] == ACTIVITY
    assert ada["result"] == {"duration": "PT1H", "completion": True}
    assert ada["context"]["registration"] == planned["registration"]
    assert ada["context"]["instructor"]["mbox"] == "mailto:maria@example.com"
    assert statements["mailto:grace@example.com"]["result"] == {
        "duration": "PT30M",
        "completion": False,
    }


def test_a_name_is_matched_only_within_the_roster(
    client: FlaskClient,
    auth: dict[str, str],
    planned: dict[str, Any],
) -> None:
    client.put(
        f"/api/attendance/sessions/{SESSION}",
        headers=auth,
        json=session_body(roster={"people": ["E3"], "groups": []}),
    )
    assert (
        upload(
            client, auth, sheet(ALAN, "Grace Hopper,,,2026-12-04 09:00,2026-12-04 10:00")
        ).status_code
        == 200
    )
    # Alan Turing alone on the roster: unique; Grace is in the directory but not expected.
    assert {k: v["matched_by"] for k, v in people(client, auth).items()} == {"E3": "name"}
    assert [r["name"] for r in open_reviews(client, auth)] == ["Grace Hopper"]


def test_a_decision_is_remembered_for_later_imports(
    client: FlaskClient,
    auth: dict[str, str],
    planned: dict[str, Any],
) -> None:
    upload(client, auth, sheet(ADA, ALAN, ROOM))
    alan, room = open_reviews(client, auth)
    bad = client.post(
        f"/api/attendance/reviews/{alan['id']}", json={"employee_id": "E99"}, headers=auth
    )
    assert bad.status_code == 400 and bad.get_json()["errors"][0]["path"] == "$.employee_id"
    both = client.post(
        f"/api/attendance/reviews/{alan['id']}",
        json={"employee_id": "E3", "ignore": True},
        headers=auth,
    )
    assert both.status_code == 400 and both.get_json()["errors"][0]["path"] == "$"
    done = client.post(
        f"/api/attendance/reviews/{alan['id']}", json={"employee_id": "E3"}, headers=auth
    )
    assert done.status_code == 200 and done.get_json()["sessions_recorded"] == [SESSION]
    again = client.post(
        f"/api/attendance/reviews/{alan['id']}", json={"ignore": True}, headers=auth
    )
    assert again.status_code == 409
    for odd in ("%C2%B2", "9" * 30):  # isdigit() took ²: no review has either id
        missing = client.post(f"/api/attendance/reviews/{odd}", json={"ignore": True},
                              headers=auth)
        assert missing.status_code == 404, missing.get_json()
    assert (
        client.post(
            f"/api/attendance/reviews/{room['id']}", json={"ignore": True}, headers=auth
        ).status_code
        == 200
    )
    assert people(client, auth)["E3"]["matched_by"] == "review"
    assert len(attended(client, auth)) == 2

    second = upload(client, auth, sheet(ADA, ALAN, ROOM)).get_json()
    assert second["matched_by"] == {"email": 1, "ignored": 1, "review": 1}
    assert second["to_review"] == 0 and second["statements_stored"] == 0
    assert open_reviews(client, auth) == []
    # The same person in another session of the store is recognised too.
    client.post(
        "/api/attendance/sessions",
        headers=auth,
        json=session_body(key="follow-up", roster={"people": [], "groups": []}),
    )
    other = upload(client, auth, sheet(ALAN), key="follow-up").get_json()
    assert other["matched_by"] == {"review": 1}


def test_reimporting_the_same_file_stores_nothing_twice(
    client: FlaskClient,
    auth: dict[str, str],
    planned: dict[str, Any],
) -> None:
    first = upload(client, auth, sheet(ADA, GRACE)).get_json()
    ids = sorted(s["id"] for s in attended(client, auth))
    second = upload(client, auth, sheet(ADA, GRACE)).get_json()
    assert first["statements_stored"] == 2
    assert (second["statements_stored"], second["statements_voided"], second["unchanged"]) == (
        0,
        0,
        2,
    )
    assert sorted(s["id"] for s in attended(client, auth)) == ids


def test_a_changed_outcome_voids_the_statement_and_stores_its_replacement(
    client: FlaskClient,
    auth: dict[str, str],
    planned: dict[str, Any],
) -> None:
    upload(client, auth, sheet(ADA, GRACE))
    before = {s["actor"]["mbox"]: s["id"] for s in attended(client, auth)}
    # The corrected report: Grace stayed to the end; Ada is not in it any more.
    fixed = upload(client, auth, sheet("G. Hopper,,E2,2026-12-04 09:00,2026-12-04 10:00"))
    body = fixed.get_json()
    assert (body["statements_stored"], body["statements_voided"]) == (1, 2)
    now = {s["actor"]["mbox"]: s for s in attended(client, auth)}
    assert list(now) == ["mailto:grace@example.com"]
    assert now["mailto:grace@example.com"]["id"] != before["mailto:grace@example.com"]
    assert now["mailto:grace@example.com"]["result"]["completion"] is True
    voided = client.get(
        "/xapi/statements",
        headers=auth,
        query_string={"voidedStatementId": before["mailto:grace@example.com"]},
    )
    assert voided.status_code == 200
    assert voided.get_json()["result"]["completion"] is False
    found = people(client, auth)
    assert found["E1"]["statement_id"] is None and found["E1"]["minutes"] == 0


def test_a_sheet_and_a_second_source_are_merged(
    client: FlaskClient,
    auth: dict[str, str],
    planned: dict[str, Any],
) -> None:
    upload(client, auth, sheet("Ada,ada@example.com,,2026-12-04 09:00,2026-12-04 09:30"))
    zoom = (
        "Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes),Guest\n"
        "Ada Lovelace,ada@example.com,12/04/2026 09:25:00 AM,12/04/2026 10:00:00 AM,35,No\n"
    )
    response = upload(client, auth, zoom.encode(), source="zoom")
    assert response.status_code == 200, response.get_json()
    ada = people(client, auth)["E1"]
    assert ada["minutes"] == 60 and ada["present"]
    assert [s["result"]["duration"] for s in attended(client, auth)] == ["PT1H"]


def test_sessions_are_created_read_updated_and_deleted_with_json_errors(
    client: FlaskClient,
    auth: dict[str, str],
) -> None:
    bad = client.post(
        "/api/attendance/sessions",
        headers=auth,
        json=session_body(
            activity_id="not an iri",
            end="2026-12-04T08:00:00Z",
            start="2026-12-04T09:00:00Z",
            roster={"people": ["E99"], "groups": []},
            extra=1,
        ),
    )
    assert bad.status_code == 400
    assert {e["path"] for e in bad.get_json()["errors"]} == {"$.activity_id", "$.extra"}
    window = client.post(
        "/api/attendance/sessions", headers=auth, json=session_body(end="2026-12-04T08:00:00Z")
    )
    assert window.get_json()["errors"] == [{"path": "$.end", "message": "must be after start"}]
    for zone in ("Etc", "Mars/Olympus", "x" * 300):  # a folder, no zone, a name too long
        odd = client.post("/api/attendance/sessions", headers=auth,
                          json=session_body(timezone=zone))
        assert odd.status_code == 400, odd.get_json()
        assert [e["path"] for e in odd.get_json()["errors"]] == ["$.timezone"]
    nobody = client.post(
        "/api/attendance/sessions",
        headers=auth,
        json=session_body(roster={"people": ["E99"], "groups": ["Nope"]}),
    )
    assert nobody.status_code == 400
    assert nobody.get_json()["errors"][0]["path"] == "$.roster.people"
    for body in (b"{", b"[1]"):
        response = client.post(
            "/api/attendance/sessions",
            data=body,
            headers={**auth, "Content-Type": "application/json"},
        )
        assert response.status_code == 400 and response.get_json()["errors"]

    assert (
        client.post("/api/attendance/sessions", json=session_body(), headers=auth).status_code
        == 201
    )
    assert (
        client.post("/api/attendance/sessions", json=session_body(), headers=auth).status_code
        == 409
    )
    changed = client.put(
        f"/api/attendance/sessions/{SESSION}",
        headers=auth,
        json=session_body(title="Day one", location="Room 4"),
    )
    assert changed.status_code == 200 and changed.get_json()["location"] == "Room 4"
    listed = client.get("/api/attendance/sessions", headers=auth).get_json()["sessions"]
    assert [(s["key"], s["title"]) for s in listed] == [(SESSION, "Day one")]
    assert client.get("/api/attendance/sessions/nope", headers=auth).status_code == 404
    assert upload(client, auth, sheet(ADA), key="nope").status_code == 404
    garbage = upload(client, auth, b"\x00\x01 not a report")
    assert garbage.status_code == 400 and garbage.get_json()["errors"]
    assert upload(client, auth, sheet(ADA), source="fax").status_code == 400
    assert upload(client, auth, sheet(ADA), dry_run="maybe").status_code == 400
    dry = upload(client, auth, sheet(ADA), dry_run="true").get_json()
    assert dry["matched_by"] == {"email": 1} and "statements_stored" not in dry
    assert attended(client, auth) == []
    assert client.get("/api/attendance/reviews?status=closed", headers=auth).status_code == 400
    upload(client, auth, sheet(ADA))
    assert client.delete(f"/api/attendance/sessions/{SESSION}", headers=auth).status_code == 409
    client.post("/api/attendance/sessions", json=session_body(key="spare"), headers=auth)
    assert client.delete("/api/attendance/sessions/spare", headers=auth).status_code == 204
    assert client.get("/api/attendance/sessions/spare", headers=auth).status_code == 404


def test_scopes_guard_every_route(
    att_app: Flask,
    client: FlaskClient,
    lrs_make_credential: Callable[..., ApiCredential],
    planned: dict[str, Any],
) -> None:
    xapi_only = lrs_make_credential("all", app=att_app, name="lms").headers
    reader = lrs_make_credential("attendance/read", app=att_app, name="reader").headers
    assert client.get("/api/attendance/sessions").status_code == 401
    assert client.get("/api/attendance/sessions", headers=xapi_only).status_code == 403
    assert client.get("/api/attendance/sessions", headers=reader).status_code == 200
    assert client.get("/api/attendance/reviews", headers=reader).status_code == 200
    for method, url in (
        ("post", "/api/attendance/sessions"),
        ("put", f"/api/attendance/sessions/{SESSION}"),
        ("delete", f"/api/attendance/sessions/{SESSION}"),
        ("post", f"/api/attendance/sessions/{SESSION}/imports"),
        ("post", "/api/attendance/reviews/1"),
    ):
        assert getattr(client, method)(url, headers=reader, json={}).status_code == 403


def test_stores_are_isolated(
    att_app: Flask,
    client: FlaskClient,
    auth: dict[str, str],
    planned: dict[str, Any],
) -> None:
    upload(client, auth, sheet(ROOM))
    review = open_reviews(client, auth)[0]
    rt = att_app.extensions["lrs"]
    with rt.db.write() as session:
        tenant = create_tenant(session, "acme")
        other = create_credential(
            session,
            rt.settings.secret_key,
            name="acme desk",
            scopes=["all", "attendance/read", "attendance/write"],
            tenant_id=tenant.id,
            known_scopes=rt.scopes,
        )
    acme = {"Authorization": basic_auth(other), "X-Experience-API-Version": "2.0.0"}
    assert client.get("/api/attendance/sessions", headers=acme).get_json()["sessions"] == []
    assert client.get(f"/api/attendance/sessions/{SESSION}", headers=acme).status_code == 404
    assert open_reviews(client, acme) == []
    assert (
        client.post(
            f"/api/attendance/reviews/{review['id']}", json={"ignore": True}, headers=acme
        ).status_code
        == 404
    )
    # The same key in another store is another session; E1 is not in acme's directory.
    assert (
        client.post(
            "/api/attendance/sessions",
            headers=acme,
            json=session_body(instructor=None, roster={"people": [], "groups": []}),
        ).status_code
        == 201
    )
    body = upload(client, acme, sheet(ADA)).get_json()
    assert body["matched_by"] == {"unmatched": 1}
    assert open_reviews(client, auth)[0]["id"] == review["id"]


def test_moving_the_window_merges_again_and_replaces_statements(
    client: FlaskClient,
    auth: dict[str, str],
    planned: dict[str, Any],
) -> None:
    upload(client, auth, sheet(ADA))
    (before,) = attended(client, auth)
    assert before["result"] == {"duration": "PT1H", "completion": True}
    moved = client.put(
        f"/api/attendance/sessions/{SESSION}",
        headers=auth,
        json=session_body(end="2026-12-04T11:00:00Z"),
    )
    assert moved.status_code == 200
    (after,) = attended(client, auth)
    assert after["id"] != before["id"]
    assert after["result"] == {"duration": "PT1H", "completion": False}
    assert people(client, auth)["E1"]["left_early"] is True


def test_every_administrative_change_is_recorded_with_who_and_from_where(
    lrs_make_app: Callable[..., Flask],
    fresh_database_url: str,
    lrs_make_credential: Callable[..., ApiCredential],
    monkeypatch: Any,
) -> None:
    """Sessions created, changed and deleted, an import and a review decision each reach
    ``admin_action_taken`` once committed, naming the credential and the request."""
    monkeypatch.setenv("LRS_PLUGIN_ATTENDANCE_SSO_HOME_PAGE", "https://sso.example.com")
    recorder = RecordingPlugin()
    app = seeded(lrs_make_app(recorder, installed=["attendance"], database_url=fresh_database_url))
    client = app.test_client()
    auth = lrs_make_credential(
        "all", "attendance/read", "attendance/write", app=app, name="desk"
    ).headers
    assert client.post("/api/attendance/sessions", json=session_body(), headers=auth).status_code
    changed = session_body(title="Onboarding, day one")
    assert client.put(f"/api/attendance/sessions/{SESSION}", json=changed, headers=auth)
    assert upload(client, auth, sheet(ALAN, TURNER)).status_code == 200
    review = open_reviews(client, auth)[0]
    decided = client.post(
        f"/api/attendance/reviews/{review['id']}", json={"ignore": True}, headers=auth
    )
    assert decided.status_code == 200
    spare = session_body(key="spare", roster={"people": [], "groups": []})
    assert client.post("/api/attendance/sessions", json=spare, headers=auth).status_code == 201
    assert client.delete("/api/attendance/sessions/spare", headers=auth).status_code == 204
    deliver(app)
    events = [c["event"] for c in recorder.called("admin_action_taken")]
    assert [(e.action, e.target) for e in events if e.action.startswith("attendance.")] == [
        ("attendance.session_created", f"attendance_session:{SESSION}"),
        ("attendance.session_updated", f"attendance_session:{SESSION}"),
        ("attendance.imported", f"attendance_session:{SESSION}"),
        ("attendance.review_resolved", f"attendance_review:{review['id']}"),
        ("attendance.session_created", "attendance_session:spare"),
        ("attendance.session_deleted", "attendance_session:spare"),
    ]
    ours = [e for e in events if e.action.startswith("attendance.")]
    assert all(e.actor.startswith("credential:") and e.source["request_id"] for e in ours)
    assert ours[2].details["source"] == "sheet" and ours[3].details["decision"] == "ignore"
