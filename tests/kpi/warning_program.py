"""A generated blended program with known outcomes, for the early-warning tests.

Group "Cohort A" (managers M1 and M2) must complete the "Onboarding" program (an
online module, a quiz, a live session) by 2026-03-31; its one-off window is the 28
days before (it opens after 2026-03-03). The learners, with noon UTC statements:

- L1 completes everything by 03-10 (quiz score 0.9).
- L2 looks at the module on 03-04 and never comes back: does not complete.
- L3 fails the quiz first (03-06, 0.4), passes on 03-12 (0.85), attends 03-14.
- L4 passes the quiz (0.8) but leaves the live session of 03-10 early
  (``attended``, completion false); active again on 03-18; does not complete.
- L5 passes the quiz with 0.3 and completes by 03-10.
- L6 (a name with markup) passes (0.7) on 03-08, attends on 03-25: completes.
- L7 never does anything: does not complete.
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

from lrs.plugin.testing import ApiCredential, deliver
from lrs.services.groups import add_members, create_group
from tests.conftest import TEST_SECRET_KEY
from tests.plugins.conftest import RecordingPlugin

MODULE = "https://learn.example.com/onboarding/module"
QUIZ = "https://learn.example.com/onboarding/quiz"
LIVE = "https://learn.example.com/sessions/onboarding-live"
GROUP = "Cohort A"
EVIL = "<script>alert('x')</script> Eve"
COMPLETED = "http://adlnet.gov/expapi/verbs/completed"
EXPERIENCED = "http://adlnet.gov/expapi/verbs/experienced"
PASSED = "http://adlnet.gov/expapi/verbs/passed"
FAILED = "http://adlnet.gov/expapi/verbs/failed"
ATTENDED = "http://adlnet.gov/expapi/verbs/attended"

MANAGERS = [
    {"employee_id": "M1", "display_name": "Maria Manager", "email": "m1@example.com"},
    {"employee_id": "M2", "display_name": "Mo Manager", "email": "m2@example.com"},
]
LEARNERS = [
    {
        "employee_id": f"L{n}",
        "display_name": EVIL if n == 6 else f"Learner {n}",
        "email": f"l{n}@example.com",
        "manager": "M1" if n <= 3 else "M2",
    }
    for n in range(1, 8)
]


def _statement(n: int, day: str, verb: str, activity: str, **result: Any) -> dict[str, Any]:
    statement: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "actor": {"mbox": f"mailto:l{n}@example.com"},
        "verb": {"id": verb},
        "object": {"id": activity},
        "timestamp": f"2026-{day}T12:00:00Z",
    }
    if result:
        statement["result"] = result
    return statement


def quiz(n: int, day: str, score: float) -> dict[str, Any]:
    ok = score >= 0.5 or n == 5
    return _statement(n, day, PASSED if ok else FAILED, QUIZ, success=ok, score={"scaled": score})


STATEMENTS = [
    _statement(1, "03-04", COMPLETED, MODULE),
    quiz(1, "03-06", 0.9),
    _statement(1, "03-10", ATTENDED, LIVE, completion=True),
    _statement(2, "03-04", EXPERIENCED, MODULE),
    _statement(3, "03-05", COMPLETED, MODULE),
    quiz(3, "03-06", 0.4),
    quiz(3, "03-12", 0.85),
    _statement(3, "03-14", ATTENDED, LIVE, completion=True),
    _statement(4, "03-05", COMPLETED, MODULE),
    quiz(4, "03-07", 0.8),
    _statement(4, "03-10", ATTENDED, LIVE, completion=False),
    _statement(4, "03-18", EXPERIENCED, MODULE),
    _statement(5, "03-05", COMPLETED, MODULE),
    quiz(5, "03-06", 0.3),
    _statement(5, "03-10", ATTENDED, LIVE, completion=True),
    _statement(6, "03-05", COMPLETED, MODULE),
    quiz(6, "03-08", 0.7),
    _statement(6, "03-25", ATTENDED, LIVE, completion=True),
]


@pytest.fixture
def recorder() -> RecordingPlugin:
    return RecordingPlugin()


@pytest.fixture
def kpi_app(
    recorder: RecordingPlugin,
    lrs_make_app: Callable[..., Flask],
    fresh_database_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> Flask:
    """The kpi plugin through its entry point, the directory, group and assignment; no
    evaluation after batches (tests choose the day they evaluate as of)."""
    monkeypatch.setenv("LRS_PLUGIN_KPI_WARNINGS_EVALUATE_SECONDS", "0")
    return seed(lrs_make_app(recorder, installed=["kpi"], database_url=fresh_database_url))


def seed(app: Flask) -> Flask:
    """``app`` with the directory, the group and its assignment."""
    core = app.extensions["lrs"]
    result = core.host.import_people(1, MANAGERS + LEARNERS, actor="test")
    assert not result.errors, result.errors
    create_group(core, actor="test", name=GROUP)
    add_members(core, actor="test", name=GROUP, employee_ids=[p["employee_id"] for p in LEARNERS])
    core.host.create_assignment(
        1,
        {
            "group": GROUP,
            "activities": [MODULE, QUIZ, LIVE],
            "program": "Onboarding",
            "due": "2026-03-31",
        },
        actor="test",
    )
    return app


@pytest.fixture
def client(kpi_app: Flask) -> FlaskClient:
    return kpi_app.test_client()


@pytest.fixture
def credential(kpi_app: Flask, lrs_make_credential: Callable[..., ApiCredential]) -> ApiCredential:
    return lrs_make_credential(
        "all", "kpi/read", "kpi/write", "kpi/risk", app=kpi_app, name="early warning desk"
    )


@pytest.fixture
def program(kpi_app: Flask, client: FlaskClient, credential: ApiCredential) -> Flask:
    """:data:`STATEMENTS` sent by a client and delivered to the plugin."""
    return send_program(kpi_app, credential)


def send_program(app: Flask, credential: ApiCredential) -> Flask:
    response = app.test_client().post(
        "/xapi/statements", json=STATEMENTS, headers=credential.headers
    )
    assert response.status_code == 200, response.get_json()
    deliver(app)
    return app


def evaluate(client: FlaskClient, credential: ApiCredential, as_of: str) -> dict[str, int]:
    response = client.post(
        "/api/kpis/warnings/evaluate", json={"as_of": as_of}, headers=credential.headers
    )
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def flags(client: FlaskClient, credential: ApiCredential, **query: str) -> list[dict[str, Any]]:
    response = client.get("/api/kpis/warnings", query_string=query, headers=credential.headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["warnings"]


def flagged(client: FlaskClient, credential: ApiCredential) -> set[tuple[str, str]]:
    return {(f["employee_id"], f["rule"]) for f in flags(client, credential)}


@pytest.fixture
def kpi_cli(kpi_app: Flask) -> Callable[..., Result]:
    """``lrs ARGS...`` on the test's database, with only the kpi plugin."""
    from lrs.cli import cli

    others = ",".join(
        sorted(ep.name for ep in entry_points(group="lrs.plugins") if ep.name != "kpi")
    )
    runner = CliRunner(
        env={
            "LRS_SECRET_KEY": TEST_SECRET_KEY,
            "LRS_AUTO_MIGRATE": "false",
            "LRS_DISABLED_PLUGINS": others,
            "LRS_PLUGIN_KPI_WARNINGS_EVALUATE_SECONDS": "0",
        }
    )
    url = kpi_app.extensions["lrs"].settings.database_url

    def run(*args: str) -> Result:
        return runner.invoke(cli, ["--database", url, *args])

    return run
