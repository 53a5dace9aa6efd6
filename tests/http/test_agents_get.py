"""GET /xapi/agents: the Person object of an Agent (Communication 2.4)."""

from __future__ import annotations

import json

import pytest
from flask.testing import FlaskClient


def _get(client: FlaskClient, headers: dict[str, str], agent: object) -> object:
    return client.get("/xapi/agents", query_string={"agent": json.dumps(agent)},
                      headers=headers)


def test_agents_get_returns_a_person_with_array_properties(
    client: FlaskClient, headers: dict[str, str]
) -> None:
    agent = {"objectType": "Agent", "name": "Ann", "mbox": "mailto:ann@example.com"}

    response = _get(client, headers, agent)

    assert response.status_code == 200
    assert response.get_json() == {"objectType": "Person", "name": ["Ann"],
                                   "mbox": ["mailto:ann@example.com"]}


def test_agents_get_puts_an_account_in_an_array(
    client: FlaskClient, headers: dict[str, str]
) -> None:
    account = {"homePage": "http://example.com", "name": "ann"}

    person = _get(client, headers, {"account": account}).get_json()

    assert person == {"objectType": "Person", "account": [account]}


@pytest.mark.parametrize(
    "agent",
    [{"objectType": "Agent", "name": "no identifier"},
     {"mbox": "ann@example.com"},
     "not an object"],
)
def test_agents_get_with_an_invalid_agent_is_400(
    client: FlaskClient, headers: dict[str, str], agent: object
) -> None:
    assert _get(client, headers, agent).status_code == 400


def test_agents_get_without_agent_is_400(client: FlaskClient, headers: dict[str, str]) -> None:
    assert client.get("/xapi/agents", headers=headers).status_code == 400
