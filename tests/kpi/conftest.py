"""An application with the kpi plugin loaded through its real entry point, on a fresh
database (both backends), with a generated blended program: a pilot cohort (P1-P4)
and a control cohort (C1-C4) whose outcomes over two weeks of October 2026 are known.

Week 2026-W41 (October 5-11):

======  =====================  ==================  ==========  ==========
person  module M1 attempts     course C            session S1  scores
======  =====================  ==================  ==========  ==========
P1      passed                 completed           present     .9
P2      failed, then passed    completed           present     .5, .8
P3      passed                 completed           present     .7
P4      failed                 started             absent      .4
C1      failed                 completed           present     .6
C2      failed, failed         started             absent      .5, .3
C3      passed                 started             absent      .85
C4      (nothing)
======  =====================  ==================  ==========  ==========

Week 2026-W42 (October 12-18): every pilot learner passes module M2 at the first
attempt (score 1.0); C1 and C2 fail it (.2).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from importlib.metadata import entry_points
from typing import Any

import pytest
from click.testing import CliRunner, Result
from flask import Flask
from flask.testing import FlaskClient

from lrs.plugin.testing import AUTHORITY, ApiCredential, deliver
from lrs.services.groups import add_members, create_group
from tests.conftest import TEST_SECRET_KEY

BASE = "https://learn.example.com/"
M1, M2, COURSE, SESSION = (BASE + n for n in ("modules/m1", "modules/m2", "course", "s1"))
PASSED = "http://adlnet.gov/expapi/verbs/passed"
FAILED = "http://adlnet.gov/expapi/verbs/failed"
COMPLETED = "http://adlnet.gov/expapi/verbs/completed"
EXPERIENCED = "http://adlnet.gov/expapi/verbs/experienced"
ATTENDED = "http://adlnet.gov/expapi/verbs/attended"
PILOT = ["P1", "P2", "P3", "P4"]
CONTROL = ["C1", "C2", "C3", "C4"]
PEOPLE = [
    {
        "employee_id": e,
        "display_name": f"Learner {e}",
        "email": f"{e.lower()}@example.com",
        "department": "Sales" if e.startswith("P") else "Support",
    }
    for e in PILOT + CONTROL
]


def said(person: str, verb: str, activity: str, when: str, **result: Any) -> dict[str, Any]:
    """A statement by ``person`` at ``when`` (``2026-10-05T09:00``, UTC)."""
    statement: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "actor": {"mbox": f"mailto:{person.lower()}@example.com"},
        "verb": {"id": verb},
        "object": {"id": activity},
        "timestamp": when + ":00Z",
    }
    if result:
        statement["result"] = result
    return statement


def attempt(person: str, activity: str, when: str, scaled: float) -> dict[str, Any]:
    passed = scaled >= 0.7
    return said(
        person,
        PASSED if passed else FAILED,
        activity,
        when,
        success=passed,
        score={"scaled": scaled},
    )


def week_41() -> list[dict[str, Any]]:
    return [
        attempt("P1", M1, "2026-10-05T09:00", 0.9),
        attempt("P2", M1, "2026-10-05T09:00", 0.5),
        attempt("P2", M1, "2026-10-06T09:00", 0.8),
        attempt("P3", M1, "2026-10-06T10:00", 0.7),
        attempt("P4", M1, "2026-10-07T09:00", 0.4),
        attempt("C1", M1, "2026-10-05T11:00", 0.6),
        attempt("C2", M1, "2026-10-05T12:00", 0.5),
        attempt("C2", M1, "2026-10-08T12:00", 0.3),
        attempt("C3", M1, "2026-10-09T12:00", 0.85),
        *(said(p, EXPERIENCED, COURSE, "2026-10-05T08:00") for p in PILOT + CONTROL[:3]),
        *(said(p, COMPLETED, COURSE, "2026-10-09T16:00") for p in ("P1", "P2", "P3", "C1")),
        *(
            said(p, ATTENDED, SESSION, "2026-10-08T10:00", completion=p in ("P1", "P2", "P3", "C1"))
            for p in PILOT + CONTROL[:3]
        ),
    ]


def week_42() -> list[dict[str, Any]]:
    return [
        *(attempt(p, M2, "2026-10-13T09:00", 1.0) for p in PILOT),
        *(attempt(p, M2, "2026-10-14T09:00", 0.2) for p in ("C1", "C2")),
    ]


@pytest.fixture
def make_kpi_app(
    lrs_make_app: Callable[..., Flask], fresh_database_url: str
) -> Callable[..., Flask]:
    """``make_kpi_app(*plugins, **settings)``: the kpi plugin (and ``plugins``), seeded."""

    def make(*plugins: object, **settings: Any) -> Flask:
        return seed(
            lrs_make_app(*plugins, installed=["kpi"], database_url=fresh_database_url, **settings)
        )

    return make


@pytest.fixture
def kpi_app(make_kpi_app: Callable[..., Flask]) -> Flask:
    return make_kpi_app()


def seed(app: Flask) -> Flask:
    """The directory of :data:`PEOPLE` and the groups "Pilot" and "Control"."""
    core = app.extensions["lrs"]
    result = core.host.import_people(1, PEOPLE, actor="test")
    assert not result.errors, result.errors
    for name, members in (("Pilot", PILOT), ("Control", CONTROL)):
        create_group(core, actor="test", name=name)
        add_members(core, actor="test", name=name, employee_ids=members)
    return app


def ingest(app: Flask, statements: list[dict[str, Any]]) -> None:
    """Store ``statements`` and deliver them to the plugin (as the outbox would)."""
    app.extensions["lrs"].host.ingest(1, statements, authority=AUTHORITY)
    deliver(app)


@pytest.fixture
def program(kpi_app: Flask) -> Flask:
    """:func:`kpi_app` with both weeks of the program stored and rolled up."""
    ingest(kpi_app, week_41())
    ingest(kpi_app, week_42())
    return kpi_app


@pytest.fixture
def client(kpi_app: Flask) -> FlaskClient:
    return kpi_app.test_client()


@pytest.fixture
def auth(kpi_app: Flask, lrs_make_credential: Callable[..., ApiCredential]) -> dict[str, str]:
    return lrs_make_credential("kpi/read", "kpi/write", app=kpi_app, name="analyst").headers


@pytest.fixture
def reader(kpi_app: Flask, lrs_make_credential: Callable[..., ApiCredential]) -> dict[str, str]:
    return lrs_make_credential("kpi/read", app=kpi_app, name="dashboard").headers


def kpi(key: str, measure: str, **fields: Any) -> dict[str, Any]:
    """A KPI definition with sensible defaults (weekly, everyone, >= 85)."""
    return {
        "key": key,
        "title": key.replace("-", " ").title(),
        "measure": measure,
        "params": {},
        "population": "everyone",
        "target": {"op": ">=", "value": 85},
        "period": "week",
        "owner": "ld@example.com",
        **fields,
    }


@pytest.fixture
def kpi_cli(kpi_app: Flask) -> Callable[..., Result]:
    """``lrs ARGS...`` on the test's database, with only the kpi plugin."""
    others = ",".join(
        sorted(ep.name for ep in entry_points(group="lrs.plugins") if ep.name != "kpi")
    )
    url = kpi_app.extensions["lrs"].settings.database_url
    runner = CliRunner(
        env={
            "LRS_SECRET_KEY": TEST_SECRET_KEY,
            "LRS_AUTO_MIGRATE": "false",
            "LRS_DISABLED_PLUGINS": others,
        }
    )

    def run(*args: str) -> Result:
        from lrs.cli import cli

        return runner.invoke(cli, ["--database", url, *args])

    return run
