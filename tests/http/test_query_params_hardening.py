"""Query parameters that used to crash the server, and spellings common clients write.

Each malformed value is a 400 whose ``errors`` name the parameter (issue 15,
items 10 and 14), on SQLite and PostgreSQL alike; so is a NUL in an agent
identifier of a statement, which the fuzz test found.
"""

from __future__ import annotations

from secrets import token_hex
from typing import Any
from urllib.parse import urlencode

import pytest
from flask.testing import FlaskClient

from lrs.store.credentials import IssuedCredential
from tests.conftest import basic_auth
from tests.http.document_helpers import (
    ACTIVITY_PROFILE,
    AGENT_PROFILE,
    STATE,
    activity_profile_params,
    agent_profile_params,
    send,
    state_params,
)
from tests.http.statement_helpers import make_statement, post

STATEMENTS = "/xapi/statements"
NESTED = "[" * 1200 + "]" * 1200
NESTED_IN_OBJECT = '{"mbox": ' + NESTED + "}"
FORM = "application/x-www-form-urlencoded"


def _refused(response: Any, parameter: str) -> None:
    assert response.status_code == 400, response.get_data(as_text=True)
    body = response.get_json()
    assert body["error"] == "bad_request"
    assert [error["path"] for error in body["errors"]] == [parameter], body


@pytest.mark.parametrize("value", ["²", "١٢", "1²", "-1", "1.0", " 1"])
def test_statements_get_limit_with_non_ascii_or_signed_digits_is_400(
    client: FlaskClient, headers: dict[str, str], value: str
) -> None:
    _refused(client.get(STATEMENTS, query_string={"limit": value}, headers=headers), "limit")


def test_statements_get_limit_beyond_python_int_digits_is_the_page_size(
    client: FlaskClient, headers: dict[str, str]
) -> None:
    post(client, headers, make_statement())
    for value in ("9" * 5000, "0" * 5000, "0" * 4999 + "1"):
        response = client.get(STATEMENTS, query_string={"limit": value}, headers=headers)
        assert response.status_code == 200, response.get_data(as_text=True)
        assert len(response.get_json()["statements"]) == 1


@pytest.mark.parametrize("agent", [NESTED, NESTED_IN_OBJECT])
def test_statements_get_deeply_nested_agent_is_400(
    client: FlaskClient, headers: dict[str, str], agent: str
) -> None:
    _refused(client.get(STATEMENTS, query_string={"agent": agent}, headers=headers), "agent")


@pytest.mark.parametrize(
    ("path", "params"),
    [
        (STATE, state_params()),
        (AGENT_PROFILE, agent_profile_params()),
        (STATEMENTS, {}),
        ("/xapi/agents", {}),
    ],
)
def test_deeply_nested_agent_through_the_alternate_syntax_is_400(
    client: FlaskClient, credential: IssuedCredential, path: str, params: dict[str, Any]
) -> None:
    fields = {k: v for k, v in params.items() if k != "agent"}
    form = urlencode(
        {
            **fields,
            "agent": NESTED_IN_OBJECT,
            "Authorization": basic_auth(credential),
            "X-Experience-API-Version": "1.0.3",
        }
    )

    response = client.post(f"{path}?method=GET", content_type=FORM, data=form)

    _refused(response, "agent")


@pytest.mark.parametrize(
    ("path", "params"),
    [(STATE, state_params()), (AGENT_PROFILE, agent_profile_params()), ("/xapi/agents", {})],
)
def test_document_get_deeply_nested_agent_is_400(
    client: FlaskClient, headers: dict[str, str], path: str, params: dict[str, Any]
) -> None:
    response = client.get(path, query_string={**params, "agent": NESTED}, headers=headers)
    _refused(response, "agent")


def _document_calls() -> list[tuple[str, dict[str, Any], str, str]]:
    """``(path, params, parameter, flaw)``; a NUL already makes activityId a non-IRI."""
    cases = [
        (STATE, state_params(), "stateId"),
        (ACTIVITY_PROFILE, activity_profile_params(), "profileId"),
        (AGENT_PROFILE, agent_profile_params(), "profileId"),
        (STATE, state_params(), "agent"),
    ]
    return [(*case, flaw) for case in cases for flaw in ("nul", "long")] + [
        (ACTIVITY_PROFILE, activity_profile_params(), "activityId", "long")
    ]


def _bad_value(name: str, flaw: str) -> Any:
    if name == "activityId":
        return "http://example.com/" + "a" * 3000
    if name == "agent":
        account_name = "\x00" if flaw == "nul" else "n" * 3000
        return {"account": {"homePage": "http://example.com", "name": account_name}}
    return "a\x00b" if flaw == "nul" else "x" * 3000


@pytest.mark.parametrize("method", ["PUT", "POST", "GET", "DELETE"])
@pytest.mark.parametrize(("path", "params", "name", "flaw"), _document_calls())
def test_document_id_with_nul_or_too_long_is_400(
    client: FlaskClient,
    headers: dict[str, str],
    method: str,
    path: str,
    params: dict[str, Any],
    name: str,
    flaw: str,
) -> None:
    bad = {**params, name: _bad_value(name, flaw)}

    response = send(client, method, path, bad, headers, {"a": 1}, If_None_Match="*")

    _refused(response, "agent.account.name" if (name, flaw) == ("agent", "nul") else name)


def test_document_id_at_the_limit_is_stored(client: FlaskClient, headers: dict[str, str]) -> None:
    # Random hex, which PostgreSQL cannot compress into its index entry.
    params = state_params(
        stateId="é" + token_hex(399),
        activityId="http://example.com/a" + token_hex(390),
        agent={"account": {"homePage": "http://example.com", "name": "n" + token_hex(386)}},
    )

    assert send(client, "PUT", STATE, params, headers, {"a": 1}).status_code == 204
    assert send(client, "GET", STATE, params, headers).get_json() == {"a": 1}


@pytest.mark.parametrize("value", ["True", "TRUE", "true"])
def test_statements_get_booleans_in_any_case(
    client: FlaskClient, headers: dict[str, str], value: str
) -> None:
    first, second = post(client, headers, [make_statement(), make_statement()])

    response = client.get(STATEMENTS, query_string={"ascending": value}, headers=headers)

    assert response.status_code == 200
    assert [s["id"] for s in response.get_json()["statements"]] == [first, second]


def test_statements_get_false_in_any_case(client: FlaskClient, headers: dict[str, str]) -> None:
    query = {
        "ascending": "False",
        "related_agents": "FALSE",
        "related_activities": "False",
        "attachments": "False",
    }
    assert client.get(STATEMENTS, query_string=query, headers=headers).status_code == 200
    _refused(
        client.get(STATEMENTS, query_string={"ascending": "yes"}, headers=headers), "ascending"
    )


@pytest.mark.parametrize(
    "since",
    [
        "2000-01-02 03:04:05+00:00",
        "2000-01-02 03:04:05.123Z",
        "2000-01-02 03:04:05 00:00",
        "2000-01-02T03:04:05 0000",
    ],
)
def test_statements_get_timestamp_with_space_separator(
    client: FlaskClient, headers: dict[str, str], since: str
) -> None:
    post(client, headers, make_statement())

    later = client.get(STATEMENTS, query_string={"since": since}, headers=headers)
    earlier = client.get(STATEMENTS, query_string={"until": since}, headers=headers)

    assert later.status_code == 200, later.get_data(as_text=True)
    assert len(later.get_json()["statements"]) == 1
    assert earlier.status_code == 200 and earlier.get_json()["statements"] == []


def test_document_ids_since_with_space_separator(
    client: FlaskClient, headers: dict[str, str]
) -> None:
    params = state_params()
    send(client, "PUT", STATE, params, headers, {"a": 1})
    scope = {k: v for k, v in params.items() if k != "stateId"}

    response = send(client, "GET", STATE, {**scope, "since": "2000-01-02 03:04:05+00:00"}, headers)

    assert response.status_code == 200
    assert response.get_json() == [params["stateId"]]


def test_timestamp_with_two_spaces_is_still_400(
    client: FlaskClient, headers: dict[str, str]
) -> None:
    _refused(
        client.get(STATEMENTS, query_string={"since": "2000-01-02  03:04:05Z"}, headers=headers),
        "since",
    )


@pytest.mark.parametrize(
    ("actor", "path"),
    [
        ({"account": {"homePage": "http://example.com", "name": "a\x00b"}}, "$.actor.account.name"),
        ({"mbox": "mailto:a\x00b@example.com"}, "$.actor.mbox"),
    ],
)
def test_statements_post_with_nul_in_an_agent_identifier_is_400(
    client: FlaskClient, headers: dict[str, str], actor: dict[str, Any], path: str
) -> None:
    """The identifier becomes an indexed key, which PostgreSQL text cannot hold with NUL."""
    response = client.post(STATEMENTS, json={**make_statement(), "actor": actor}, headers=headers)

    assert response.status_code == 400, response.get_data(as_text=True)
    assert [error["path"] for error in response.get_json()["errors"]] == [path]
