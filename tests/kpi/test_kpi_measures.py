"""Each measure of the generated program against values computed by hand (conftest's table),
through ``POST /api/kpis`` and ``POST /api/kpis/<key>/evaluate``, on both backends."""

from __future__ import annotations

import hashlib
from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from lrs.plugin.testing import AUTHORITY, deliver
from plugins.kpi.measures import MEASURES, Population, group_population
from plugins.kpi.models import Progress
from plugins.kpi.periods import containing
from plugins.kpi.rollups import fold, rebuild
from tests.kpi.conftest import (
    COMPLETED,
    COURSE,
    FAILED,
    M1,
    SESSION,
    attempt,
    ingest,
    kpi,
    said,
    week_41,
)

PILOT = {"group": "Pilot"}
CONTROL = {"group": "Control"}


def value_of(
    app: Flask, headers: dict[str, str], spec: dict[str, Any], as_of: str = "2026-10-11"
) -> dict[str, Any]:
    client = app.test_client()
    response = client.post("/api/kpis", json=spec, headers=headers)
    assert response.status_code == 201, response.get_json()
    response = client.post(
        f"/api/kpis/{spec['key']}/evaluate",
        headers=headers,
        query_string={"as_of": as_of, "periods": 1},
    )
    assert response.status_code == 200, response.get_json()
    (result,) = response.get_json()["results"]
    return result


@pytest.mark.parametrize(
    ("measure", "params", "population", "value", "sample"),
    [
        # M1's first attempts: pilot P1 and P3 of 4 pass; everyone: P1, P3, C3 of 7.
        ("pass_rate", {"attempt": "first", "activity": M1}, PILOT, 50.0, 4),
        ("pass_rate", {"attempt": "first", "activity": M1}, "everyone", 42.86, 7),
        # Any attempt: P2 passes at the second; everyone: P1, P2, P3, C3 of 7.
        ("pass_rate", {"attempt": "any", "activity": M1}, PILOT, 75.0, 4),
        ("pass_rate", {"attempt": "any"}, "everyone", 57.14, 7),
        # Course C: P1-P3 of the 4 pilot learners who started it; C1 of C1-C3.
        ("completion_rate", {"activity": COURSE}, PILOT, 75.0, 4),
        ("completion_rate", {"activity": COURSE}, CONTROL, 33.33, 3),
        # Session S1: 3 of 4 pilot learners present; 1 of 3 control.
        ("attendance_rate", {"activity": SESSION}, PILOT, 75.0, 4),
        ("attendance_rate", {}, CONTROL, 33.33, 3),
        # Scores of the pilot: (.9 + .5 + .8 + .7 + .4) / 5.
        ("average_score", {}, PILOT, 66.0, 4),
        # Control: (.6 + .5 + .3 + .85) / 4.
        ("average_score", {"activity": M1}, CONTROL, 56.25, 3),
        ("active_learners", {}, PILOT, 4.0, 4),
        ("active_learners", {}, CONTROL, 3.0, 4),
        ("active_learners", {}, {"rule": "department = Support"}, 3.0, 4),
    ],
)
def test_each_measure_matches_the_hand_computed_value(
    kpi_app: Flask,
    auth: dict[str, str],
    measure: str,
    params: dict[str, str],
    population: Any,
    value: float,
    sample: int,
) -> None:
    ingest(kpi_app, week_41())
    result = value_of(kpi_app, auth, kpi("k", measure, params=params, population=population))
    assert (result["value"], result["sample"]) == (value, sample)
    assert result["period"] == {"label": "2026-W41", "start": "2026-10-05", "end": "2026-10-12"}


def test_a_redelivered_batch_counts_once_and_a_void_is_taken_back(
    kpi_app: Flask,
    auth: dict[str, str],
) -> None:
    statements = week_41()
    ingest(kpi_app, statements)
    host = kpi_app.extensions["lrs"].host
    # The same statements delivered again (at-least-once delivery) add nothing.
    with host.write() as session:
        assert fold(host, session, 1, host.get_statements(1, [s["id"] for s in statements])) == 0
    absent = next(
        s
        for s in statements
        if s["actor"]["mbox"] == "mailto:p4@example.com" and s["verb"]["id"].endswith("attended")
    )
    host.ingest(
        1,
        [
            {
                "actor": {"mbox": "mailto:admin@example.com"},
                "verb": {"id": "http://adlnet.gov/expapi/verbs/voided"},
                "object": {"objectType": "StatementRef", "id": absent["id"]},
            }
        ],
        authority=AUTHORITY,
    )
    deliver(kpi_app)
    result = value_of(kpi_app, auth, kpi("att", "attendance_rate", population=PILOT))
    assert (result["value"], result["sample"]) == (100.0, 3)


def test_a_voided_first_attempt_makes_the_next_one_first_without_a_rebuild(
    kpi_app: Flask,
    auth: dict[str, str],
) -> None:
    statements = week_41()
    ingest(kpi_app, statements)

    def statement(person: str, verb: str, activity: str) -> dict[str, Any]:
        """The first of ``person``'s statements with ``verb`` on ``activity``."""
        return next(
            s
            for s in statements
            if s["actor"]["mbox"] == f"mailto:{person.lower()}@example.com"
            and s["verb"]["id"].endswith(verb)
            and s["object"]["id"] == activity
        )

    before = value_of(
        kpi_app, auth, kpi("first", "pass_rate", params={"activity": M1}, population=PILOT)
    )
    assert (before["value"], before["sample"]) == (50.0, 4)  # P1 and P3 of 4
    # P2's failed first attempt (then passed the next day), P4's only attempt and P1's
    # completion of the course are voided, in a later batch.
    targets = [
        statement("P2", "failed", M1),
        statement("P4", "failed", M1),
        statement("P1", "completed", COURSE),
    ]
    ingest(
        kpi_app,
        [
            {
                "actor": {"mbox": "mailto:admin@example.com"},
                "verb": {"id": "http://adlnet.gov/expapi/verbs/voided"},
                "object": {"objectType": "StatementRef", "id": target["id"]},
            }
            for target in targets
        ],
    )
    # First attempts now: P1, P2 (its pass), P3, all passed; P4 has none.
    after = value_of(
        kpi_app, auth, kpi("first-2", "pass_rate", params={"activity": M1}, population=PILOT)
    )
    assert (after["value"], after["sample"]) == (100.0, 3)
    any_attempt = value_of(
        kpi_app,
        auth,
        kpi("any", "pass_rate", params={"activity": M1, "attempt": "any"}, population=PILOT),
    )
    assert (any_attempt["value"], any_attempt["sample"]) == (100.0, 3)
    # Course C: P2 and P3 completed of the 4 who started.
    completion = value_of(
        kpi_app, auth, kpi("done", "completion_rate", params={"activity": COURSE}, population=PILOT)
    )
    assert (completion["value"], completion["sample"]) == (50.0, 4)
    # The rollups are what a rebuild from the statements still standing gives.
    host = kpi_app.extensions["lrs"].host
    with host.read() as session:
        incremental = sorted(tuple(r) for r in session.execute(select(*Progress.__table__.c)))
    rebuild(host, 1)
    with host.read() as session:
        rebuilt = sorted(tuple(r) for r in session.execute(select(*Progress.__table__.c)))
    assert incremental == rebuilt


def test_a_statement_voided_before_it_was_delivered_never_counts(
    kpi_app: Flask,
    auth: dict[str, str],
) -> None:
    ingest(kpi_app, week_41())
    host = kpi_app.extensions["lrs"].host
    passed = attempt("C4", M1, "2026-10-06T09:00", 0.9)
    host.ingest(1, [passed], authority=AUTHORITY)
    voiding = {
        "actor": {"mbox": "mailto:admin@example.com"},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/voided"},
        "object": {"objectType": "StatementRef", "id": passed["id"]},
    }
    host.ingest(1, [voiding], authority=AUTHORITY)
    deliver(kpi_app)  # both in one delivery
    # M1's first attempts in the control group: C1 and C2 failed, C3 passed; C4 none.
    result = value_of(
        kpi_app, auth, kpi("first", "pass_rate", params={"activity": M1}, population=CONTROL)
    )
    assert (result["value"], result["sample"]) == (33.33, 3)


@pytest.mark.parametrize(
    ("measure", "params"),
    [
        ("pass_rate", {"attempt": "first"}),
        ("pass_rate", {"attempt": "any"}),
        ("pass_rate", {"attempt": "first", "activity": M1}),
        ("completion_rate", {}),
        ("completion_rate", {"activity": COURSE}),
        ("attendance_rate", {}),
        ("average_score", {}),
        ("active_learners", {}),
        ("time_to_completion", {}),
    ],
)
def test_a_trend_read_at_once_equals_each_period_read_alone(
    program: Flask, measure: str, params: dict[str, str]
) -> None:
    """A dashboard reads all the periods of a trend in one query a KPI: each period's
    value, sample and terms are what a read of that period alone gives, for everyone,
    a group and a few people, with P2 also known by the SHA-1 of their address."""
    p2 = said("P2", FAILED, M1, "2026-10-13T08:00", success=False, score={"scaled": 0.1})
    p2["actor"] = {"mbox_sha1sum": hashlib.sha1(b"mailto:p2@example.com").hexdigest()}
    ingest(program, [p2, said("P2", COMPLETED, COURSE, "2026-10-20T08:00")])
    host = program.extensions["lrs"].host
    weeks = [containing("week", date(2026, 10, 1) + timedelta(days=7 * n)) for n in range(5)]
    spans = [(w.start_us, w.end_us) for w in weeks if w.label != "2026-W43"]  # a gap
    few = [p for p in host.people_by_employee_id(1, ["P2", "C1"]) if p is not None]
    for population in (
        Population(None),
        group_population(host, 1, "Pilot"),
        Population.of(few),
    ):
        found = MEASURES[measure].over(host, 1, population, spans, params)
        for start_us, end_us in spans:
            alone = MEASURES[measure].compute(host, 1, population, start_us, end_us, params)
            assert found[(start_us, end_us)] == alone, (population.members, start_us)
        assert any(m.sample for m in found.values())  # something was counted
