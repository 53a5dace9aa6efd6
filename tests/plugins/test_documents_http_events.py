"""Document writes announce ``documents_changed`` with who, what, how and the ETags.

Each successful write announces exactly one event in its own transaction; a
refused one (400, 409, 412) and a delete that finds nothing announce none.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from lrs.models import OutboxEvent
from lrs.plugin.events import DocumentsChanged
from lrs.store.credentials import IssuedCredential
from tests.conftest import basic_auth
from tests.plugins.conftest import RecordingPlugin, runtime, wait_for

ACTIVITY = "http://example.com/activities/one"
AGENT = {"mbox": "mailto:learner@example.com"}
AGENT_KEY = "mbox:mailto:learner@example.com"
REGISTRATION = str(uuid.UUID(int=7))

#: (kind, path, parameters naming one document, event coordinates)
RESOURCES = [
    ("state", "/xapi/activities/state",
     {"activityId": ACTIVITY, "agent": json.dumps(AGENT), "registration": REGISTRATION,
      "stateId": "bookmark"},
     {"activity_id": ACTIVITY, "agent_key": AGENT_KEY, "registration": REGISTRATION}),
    ("activity_profile", "/xapi/activities/profile",
     {"activityId": ACTIVITY, "profileId": "bookmark"},
     {"activity_id": ACTIVITY, "agent_key": None, "registration": None}),
    ("agent_profile", "/xapi/agents/profile",
     {"agent": json.dumps(AGENT), "profileId": "bookmark"},
     {"activity_id": None, "agent_key": AGENT_KEY, "registration": None}),
]


class Documents:
    """A client of one document resource, and the events it caused so far."""

    def __init__(self, app: Flask, recording: RecordingPlugin, credential: IssuedCredential,
                 version: str, path: str, params: dict[str, str]) -> None:
        self.app, self.recording, self.path, self.params = app, recording, path, params
        self.client: FlaskClient = app.test_client()
        self.headers = {"Authorization": basic_auth(credential),
                        "X-Experience-API-Version": version}
        self.seen = 0

    def send(self, method: str, body: Any = None, params: dict[str, str] | None = None,
             **headers: str) -> int:
        response = self.client.open(
            self.path, method=method, query_string=self.params if params is None else params,
            json=body, headers={**self.headers, **headers})
        return response.status_code

    def etag(self) -> str:
        response = self.client.get(self.path, query_string=self.params, headers=self.headers)
        assert response.status_code == 200
        return response.headers["ETag"].strip('"')

    def new_events(self) -> list[DocumentsChanged]:
        runtime(self.app).outbox.process_pending()
        events = [call["event"] for call in self.recording.called("documents_changed")]
        new, self.seen = events[self.seen:], len(events)
        return new


@pytest.fixture(params=RESOURCES, ids=[r[0] for r in RESOURCES])
def resource(request: pytest.FixtureRequest) -> tuple[str, str, dict[str, str], dict[str, Any]]:
    return request.param


@pytest.fixture
def recorded(
    make_app: Callable[..., Flask], credential: IssuedCredential, xapi_version: str,
    resource: tuple[str, str, dict[str, str], dict[str, Any]],
) -> Documents:
    _, path, params, _ = resource
    recording = RecordingPlugin()
    return Documents(make_app(recording), recording, credential, xapi_version, path, params)


def test_document_put_post_delete_each_announce_one_event_with_who_what_and_etags(
    recorded: Documents, credential: IssuedCredential,
    resource: tuple[str, str, dict[str, str], dict[str, Any]],
) -> None:
    kind, _, _, coordinates = resource
    assert recorded.send("PUT", {"page": 1}, **{"If-None-Match": "*"}) == 204
    created = recorded.etag()
    [put] = recorded.new_events()
    # Replacing PUTs: on PostgreSQL one statement writes the document and its event.
    assert recorded.send("PUT", {"page": 2}, **{"If-Match": f'"{created}"'}) == 204
    replaced = recorded.etag()
    [replace] = recorded.new_events()
    assert recorded.send("PUT", {"page": 3}, **{"If-Match": "*"}) == 204
    replaced_again = recorded.etag()
    [replace_any] = recorded.new_events()
    assert recorded.send("POST", {"done": True}) == 204
    merged = recorded.etag()
    [post] = recorded.new_events()
    assert recorded.send("DELETE", **{"If-Match": f'"{merged}"'}) == 204
    [deleted] = recorded.new_events()

    events = (put, replace, replace_any, post, deleted)
    assert [(e.operation, e.action, e.etags_before, e.etags_after) for e in events] == [
        ("put", "stored", (None,), (created,)),
        ("put", "stored", (created,), (replaced,)),
        ("put", "stored", (replaced,), (replaced_again,)),
        ("merge", "stored", (replaced_again,), (merged,)),
        ("delete", "deleted", (merged,), (None,)),
    ]
    for event in events:
        assert event.kind == kind and event.document_ids == ("bookmark",)
        assert {name: getattr(event, name) for name in coordinates} == coordinates
        assert event.credential_key == credential.key and event.credential_id is not None
        assert event.authority == credential.authority
        assert event.tenant_id == 1 and event.changed_us > 0
        assert event.source is not None and event.source["ip"] == "127.0.0.1"


def test_document_refused_writes_announce_nothing(recorded: Documents) -> None:
    assert recorded.send("PUT", {"page": 1}, **{"If-None-Match": "*"}) == 204
    recorded.new_events()
    assert recorded.send("PUT", {"page": 2}, **{"If-Match": '"' + "0" * 40 + '"'}) == 412
    assert recorded.send("PUT", {"page": 2}, **{"If-None-Match": "*"}) == 412
    assert recorded.send("POST", [1, 2]) == 400
    assert recorded.send("DELETE", **{"If-Match": '"' + "0" * 40 + '"'}) == 412
    assert recorded.send("PUT", {"page": 2}, params={**recorded.params, "activityId": "no iri",
                                                     "agent": "{"}) == 400
    assert recorded.new_events() == []


def test_document_delete_of_an_absent_document_announces_nothing(recorded: Documents) -> None:
    assert recorded.send("DELETE") == 204
    assert recorded.new_events() == []


def test_state_delete_without_state_id_announces_every_deleted_document_at_once(
    make_app: Callable[..., Flask], credential: IssuedCredential, xapi_version: str,
) -> None:
    recording = RecordingPlugin()
    _, path, params, _ = RESOURCES[0]
    state = Documents(make_app(recording), recording, credential, xapi_version, path, params)
    other_registration = {**params, "registration": str(uuid.UUID(int=8)), "stateId": "b"}
    assert state.send("PUT", {"a": 1}) == 204
    first = state.etag()
    assert state.send("PUT", {"b": 2}, params=other_registration) == 204
    state.new_events()
    scope = {k: v for k, v in params.items() if k not in ("stateId", "registration")}

    assert state.send("DELETE", params=scope) == 204
    [event] = state.new_events()
    assert event.operation == "delete" and event.action == "deleted"
    assert sorted(event.document_ids) == ["b", "bookmark"]
    assert dict(zip(event.document_ids, event.etags_before, strict=True))["bookmark"] == first
    assert event.etags_after == (None, None)
    assert event.registration is None and event.agent_key == AGENT_KEY

    assert state.send("DELETE", params=scope) == 204
    assert state.new_events() == []


def test_state_put_without_preconditions_in_1_0_3_announces_the_etag_it_overwrote(
    make_app: Callable[..., Flask], credential: IssuedCredential,
) -> None:
    recording = RecordingPlugin()
    _, path, params, _ = RESOURCES[0]
    state = Documents(make_app(recording), recording, credential, "1.0.3", path, params)
    assert state.send("PUT", {"page": 1}) == 204
    first = state.etag()
    assert state.send("PUT", {"page": 2}) == 204
    second = state.etag()
    assert [(e.etags_before, e.etags_after) for e in state.new_events()] == [
        ((None,), (first,)), ((first,), (second,))]


def test_document_writes_leave_no_event_when_no_plugin_implements_the_hook(
    make_app: Callable[..., Flask], credential: IssuedCredential, xapi_version: str,
) -> None:
    recording = RecordingPlugin()
    app = make_app()
    _, path, params, _ = RESOURCES[0]
    state = Documents(app, recording, credential, xapi_version, path, params)
    assert state.send("PUT", {"page": 1}, **{"If-None-Match": "*"}) == 204
    assert state.send("PUT", {"page": 2}, **{"If-Match": f'"{state.etag()}"'}) == 204
    assert state.send("PUT", {"page": 3}, **{"If-Match": "*"}) == 204
    assert state.send("POST", {"done": True}) == 204
    with runtime(app).db.read() as session:
        assert session.scalar(select(func.count()).select_from(OutboxEvent)) == 0
    assert json.loads(state.client.get(path, query_string=params, headers=state.headers).data
                      ) == {"page": 3, "done": True}


def test_inline_thread_delivers_a_replacing_put_soon_after_it_commits(
    make_app: Callable[..., Flask], credential: IssuedCredential, xapi_version: str,
) -> None:
    recording = RecordingPlugin()
    app = make_app(recording, outbox_inline=True, outbox_poll_seconds=60)
    _, path, params, _ = RESOURCES[0]
    state = Documents(app, recording, credential, xapi_version, path, params)
    assert state.send("PUT", {"page": 1}, **{"If-None-Match": "*"}) == 204
    wait_for(lambda: len(recording.called("documents_changed")) == 1)
    assert state.send("PUT", {"page": 2}, **{"If-Match": "*"}) == 204
    wait_for(lambda: len(recording.called("documents_changed")) == 2)
    assert len(recording.called("documents_changed")) == 2  # woken, not polled (60 s)


def test_document_put_without_preconditions_in_2_0_creates_once_then_announces_nothing(
    make_app: Callable[..., Flask], credential: IssuedCredential,
    resource: tuple[str, str, dict[str, str], dict[str, Any]],
) -> None:
    recording = RecordingPlugin()
    _, path, params, _ = resource
    recorded = Documents(make_app(recording), recording, credential, "2.0.0", path, params)
    assert recorded.send("PUT", {"page": 1}) == 204
    [created] = recorded.new_events()
    assert (created.etags_before, created.etags_after) == ((None,), (recorded.etag(),))
    assert recorded.send("PUT", {"page": 2}) == 409
    assert recorded.new_events() == []


@pytest.mark.parametrize("header", [{"If-None-Match": "*"}, {"If-Match": "*"}],
                         ids=["creating", "replacing"])
def test_document_event_keeps_a_user_agent_with_a_nul_character(
    recorded: Documents, header: dict[str, str],
) -> None:
    """What a client sent is written into the event as it was, even what PostgreSQL's
    ``jsonb`` refuses (an escaped NUL)."""
    if "If-Match" in header:
        assert recorded.send("PUT", {"page": 0}, **{"If-None-Match": "*"}) == 204
        recorded.new_events()
    response = recorded.client.put(
        recorded.path, query_string=recorded.params, json={"page": 1},
        headers={**recorded.headers, **header},
        environ_overrides={"HTTP_USER_AGENT": "agent\x00with NUL"})
    assert response.status_code == 204
    [event] = recorded.new_events()
    assert event.source is not None and event.source["user_agent"] == "agent\x00with NUL"
