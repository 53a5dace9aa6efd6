"""``GET /api/kpis/compare`` on time-to-competency: each person's duration from the
competency plugin's metric, people still in progress censored (not dropped), Kaplan-Meier
medians, the log-rank test, n and events per group, and the verdict; without the
competency plugin a 400 naming the missing metric.

The generated program: twelve pilot and twelve control learners hired on 2025-01-01,
observed until 2025-04-01 (90 days). Pilot learners reach the competency after 10, 12,
..., 26 and 30 days, two are still in progress; control learners after 30, 35, ..., 60
and 70 days, four still in progress.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime, timedelta
from importlib.metadata import entry_points

import pytest
from click.testing import CliRunner, Result
from flask import Flask
from flask.testing import FlaskClient

from lrs.plugin.testing import ApiCredential
from lrs.services.groups import add_members, create_group
from tests.competency.ttc import COMPETENCY, attained
from tests.conftest import TEST_SECRET_KEY
from tests.kpi.conftest import kpi
from tests.kpi.test_kpi_evaluation import TimeToCompetency, evaluate

URL = "/api/kpis/compare"
HIRED = date(2025, 1, 1)
WINDOW = {"since": "2025-01-01", "until": "2025-04-01"}
PILOT_DAYS = [10, 12, 14, 16, 18, 20, 22, 24, 26, 30]  # and 2 in progress at day 90
CONTROL_DAYS = [30, 35, 40, 45, 50, 55, 60, 70]  # and 4 in progress at day 90
OBSERVED = 90


def cohort(prefix: str, days: list[int], size: int) -> dict[str, int | None]:
    """Employee id -> days to attainment (``None``: still in progress)."""
    return {f"{prefix}{i:02d}": days[i] if i < len(days) else None for i in range(size)}


PILOT = cohort("10", PILOT_DAYS, 12)
CONTROL = cohort("20", CONTROL_DAYS, 12)


@pytest.fixture
def ttc_app(lrs_make_app: Callable[..., Flask], fresh_database_url: str) -> Flask:
    """The kpi and competency plugins, with the program's people, groups and attainments
    (written into the competency plugin's table, as its own tests do)."""
    app = lrs_make_app(installed=["kpi", "competency"], database_url=fresh_database_url)
    core = app.extensions["lrs"]
    records = [
        {"employee_id": e, "email": f"p{e}@example.com", "hire_date": HIRED.isoformat()}
        for e in [*PILOT, *CONTROL]
    ]
    assert not core.host.import_people(1, records, actor="test").errors
    for name, members in (("Pilot", PILOT), ("Control", CONTROL), ("Few", {"1000": 10})):
        create_group(core, actor="test", name=name)
        add_members(core, actor="test", name=name, employee_ids=list(members))
    for employee_id, days in {**PILOT, **CONTROL}.items():
        if days is not None:
            attained(app, employee_id, datetime(2025, 1, 1) + timedelta(days=days))
    return app


@pytest.fixture
def ttc_client(ttc_app: Flask) -> FlaskClient:
    return ttc_app.test_client()


@pytest.fixture
def ttc_auth(ttc_app: Flask, lrs_make_credential: Callable[..., ApiCredential]) -> dict[str, str]:
    return lrs_make_credential("kpi/read", "kpi/write", app=ttc_app).headers


def logrank_chi2(a: dict[str, int | None], b: dict[str, int | None]) -> float:
    """The log-rank statistic by its textbook formula: at each event time, observed minus
    expected events of ``a`` and the hypergeometric variance, summed."""
    people = [
        (OBSERVED if d is None else d, d is not None, side)
        for side, g in (("a", a), ("b", b))
        for d in g.values()
    ]
    o_minus_e = variance = 0.0
    for t in sorted({t for t, event, _ in people if event}):
        at_risk = [(s, e and u == t) for u, e, s in people if u >= t]
        n, n_a = len(at_risk), sum(s == "a" for s, _ in at_risk)
        d, d_a = sum(e for _, e in at_risk), sum(e for s, e in at_risk if s == "a")
        o_minus_e += d_a - d * n_a / n
        if n > 1:
            variance += d * (n_a / n) * (1 - n_a / n) * (n - d) / (n - 1)
    return o_minus_e**2 / variance


def test_time_to_competency_of_pilot_and_control_is_compared_with_censoring(
    ttc_client: FlaskClient, ttc_auth: dict[str, str]
) -> None:
    response = ttc_client.get(
        URL,
        headers=ttc_auth,
        query_string={
            "measure": "time_to_competency",
            "a": "Pilot",
            "b": "Control",
            "competency": COMPETENCY,
            **WINDOW,
        },
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    # Kaplan-Meier: the pilot's survival is exactly 6/12 from day 20 to the next event (22),
    # so its median is their midpoint, 21; the control's 6/12 from day 55 to 60: 57.5.
    assert (body["a"]["n"], body["a"]["events"], body["a"]["censored"]) == (12, 10, 2)
    assert (body["b"]["n"], body["b"]["events"], body["b"]["censored"]) == (12, 8, 4)
    assert (body["a"]["median"], body["b"]["median"]) == (21.0, 57.5)
    assert (body["a"]["value"], body["b"]["value"]) == (21.0, 57.5)
    assert (body["median_a"], body["median_b"], body["difference"]) == (21.0, 57.5, -36.5)
    assert round(body["relative_difference"], 4) == round(-36.5 / 57.5, 4)
    # The log-log interval of the survival crosses 0.5 at day 12 and day 30.
    assert body["a"]["median_ci"] == {"lower": 12.0, "upper": 30.0}
    assert body["b"]["median_ci"] == {"lower": 35.0, "upper": None}
    assert (body["test"], body["n_a"], body["n_b"], body["events_a"], body["events_b"]) == (
        "log-rank",
        12,
        12,
        10,
        8,
    )
    # The p-value of the hand-computed chi-square with one degree of freedom.
    from scipy.stats import chi2

    assert body["p_value"] == pytest.approx(chi2.sf(logrank_chi2(PILOT, CONTROL), 1), rel=1e-6)
    assert round(body["p_value"], 4) == 0.0136
    assert body["verdict"]["conclusion"] == "significant"


def test_a_group_of_one_is_too_few_to_conclude(
    ttc_client: FlaskClient, ttc_auth: dict[str, str]
) -> None:
    body = ttc_client.get(
        URL,
        headers=ttc_auth,
        query_string={
            "measure": "time_to_competency",
            "a": "Few",
            "b": "Control",
            "competency": COMPETENCY,
            **WINDOW,
        },
    ).get_json()
    assert (body["n_a"], body["a"]["events"], body["median_a"]) == (1, 1, 10.0)
    assert body["verdict"]["conclusion"] == "too_few"
    assert "group a has 1 person" in body["verdict"]["text"]


def test_the_kpi_asks_the_metric_for_its_competency(
    ttc_client: FlaskClient, ttc_auth: dict[str, str]
) -> None:
    made = ttc_client.post(
        "/api/kpis",
        headers=ttc_auth,
        json=kpi(
            "ttc",
            "time_to_competency",
            params={"competency": COMPETENCY},
            population={"group": "Pilot"},
            period={"start": "2025-01-01", "end": "2025-04-01"},
            target={"op": "<=", "value": 30},
        ),
    )
    assert made.status_code == 201, made.get_json()
    result = evaluate(ttc_client, ttc_auth, "2025-03-31")[("ttc", "2025-01-01..2025-04-01")]
    assert (result["value"], result["status"]) == (21.0, "on_track")


QUERY = {"measure": "time_to_competency", "a": "Pilot", "b": "Control", **WINDOW}


def test_without_a_competency_the_metric_refuses_and_the_400_says_so(
    ttc_client: FlaskClient, ttc_auth: dict[str, str]
) -> None:
    response = ttc_client.get(URL, headers=ttc_auth, query_string=QUERY)
    assert response.status_code == 400
    problem = response.get_json()["errors"][0]
    assert problem["path"] == "query.measure" and "query.competency" in problem["message"]


def test_without_the_competency_plugin_the_400_names_the_missing_metric(
    client: FlaskClient, reader: dict[str, str]
) -> None:
    response = client.get(URL, headers=reader, query_string={**QUERY, "competency": COMPETENCY})
    assert response.status_code == 400
    problem = response.get_json()["errors"][0]
    assert problem["path"] == "query.measure"
    assert "'competency.time_to_competency' is not offered" in problem["message"]


def test_a_metric_without_each_persons_duration_cannot_be_compared(
    make_kpi_app: Callable[..., Flask], lrs_make_credential: Callable[..., ApiCredential]
) -> None:
    app = make_kpi_app(TimeToCompetency())  # gives a median per group only
    response = app.test_client().get(
        URL,
        headers=lrs_make_credential("kpi/read", app=app).headers,
        query_string={"measure": "time_to_competency", "a": "Pilot", "b": "Control"},
    )
    assert response.status_code == 400
    assert "does not give each person's duration" in response.get_json()["errors"][0]["message"]


@pytest.fixture
def ttc_cli(ttc_app: Flask) -> Callable[..., Result]:
    """``lrs ARGS...`` on the test's database, with the kpi and competency plugins."""
    others = ",".join(
        sorted(
            ep.name
            for ep in entry_points(group="lrs.plugins")
            if ep.name not in ("kpi", "competency")
        )
    )
    runner = CliRunner(
        env={
            "LRS_SECRET_KEY": TEST_SECRET_KEY,
            "LRS_AUTO_MIGRATE": "false",
            "LRS_DISABLED_PLUGINS": others,
        }
    )
    url = ttc_app.extensions["lrs"].settings.database_url

    def run(*args: str) -> Result:
        from lrs.cli import cli

        return runner.invoke(cli, ["--database", url, *args])

    return run


def test_lrs_kpi_compare_prints_both_groups_the_test_and_the_verdict(
    ttc_cli: Callable[..., Result],
) -> None:
    args = ["kpi", "compare", "time_to_competency", "--a", "Pilot", "--b", "Control"]
    window = ["--since", WINDOW["since"], "--until", WINDOW["until"]]
    shown = ttc_cli(*args, *window, "--param", f"competency={COMPETENCY}")
    assert shown.exit_code == 0, shown.output
    lines = shown.output.splitlines()
    assert lines[0] == "time_to_competency (days), Pilot vs Control, 2025-01-01 to 2025-04-01"
    assert lines[2].split() == ["Pilot", "12", "21", "12", "10", "2", "12", "to", "30"]
    assert lines[3].split() == ["Control", "12", "57.5", "12", "8", "4", "35", "to", "-"]
    assert lines[4] == "Difference a - b: -36.5 days; log-rank test, p = 0.0136"
    assert lines[5].startswith("Significant:")
    as_json = ttc_cli(*args, *window, "--param", f"competency={COMPETENCY}", "--json")
    assert json.loads(as_json.output)["events_b"] == 8
    refused = ttc_cli(*args, *window)
    assert refused.exit_code == 1 and "query.competency" in refused.output
    malformed = ttc_cli(*args, "--param", "competency")
    assert malformed.exit_code == 2 and "is not KEY=VALUE" in malformed.output
