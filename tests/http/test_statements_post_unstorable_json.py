"""Bodies that are JSON but cannot be stored or served back: 400 with the JSON path.

``1e400`` overflows to infinity, ``NaN``/``Infinity`` are Python extensions to
JSON, and a lone surrogate is not Unicode (PostgreSQL refuses it). Stored, they
would make every later GET invalid JSON, or fail as a 500.
"""

from __future__ import annotations

import json

import pytest
from flask.testing import FlaskClient

from tests.http.document_helpers import STATE, send, state_params
from tests.http.statement_helpers import make_statement, query

EXTENSION = "http://example.com/ext"
EXTENSION_PATH = f"$[0].result.extensions['{EXTENSION}']"

UNSTORABLE = ["1e400", "-1e400", "NaN", "Infinity", "-Infinity", '"\\ud800"', '"a\\udfffb"']


def _batch_with(raw_value: str) -> str:
    """A one-statement batch whose extension value is ``raw_value``, as JSON text."""
    text = json.dumps([make_statement(result={"extensions": {EXTENSION: "HOLE"}})])
    return text.replace('"HOLE"', raw_value)


@pytest.mark.parametrize("raw_value", UNSTORABLE)
def test_statements_post_refuses_unstorable_values_with_their_path(
    client: FlaskClient, headers: dict[str, str], raw_value: str
) -> None:
    response = client.post(
        "/xapi/statements",
        data=_batch_with(raw_value),
        headers={**headers, "Content-Type": "application/json"},
    )

    assert response.status_code == 400, response.get_data(as_text=True)
    assert response.get_json()["errors"][0]["path"] == EXTENSION_PATH
    assert query(client, headers) == []


def test_statements_post_refuses_a_lone_surrogate_in_a_member_name(
    client: FlaskClient, headers: dict[str, str]
) -> None:
    text = json.dumps([make_statement(result={"extensions": {"KEY": 1}})])
    response = client.post(
        "/xapi/statements",
        data=text.replace("KEY", "http://x.y/\\ud800"),
        headers={**headers, "Content-Type": "application/json"},
    )

    assert response.status_code == 400
    assert response.get_json()["errors"][0]["path"] == "$[0].result.extensions['http://x.y/\ud800']"


def test_statements_put_refuses_an_overflowing_number(
    client: FlaskClient, headers: dict[str, str]
) -> None:
    text = json.dumps(make_statement(result={"score": {"raw": 0}}))
    text = text.replace('"raw": 0', '"raw": 1e400')
    response = client.put(
        "/xapi/statements?statementId=9ab7e3a4-4c2c-4b3b-9d6c-5e8a8f6c1d20",
        data=text,
        headers={**headers, "Content-Type": "application/json"},
    )

    assert response.status_code == 400
    assert response.get_json()["errors"][0]["path"] == "$.result.score.raw"


@pytest.mark.parametrize("method", ["PUT", "POST"])
@pytest.mark.parametrize("raw_value", UNSTORABLE)
def test_state_write_refuses_unstorable_values_with_their_path(
    client: FlaskClient, headers: dict[str, str], method: str, raw_value: str
) -> None:
    params = state_params()
    send(client, "PUT", STATE, params, headers, {"kept": 1})

    response = send(
        client,
        method,
        STATE,
        params,
        headers,
        f'{{"a": {{"b": [1, {raw_value}]}}}}',
        Content_Type="application/json",
    )

    assert response.status_code == 400, response.get_data(as_text=True)
    assert response.get_json()["errors"][0]["path"] == "$.a.b[1]"
    assert send(client, "GET", STATE, params, headers).get_json() == {"kept": 1}


@pytest.mark.parametrize("path", ["/xapi/statements", "/xapi/agents", "/xapi/activities/state"])
def test_agent_parameter_with_a_lone_surrogate_is_400(
    client: FlaskClient, headers: dict[str, str], path: str
) -> None:
    params = {"agent": '{"mbox": "mailto:a\\ud800@example.com"}'}
    if path.endswith("state"):
        params.update(activityId="http://example.com/a", stateId="s")

    response = client.get(path, query_string=params, headers=headers)

    assert response.status_code == 400, response.get_data(as_text=True)
    assert response.get_json()["errors"][0]["path"] == "$.mbox"
