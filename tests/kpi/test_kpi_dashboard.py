"""The KPI dashboard's data, ``GET /api/kpis/dashboard``: tiles and trends from the recorded
evaluations, or computed for a group, a program and a period; the comparison of two
groups; the at-risk list; refusals naming the query parameter. Values are checked
against the generated pilot/control program of ``tests/kpi/conftest.py``."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from plugins.kpi.definitions import save
from plugins.kpi.evaluation import evaluate_all
from tests.kpi.conftest import COURSE, M1, kpi

URL = "/api/kpis/dashboard"


def define(app: Flask, *specs: dict[str, Any]) -> None:
    save(app.extensions["lrs"].host, 1, [("$", s) for s in specs], actor="test")


def first_pass(key: str, **fields: Any) -> dict[str, Any]:
    return kpi(key, "pass_rate", params={"attempt": "first"}, **fields)


def get(client: FlaskClient, headers: dict[str, str], **query: str) -> dict[str, Any]:
    answer = client.get(URL, query_string=query, headers=headers)
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()


def tile(data: dict[str, Any], key: str) -> dict[str, Any]:
    return next(t for t in data["tiles"] if t["key"] == key)


def test_tiles_and_trends_are_the_recorded_evaluations(
    program: Flask, reader: dict[str, str]
) -> None:
    define(program, first_pass("pilot-pass", population={"group": "Pilot"}))
    evaluate_all(program.extensions["lrs"].host, 1, as_of=date(2026, 10, 18), periods=2)
    data = get(program.test_client(), reader, points="2")
    found = tile(data, "pilot-pass")
    assert found["source"] == "recorded" and data["people_in_scope"] is None
    # W41: P1 and P3 of the 4 first attempts passed; W42: all four passed M2.
    assert [(p["period"]["label"], p["value"], p["status"]) for p in found["series"]] == [
        ("2026-W41", 50.0, "missed"),
        ("2026-W42", 100.0, "on_track"),
    ]
    current = found["current"]
    assert (current["value"], current["target"], current["op"]) == (100.0, 85.0, ">=")
    # Evaluated on its last day, W42 was still running.
    assert (current["trend"], current["sample"], current["closed"]) == (50.0, 4, False)
    assert found["unit"] == "%" and found["title"] == "Pilot Pass"


def test_group_program_and_period_filters_change_the_numbers(
    program: Flask, reader: dict[str, str]
) -> None:
    host = program.extensions["lrs"].host
    define(program, first_pass("pass-rate"), kpi("avg", "average_score", period="month"))
    for person in ("P1", "P3", "C1"):
        host.create_assignment(
            1,
            {
                "person": person,
                "activities": [M1, COURSE],
                "program": "Onboarding",
                "due": "2026-10-31",
            },
            actor="test",
        )
    client = program.test_client()
    week = {"period": "week", "at": "2026-10-11", "points": "1"}
    everyone = get(client, reader, **week)
    # First attempts on M1 in W41: P1, P3, C3 passed; P2, P4, C1, C2 failed.
    assert tile(everyone, "pass-rate")["current"]["value"] == round(100 * 3 / 7, 2)
    assert tile(everyone, "pass-rate")["source"] == "computed"
    # The month filter turns into a week too: scores .9 .5 .8 .7 .4 .6 .5 .3 .85 in W41.
    assert tile(everyone, "avg")["current"]["value"] == round(100 * 5.55 / 9, 2)
    assert tile(everyone, "avg")["current"]["period"]["label"] == "2026-W41"

    pilot = get(client, reader, group="Pilot", **week)
    assert pilot["people_in_scope"] == 4
    assert tile(pilot, "pass-rate")["current"]["value"] == 50.0
    assert tile(pilot, "pass-rate")["current"]["status"] == "missed"
    control = get(client, reader, group="Control", **week)
    assert tile(control, "pass-rate")["current"]["value"] == round(100 / 3, 2)

    onboarding = get(client, reader, program="Onboarding", **week)
    assert onboarding["people_in_scope"] == 3
    assert tile(onboarding, "pass-rate")["current"]["value"] == round(200 / 3, 2)
    both = get(client, reader, program="Onboarding", group="Pilot", **week)
    assert (both["people_in_scope"], tile(both, "pass-rate")["current"]["value"]) == (2, 100.0)

    # Two weeks up to W42: W42's first attempts are M2's (P1-P4 pass, C1, C2 fail).
    trend = get(client, reader, period="week", at="2026-10-14", points="2")
    series = tile(trend, "pass-rate")["series"]
    assert [p["value"] for p in series] == [round(300 / 7, 2), round(400 / 6, 2)]
    assert series[1]["trend"] == round(400 / 6 - 300 / 7, 2)
    month = get(client, reader, period="month", at="2026-10-14", points="1")
    assert tile(month, "pass-rate")["current"]["period"]["label"] == "2026-10"
    assert tile(month, "pass-rate")["current"]["value"] == round(100 * 7 / 13, 2)


def test_the_comparison_has_the_difference_and_its_interval(
    program: Flask, reader: dict[str, str]
) -> None:
    define(program, first_pass("pass-rate"))
    data = get(
        program.test_client(),
        reader,
        a="Pilot",
        b="Control",
        measure="pass_rate",
        attempt="first",
        period="week",
        at="2026-10-11",
    )
    found = data["comparison"]
    assert (found["a"]["value"], found["b"]["value"]) == (50.0, round(100 / 3, 2))
    assert (found["n_a"], found["n_b"]) == (4, 3)
    assert found["difference"] == round(50 - 100 / 3, 2)
    interval = found["confidence_interval"]
    assert interval["lower"] < found["difference"] < interval["upper"]
    assert found["verdict"]["conclusion"] == "too_few"
    assert found["period"]["label"] == "2026-W41"
    narrowed = get(
        program.test_client(), reader, a="Pilot", b="Control", group="Pilot", at="2026-10-11"
    )
    assert narrowed["comparison"]["b"]["people"] == 0


@pytest.mark.parametrize(
    ("query", "path", "status"),
    [
        ({"period": "day"}, "query.period", 400),
        ({"at": "2026-13-01"}, "query.at", 400),
        # Days whose periods would run past the dates Python holds (was a 500).
        ({"at": "0001-01-01", "period": "week"}, "query.at", 400),
        ({"at": "9999-12-31", "period": "quarter"}, "query.at", 400),
        ({"points": "0"}, "query.points", 400),
        ({"points": "²"}, "query.points", 400),
        ({"points": "9" * 4301}, "query.points", 400),
        ({"a": "Pilot"}, "query.b", 400),
        ({"measure": "nope"}, "query.measure", 400),
        ({"group": "Nobody"}, "query.group", 404),
        ({"program": "Nothing"}, "query.program", 404),
        ({"a": "Pilot", "b": "Nobody"}, "query.b", 400),
    ],
)
def test_bad_filters_are_refused_naming_the_parameter(
    client: FlaskClient,
    reader: dict[str, str],
    query: dict[str, str],
    path: str,
    status: int,
) -> None:
    answer = client.get(URL, query_string=query, headers=reader)
    assert answer.status_code == status
    assert [e["path"] for e in answer.get_json()["errors"]] == [path]


def test_the_dashboard_needs_kpi_read(
    client: FlaskClient, lrs_make_credential: Any, kpi_app: Flask
) -> None:
    other = lrs_make_credential("kpi/risk", app=kpi_app).headers
    assert client.get(URL, headers=other).status_code == 403
    assert client.get(URL).status_code == 401


def test_time_to_competency_is_not_compared_within_some_people(
    client: FlaskClient, reader: dict[str, str]
) -> None:
    """The competency metric gives whole groups' durations: narrowed, it would count
    people outside the dashboard's scope."""
    query = {"a": "Pilot", "b": "Control", "measure": "time_to_competency", "group": "Pilot"}
    answer = client.get(URL, query_string=query, headers=reader)
    assert answer.status_code == 400
    assert answer.get_json()["errors"] == [
        {
            "path": "query.measure",
            "message": "time_to_competency is compared over whole groups only",
        }
    ]


def test_computed_trends_and_baselines_match_the_recorded_evaluations(
    program: Flask, reader: dict[str, str]
) -> None:
    """A computed first-attempt pass rate reads all its periods (and those its baseline
    compares with) at once; each value and target is still the period's own."""
    define(
        program,
        first_pass(
            "vs-last-week",
            population={"group": "Pilot"},
            target={"change": 10, "baseline": {"periods_before": 1}, "at_risk": 5},
        ),
    )
    evaluate_all(program.extensions["lrs"].host, 1, as_of=date(2026, 10, 18), periods=3)
    client = program.test_client()
    recorded = tile(get(client, reader, points="3"), "vs-last-week")["series"]
    computed = tile(
        get(client, reader, period="week", at="2026-10-18", points="3"), "vs-last-week"
    )["series"]
    keep = ("period", "value", "target", "sample", "trend")
    assert [{k: p[k] for k in keep} for p in computed] == [
        {k: p[k] for k in keep} for p in recorded
    ]
    # W41: P1, P3 of 4 passed; W42: all four, against 10% over W41's 50.
    assert [(p["value"], p["target"]) for p in computed] == [
        (None, None),
        (50.0, None),
        (100.0, 55.0),
    ]
