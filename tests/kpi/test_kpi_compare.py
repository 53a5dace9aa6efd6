"""``GET /api/kpis/compare``: two groups on one measure, with the difference, its interval,
the test that suits the measure, the sample sizes, and "too few people" said plainly."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from lrs.services.groups import add_members, create_group
from tests.kpi.conftest import COURSE, M1, attempt, ingest, week_41

URL = "/api/kpis/compare"
WEEK = {"since": "2026-10-05", "until": "2026-10-12"}


def test_rates_of_two_cohorts_of_twenty_are_compared_as_proportions(
    kpi_app: Flask, client: FlaskClient, reader: dict[str, str]
) -> None:
    core = kpi_app.extensions["lrs"]
    people = [
        {"employee_id": f"{g}{i}", "email": f"{g.lower()}{i}@example.com"}
        for g in ("PA", "CA")
        for i in range(20)
    ]
    assert not core.host.import_people(1, people, actor="test").errors
    for group in ("PA", "CA"):
        create_group(core, actor="test", name=f"Wave {group}")
        add_members(
            core,
            actor="test",
            name=f"Wave {group}",
            employee_ids=[f"{group}{i}" for i in range(20)],
        )
    # 18 of 20 pilot learners pass M1 at the first attempt, 8 of 20 in the control group.
    ingest(
        kpi_app,
        [attempt(f"PA{i}", M1, "2026-10-06T09:00", 0.9 if i < 18 else 0.3) for i in range(20)]
        + [attempt(f"CA{i}", M1, "2026-10-06T09:00", 0.9 if i < 8 else 0.3) for i in range(20)],
    )
    body = client.get(
        URL,
        headers=reader,
        query_string={
            "measure": "pass_rate",
            "a": "Wave PA",
            "b": "Wave CA",
            "attempt": "first",
            **WEEK,
        },
    ).get_json()
    assert (body["a"], body["b"]) == (
        {"group": "Wave PA", "value": 90.0, "people": 20},
        {"group": "Wave CA", "value": 40.0, "people": 20},
    )
    assert (body["test"], body["n_a"], body["n_b"], body["difference"]) == ("z", 20, 20, 50.0)
    interval = body["confidence_interval"]
    assert interval["level"] == 0.95 and 0 < interval["lower"] < 50 < interval["upper"] <= 100
    assert body["p_value"] < 0.01 and body["verdict"]["conclusion"] == "significant"


def test_small_cohorts_are_too_few_to_conclude_whatever_the_measure(
    kpi_app: Flask, client: FlaskClient, reader: dict[str, str]
) -> None:
    ingest(kpi_app, week_41())

    def compare(**query: str) -> dict:
        response = client.get(
            URL, headers=reader, query_string={"a": "Pilot", "b": "Control", **WEEK, **query}
        )
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    rate = compare(measure="completion_rate", activity=COURSE)
    assert (rate["test"], rate["n_a"], rate["n_b"], rate["difference"]) == (
        "fisher-exact",
        4,
        3,
        41.67,
    )
    assert rate["verdict"]["conclusion"] == "too_few"
    assert "group b has 3 people" in rate["verdict"]["text"]
    # Course C: P1-P3 completed after 4 days 8 hours, P4 still running; C1 only in control.
    durations = compare(measure="time_to_completion", activity=COURSE)
    assert (durations["test"], durations["median_b"]) == ("log-rank", None)
    assert round(durations["median_a"], 3) == 4.333 and durations["a"]["value"] == 4.33
    assert durations["verdict"]["conclusion"] == "too_few"
    scores = compare(measure="average_score")
    assert (scores["test"], scores["n_a"], scores["n_b"]) == ("mann-whitney", 4, 3)
    active = compare(measure="active_learners")
    assert (active["n_a"], active["n_b"], active["difference"]) == (4, 4, 25.0)


def test_bad_comparisons_are_400s_naming_the_parameter(
    client: FlaskClient, reader: dict[str, str]
) -> None:
    for query, path in [
        ({"a": "Pilot", "b": "Control"}, "query.measure"),
        ({"measure": "pass_rate", "b": "Control"}, "query.a"),
        ({"measure": "pass_rate", "a": "Pilot", "b": "Nobody"}, "query.b"),
        ({"measure": "joy", "a": "Pilot", "b": "Control"}, "query.measure"),
        (
            {"measure": "pass_rate", "a": "Pilot", "b": "Control", "attempt": "last"},
            "query.attempt",
        ),
        ({"measure": "pass_rate", "a": "Pilot", "b": "Control", "since": "May"}, "query.since"),
        ({"measure": "time_to_competency", "a": "Pilot", "b": "Control"}, "query.measure"),
    ]:
        response = client.get(URL, headers=reader, query_string=query)
        assert response.status_code == 400, query
        assert response.get_json()["errors"][0]["path"] == path, query
