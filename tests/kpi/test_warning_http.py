"""``/api/kpis/warnings``: scopes, JSON errors with their paths, filters by manager and
group, people's actions recorded in the history and the audit trail, rule changes,
tenant isolation, and the facts fed by delivered batches (voiding, throttled
evaluation)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from lrs.plugin.testing import ApiCredential, deliver
from lrs.services.groups import add_members, create_group
from lrs.store.credentials import create_credential
from lrs.store.tenants import create_tenant
from tests.conftest import basic_auth, sql_statements
from tests.kpi.warning_program import *  # noqa: F403 (its fixtures)
from tests.kpi.warning_program import (
    GROUP,
    QUIZ,
    STATEMENTS,
    evaluate,
    flagged,
    flags,
)
from tests.plugins.conftest import RecordingPlugin

URL = "/api/kpis/warnings"


def errors(response: Any, status: int) -> list[tuple[str, str]]:
    assert response.status_code == status, response.get_json()
    body = response.get_json()
    assert body["message"]
    return [(e["path"], e["message"]) for e in body["errors"]]


def one(
    client: FlaskClient, credential: ApiCredential, employee_id: str, rule: str, **query: str
) -> dict[str, Any]:
    return next(
        f for f in flags(client, credential, rule=rule, **query) if f["employee_id"] == employee_id
    )


def audited(app: Flask, recorder: RecordingPlugin, prefix: str) -> list[Any]:
    deliver(app)
    return [
        c["event"]
        for c in recorder.called("admin_action_taken")
        if c["event"].action.startswith(prefix)
    ]


@pytest.mark.parametrize(
    ("scopes", "allowed"),
    [
        (("kpi/read",), {"rules"}),
        (("kpi/risk",), {"list", "rules", "act", "backtest"}),
        (("kpi/write",), {"rules", "put", "evaluate"}),
        (("all",), set()),
    ],
)
def test_each_endpoint_needs_its_scope(
    program: Flask,
    client: FlaskClient,
    credential: ApiCredential,
    lrs_make_credential: Callable[..., ApiCredential],
    scopes: tuple[str, ...],
    allowed: set[str],
) -> None:
    evaluate(client, credential, "2026-03-12")
    flag = flags(client, credential)[0]["id"]
    calls = {
        "list": ("get", URL, None),
        "rules": ("get", f"{URL}/rules", None),
        "act": ("post", f"{URL}/{flag}/actions", {"action": "acknowledged"}),
        "backtest": (
            "get",
            f"{URL}/backtest?group={GROUP}&since=2026-03-01&until=2026-03-31",
            None,
        ),
        "put": ("put", f"{URL}/rules/inactive", {"params": {"days": 20}}),
        "evaluate": ("post", f"{URL}/evaluate", {"as_of": "2026-03-12"}),
    }
    headers = lrs_make_credential(*scopes, app=program).headers
    for name, (method, url, body) in calls.items():
        response = getattr(client, method)(url, json=body, headers=headers)
        assert response.status_code == (200 if name in allowed else 403), (name, response.data)
        assert response.is_json
    assert client.get(URL).status_code == 401


def test_malformed_requests_say_what_and_where(
    program: Flask, client: FlaskClient, credential: ApiCredential
) -> None:
    h = credential.headers
    assert (
        errors(client.get(URL, query_string={"status": "bogus", "rule": "nope"}, headers=h), 400)[
            0
        ][0]
        == "query.status"
    )
    assert [
        p for p, _ in errors(client.get(URL, query_string={"rule": "nope"}, headers=h), 400)
    ] == ["query.rule"]
    assert errors(client.get(URL, query_string={"group": "Nobody"}, headers=h), 404) == [
        ("query.group", "no group named 'Nobody'")
    ]
    bad_rule = client.put(
        f"{URL}/rules/inactive",
        headers=h,
        json={"enabled": "yes", "params": {"days": 0, "colour": 1}, "extra": True},
    )
    assert [p for p, _ in errors(bad_rule, 400)] == [
        "$.extra",
        "$.enabled",
        "$.params.days",
        "$.params.colour",
    ]
    assert errors(
        client.put(f"{URL}/rules/inactive", headers=h, json={"params": {"days": 2.5}}), 400
    ) == [("$.params.days", "must be a whole number")]
    assert errors(
        client.put(
            f"{URL}/rules/below_cohort_median", headers=h, json={"params": {"measure": "height"}}
        ),
        400,
    ) == [("$.params.measure", "must be one of score, progress")]
    assert errors(client.put(f"{URL}/rules/nope", headers=h, json={}), 404)[0][0] == "$"
    assert errors(
        client.put(
            f"{URL}/rules/inactive", headers=h, data="{not json", content_type="application/json"
        ),
        400,
    ) == [("$", "Expecting property name enclosed in double quotes at line 1 column 2")]
    assert errors(client.post(f"{URL}/evaluate", headers=h, json={"as_of": "yesterday"}), 400) == [
        ("$.as_of", "not a date YYYY-MM-DD")
    ]
    assert [
        p
        for p, _ in errors(
            client.post(f"{URL}/1/actions", headers=h, json={"action": "hug", "note": 5}), 400
        )
    ] == ["$.action", "$.note"]
    assert (
        errors(client.post(f"{URL}/999/actions", headers=h, json={"action": "contacted"}), 404)[0][
            1
        ]
        == "no early-warning flag 999"
    )
    assert errors(client.get(f"{URL}/999", headers=h), 404)[0][0] == "$"
    for odd in ("%C2%B2", "9223372036854775808", "9" * 5000):  # isdigit() took the first
        assert errors(client.get(f"{URL}/{odd}", headers=h), 404)[0][0] == "$"
    backtest = f"{URL}/backtest"
    assert errors(client.get(backtest, headers=h), 400) == [("query.group", "missing")]
    assert [
        p
        for p, _ in errors(
            client.get(
                backtest,
                headers=h,
                query_string={
                    "group": GROUP,
                    "since": "03/01/2026",
                    "until": "2026-03-31",
                    "every_days": "0",
                },
            ),
            400,
        )
    ] == ["query.since", "query.every_days"]


def test_actions_are_recorded_with_who_and_audited(
    program: Flask, client: FlaskClient, credential: ApiCredential, recorder: RecordingPlugin
) -> None:
    evaluate(client, credential, "2026-03-12")
    missed = one(client, credential, "L4", "missed_live_session")
    response = client.post(
        f"{URL}/{missed['id']}/actions",
        headers=credential.headers,
        json={"action": "contacted", "note": "Called; rebooked 03-17"},
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["status"] == "contacted"
    assert [(h["kind"], h["actor"]) for h in body["history"]] == [
        ("opened", "system"),
        ("alerted", "system"),
        ("contacted", f"credential:{credential.key}"),
    ]
    assert body["history"][-1]["note"] == "Called; rebooked 03-17"
    assert "kpi.learner_at_risk" in body["history"][1]["note"]
    [event] = audited(program, recorder, "kpi.warning.")
    assert (event.action, event.target, event.actor) == (
        "kpi.warning.contacted",
        f"kpi-warning:{missed['id']}",
        f"credential:{credential.key}",
    )
    assert event.details == {
        "employee_id": "L4",
        "rule": "missed_live_session",
        "note": "Called; rebooked 03-17",
    }
    # Contacted is still active; once the miss is older than 14 days it is resolved,
    # and a resolved flag takes no action.
    assert one(client, credential, "L4", "missed_live_session")["status"] == "contacted"
    evaluate(client, credential, "2026-03-26")
    assert (
        one(client, credential, "L4", "missed_live_session", status="resolved")["closed"]
        is not None
    )
    again = client.post(
        f"{URL}/{missed['id']}/actions", headers=credential.headers, json={"action": "acknowledged"}
    )
    assert errors(again, 409) == [("$.action", "the flag is resolved")]


def test_a_dismissed_flag_stays_dismissed_while_its_condition_holds(
    program: Flask, client: FlaskClient, credential: ApiCredential
) -> None:
    evaluate(client, credential, "2026-03-12")
    behind = one(client, credential, "L2", "behind_schedule")
    client.post(
        f"{URL}/{behind['id']}/actions",
        headers=credential.headers,
        json={"action": "dismissed", "note": "On leave"},
    )
    evaluate(client, credential, "2026-03-20")
    assert ("L2", "behind_schedule") not in flagged(client, credential)
    dismissed = one(client, credential, "L2", "behind_schedule", status="dismissed")
    assert dismissed["id"] == behind["id"]
    assert dismissed["reason"] == (
        "Behind schedule: 61% of the time to 2026-03-31 has gone and 'Onboarding' is 0% done."
    )


def test_filters_by_manager_and_group(
    program: Flask, client: FlaskClient, credential: ApiCredential
) -> None:
    evaluate(client, credential, "2026-03-20")
    assert {(f["employee_id"], f["manager"]) for f in flags(client, credential, manager="M1")} == {
        ("L2", "M1")
    }
    assert {f["employee_id"] for f in flags(client, credential, manager="M2")} == {"L4", "L7"}
    core = program.extensions["lrs"]
    create_group(core, actor="test", name="Night shift")
    add_members(core, actor="test", name="Night shift", employee_ids=["L7", "L1"])
    assert {
        (f["employee_id"], f["rule"]) for f in flags(client, credential, group="Night shift")
    } == {("L7", "behind_schedule"), ("L7", "inactive")}
    inactive = flags(client, credential, rule="inactive", manager="M1")
    assert [f["reason"] for f in inactive] == [
        "No activity for 16 days (last on 2026-03-04) while assigned 'Onboarding' (due 2026-03-31)."
    ]
    assert inactive[0]["facts"] == {
        "last_active": "2026-03-04",
        "window_opened": "2026-03-03",
        "days_inactive": 16,
        "assignments": [1],
    }


def test_rule_parameters_are_stored_audited_and_applied(
    program: Flask, client: FlaskClient, credential: ApiCredential, recorder: RecordingPlugin
) -> None:
    response = client.put(
        f"{URL}/rules/inactive", headers=credential.headers, json={"params": {"days": 5}}
    )
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["params"] == {"days": 5, "window_days": 28}
    rules = client.get(f"{URL}/rules", headers=credential.headers).get_json()["rules"]
    assert {r["rule"]: r["params"] for r in rules}["inactive"] == {"days": 5, "window_days": 28}
    assert {r["rule"]: r["defaults"] for r in rules}["inactive"] == {"days": 14, "window_days": 28}
    assert {r["rule"]: r["help"] for r in rules}["inactive"]["days"] == (
        "Days without any statement."
    )
    [event] = audited(program, recorder, "kpi.warning_rule.")
    assert (event.target, event.details) == (
        "kpi-warning-rule:inactive",
        {"enabled": True, "params": {"days": 5, "window_days": 28}},
    )
    evaluate(client, credential, "2026-03-12")  # L2: 8 days, L7: 9 days since 03-03
    assert {p for p, r in flagged(client, credential) if r == "inactive"} == {"L2", "L7"}


def test_stores_are_isolated(
    program: Flask, client: FlaskClient, credential: ApiCredential
) -> None:
    evaluate(client, credential, "2026-03-20")
    flag = flags(client, credential)[0]["id"]
    rt = program.extensions["lrs"]
    with rt.db.write() as session:
        tenant = create_tenant(session, "acme")
        other = create_credential(
            session,
            rt.settings.secret_key,
            name="acme desk",
            scopes=["kpi/risk", "kpi/write"],
            tenant_id=tenant.id,
            known_scopes=rt.scopes,
        )
    acme = {"Authorization": basic_auth(other), "X-Experience-API-Version": "2.0.0"}
    assert client.get(URL, headers=acme).get_json() == {"warnings": []}
    assert client.get(f"{URL}/{flag}", headers=acme).status_code == 404
    assert (
        client.post(f"{URL}/{flag}/actions", headers=acme, json={"action": "dismissed"}).status_code
        == 404
    )
    assert (
        client.post(f"{URL}/evaluate", headers=acme, json={"as_of": "2026-03-20"}).get_json()[
            "resolved"
        ]
        == 0
    )
    assert len(flags(client, credential)) == 5


def test_a_voided_result_no_longer_counts(
    program: Flask, client: FlaskClient, credential: ApiCredential
) -> None:
    failed_quiz = next(
        s
        for s in STATEMENTS
        if s["actor"]["mbox"] == "mailto:l3@example.com" and s["object"]["id"] == QUIZ
    )
    voiding = {
        "id": str(uuid.uuid4()),
        "actor": {"mbox": "mailto:admin@example.com"},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/voided"},
        "object": {"objectType": "StatementRef", "id": failed_quiz["id"]},
    }
    assert (
        client.post("/xapi/statements", json=voiding, headers=credential.headers).status_code == 200
    )
    deliver(program)
    evaluate(client, credential, "2026-03-08")
    assert ("L3", "failed_first_assessment") not in flagged(client, credential)


def test_delivered_batches_evaluate_at_most_once_per_throttle(
    lrs_make_app: Callable[..., Flask],
    fresh_database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    lrs_make_credential: Callable[..., ApiCredential],
) -> None:
    from tests.kpi import warning_program

    monkeypatch.setenv("LRS_PLUGIN_KPI_WARNINGS_EVALUATE_SECONDS", "3600")
    app = lrs_make_app(installed=["kpi"], database_url=fresh_database_url)
    warning_program.seed(app)
    credential = lrs_make_credential("all", "kpi/risk", "kpi/write", app=app)
    client = app.test_client()
    client.post("/xapi/statements", json=STATEMENTS[:4], headers=credential.headers)
    deliver(app)
    # Evaluated as of today (long after 2026-03-31): everyone but L1 is overdue.
    overdue = {p for p, r in flagged(client, credential) if r == "behind_schedule"}
    assert overdue == {"L2", "L3", "L4", "L5", "L6", "L7"}
    client.put(f"{URL}/rules/behind_schedule", json={"enabled": False}, headers=credential.headers)
    client.post("/xapi/statements", json=STATEMENTS[4:], headers=credential.headers)
    deliver(app)
    # Within the hour: the batch fed the facts but evaluated nothing.
    assert {p for p, r in flagged(client, credential) if r == "behind_schedule"} == overdue
    client.post(f"{URL}/evaluate", json={}, headers=credential.headers)
    assert {r for _, r in flagged(client, credential)} <= {"inactive"}


def test_each_flag_opened_raises_one_learner_at_risk_notification(
    program: Flask, client: FlaskClient, credential: ApiCredential, recorder: RecordingPlugin
) -> None:
    evaluate(client, credential, "2026-03-08")
    evaluate(client, credential, "2026-03-08")  # nothing new: nothing raised
    deliver(program)
    raised = sorted(
        (c["event"] for c in recorder.called("notification_raised")), key=lambda e: e.subject
    )
    assert [(e.topic, e.subject, e.audience, e.plugin) for e in raised] == [
        ("kpi.learner_at_risk", "At risk: Learner 3 (L3): Failed first assessment", ("M1",), "kpi"),
        (
            "kpi.learner_at_risk",
            "At risk: Learner 3 (L3): Far below the cohort median",
            ("M1",),
            "kpi",
        ),
        (
            "kpi.learner_at_risk",
            "At risk: Learner 5 (L5): Far below the cohort median",
            ("M2",),
            "kpi",
        ),
    ]
    assert raised[0].text.endswith(
        "First attempt failed, not passed since: "
        "https://learn.example.com/onboarding/quiz on 2026-03-06 (score 40%)."
    )
    assert raised[0].data["flag"]["facts"]["activities"][0]["score"] == 0.4
    flag = client.get(f"{URL}/{raised[0].data['flag']['id']}", headers=credential.headers)
    assert flag.get_json()["history"][1]["note"] == (
        f"notification {raised[0].notification_id} (kpi.learner_at_risk)"
    )


def test_a_batch_costs_the_same_round_trips_whatever_its_size(
    kpi_app: Flask, client: FlaskClient, credential: ApiCredential
) -> None:
    def delivered(count: int) -> list[str]:
        batch = [dict(s, id=str(uuid.uuid4())) for s in (STATEMENTS * 10)[:count]]
        assert (
            client.post("/xapi/statements", json=batch, headers=credential.headers).status_code
            == 200
        )
        with sql_statements(kpi_app) as executed:
            deliver(kpi_app)
        return [s for s in executed if "kpi_warning" in s]

    small, large = delivered(6), delivered(180)
    assert len(small) == len(large) == 2  # activity days, results: one INSERT each


def test_activity_before_the_window_opened_is_not_inactivity_in_it(
    program: Flask, client: FlaskClient, credential: ApiCredential
) -> None:
    early = dict(
        STATEMENTS[3],
        id=str(uuid.uuid4()),
        actor={"mbox": "mailto:l7@example.com"},
        timestamp="2026-01-10T12:00:00Z",
    )
    assert (
        client.post("/xapi/statements", json=early, headers=credential.headers).status_code == 200
    )
    deliver(program)
    evaluate(client, credential, "2026-03-12")  # 9 days since the window opened
    assert ("L7", "inactive") not in flagged(client, credential)
    evaluate(client, credential, "2026-03-20")
    assert one(client, credential, "L7", "inactive")["reason"] == (
        "No activity for 17 days (since the window opened on 2026-03-03; last on 2026-01-10) "
        "while assigned 'Onboarding' (due 2026-03-31)."
    )


def test_turning_a_rule_off_resolves_its_flags_saying_so(
    program: Flask, client: FlaskClient, credential: ApiCredential
) -> None:
    evaluate(client, credential, "2026-03-20")
    flag = one(client, credential, "L2", "inactive")
    client.put(f"{URL}/rules/inactive", json={"enabled": False}, headers=credential.headers)
    assert evaluate(client, credential, "2026-03-20")["resolved"] == 2
    history = client.get(f"{URL}/{flag['id']}", headers=credential.headers).get_json()
    assert (history["status"], history["history"][-1]["note"]) == (
        "resolved",
        "rule turned off as of 2026-03-20",
    )
