"""Agent profile documents: scoped by the agent's identifier."""

from __future__ import annotations

from flask.testing import FlaskClient

from tests.http.document_helpers import AGENT_PROFILE, agent_profile_params, etag, send


def test_agent_profile_put_get_delete_round_trip(
    client: FlaskClient, headers: dict[str, str]
) -> None:
    params = agent_profile_params()

    created = send(client, "PUT", AGENT_PROFILE, params, headers, {"a": 1}, If_None_Match="*")
    got = send(client, "GET", AGENT_PROFILE, params, headers)
    deleted = send(client, "DELETE", AGENT_PROFILE, params, headers, If_Match=etag(got))

    assert created.status_code == 204
    assert got.get_json() == {"a": 1}
    assert len(etag(got)) == 42
    assert deleted.status_code == 204
    assert send(client, "GET", AGENT_PROFILE, params, headers).status_code == 404


def test_agent_profile_of_another_agent_is_not_visible(
    client: FlaskClient, headers: dict[str, str]
) -> None:
    params = agent_profile_params()
    send(client, "POST", AGENT_PROFILE, params, headers, {"a": 1})
    other = {**params, "agent": {"mbox": "mailto:someone-else@example.com"}}

    assert send(client, "GET", AGENT_PROFILE, other, headers).status_code == 404
    listed = send(client, "GET", AGENT_PROFILE, {"agent": other["agent"]}, headers)
    assert params["profileId"] not in listed.get_json()


def test_agent_profile_get_without_profile_id_lists_the_agents_profiles(
    client: FlaskClient, headers: dict[str, str]
) -> None:
    agent = {"openid": "http://example.com/openid/list"}
    for profile_id in ("x", "y"):
        send(client, "POST", AGENT_PROFILE, {"agent": agent, "profileId": profile_id},
             headers, {"a": 1})

    listed = send(client, "GET", AGENT_PROFILE, {"agent": agent}, headers)

    assert sorted(listed.get_json()) == ["x", "y"]


def test_agent_profile_rejects_an_agent_with_two_identifiers(
    client: FlaskClient, headers: dict[str, str]
) -> None:
    params = agent_profile_params(agent={"mbox": "mailto:a@example.com",
                                         "openid": "http://example.com/a"})

    response = send(client, "POST", AGENT_PROFILE, params, headers, {"a": 1})

    assert response.status_code == 400
    assert response.get_json()["errors"][0]["path"].startswith("agent")


def test_agent_profile_rejects_an_agent_parameter_that_is_not_json(
    client: FlaskClient, headers: dict[str, str]
) -> None:
    response = client.post(
        '/xapi/agents/profile?profileId=p&agent={"mbox"%3A',
        json={"a": 1}, headers=headers,
    )

    assert response.status_code == 400
