"""How each assigned person stands, through ``GET /api/assignments/status``.

Statements go in through ``POST /xapi/statements`` under any of a person's
identities (email, alias, LMS account); the directory and groups come from
``lrs people import`` and ``lrs people groups``. Dates are worked out by hand.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event

from tests.assignments.conftest import AML, DRILL, FIRE, LMS, auth, create, said, statuses


def test_a_group_assignment_expands_to_active_members_with_each_status(
    directory: None, client: FlaskClient, writer: dict[str, str],
    post_statements: Callable[..., list[str]],
) -> None:
    made = create(client, writer, group="Sales", activity=AML, due="2026-06-30")
    ada_done, bob_started = post_statements(
        said({"account": {"homePage": LMS, "name": "u1"}}, "completed", AML, "2026-05-02"),
        said("bob@example.com", "launched", AML, "2026-05-03"))
    # Carl (E4) is inactive: not assigned. Grace (E3) has no statement at all.
    assert statuses(client, writer, "2026-06-01") == {
        "E1": ("compliant", "2026-06-30"), "E2": ("in_progress", "2026-06-30"),
        "E3": ("not_started", "2026-06-30")}
    assert statuses(client, writer, "2026-06-16") == {
        "E1": ("compliant", "2026-06-30"), "E2": ("due_soon", "2026-06-30"),
        "E3": ("due_soon", "2026-06-30")}
    report = client.get("/api/assignments/status", headers=writer, query_string={
        "as_of": "2026-07-01", "assignment": made["id"]}).get_json()
    rows = {row["employee_id"]: row for row in report["statuses"]}
    assert {k: r["status"] for k, r in rows.items()} == {
        "E1": "compliant", "E2": "overdue", "E3": "overdue"}
    assert rows["E1"]["evidence"] == [{"statement": ada_done, "activity": AML,
                                       "verb": "http://adlnet.gov/expapi/verbs/completed",
                                       "on": "2026-05-02"}]
    assert rows["E1"]["completed"] == "2026-05-02" and not rows["E1"]["late"]
    assert rows["E2"]["started"] and rows["E2"]["evidence"][0]["statement"] == bob_started
    assert not rows["E3"]["started"] and rows["E3"]["evidence"] == []


def test_a_late_completion_of_a_one_off_assignment_is_compliant_and_late(
    directory: None, client: FlaskClient, writer: dict[str, str],
    post_statements: Callable[..., list[str]],
) -> None:
    create(client, writer, person="E2", activity=AML, due="2026-06-30", due_soon_days=0)
    post_statements(said("BOB@example.com", "passed", AML, "2026-07-09"))
    assert statuses(client, writer, "2026-07-08") == {"E2": ("overdue", "2026-06-30")}
    row = client.get("/api/assignments/status", headers=writer,
                     query_string={"as_of": "2026-07-10"}).get_json()["statuses"][0]
    assert (row["status"], row["completed"], row["late"]) == ("compliant", "2026-07-09", True)


def test_instructor_led_attendance_with_completion_counts_and_failures_do_not(
    directory: None, client: FlaskClient, writer: dict[str, str],
    post_statements: Callable[..., list[str]],
) -> None:
    create(client, writer, group="Sales", activity=DRILL, due="2026-06-30")
    post_statements(
        said("ada.l@example.org", "attended", DRILL, "2026-05-20",
             result={"completion": True}),                           # ILT, via an alias
        said("bob@example.com", "attended", DRILL, "2026-05-20",
             result={"completion": False}),                          # left early
        said("grace@example.com", "completed", DRILL, "2026-05-21",
             result={"success": False}))                             # completed, failed
    assert statuses(client, writer, "2026-06-01") == {
        "E1": ("compliant", "2026-06-30"), "E2": ("in_progress", "2026-06-30"),
        "E3": ("in_progress", "2026-06-30")}


def test_a_program_needs_every_activity_and_completes_on_the_last(
    directory: None, client: FlaskClient, writer: dict[str, str],
    post_statements: Callable[..., list[str]],
) -> None:
    create(client, writer, person="E1", program="Onboarding", activities=[AML, FIRE],
           due="2026-06-30")
    post_statements(said("ada@example.com", "completed", AML, "2026-05-02"))
    assert statuses(client, writer, "2026-06-01") == {"E1": ("in_progress", "2026-06-30")}
    post_statements(said("ada@example.com", "experienced", FIRE, "2026-05-10",
                         result={"success": True}))
    row = client.get("/api/assignments/status", headers=writer,
                     query_string={"as_of": "2026-06-01"}).get_json()["statuses"][0]
    assert (row["status"], row["completed"]) == ("compliant", "2026-05-10")
    assert [e["activity"] for e in row["evidence"]] == [AML, FIRE]


def test_annual_recurrence_counts_each_completion_for_the_cycle_it_falls_in(
    directory: None, client: FlaskClient, writer: dict[str, str],
    post_statements: Callable[..., list[str]],
) -> None:
    # Due 2026-01-31, then 2027-01-31, 2028-01-31; "due soon" 14 days before each.
    create(client, writer, person="E1", activity=FIRE, due="2026-01-31", every_months=12)
    assert statuses(client, writer, "2025-12-01") == {"E1": ("not_started", "2026-01-31")}
    post_statements(said("ada@example.com", "completed", FIRE, "2025-12-15"))
    assert statuses(client, writer, "2026-01-20") == {"E1": ("compliant", "2026-01-31")}
    # Next cycle: still compliant on last cycle's completion until it is due soon.
    assert statuses(client, writer, "2026-06-01") == {"E1": ("compliant", "2027-01-31")}
    assert statuses(client, writer, "2027-01-17") == {"E1": ("due_soon", "2027-01-31")}
    # Cycle due 2027-01-31 missed: overdue on it, whatever the next due date.
    assert statuses(client, writer, "2027-02-01") == {"E1": ("overdue", "2027-01-31")}
    # A late completion counts for the cycle it falls in (due 2028-01-31).
    post_statements(said("ada@example.com", "completed", FIRE, "2027-02-10"))
    assert statuses(client, writer, "2027-03-01") == {"E1": ("compliant", "2028-01-31")}
    # A completion a year before the first due date is outside its window.
    post_statements(said("bob@example.com", "completed", FIRE, "2025-01-30"))
    create(client, writer, person="E2", activity=FIRE, due="2026-01-31", every_months=12)
    assert statuses(client, writer, "2026-01-01")["E2"] == ("not_started", "2026-01-31")


def test_month_end_monthly_cycles_follow_the_calendar(
    directory: None, client: FlaskClient, writer: dict[str, str],
    post_statements: Callable[..., list[str]],
) -> None:
    # Due Jan 31, Feb 28, Mar 31 (never the 28th again).
    create(client, writer, person="E3", activity=AML, due="2026-01-31", every_months=1,
           due_soon_days=3)
    post_statements(said("grace@example.com", "completed", AML, "2026-02-28"))
    assert statuses(client, writer, "2026-02-28") == {"E3": ("compliant", "2026-02-28")}
    assert statuses(client, writer, "2026-03-01") == {"E3": ("compliant", "2026-03-31")}
    assert statuses(client, writer, "2026-03-29") == {"E3": ("due_soon", "2026-03-31")}
    assert statuses(client, writer, "2026-04-01") == {"E3": ("overdue", "2026-03-31")}


def test_statuses_read_the_statements_once_whoever_is_assigned(
    directory: None, app: Flask, client: FlaskClient, writer: dict[str, str],
    post_statements: Callable[..., list[str]],
) -> None:
    for activity in (AML, FIRE, DRILL):
        create(client, writer, group="Sales", activity=activity, due="2026-06-30")
    post_statements(*[said(f"{who}@example.com", "completed", activity, "2026-05-02")
                      for who in ("ada", "bob", "grace") for activity in (AML, FIRE, DRILL)])
    seen: list[str] = []
    engine = app.extensions["lrs"].db.engine

    def count(*args: Any) -> None:
        if "statement_activities" in args[2]:
            seen.append(args[2])

    event.listen(engine, "before_cursor_execute", count)
    try:
        assert set(statuses(client, writer, "2026-06-01").values()) == {
            ("compliant", "2026-06-30")}
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(seen) == 1, seen


def test_another_store_sees_neither_the_assignments_nor_the_statuses(
    directory: None, app: Flask, client: FlaskClient, writer: dict[str, str], lrs: Any,
) -> None:
    made = create(client, writer, group="Sales", activity=AML, due="2026-06-30")
    assert lrs("tenants", "create", "acme").exit_code == 0
    acme = auth(app, "assignments/read", "assignments/write",
                tenant_id=app.extensions["lrs"].tenant_id("acme"))
    assert client.get("/api/assignments", headers=acme).get_json() == {"assignments": []}
    assert statuses(client, acme, "2026-06-01") == {}
    refused = client.get("/api/assignments/status", headers=acme,
                         query_string={"assignment": made["id"]})
    assert refused.status_code == 404, refused.get_json()
    assert client.delete(f"/api/assignments/{made['id']}", headers=acme).status_code == 404
    # Acme's directory has no group "Sales": assigning it is refused there.
    response = client.post("/api/assignments", headers=acme,
                           json={"group": "Sales", "activity": AML, "due": "2026-06-30"})
    assert response.status_code == 400
    assert response.get_json()["errors"] == [{"path": "$.group", "message":
                                              "no group named 'Sales' (lrs people groups list)"}]
    assert len(client.get("/api/assignments", headers=writer).get_json()["assignments"]) == 1


def test_plugins_get_the_assigned_people_with_their_cycle_due_date(
    directory: None, app: Flask, client: FlaskClient, writer: dict[str, str],
) -> None:
    host = app.extensions["lrs"].host
    annual = host.create_assignment(1, {"group": "Sales", "activity": FIRE,
                                        "due": "2026-01-31", "every_months": 12},
                                    actor="plugin:hr-sync")
    once = create(client, writer, person="E2", activity=AML, due="2026-06-30")
    assert [a.id for a in host.assignments(1)] == [annual.id, once["id"]]
    assigned = host.assigned_people(1, date(2026, 2, 1))
    assert [(a.assignment.id, a.person.id, a.due) for a in assigned] == [
        (annual.id, "E1", date(2027, 1, 31)), (annual.id, "E2", date(2027, 1, 31)),
        (annual.id, "E3", date(2027, 1, 31)), (once["id"], "E2", date(2026, 6, 30))]
    assert assigned[0].person.attributes["department"] == "Sales"
    assert annual.created_by == "plugin:hr-sync"
