"""Evaluation across periods: targets, statuses and their changes (recorded as alerts),
relative targets on another plugin's metric, completion over assignments, the automatic
evaluation after delivered batches, and the measures offered as ``kpi.*`` metrics."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from lrs.plugin.hookspecs import hookimpl
from lrs.plugin.metrics import Metric
from lrs.plugin.testing import ApiCredential
from tests.kpi.conftest import COURSE, ingest, kpi, week_41

URL = "/api/kpis"


def evaluate(client: FlaskClient, auth: dict[str, str], as_of: str, periods: int = 1) -> dict:
    response = client.post(
        f"{URL}/evaluate", headers=auth, query_string={"as_of": as_of, "periods": periods}
    )
    assert response.status_code == 200, response.get_json()
    return {(r["kpi"], r["period"]["label"]): r for r in response.get_json()["results"]}


def test_status_changes_across_periods_are_recorded_and_notified(
    program: Flask,
    client: FlaskClient,
    auth: dict[str, str],
    lrs_make_credential: Callable[..., ApiCredential],
) -> None:
    notified = lrs_make_credential("notifications/read", app=program).headers
    client.post(
        URL, headers=auth, json=kpi("pilot-pass", "pass_rate", population={"group": "Pilot"})
    )
    # Sunday of week 41: 2 of 4 first attempts passed, the week still running.
    first = evaluate(client, auth, "2026-10-11")[("pilot-pass", "2026-W41")]
    assert (first["value"], first["target"], first["status"], first["closed"]) == (
        50.0,
        85.0,
        "at_risk",
        False,
    )
    # Wednesday of week 42: week 41 closed short of 85 by more than 10 %; week 42 all passed.
    later = evaluate(client, auth, "2026-10-14", periods=2)
    assert (
        later[("pilot-pass", "2026-W41")]["status"],
        later[("pilot-pass", "2026-W41")]["closed"],
    ) == ("missed", True)
    assert (
        later[("pilot-pass", "2026-W42")]["value"],
        later[("pilot-pass", "2026-W42")]["status"],
        later[("pilot-pass", "2026-W42")]["trend"],
    ) == (100.0, "on_track", 50.0)
    alerts = client.get(f"{URL}/alerts", headers=auth).get_json()["alerts"]
    assert [(a["kpi"], a["period"], a["previous"], a["status"]) for a in alerts] == [
        ("pilot-pass", "2026-W42", "missed", "on_track"),
        ("pilot-pass", "2026-W41", "at_risk", "missed"),
    ]
    # Each change is raised as a notification (e-mail, webhooks, the notifications page).
    notifications = client.get(
        "/api/notifications", headers=notified, query_string={"topic": "kpi.status_changed"}
    ).get_json()["notifications"]
    assert [(n["subject"], n["data"]["status"], n["plugin"]) for n in notifications] == [
        ("KPI Pilot Pass: on track (2026-W42, was missed)", "on_track", "kpi"),
        ("KPI Pilot Pass: missed (2026-W41, was at risk)", "missed", "kpi"),
    ]
    # Evaluating again changes nothing and raises no alert.
    evaluate(client, auth, "2026-10-14", periods=2)
    assert len(client.get(f"{URL}/alerts", headers=auth).get_json()["alerts"]) == 2


@pytest.mark.parametrize(
    ("target", "status"),
    [
        ({"op": ">=", "value": 60, "at_risk": 50}, "at_risk"),  # 33.33 >= 60 - 30
        ({"op": ">=", "value": 60}, "missed"),
        ({"op": "<", "value": 40}, "on_track"),
        ({"op": "<=", "value": 30, "at_risk": 12}, "at_risk"),  # 33.33 <= 30 + 3.6
    ],
)
def test_a_closed_period_short_of_its_target_is_at_risk_within_the_margin(
    program: Flask, client: FlaskClient, auth: dict[str, str], target: dict, status: str
) -> None:
    client.post(
        URL,
        headers=auth,
        json=kpi(
            "control-any",
            "pass_rate",
            target=target,
            params={"attempt": "any"},
            population={"group": "Control"},
        ),
    )
    result = evaluate(client, auth, "2026-10-20")  # week 43: nothing happened
    assert result[("control-any", "2026-W43")]["status"] == "no_data"
    week = evaluate(client, auth, "2026-10-12", periods=2)[("control-any", "2026-W41")]
    assert (week["value"], week["status"]) == (33.33, status)


class TimeToCompetency:
    """Stands in for the competency plugin's metric: days per group, known in advance."""

    plugin_name = "competency-stand-in"
    DAYS = {"Pilot": 25.0, "Control": 40.0}

    @hookimpl
    def register_metrics(self, host: Any) -> list[Metric]:
        def compute(
            host: Any,
            tenant_id: int,
            since: datetime | None,
            until: datetime | None,
            filters: dict[str, str],
        ) -> float | None:
            return self.DAYS.get(filters.get("group", ""))

        return [
            Metric(
                name="competency.time_to_competency",
                title="Time to competency",
                description="Days from start to proficiency.",
                unit="days",
                compute=compute,
                filters=("group",),
            )
        ]


def test_time_to_competency_uses_the_metric_another_plugin_registered(
    make_kpi_app: Callable[..., Flask], lrs_make_credential: Callable[..., ApiCredential]
) -> None:
    app = make_kpi_app(TimeToCompetency())
    client = app.test_client()
    auth = lrs_make_credential("kpi/read", "kpi/write", app=app).headers
    client.post(
        URL,
        headers=auth,
        json=kpi(
            "ttc",
            "time_to_competency",
            population={"group": "Pilot"},
            period="quarter",
            target={"change": -30, "baseline": {"group": "Control"}},
        ),
    )
    result = evaluate(client, auth, "2026-10-14")[("ttc", "2026-Q4")]
    # 30 % below the control group's 40 days: 28 or less.
    assert (result["value"], result["baseline"], result["target"], result["op"]) == (
        25.0,
        40.0,
        28.0,
        "<=",
    )
    assert result["status"] == "on_track"


def test_without_the_metric_time_to_competency_has_no_data_and_says_why(
    kpi_app: Flask, client: FlaskClient, auth: dict[str, str]
) -> None:
    client.post(
        URL,
        headers=auth,
        json=kpi("ttc", "time_to_competency", period="quarter", target={"op": "<=", "value": 30}),
    )
    result = evaluate(client, auth, "2026-10-14")[("ttc", "2026-Q4")]
    assert (result["value"], result["status"]) == (None, "no_data")
    assert "competency.time_to_competency" in result["note"]


def test_completion_over_assignments_counts_assigned_people(
    kpi_app: Flask, client: FlaskClient, auth: dict[str, str]
) -> None:
    host = kpi_app.extensions["lrs"].host
    host.create_assignment(
        1, {"group": "Pilot", "activity": COURSE, "due": "2026-10-31"}, actor="test"
    )
    ingest(kpi_app, week_41())
    client.post(
        URL,
        headers=auth,
        json=kpi(
            "assigned",
            "completion_rate",
            params={"basis": "assigned"},
            target={"op": ">=", "value": 80},
        ),
    )
    # P1-P3 of the 4 pilot learners assigned the course completed it in week 41.
    result = evaluate(client, auth, "2026-10-11")[("assigned", "2026-W41")]
    assert (result["value"], result["sample"], result["status"]) == (75.0, 4, "at_risk")
    before = evaluate(client, auth, "2026-10-04")[("assigned", "2026-W40")]
    assert (before["value"], before["sample"]) == (0.0, 4)


def test_kpis_are_evaluated_after_delivered_batches(
    make_kpi_app: Callable[..., Flask],
    lrs_make_credential: Callable[..., ApiCredential],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LRS_PLUGIN_KPI_EVALUATE_SECONDS", "0")
    app = make_kpi_app()
    client = app.test_client()
    auth = lrs_make_credential("kpi/read", "kpi/write", app=app).headers
    client.post(URL, headers=auth, json=kpi("active", "active_learners"))
    assert client.get(URL, headers=auth).get_json()["kpis"][0]["current"] is None
    ingest(app, week_41())
    current = client.get(URL, headers=auth).get_json()["kpis"][0]["current"]
    assert current is not None and current["closed"] is False


def test_the_measures_are_offered_as_metrics(
    program: Flask, lrs_make_credential: Callable[..., ApiCredential]
) -> None:
    client = program.test_client()
    headers = lrs_make_credential("metrics/read", app=program).headers
    names = [m["name"] for m in client.get("/api/metrics", headers=headers).get_json()["metrics"]]
    assert {"kpi.pass_rate", "kpi.completion_rate", "kpi.active_learners"} <= set(names)
    body = client.get(
        "/api/metrics/kpi.pass_rate",
        headers=headers,
        query_string={
            "group": "Pilot",
            "attempt": "any",
            "since": "2026-10-05",
            "until": "2026-10-12",
        },
    )
    assert body.get_json()["value"] == 75.0
    bad = client.get("/api/metrics/kpi.pass_rate?group=Nobody", headers=headers)
    assert (bad.status_code, bad.get_json()["message"]) == (400, "no group 'Nobody'")
