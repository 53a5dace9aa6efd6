"""``GET /api/competency/time-to-competency``, ``lrs competency time-to-competency`` and the
``competency.time_to_competency`` metric, on known situations written into the tables."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from click.testing import Result
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update

from lrs.models.assignments import Assignment as AssignmentRow
from lrs.plugin.testing import ApiCredential
from lrs.store.credentials import create_credential
from lrs.store.tenants import create_tenant
from tests.competency.ttc import (
    COMPETENCY,
    COURSE,
    URL,
    attained,
    evidence,
    host_of,
    journey,
    not_attained,
    people,
    rule,
    us,
)
from tests.conftest import basic_auth
from tests.statistics.test_statistics import PLACEBO, SIX_MP, SIX_MP_RELAPSED

END = date(2026, 2, 1)


def report(client: FlaskClient, auth: dict[str, str], **params: str) -> dict[str, Any]:
    response = client.get(URL, query_string={"competency": COMPETENCY, **params}, headers=auth)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


@pytest.fixture
def small_example(comp_app: Flask, competency_cli: Callable[..., Result]) -> None:
    """The hand-computed example of tests/statistics (2, 3+, 4, 4, 6+, 8 days; + not
    attained yet) as six people of group Pilot observed until 2026-02-01, plus 1007 with
    no hire date and 1008 of another department."""
    people(
        comp_app,
        competency_cli,
        [
            ("1001", "Pilot", "2026-01-01"),
            ("1002", "Pilot", "2026-01-29"),
            ("1003", "Pilot", "2026-01-01"),
            ("1004", "Pilot", "2026-01-10"),
            ("1005", "Pilot", "2026-01-26"),
            ("1006", "Pilot", "2026-01-02"),
            ("1007", "Pilot", None),
            ("1008", "Other", "2026-01-01"),
        ],
        "Pilot",
    )
    attained(comp_app, "1001", date(2026, 1, 3))
    attained(comp_app, "1003", date(2026, 1, 5))
    attained(comp_app, "1004", date(2026, 1, 14))
    attained(comp_app, "1006", date(2026, 1, 10))
    attained(comp_app, "1008", date(2026, 1, 2))
    attained(comp_app, "1001", date(2025, 1, 1), competency="https://example.com/other")


def test_kaplan_meier_of_a_group_matches_the_hand_computed_example(
    client: FlaskClient, auth: dict[str, str], small_example: None
) -> None:
    """Survival 5/6 after day 2, 5/12 after day 4, 0 after day 8 (see
    tests/statistics/test_statistics.py); the median and 25th percentile are day 4."""
    body = report(client, auth, group="Pilot", until="2026-02-01")

    cohort = body["cohort"]
    assert (cohort["label"], cohort["n"], cohort["attained"], cohort["censored"]) == (
        "Pilot",
        6,
        4,
        2,
    )
    assert cohort["excluded"] == {"no_start": 1}
    assert cohort["median_days"] == 4
    assert cohort["percentiles_days"] == {"25": 4, "50": 4, "75": 8}
    assert [(p["days"], p["at_risk"], p["attained"], p["censored"]) for p in cohort["curve"]] == [
        (2, 6, 1, 0),
        (3, 5, 0, 1),
        (4, 4, 2, 0),
        (6, 2, 0, 1),
        (8, 1, 1, 0),
    ]
    assert [p["remaining"] for p in cohort["curve"]] == pytest.approx(
        [5 / 6, 5 / 6, 5 / 12, 5 / 12, 0], abs=1e-6
    )
    days = {p["employee_id"]: (p["days"], p["censored"]) for p in cohort["people"]}
    assert days == {
        "1001": (2, False),
        "1002": (3, True),
        "1003": (4, False),
        "1004": (4, False),
        "1005": (6, True),
        "1006": (8, False),
    }
    assert body["baseline"] is None and body["comparison"] is None
    assert body["as_of"] == "2026-02-01T00:00:00Z"


def test_without_a_group_everyone_the_competency_concerns_is_counted(
    client: FlaskClient, auth: dict[str, str], small_example: None
) -> None:
    """Those with an attainment row for it: 1008 of another department counts, 1007
    (no record) and the people without a row for it (1002, 1005) do not."""
    cohort = report(client, auth, until="2026-02-01")["cohort"]

    assert cohort["label"] == "everyone"
    assert sorted(p["employee_id"] for p in cohort["people"]) == [
        "1001",
        "1003",
        "1004",
        "1006",
        "1008",
    ]


def test_attainment_after_the_end_of_observation_is_censored(
    client: FlaskClient, auth: dict[str, str], small_example: None
) -> None:
    cohort = report(client, auth, group="Pilot", until="2026-01-12")["cohort"]

    days = {p["employee_id"]: (p["days"], p["censored"]) for p in cohort["people"]}
    # 1004 attained on the 14th: on the 12th they had been at it 2 days.
    assert days["1004"] == (2, True)
    # Hired after the 12th: not in the cohort.
    assert "1002" not in days and cohort["excluded"]["start_outside_period"] == 2


def test_a_pilot_group_against_a_control_group_with_the_log_rank_test(
    comp_app: Flask,
    client: FlaskClient,
    auth: dict[str, str],
    competency_cli: Callable[..., Result],
) -> None:
    """Freireich's remission data as days to competency: the pilot is the placebo arm
    (median 8), the control the 6-MP arm (median 23, 12 not there yet). Log-rank
    chi-square 16.79 (Kleinbaum & Klein); the median is (8 - 23) / 23 = 65.2 % lower,
    so the customer's target (30 % below) is met, and significantly."""
    rows = [journey(comp_app, f"{2000 + i}", "Pilot", d, True, END) for i, d in enumerate(PLACEBO)]
    rows += [
        journey(comp_app, f"{3000 + i}", "Control", d, done, END)
        for i, (d, done) in enumerate(zip(SIX_MP, SIX_MP_RELAPSED, strict=True))
    ]
    people(comp_app, competency_cli, rows, "Pilot", "Control")

    body = report(client, auth, group="Pilot", baseline_group="Control", until="2026-02-01")

    assert (body["cohort"]["median_days"], body["baseline"]["median_days"]) == (8, 23)
    assert (body["baseline"]["n"], body["baseline"]["censored"]) == (21, 12)
    comparison = body["comparison"]
    assert comparison["test"] == "log-rank"
    assert comparison["statistic"] ** 2 == pytest.approx(16.79, abs=0.005)
    assert comparison["median_difference_days"] == -15
    assert comparison["relative_change"] == pytest.approx(-15 / 23, abs=1e-6)
    assert comparison["target"] == {"reduction": 0.3, "met": True}
    assert comparison["verdict"]["conclusion"] == "significant"

    stricter = report(
        client, auth, group="Pilot", baseline_group="Control", until="2026-02-01", target="70"
    )
    assert stricter["comparison"]["target"] == {"reduction": 0.7, "met": False}


def test_a_baseline_period_compares_later_starters_with_earlier_ones(
    comp_app: Flask,
    client: FlaskClient,
    auth: dict[str, str],
    competency_cli: Callable[..., Result],
) -> None:
    """Hired in 2025 H1 (baseline): 20 and 30 days; hired since July: 10 and 15 days.
    Too few people for the test to conclude, said plainly; the median fell 50 %."""
    people(
        comp_app,
        competency_cli,
        [
            ("1001", "Sales", "2025-02-01"),
            ("1002", "Sales", "2025-03-01"),
            ("1003", "Sales", "2025-08-01"),
            ("1004", "Sales", "2025-09-01"),
            ("1005", "Sales", "2024-06-01"),
        ],
    )
    attained(comp_app, "1001", date(2025, 2, 21))
    attained(comp_app, "1002", date(2025, 3, 31))
    attained(comp_app, "1003", date(2025, 8, 11))
    attained(comp_app, "1004", date(2025, 9, 16))
    attained(comp_app, "1005", date(2024, 6, 2))

    body = report(client, auth, baseline_since="2025-01-01", baseline_until="2025-07-01")

    assert [p["employee_id"] for p in body["cohort"]["people"]] == ["1003", "1004"]
    assert [p["employee_id"] for p in body["baseline"]["people"]] == ["1001", "1002"]
    assert body["baseline"]["excluded"] == {"start_outside_period": 3}
    assert (body["cohort"]["median_days"], body["baseline"]["median_days"]) == (12.5, 25)
    comparison = body["comparison"]
    assert comparison["test"] == "mann-whitney"
    assert comparison["relative_change"] == pytest.approx(-0.5)
    assert comparison["target"]["met"] is True
    assert comparison["verdict"]["conclusion"] == "too_few"
    assert comparison["verdict"]["text"].startswith("Too few people to conclude")


def test_start_at_assignment_counts_from_the_assignment_or_a_later_hire(
    comp_app: Flask,
    client: FlaskClient,
    auth: dict[str, str],
    competency_cli: Callable[..., Result],
) -> None:
    """The Pilot group was assigned the fire safety course (mapped to the competency by a
    rule) on 2026-01-05: 1001 (hired before) counts from then, 1002 from their hire on
    the 20th; a course no rule maps does not start anyone's clock."""
    people(
        comp_app,
        competency_cli,
        [
            ("1001", "Pilot", "2025-06-01"),
            ("1002", "Pilot", "2026-01-20"),
            ("1003", "Pilot", "2025-01-01"),
        ],
        "Pilot",
    )
    rule(comp_app)
    host = host_of(comp_app)
    host.create_assignment(
        1, {"group": "Pilot", "activity": COURSE, "due": "2026-06-30"}, actor="test"
    )
    host.create_assignment(
        1,
        {"group": "Pilot", "activity": "https://example.com/other", "due": "2026-06-30"},
        actor="test",
    )
    with host.write() as session:
        session.execute(update(AssignmentRow).values(created_us=us(date(2026, 1, 5))))
    attained(comp_app, "1001", date(2026, 1, 15))
    attained(comp_app, "1002", date(2026, 1, 23))

    cohort = report(client, auth, group="Pilot", start="assignment", until="2026-02-01")["cohort"]

    days = {p["employee_id"]: (p["start"], p["days"]) for p in cohort["people"]}
    assert days == {
        "1001": ("2026-01-05T00:00:00Z", 10),
        "1002": ("2026-01-20T00:00:00Z", 3),
        "1003": ("2026-01-05T00:00:00Z", 27),
    }


def test_start_at_first_activity_is_the_first_statement_or_evidence(
    comp_app: Flask,
    client: FlaskClient,
    auth: dict[str, str],
    competency_cli: Callable[..., Result],
    lrs_make_credential: Callable[..., ApiCredential],
) -> None:
    """1001 launched the mapped course on Jan 2 (a statement, not evidence), 1002 has
    evidence from Jan 4 and a later statement, 1003 only touched an unmapped course."""
    people(
        comp_app,
        competency_cli,
        [
            ("1001", "Pilot", "2025-01-01"),
            ("1002", "Pilot", "2025-01-01"),
            ("1003", "Pilot", "2025-01-01"),
        ],
        "Pilot",
    )
    rule(comp_app)
    writer = lrs_make_credential("statements/write", app=comp_app).headers
    launched = "http://adlnet.gov/expapi/verbs/launched"
    statements = [
        {
            "actor": {"mbox": "mailto:p1001@example.com"},
            "verb": {"id": launched},
            "object": {"id": COURSE},
            "timestamp": "2026-01-02T09:00:00Z",
        },
        {
            "actor": {"mbox": "mailto:p1002@example.com"},
            "verb": {"id": launched},
            "object": {"id": COURSE},
            "timestamp": "2026-01-06T09:00:00Z",
        },
        {
            "actor": {"mbox": "mailto:p1003@example.com"},
            "verb": {"id": launched},
            "object": {"id": "https://example.com/other"},
            "timestamp": "2026-01-01T00:00:00Z",
        },
    ]
    response = client.post(
        "/xapi/statements", json=statements, headers={**writer, "X-Experience-API-Version": "2.0.0"}
    )
    assert response.status_code == 200, response.get_json()
    evidence(comp_app, "1002", date(2026, 1, 4))
    attained(comp_app, "1001", date(2026, 1, 12))
    attained(comp_app, "1002", date(2026, 1, 10))

    cohort = report(client, auth, group="Pilot", start="first_activity", until="2026-02-01")[
        "cohort"
    ]

    days = {p["employee_id"]: (p["start"], p["days"]) for p in cohort["people"]}
    assert days == {"1001": ("2026-01-02T09:00:00Z", 9.625), "1002": ("2026-01-04T00:00:00Z", 6)}
    assert cohort["excluded"] == {"no_start": 1}


@pytest.mark.parametrize(
    ("params", "status", "path"),
    [
        ({"competency": ""}, 400, "query.competency"),
        ({"start": "birth"}, 400, "query.start"),
        ({"since": "yesterday"}, 400, "query.since"),
        ({"since": "2026-02-01", "until": "2026-01-01"}, 400, "query.until"),
        ({"baseline_since": "2025-01-01"}, 400, "query.baseline_until"),
        (
            {
                "baseline_group": "Pilot",
                "baseline_until": "2025-01-01",
                "baseline_since": "2024-01-01",
            },
            400,
            "query.baseline_group",
        ),
        ({"target": "130"}, 400, "query.target"),
        ({"group": "Nobody"}, 404, "query.group"),
        ({"baseline_group": "Nobody"}, 404, "query.baseline_group"),
    ],
)
def test_bad_parameters_are_refused_naming_the_parameter(
    client: FlaskClient, auth: dict[str, str], params: dict[str, str], status: int, path: str
) -> None:
    response = client.get(URL, query_string={"competency": COMPETENCY, **params}, headers=auth)

    assert response.status_code == status
    assert path in [e["path"] for e in response.get_json()["errors"]]


def test_reading_needs_the_competency_read_scope(
    comp_app: Flask, client: FlaskClient, lrs_make_credential: Callable[..., ApiCredential]
) -> None:
    other = lrs_make_credential("all", app=comp_app).headers

    assert (
        client.get(URL, query_string={"competency": COMPETENCY}, headers=other).status_code == 403
    )
    assert client.get(URL, query_string={"competency": COMPETENCY}).status_code == 401


def test_the_command_prints_a_table_with_the_comparison(
    comp_app: Flask, competency_cli: Callable[..., Result], small_example: None
) -> None:
    competency_cli("people", "groups", "create", "Others", "--rule", "department = Other")

    result = competency_cli(
        "competency",
        "time-to-competency",
        "--competency",
        COMPETENCY,
        "--group",
        "Pilot",
        "--baseline-group",
        "Others",
        "--until",
        "2026-02-01",
        "--people",
    )

    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith(f"Time to competency {COMPETENCY}, from hire")
    assert lines[2].split()[:7] == ["Pilot", "6", "4", "2", "4.0", "4.0", "2.0"]
    assert lines[3].split()[:4] == ["Others", "1", "1", "0"]
    assert "Too few people to conclude: group Others has 1 person" in result.output
    assert "Log-rank test: p = " in result.output
    assert "Left out of Pilot: 1 no start" in result.output
    assert any(line.split()[:1] == ["1005"] and "in progress" in line for line in lines)


def test_the_command_names_a_bad_option_in_one_line(
    competency_cli: Callable[..., Result],
) -> None:
    result = competency_cli(
        "competency",
        "time-to-competency",
        "--competency",
        COMPETENCY,
        "--baseline-since",
        "2025-01-01",
    )

    assert result.exit_code == 1
    assert "query.baseline_until" in result.output


def test_the_metric_is_the_median_in_days_of_the_period(
    comp_app: Flask,
    client: FlaskClient,
    small_example: None,
    lrs_make_credential: Callable[..., ApiCredential],
) -> None:
    reader = lrs_make_credential("metrics/read", app=comp_app).headers
    url = "/api/metrics/competency.time_to_competency"

    listed = client.get("/api/metrics", headers=reader).get_json()
    assert "competency.time_to_competency" in [m["name"] for m in listed["metrics"]]
    body = client.get(
        url,
        query_string={"competency": COMPETENCY, "group": "Pilot", "until": "2026-02-01"},
        headers=reader,
    ).get_json()
    assert body["value"] == 4
    assert body["unit"] == "days"
    missing = client.get(url, query_string={"group": "Pilot"}, headers=reader)
    assert missing.status_code == 400
    assert "competency" in missing.get_json()["message"]


def test_a_person_not_in_the_directory_is_counted_as_left_out(
    comp_app: Flask, client: FlaskClient, auth: dict[str, str], small_example: None
) -> None:
    not_attained(comp_app, "4242")

    cohort = report(client, auth, until="2026-02-01")["cohort"]

    assert cohort["excluded"] == {"not_in_directory": 1}


def test_another_store_sees_none_of_the_people_nor_the_groups(
    comp_app: Flask, client: FlaskClient, auth: dict[str, str], small_example: None
) -> None:
    rt = comp_app.extensions["lrs"]
    with rt.db.write() as session:
        tenant = create_tenant(session, "acme")
        issued = create_credential(
            session,
            rt.settings.secret_key,
            name="acme reader",
            scopes=["competency/read"],
            tenant_id=tenant.id,
            known_scopes=rt.scopes,
        )
    acme = {"Authorization": basic_auth(issued)}

    body = report(client, acme, until="2026-02-01")
    assert (body["cohort"]["n"], body["cohort"]["excluded"]) == (0, {})
    assert (
        client.get(
            URL, query_string={"competency": COMPETENCY, "group": "Pilot"}, headers=acme
        ).status_code
        == 404
    )


def test_a_start_still_to_come_leaves_the_person_out(
    comp_app: Flask, client: FlaskClient, auth: dict[str, str], small_example: None
) -> None:
    """Observed until now (no until): a hire date years ahead has not started anyone's
    clock, while the others' days run to now."""
    host_of(comp_app).import_people(
        1, [{"employee_id": "1009", "department": "Pilot", "hire_date": "2099-01-01"}], actor="test"
    )

    cohort = report(client, auth, group="Pilot")["cohort"]

    assert cohort["excluded"] == {"no_start": 1, "not_started_yet": 1}
    days = {p["employee_id"]: p["days"] for p in cohort["people"]}
    assert days["1001"] == 2
    assert days["1002"] > 300  # hired 2026-01-29, still at it
