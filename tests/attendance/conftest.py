"""An application with the attendance plugin loaded through its real entry point, on a
fresh database (both backends), with a small directory and a planned session."""

from __future__ import annotations

from collections.abc import Callable
from importlib.metadata import entry_points
from typing import Any

import pytest
from click.testing import CliRunner, Result
from flask import Flask
from flask.testing import FlaskClient

from lrs.plugin.testing import ApiCredential
from lrs.services.groups import add_members, create_group
from tests.conftest import TEST_SECRET_KEY

SESSION = "onboarding-1204"
ACTIVITY = "https://learn.example.com/sessions/onboarding-1204"
IDP = "https://idp.example.com"
PEOPLE = [
    {
        "employee_id": "E1",
        "display_name": "Ada Lovelace",
        "email": "ada@example.com",
        "aliases": ["ada.lovelace@example.org"],
    },
    {"employee_id": "E2", "display_name": "Grace Hopper", "email": "grace@example.com"},
    {"employee_id": "E3", "display_name": "Alan Turing", "email": "alan@example.com"},
    {"employee_id": "E4", "display_name": "Alan Turner", "email": "turner@example.com"},
    {
        "employee_id": "E5",
        "display_name": "Katherine Johnson",
        "email": "kj@example.com",
        "accounts": [f"{IDP}|sub-kj-5"],
    },
    {"employee_id": "E7", "display_name": "Maria Montessori", "email": "maria@example.com"},
]
HEADER = "Name,Email,Employee ID,Time in,Time out\n"


def sheet(*rows: str) -> bytes:
    """A sign-in sheet with times (09:00-10:00 UTC on 4 December 2026 is the session)."""
    return (HEADER + "".join(row + "\n" for row in rows)).encode()


@pytest.fixture(autouse=True)
def no_cached_platform_tokens(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts without the worker's cached Zoom/Graph tokens: a fake platform
    may get the port of an earlier test's, and so the same token URL, whose token the
    cache would otherwise hand it (counting tokens issued would then depend on order)."""
    monkeypatch.setattr("plugins.attendance.pull.remote._tokens", {})


@pytest.fixture
def att_app(
    lrs_make_app: Callable[..., Flask], fresh_database_url: str, monkeypatch: pytest.MonkeyPatch
) -> Flask:
    monkeypatch.setenv("LRS_PLUGIN_ATTENDANCE_SSO_HOME_PAGE", IDP)
    return seeded(lrs_make_app(installed=["attendance"], database_url=fresh_database_url))


def seeded(app: Flask) -> Flask:
    """``app`` with :data:`PEOPLE` in its directory and the group "New hires" (E1-E4)."""
    core = app.extensions["lrs"]
    result = core.host.import_people(1, PEOPLE, actor="test")
    assert not result.errors, result.errors
    create_group(core, actor="test", name="New hires")
    add_members(core, actor="test", name="New hires", employee_ids=["E1", "E2", "E3", "E4"])
    return app


@pytest.fixture
def client(att_app: Flask) -> FlaskClient:
    return att_app.test_client()


@pytest.fixture
def auth(att_app: Flask, lrs_make_credential: Callable[..., ApiCredential]) -> dict[str, str]:
    return lrs_make_credential(
        "all", "attendance/read", "attendance/write", app=att_app, name="training desk"
    ).headers


def session_body(**changes: Any) -> dict[str, Any]:
    return {
        "key": SESSION,
        "activity_id": ACTIVITY,
        "title": "Onboarding day one",
        "start": "2026-12-04T09:00:00Z",
        "end": "2026-12-04T10:00:00Z",
        "platform": "zoom",
        "instructor": "E7",
        "roster": {"people": ["E5"], "groups": ["New hires"]},
        **changes,
    }


@pytest.fixture
def planned(client: FlaskClient, auth: dict[str, str]) -> dict[str, Any]:
    response = client.post("/api/attendance/sessions", json=session_body(), headers=auth)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def upload(
    client: FlaskClient, auth: dict[str, str], data: bytes, *, key: str = SESSION, **query: str
) -> Any:
    return client.post(
        f"/api/attendance/sessions/{key}/imports",
        data=data,
        headers=auth,
        query_string={"filename": "signin.csv", **query},
    )


def attended(client: FlaskClient, auth: dict[str, str]) -> list[dict[str, Any]]:
    response = client.get(
        "/xapi/statements",
        headers=auth,
        query_string={"verb": "http://adlnet.gov/expapi/verbs/attended", "activity": ACTIVITY},
    )
    assert response.status_code == 200
    # A voiding statement comes along with what it voided (xAPI's StatementRef filter rule).
    return [
        s
        for s in response.get_json()["statements"]
        if s["verb"]["id"] == "http://adlnet.gov/expapi/verbs/attended"
    ]


@pytest.fixture
def attendance_cli(att_app: Flask) -> Callable[..., Result]:
    """``lrs ARGS...`` on the test's database, with only the attendance plugin."""
    others = ",".join(
        sorted(ep.name for ep in entry_points(group="lrs.plugins") if ep.name != "attendance")
    )
    url = att_app.extensions["lrs"].settings.database_url
    runner = CliRunner(
        env={
            "LRS_SECRET_KEY": TEST_SECRET_KEY,
            "LRS_AUTO_MIGRATE": "false",
            "LRS_DISABLED_PLUGINS": others,
        }
    )

    def run(*args: str) -> Result:
        return runner.invoke(cli_group(), ["--database", url, *args])

    return run


def cli_group() -> Any:
    from lrs.cli import cli

    return cli
