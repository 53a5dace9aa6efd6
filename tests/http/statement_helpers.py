"""Statements and calls shared by the statement resource tests."""

from __future__ import annotations

import uuid
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import exists, func, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from lrs.models import Statement, StatementActivity, StatementAgent, StatementTargetKey

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


def orphan_link_rows(connection: Connection | Session) -> int:
    """Link rows whose statement is gone. They hold no foreign key that would cascade
    (:mod:`lrs.models.statements`): every deletion of statements must take them too."""
    return sum(
        connection.scalar(select(func.count()).select_from(table).where(
            ~exists().where(Statement.pk == table.c.statement_pk))) or 0
        for table in (StatementAgent.__table__, StatementActivity.__table__,
                      StatementTargetKey.__table__)
    )
