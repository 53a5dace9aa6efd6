"""``/api/kpis``: definitions created, replaced, deleted and listed with their values, every
change audited, refusals as JSON naming the path, and the scopes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from lrs.plugin.testing import ApiCredential, deliver
from tests.kpi.conftest import ingest, kpi, week_41
from tests.plugins.conftest import RecordingPlugin

URL = "/api/kpis"


@pytest.fixture
def recorded(make_kpi_app: Callable[..., Flask]) -> tuple[Flask, RecordingPlugin]:
    recorder = RecordingPlugin()
    return make_kpi_app(recorder), recorder


def test_a_kpi_is_created_shown_replaced_and_deleted_each_change_audited(
    recorded: tuple[Flask, RecordingPlugin],
    lrs_make_credential: Callable[..., ApiCredential],
) -> None:
    app, recorder = recorded
    headers = lrs_make_credential("kpi/read", "kpi/write", app=app).headers
    client = app.test_client()
    deliver(app)
    recorder.calls.clear()
    spec = kpi("pass-rate", "pass_rate", params={"attempt": "first"}, population={"group": "Pilot"})
    created = client.post(URL, json=spec, headers=headers)
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["target"] == {"op": ">=", "value": 85, "at_risk": 10.0}
    assert (body["level"], body["current"], body["values"]) == (None, None, [])
    assert client.post(URL, json=spec, headers=headers).status_code == 409

    changed = client.put(
        f"{URL}/pass-rate", headers=headers, json={**spec, "target": {"op": ">=", "value": 90}}
    )
    assert changed.status_code == 200
    assert client.get(f"{URL}/pass-rate", headers=headers).get_json()["target"]["value"] == 90
    assert (
        client.put(
            f"{URL}/pass-rate", headers=headers, json={**spec, "target": {"op": ">=", "value": 90}}
        ).status_code
        == 200
    )
    new = client.put(f"{URL}/weekly", headers=headers, json=kpi("weekly", "active_learners"))
    assert new.status_code == 201
    assert [k["key"] for k in client.get(URL, headers=headers).get_json()["kpis"]] == [
        "pass-rate",
        "weekly",
    ]
    assert client.delete(f"{URL}/pass-rate", headers=headers).status_code == 204
    assert client.get(f"{URL}/pass-rate", headers=headers).status_code == 404

    deliver(app)
    actions = [
        (c["event"].action, c["event"].target, c["event"].actor.startswith("credential:"))
        for c in recorder.called("admin_action_taken")
    ]
    # The unchanged PUT is not an action.
    assert actions == [
        ("kpi.created", "kpi:pass-rate", True),
        ("kpi.updated", "kpi:pass-rate", True),
        ("kpi.created", "kpi:weekly", True),
        ("kpi.deleted", "kpi:pass-rate", True),
    ]
    updated = recorder.called("admin_action_taken")[1]["event"].details
    assert (updated["before"]["target"]["value"], updated["after"]["target"]["value"]) == (85, 90)


@pytest.mark.parametrize(
    ("change", "path", "message"),
    [
        ({"key": "Bad Key"}, "$.key", "must be 1-200 lowercase letters"),
        ({"measure": "happiness"}, "$.measure", "must be one of completion_rate"),
        (
            {"params": {"attempt": "third"}, "measure": "pass_rate"},
            "$.params.attempt",
            "must be one of first, any",
        ),
        ({"params": {"basis": "assigned"}}, "$.params.basis", "pass_rate takes no 'basis'"),
        ({"population": {"team": "x"}}, "$.population", 'must be "everyone"'),
        ({"population": {"rule": "department ~ Sales"}}, "$.population.rule", "at character"),
        ({"target": {"op": "==", "value": 3}}, "$.target.op", "must be one of >=, >, <=, <"),
        ({"target": {"op": ">=", "value": "80%"}}, "$.target.value", "must be a number"),
        (
            {"target": {"change": 0, "baseline": {"periods_before": 4}}},
            "$.target.change",
            "non-zero",
        ),
        (
            {"target": {"change": -30, "baseline": {"periods_before": 10**30}}},
            "$.target.baseline.periods_before",
            "from 1 to 120",
        ),
        (
            {"target": {"change": -30, "baseline": {"since": "2026-02-01", "until": "2026-01-01"}}},
            "$.target.baseline.until",
            "must be after since",
        ),
        ({"period": "fortnight"}, "$.period", "must be one of week, month, quarter"),
        ({"measure": []}, "$.measure", "must be one of"),
        ({"measure": {"pass_rate": 1}}, "$.measure", "must be one of"),
        ({"period": {"start": "2026-01-05", "end": "someday"}}, "$.period.end", "must be a date"),
        ({"owner": ""}, "$.owner", "must be a non-empty string"),
        ({"colour": "red"}, "$.colour", "is not a field of a KPI"),
    ],
)
def test_a_malformed_kpi_is_a_400_naming_the_path(
    client: FlaskClient, auth: dict[str, str], change: dict[str, Any], path: str, message: str
) -> None:
    response = client.post(URL, json={**kpi("k", "pass_rate"), **change}, headers=auth)
    assert response.status_code == 400
    body = response.get_json()
    assert body["error"] == "bad_request"
    assert any(e["path"] == path and message in e["message"] for e in body["errors"]), body
    assert client.get(URL, headers=auth).get_json()["kpis"] == []


def test_requests_that_cannot_be_read_are_json_400s(
    client: FlaskClient, auth: dict[str, str]
) -> None:
    not_json = client.post(URL, data="{", headers={**auth, "Content-Type": "application/json"})
    assert (not_json.status_code, not_json.get_json()["errors"][0]["path"]) == (400, "$")
    assert "not valid JSON" in not_json.get_json()["message"]
    client.post(URL, json=kpi("k", "active_learners"), headers=auth)
    other = client.put(f"{URL}/k", json=kpi("other", "active_learners"), headers=auth)
    assert (other.status_code, other.get_json()["errors"][0]["path"]) == (400, "$.key")
    bad_day = client.post(f"{URL}/evaluate?as_of=tomorrow", headers=auth)
    assert (bad_day.status_code, bad_day.get_json()["errors"][0]["path"]) == (400, "query.as_of")
    early = client.post(f"{URL}/evaluate?as_of=0001-01-01", headers=auth)
    assert (early.status_code, early.get_json()["errors"][0]["path"]) == (400, "query.as_of")
    too_many = client.post(f"{URL}/k/evaluate?periods=0", headers=auth)
    assert too_many.get_json()["errors"][0]["path"] == "query.periods"
    for number in ("\u00b2", "\u0663", "9" * 5000):  # isdigit() took them, int() did not
        odd = client.post(f"{URL}/k/evaluate", query_string={"periods": number}, headers=auth)
        assert (odd.status_code, odd.get_json()["errors"][0]["path"]) == (400, "query.periods")
        alerts = client.get(f"{URL}/alerts", query_string={"limit": number}, headers=auth)
        assert (alerts.status_code, alerts.get_json()["errors"][0]["path"]) == (400, "query.limit")
    unknown = client.get(f"{URL}/nope/history", headers=auth)
    assert (unknown.status_code, unknown.get_json()["error"]) == (404, "not_found")


def test_reading_needs_kpi_read_and_changing_kpi_write(
    kpi_app: Flask,
    client: FlaskClient,
    lrs_make_credential: Callable[..., ApiCredential],
    reader: dict[str, str],
) -> None:
    everything = lrs_make_credential("all", app=kpi_app).headers
    assert client.get(URL, headers=everything).status_code == 403
    assert client.get(URL).status_code == 401
    assert client.get(URL, headers=reader).status_code == 200
    assert client.get(f"{URL}/alerts", headers=reader).status_code == 200
    assert client.post(URL, json=kpi("k", "active_learners"), headers=reader).status_code == 403
    assert client.post(f"{URL}/evaluate", headers=reader).status_code == 403
    assert client.delete(f"{URL}/k", headers=reader).status_code == 403


def test_the_list_carries_each_kpis_current_value_for_a_dashboard(
    kpi_app: Flask, client: FlaskClient, auth: dict[str, str], reader: dict[str, str]
) -> None:
    ingest(kpi_app, week_41())
    client.post(
        URL,
        json=kpi(
            "active",
            "active_learners",
            population={"group": "Pilot"},
            target={"op": ">=", "value": 4},
        ),
        headers=auth,
    )
    client.post(f"{URL}/evaluate?as_of=2026-10-14&periods=2", headers=auth)
    (listed,) = client.get(URL, headers=reader).get_json()["kpis"]
    assert listed["current"]["period"]["label"] == "2026-W42"
    assert (listed["current"]["value"], listed["current"]["status"]) == (0.0, "at_risk")
    assert listed["values"] == [
        {"period": "2026-W41", "value": 4.0, "status": "on_track"},
        {"period": "2026-W42", "value": 0.0, "status": "at_risk"},
    ]
    history = client.get(f"{URL}/active/history", headers=reader).get_json()["history"]
    assert [(h["period"]["label"], h["closed"], h["trend"]) for h in history] == [
        ("2026-W42", False, -4.0),
        ("2026-W41", True, None),
    ]
