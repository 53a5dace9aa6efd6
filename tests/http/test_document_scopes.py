"""Which credential scopes reach the document, agents and activities resources."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask.testing import FlaskClient

from lrs.store.credentials import IssuedCredential
from tests.conftest import basic_auth
from tests.http.document_helpers import (
    ACTIVITY_PROFILE,
    AGENT,
    AGENT_PROFILE,
    STATE,
    activity_profile_params,
    agent_profile_params,
    send,
    state_params,
)

CASES = [
    (STATE, state_params, "state"),
    (ACTIVITY_PROFILE, activity_profile_params, "profile"),
    (AGENT_PROFILE, agent_profile_params, "profile"),
]


def _headers(credential: IssuedCredential) -> dict[str, str]:
    return {"Authorization": basic_auth(credential), "X-Experience-API-Version": "2.0.0"}


@pytest.mark.parametrize(("path", "params", "scope"), CASES)
def test_document_resource_is_writable_with_its_own_scope_only(
    client: FlaskClient, make_credential: Callable[..., IssuedCredential],
    path: str, params: Callable[[], dict], scope: str,
) -> None:
    own = _headers(make_credential(scope))
    other = _headers(make_credential("state" if scope == "profile" else "profile"))
    reader = _headers(make_credential("all/read"))
    document = params()

    assert send(client, "PUT", path, document, own, {"a": 1}).status_code == 204
    assert send(client, "GET", path, document, own).status_code == 200
    assert send(client, "GET", path, document, reader).status_code == 200
    assert send(client, "GET", path, document, other).status_code == 403
    assert send(client, "POST", path, document, reader, {"b": 1}).status_code == 403
    assert send(client, "DELETE", path, document, other).status_code == 403


def test_agents_and_activities_are_closed_to_a_write_only_credential(
    client: FlaskClient, make_credential: Callable[..., IssuedCredential]
) -> None:
    writer = _headers(make_credential("statements/write"))
    reader = _headers(make_credential("all/read"))
    agent = {"agent": '{"mbox": "mailto:a@example.com"}'}
    activity = {"activityId": "http://example.com/a"}

    assert client.get("/xapi/agents", query_string=agent, headers=writer).status_code == 403
    assert client.get("/xapi/activities", query_string=activity,
                      headers=writer).status_code == 403
    assert client.get("/xapi/agents", query_string=agent, headers=reader).status_code == 200
    assert client.get("/xapi/activities", query_string=activity,
                      headers=reader).status_code == 200


def test_document_resource_without_credentials_is_401(client: FlaskClient) -> None:
    response = send(client, "GET", STATE, {**state_params(), "agent": AGENT},
                    {"X-Experience-API-Version": "1.0.3"})

    assert response.status_code == 401
