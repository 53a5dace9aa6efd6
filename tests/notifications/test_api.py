"""``/api/notifications``: the record and the subscriptions, scoped to the caller's store."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from lrs.store.credentials import create_credential
from lrs.store.tenants import create_tenant
from tests.conftest import basic_auth
from tests.notifications.conftest import deliver, notify
from tests.plugins.conftest import RecordingPlugin
from tests.web.conftest import admin_actions

API = "/api/notifications"


def credential(app: Flask, *scopes: str, tenant_id: int = 1) -> dict[str, str]:
    runtime = app.extensions["lrs"]
    with runtime.db.write() as session:
        issued = create_credential(
            session,
            runtime.settings.secret_key,
            name="ops",
            scopes=list(scopes),
            tenant_id=tenant_id,
        )
    return {"Authorization": basic_auth(issued)}


def test_subscriptions_are_managed_and_recorded_as_admin_actions(
    web_app: Flask,
    browser: FlaskClient,
    recorder: RecordingPlugin,
) -> None:
    writer = credential(web_app, "notifications/write", "notifications/read")
    created = browser.post(
        f"{API}/subscriptions",
        headers=writer,
        json={"topic": "kpi.status_changed", "email": "Ops@Example.com"},
    )
    assert created.status_code == 201
    assert created.get_json() == {"topic": "kpi.status_changed", "email": "ops@example.com"}
    again = browser.post(
        f"{API}/subscriptions",
        headers=writer,
        json={"topic": "kpi.status_changed", "email": "ops@example.com"},
    )
    assert again.status_code == 200
    listed = browser.get(f"{API}/subscriptions", headers=writer).get_json()["subscriptions"]
    assert [(s["topic"], s["email"]) for s in listed] == [("kpi.status_changed", "ops@example.com")]
    assert listed[0]["by"].startswith("credential:")
    gone = browser.delete(
        f"{API}/subscriptions?topic=kpi.status_changed&email=ops@example.com", headers=writer
    )
    assert gone.status_code == 204
    missing = browser.delete(
        f"{API}/subscriptions?topic=kpi.status_changed&email=ops@example.com", headers=writer
    )
    assert missing.status_code == 404 and "not subscribed" in missing.get_json()["message"]
    actions = [(a.action, a.target) for a in admin_actions(web_app, recorder)]
    assert actions == [
        ("notification.subscribed", "subscription:kpi.status_changed:ops@example.com"),
        ("notification.unsubscribed", "subscription:kpi.status_changed:ops@example.com"),
    ]


def test_malformed_bodies_get_400_naming_the_json_path(
    web_app: Flask,
    browser: FlaskClient,
) -> None:
    writer = credential(web_app, "notifications/write")
    cases: list[tuple[Any, set[str]]] = [
        ({"topic": 7, "email": ["x"]}, {"$.topic", "$.email"}),
        ({"topic": "kpi.x"}, {"$.email"}),
        (["kpi.x", "a@example.com"], {"$"}),
    ]
    for body, paths in cases:
        response = browser.post(f"{API}/subscriptions", headers=writer, json=body)
        assert response.status_code == 400, body
        assert {e["path"] for e in response.get_json()["errors"]} == paths
    broken = browser.post(
        f"{API}/subscriptions",
        headers={**writer, "Content-Type": "application/json"},
        data=b'{"topic": ',
    )
    assert broken.status_code == 400
    bad_limit = browser.get(f"{API}?limit=0", headers=credential(web_app, "notifications/read"))
    assert bad_limit.status_code == 400 and bad_limit.get_json()["errors"][0]["path"] == "limit"


def test_the_record_lists_the_caller_s_store_only_with_each_channel_s_state(
    web_app: Flask,
    browser: FlaskClient,
) -> None:
    app, client = web_app, browser
    with app.extensions["lrs"].db.write() as session:
        other = create_tenant(session, "other").id
    notify(app, subject="Completion at risk")
    with app.app_context():
        app.extensions["lrs"].host.notify(
            other, "kpi.status_changed", subject="Other store's", text=""
        )
    deliver(app)
    reader = credential(app, "notifications/read")
    found = client.get(API, headers=reader).get_json()["notifications"]
    assert [(n["topic"], n["subject"], n["plugin"]) for n in found] == [
        ("kpi.status_changed", "Completion at risk", "kpi")
    ]
    assert found[0]["data"] == {"kpi": "completion", "status": "at_risk"}
    assert found[0]["deliveries"] == []  # no channel configured
    others = client.get(API, headers=credential(app, "notifications/read", tenant_id=other))
    assert [n["subject"] for n in others.get_json()["notifications"]] == ["Other store's"]
    assert client.get(API, headers=credential(app, "all")).status_code == 403
