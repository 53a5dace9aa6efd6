"""State resource without stateId: listing ids (with since) and deleting them all."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask.testing import FlaskClient

from tests.http.document_helpers import STATE, new_id, send, state_params

REGISTRATION = "2b1e8c1e-0f5c-4a51-9d4b-7d3d5b0c8a11"


def _scope(**overrides: object) -> dict[str, object]:
    return {"activityId": f"http://example.com/activities/{new_id()}",
            "agent": {"mbox": "mailto:list@example.com"}, **overrides}


def test_state_get_without_state_id_lists_the_ids_of_the_scope(
    client: FlaskClient, headers: dict[str, str]
) -> None:
    scope = _scope()
    ids = [new_id(), new_id()]
    for state_id in ids:
        send(client, "PUT", STATE, {**scope, "stateId": state_id}, headers, {"a": 1})
    send(client, "PUT", STATE, state_params(), headers, {"other": "scope"})

    response = send(client, "GET", STATE, scope, headers)

    assert response.status_code == 200
    assert sorted(response.get_json()) == sorted(ids)
    assert "Last-Modified" in response.headers


def test_state_get_ids_since_excludes_older_documents(
    client: FlaskClient, headers: dict[str, str]
) -> None:
    scope = _scope()
    send(client, "PUT", STATE, {**scope, "stateId": "old"}, headers, {"a": 1})
    future = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    past = (datetime.now(UTC) - timedelta(hours=1)).isoformat()

    assert send(client, "GET", STATE, {**scope, "since": future}, headers).get_json() == []
    assert send(client, "GET", STATE, {**scope, "since": past}, headers).get_json() == ["old"]


def test_state_get_ids_with_registration_lists_only_that_registration(
    client: FlaskClient, headers: dict[str, str]
) -> None:
    scope = _scope()
    send(client, "PUT", STATE, {**scope, "stateId": "plain"}, headers, {"a": 1})
    send(client, "PUT", STATE, {**scope, "stateId": "registered", "registration": REGISTRATION},
         headers, {"a": 1})

    with_registration = send(client, "GET", STATE, {**scope, "registration": REGISTRATION},
                             headers).get_json()
    without = send(client, "GET", STATE, scope, headers).get_json()

    assert with_registration == ["registered"]
    assert sorted(without) == ["plain", "registered"]


def test_state_delete_without_state_id_deletes_every_document_of_the_scope(
    client: FlaskClient, headers: dict[str, str]
) -> None:
    scope = _scope()
    for state_id in ("one", "two"):
        send(client, "PUT", STATE, {**scope, "stateId": state_id}, headers, {"a": 1})
    survivor = state_params()
    send(client, "PUT", STATE, survivor, headers, {"keep": True})

    deleted = send(client, "DELETE", STATE, scope, headers)

    assert deleted.status_code == 204
    assert send(client, "GET", STATE, scope, headers).get_json() == []
    assert send(client, "GET", STATE, survivor, headers).get_json() == {"keep": True}


def test_state_delete_of_one_document_leaves_the_others(
    client: FlaskClient, headers: dict[str, str]
) -> None:
    scope = _scope()
    for state_id in ("one", "two"):
        send(client, "PUT", STATE, {**scope, "stateId": state_id}, headers, {"a": 1})

    deleted = send(client, "DELETE", STATE, {**scope, "stateId": "one"}, headers)

    assert deleted.status_code == 204
    assert send(client, "GET", STATE, scope, headers).get_json() == ["two"]
    assert send(client, "DELETE", STATE, {**scope, "stateId": "one"}, headers).status_code == 204
