"""Sending statements, delivering them to the plugin and reading what it keeps."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from lrs.plugin.testing import deliver
from plugins.competency.models import Attainment, AttainmentChange, Evidence


def when(days_ago: float = 0) -> str:
    return (datetime.now(UTC) - timedelta(days=days_ago)).isoformat()


def stmt(
    verb: str,
    activity: str,
    mbox: str = "mailto:ada@example.com",
    *,
    days_ago: float = 1,
    **extra: Any,
) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "actor": {"mbox": mbox},
        "verb": {"id": verb},
        "object": {"id": activity, **extra.pop("object", {})},
        "timestamp": when(days_ago),
        **extra,
    }


def send(app: Flask, client: FlaskClient, auth: dict[str, str], *statements: Any) -> list[str]:
    """POST ``statements`` and deliver them (and what they cause) to the plugin."""
    response = client.post("/xapi/statements", json=list(statements), headers=auth)
    assert response.status_code == 200, response.get_json()
    deliver(app)
    return response.get_json()


def attainments(app: Flask, person: str = "E1") -> dict[str, Attainment]:
    host = app.extensions["lrs"].host
    with host.read() as session:
        rows = session.scalars(select(Attainment).where(Attainment.person_id == person)).all()
        for row in rows:
            session.expunge(row)
    return {row.competency_uri: row for row in rows}


def evidence(app: Flask) -> list[Evidence]:
    host = app.extensions["lrs"].host
    with host.read() as session:
        rows = session.scalars(select(Evidence).order_by(Evidence.id)).all()
        for row in rows:
            session.expunge(row)
    return list(rows)


def history(app: Flask) -> list[AttainmentChange]:
    host = app.extensions["lrs"].host
    with host.read() as session:
        rows = session.scalars(select(AttainmentChange).order_by(AttainmentChange.id)).all()
        for row in rows:
            session.expunge(row)
    return list(rows)


def assertions(client: FlaskClient, auth: dict[str, str]) -> list[dict[str, Any]]:
    response = client.get(
        "/xapi/statements",
        headers=auth,
        query_string={"verb": "https://w3id.org/xapi/tla/verbs/asserted", "limit": 500},
    )
    assert response.status_code == 200
    return response.get_json()["statements"]


def add_rule(client: FlaskClient, auth: dict[str, str], **body: Any) -> dict[str, Any]:
    response = client.post(
        "/api/competency/rules", json={"target_kind": "activity", **body}, headers=auth
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()
