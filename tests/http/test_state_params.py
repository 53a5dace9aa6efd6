"""State resource parameters: every malformed or missing one is a 400, never a 500."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from tests.http.document_helpers import STATE, send, state_params

TWO_IFIS = {"mbox": "mailto:a@example.com", "openid": "http://example.com/a"}


@pytest.mark.parametrize("method", ["GET", "PUT", "POST", "DELETE"])
@pytest.mark.parametrize("missing", ["activityId", "agent"])
def test_state_without_a_required_parameter_is_400(
    client: FlaskClient, headers: dict[str, str], method: str, missing: str
) -> None:
    params = {k: v for k, v in state_params().items() if k != missing}

    response = send(client, method, STATE, params, headers, {"a": 1})

    assert response.status_code == 400
    assert missing in response.get_json()["message"]


@pytest.mark.parametrize("method", ["PUT", "POST"])
def test_state_write_without_state_id_is_400(
    client: FlaskClient, headers: dict[str, str], method: str
) -> None:
    params = {k: v for k, v in state_params().items() if k != "stateId"}

    assert send(client, method, STATE, params, headers, {"a": 1}).status_code == 400


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("agent", "not JSON"),
        ("agent", True),
        ("agent", TWO_IFIS),
        ("agent", {"objectType": "Agent", "name": "no IFI"}),
        ("activityId", "not an IRI"),
        ("registration", "not-a-uuid"),
        ("since", "yesterday"),
        ("stateid", "miscased name"),
    ],
)
def test_state_get_with_a_malformed_parameter_is_400(
    client: FlaskClient, headers: dict[str, str], name: str, value: object
) -> None:
    params = {**state_params(), name: value}
    if name == "since":
        del params["stateId"]

    response = send(client, "GET", STATE, params, headers)

    assert response.status_code == 400
    assert response.get_json()["error"] == "bad_request"


def test_state_write_with_since_is_400(
    client: FlaskClient, headers: dict[str, str]
) -> None:
    params = state_params(since="2024-01-01T00:00:00Z")

    assert send(client, "PUT", STATE, params, headers, {"a": 1}).status_code == 400


def test_state_accepts_an_identified_group_as_agent(
    client: FlaskClient, headers: dict[str, str]
) -> None:
    group = {"objectType": "Group", "mbox": "mailto:team@example.com"}
    params = state_params(agent=group)

    assert send(client, "PUT", STATE, params, headers, {"a": 1}).status_code == 204
    assert send(client, "GET", STATE, params, headers).get_json() == {"a": 1}


def test_state_agent_is_matched_by_its_identifier_not_its_other_properties(
    client: FlaskClient, headers: dict[str, str]
) -> None:
    params = state_params(agent={"mbox": "mailto:ann@example.com", "name": "Ann"})
    send(client, "PUT", STATE, params, headers, {"a": 1})

    renamed = {**params, "agent": {"objectType": "Agent", "mbox": "mailto:ann@example.com"}}

    assert send(client, "GET", STATE, renamed, headers).get_json() == {"a": 1}
