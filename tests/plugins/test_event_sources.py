"""Events say where their change came from (``source``) and, for statements, which key.

The audit trail answers "who, from where" with these fields, so they are
checked through the HTTP API as a client causes them, and old outbox rows
written before the fields existed must still load.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from flask import Flask

from lrs.plugin.events import AdminActionTaken, DocumentsChanged, StatementsStored, event_from_json
from lrs.store.credentials import IssuedCredential
from tests.conftest import basic_auth
from tests.plugins.conftest import AUTHORITY, RecordingPlugin, runtime, statement

ACTIVITY = "http://example.com/activities/one"


def request_headers(credential: IssuedCredential, version: str, **extra: str) -> dict[str, str]:
    return {"Authorization": basic_auth(credential), "X-Experience-API-Version": version,
            "User-Agent": "weft-tests/1.0", **extra}


def delivered(app: Flask, recording: RecordingPlugin, hook: str) -> list[object]:
    runtime(app).outbox.process_pending()
    return [call["event"] for call in recording.called(hook)]


def test_statements_post_event_names_the_request_and_the_credential_key(
    make_app: Callable[..., Flask], credential: IssuedCredential, xapi_version: str,
) -> None:
    recording = RecordingPlugin()
    app = make_app(recording)
    response = app.test_client().post(
        "/xapi/statements", json=[statement()],
        headers=request_headers(credential, xapi_version, **{"X-Request-Id": "abc"}))
    assert response.status_code == 200
    [event] = delivered(app, recording, "statements_stored")
    assert isinstance(event, StatementsStored)
    assert event.credential_key == credential.key
    assert event.source == {"ip": "127.0.0.1", "request_id": "abc",
                            "user_agent": "weft-tests/1.0"}


def test_statements_put_event_carries_the_request_id_the_lrs_assigned(
    make_app: Callable[..., Flask], credential: IssuedCredential, xapi_version: str,
) -> None:
    recording = RecordingPlugin()
    app = make_app(recording)
    one = statement()
    response = app.test_client().put(
        f"/xapi/statements?statementId={one['id']}", json=one,
        headers=request_headers(credential, xapi_version, **{"X-Request-Id": "not safe!"}))
    assert response.status_code == 204
    [event] = delivered(app, recording, "statements_stored")
    assert isinstance(event, StatementsStored) and event.source is not None
    assert event.source["request_id"] == response.headers["X-Request-Id"] != "not safe!"


def test_document_put_event_names_the_request(
    make_app: Callable[..., Flask], credential: IssuedCredential, xapi_version: str,
) -> None:
    recording = RecordingPlugin()
    app = make_app(recording)
    response = app.test_client().put(
        "/xapi/activities/profile", query_string={"activityId": ACTIVITY, "profileId": "p"},
        json={"page": 1}, headers=request_headers(
            credential, xapi_version, **{"X-Request-Id": "abc", "If-None-Match": "*"}))
    assert response.status_code == 204
    [event] = delivered(app, recording, "documents_changed")
    assert isinstance(event, DocumentsChanged)
    assert event.credential_key == credential.key
    assert event.source == {"ip": "127.0.0.1", "request_id": "abc",
                            "user_agent": "weft-tests/1.0"}


def test_host_ingest_event_names_the_plugin_when_told(make_app: Callable[..., Flask]) -> None:
    recording = RecordingPlugin()
    app = make_app(recording)
    host = runtime(app).host
    host.ingest(1, [statement()], authority=AUTHORITY, plugin="attendance")
    host.ingest(1, [statement()], authority=AUTHORITY)
    named, anonymous = delivered(app, recording, "statements_stored")
    assert isinstance(named, StatementsStored) and isinstance(anonymous, StatementsStored)
    assert named.source == {"plugin": "attendance"} and named.credential_key is None
    assert anonymous.source is None


def test_events_written_before_source_existed_still_load() -> None:
    stored = event_from_json("statements_stored", json.dumps(
        {"tenant_id": 1, "statement_ids": ["a"], "credential_id": 3}))
    assert stored == StatementsStored(tenant_id=1, statement_ids=("a",), credential_id=3)
    assert (stored.source, stored.credential_key) == (None, None)  # type: ignore[attr-defined]
    action = event_from_json("admin_action_taken", json.dumps(
        {"tenant_id": 1, "actor": "cli:ops", "action": "credential.revoked",
         "target": "credential:k", "occurred_us": 5, "details": {}}))
    assert isinstance(action, AdminActionTaken) and action.source is None


def test_events_round_trip_their_source() -> None:
    event = DocumentsChanged(tenant_id=1, kind="state", action="stored", document_ids=("s",),
                             source={"ip": "10.0.0.1", "request_id": "abc"})
    assert event_from_json(event.hook, event.to_json()) == event
