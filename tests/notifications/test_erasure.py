"""Erasing a person removes the notifications about them or addressed to them alone, takes
them out of the audience of the others, and deletes their subscriptions, in the erasure's
transaction, with counts; a dry run only counts."""

from __future__ import annotations

import json

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from lrs.models import Notification
from lrs.services import admin
from tests.notifications.conftest import notify
from tests.notifications.test_api import API, credential

ADA = {"mbox": "mailto:ada@example.com"}
PEOPLE = [
    {"employee_id": "E1", "display_name": "Ada", "email": "ada@example.com"},
    {"employee_id": "E2", "display_name": "Bob", "email": "bob@example.com"},
]


def audiences(app: Flask) -> dict[str, list[str]]:
    """Each notification's subject -> its audience."""
    with app.extensions["lrs"].db.read() as session:
        rows = session.execute(select(Notification.subject, Notification.audience)).all()
    return {subject: json.loads(audience) for subject, audience in rows}


def test_erasing_a_person_erases_their_notifications_and_subscriptions(
    web_app: Flask, browser: FlaskClient
) -> None:
    runtime = web_app.extensions["lrs"]
    assert not runtime.host.import_people(1, PEOPLE, actor="test").errors
    notify(
        web_app,
        "kpi.learner_at_risk",
        subject="Ada at risk",
        data={"flag": {"employee_id": "E1", "name": "Ada"}},
        audience=["E2"],
    )
    notify(web_app, subject="To Ada alone", audience=["E1"])
    notify(web_app, subject="To Ada and Bob", audience=["E1", "E2"])
    notify(web_app, subject="Ada's address", data={"learner": {"email": "ADA@example.com"}})
    notify(
        web_app,
        "kpi.learner_at_risk",
        subject="Bob at risk",
        data={"flag": {"employee_id": "E2"}},
        audience=["E2"],
    )
    notify(web_app, subject="Names E1 otherwise", data={"kpi": "E1", "note": "ada@example.com"})
    writer = credential(web_app, "notifications/write", "notifications/read")
    for email in ("ada@example.com", "bob@example.com"):
        response = browser.post(
            f"{API}/subscriptions",
            headers=writer,
            json={"topic": "kpi.status_changed", "email": email},
        )
        assert response.status_code == 201
    expected = {"notifications": 3, "notifications_redacted": 1, "notification_subscriptions": 1}

    dry = admin.erase_person(runtime, actor="test", agent=ADA, dry_run=True)
    assert {k: dry[k] for k in expected} == expected
    assert len(audiences(web_app)) == 6

    counts = admin.erase_person(runtime, actor="test", agent=ADA)
    assert {k: counts[k] for k in expected} == expected and counts["people"] == 1
    listed = browser.get(API, headers=writer).get_json()["notifications"]
    assert sorted(n["subject"] for n in listed) == [
        "Bob at risk",
        "Names E1 otherwise",
        "To Ada and Bob",
    ]
    assert audiences(web_app)["To Ada and Bob"] == ["E2"]
    subscribed = browser.get(f"{API}/subscriptions", headers=writer).get_json()["subscriptions"]
    assert [s["email"] for s in subscribed] == ["bob@example.com"]
