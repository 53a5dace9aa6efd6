"""A directory of four people (one inactive), a rule group, credentials per scope and
statements posted through the xAPI, on each test database."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from lrs.app import create_app
from lrs.settings import Settings
from lrs.store.credentials import IssuedCredential, create_credential
from tests.conftest import basic_auth
from tests.people.test_people_import import HEADER, staff_csv
from tests.plugins.conftest import RecordingPlugin
from tests.test_cli import lrs
from tests.web.conftest import admin_actions

assert lrs and staff_csv and admin_actions  # fixtures and helpers, used by name

AML = "https://example.com/courses/aml"
FIRE = "https://example.com/courses/fire-safety"
DRILL = "https://example.com/sessions/fire-drill"
VERBS = "http://adlnet.gov/expapi/verbs/"
LMS = "https://lms.example.com"

STAFF = HEADER + (
    f"E1,Ada,ada@example.com,ada.l@example.org,{LMS}|u1,Sales,E3,Berlin,Rep,2026-01-15,true,\n"
    "E2,Bob,bob@example.com,,,Sales,E3,Paris,Rep,2025-06-01,true,\n"
    "E3,Grace,grace@example.com,,,Sales,,Paris,Manager,2020-03-01,true,\n"
    "E4,Carl,carl@example.com,,,Sales,,Berlin,Clerk,2026-02-01,false,\n"
)


@pytest.fixture
def recorder() -> RecordingPlugin:
    return RecordingPlugin()


@pytest.fixture
def app(make_settings: Callable[..., Settings], recorder: RecordingPlugin) -> Iterator[Flask]:
    """The test app, with a plugin recording the administrative actions announced."""
    app = create_app(make_settings(outbox_inline=False), plugins=[recorder])
    yield app
    app.extensions["lrs"].db.engine.dispose()


@pytest.fixture
def directory(lrs: Any, staff_csv: Callable[[str], str]) -> None:
    """E1-E4 (E4 inactive) and the rule group "Sales" (all four)."""
    assert lrs("people", "import", staff_csv(STAFF)).exit_code == 0
    made = lrs("people", "groups", "create", "Sales", "--rule", "department = Sales")
    assert made.exit_code == 0, made.output


def auth(app: Flask, *scopes: str, tenant_id: int = 1) -> dict[str, str]:
    runtime = app.extensions["lrs"]
    with runtime.db.write() as session:
        issued: IssuedCredential = create_credential(
            session, runtime.settings.secret_key, name=f"{scopes} {tenant_id}",
            scopes=list(scopes), tenant_id=tenant_id, known_scopes=runtime.scopes)
    return {"Authorization": basic_auth(issued), "X-Experience-API-Version": "2.0.0"}


@pytest.fixture
def writer(app: Flask) -> dict[str, str]:
    return auth(app, "assignments/read", "assignments/write")


@pytest.fixture
def post_statements(client: FlaskClient, app: Flask) -> Callable[..., list[str]]:
    headers = auth(app, "statements/write")

    def post(*statements: dict[str, Any]) -> list[str]:
        response = client.post("/xapi/statements", json=list(statements), headers=headers)
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    return post


def said(actor: dict[str, Any] | str, verb: str, activity: str, when: str,
         **extra: Any) -> dict[str, Any]:
    """A statement by ``actor`` (an Agent, or an email address) on ``when`` (a day)."""
    agent = actor if isinstance(actor, dict) else {"mbox": f"mailto:{actor}"}
    return {"id": str(uuid.uuid4()), "actor": agent, "verb": {"id": VERBS + verb},
            "object": {"id": activity}, "timestamp": f"{when}T10:00:00Z", **extra}


def create(client: FlaskClient, headers: dict[str, str], **spec: Any) -> dict[str, Any]:
    response = client.post("/api/assignments", json=spec, headers=headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def statuses(client: FlaskClient, headers: dict[str, str], as_of: str,
             assignment: int | None = None) -> dict[str, tuple[str, str]]:
    """``employee id → (status, due)`` as of a day."""
    query: dict[str, Any] = {"as_of": as_of}
    if assignment is not None:
        query["assignment"] = assignment
    response = client.get("/api/assignments/status", query_string=query, headers=headers)
    assert response.status_code == 200, response.get_json()
    return {s["employee_id"]: (s["status"], s["due"]) for s in response.get_json()["statuses"]}
