"""Statements and calls shared by the statement resource tests."""

from __future__ import annotations

import uuid
from typing import Any

from flask.testing import FlaskClient

VOIDED = "http://adlnet.gov/expapi/verbs/voided"


def make_statement(
    *,
    mbox: str = "mailto:learner@example.com",
    verb: str = "http://adlnet.gov/expapi/verbs/experienced",
    activity: str = "http://example.com/activities/one",
    **extra: Any,
) -> dict[str, Any]:
    return {
        "actor": {"objectType": "Agent", "mbox": mbox},
        "verb": {"id": verb, "display": {"en-US": "experienced", "en-GB": "experienced (GB)"}},
        "object": {"objectType": "Activity", "id": activity,
                   "definition": {"name": {"en-US": "One", "fr-FR": "Un"}}},
        **extra,
    }


def voiding(target_id: str, mbox: str = "mailto:admin@example.com") -> dict[str, Any]:
    return {
        "actor": {"mbox": mbox},
        "verb": {"id": VOIDED},
        "object": {"objectType": "StatementRef", "id": target_id},
    }


def post(client: FlaskClient, headers: dict[str, str], body: Any) -> list[str]:
    response = client.post("/xapi/statements", json=body, headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def query(client: FlaskClient, headers: dict[str, str], **params: str) -> list[dict[str, Any]]:
    response = client.get("/xapi/statements", query_string=params, headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["statements"]


def new_id() -> str:
    return str(uuid.uuid4())
