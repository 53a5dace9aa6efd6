"""Property-based fuzzing: no request to the xAPI resources gets a 5xx (issue 15).

Statements are valid ones with one value replaced by arbitrary JSON; query
parameters and document ids are arbitrary text, huge integers and deeply nested
JSON. Whatever the input, the answer must be a 2xx/3xx/4xx, on SQLite and
PostgreSQL alike. The examples are derandomized, so CI replays the same ones.
"""

from __future__ import annotations

import json
from typing import Any

from flask.testing import FlaskClient
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.http.document_helpers import (
    ACTIVITY_PROFILE,
    AGENT_PROFILE,
    STATE,
    activity_profile_params,
    agent_profile_params,
    state_params,
)
from tests.http.statement_helpers import make_statement

FUZZ = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

#: Text that tends to break parsers: NUL, Unicode digits, brackets, very long runs.
awkward_text = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        [
            "²",
            "١٢",
            "\x00",
            "0" * 5000,
            "9" * 5000,
            "-1",
            "1e400",
            "True",
            "null",
            "[" * 1200 + "]" * 1200,
            '{"mbox":' + "[" * 1200,
            "x" * 3000,
            "2026-12-02 23:29:20+00:00",
            "mailto:a@example.com\x00",
        ]
    ),
    st.integers().map(str),
)
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | awkward_text,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(awkward_text, children, max_size=3)
    ),
    max_leaves=8,
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every key path inside ``value`` (dict keys and list indexes)."""
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, child in value.items():
            found += _paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += _paths(child, (*prefix, index))
    return found


def _replace(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    copy = json.loads(json.dumps(value))
    target = copy
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = new
    return copy


BASE = make_statement(
    context={
        "registration": "0b2f5f3e-9d4d-4f3e-9a55-8d0ee3c3c1f1",
        "contextActivities": {"parent": [{"id": "http://example.com/p"}]},
        "instructor": {"account": {"homePage": "http://example.com", "name": "i"}},
    },
    result={"score": {"scaled": 0.5}, "success": True, "duration": "PT1S"},
)


@st.composite
def mutated_statements(draw: st.DrawFn) -> Any:
    """A valid statement with one value (or the whole of it) replaced by arbitrary JSON."""
    paths = _paths(BASE)
    path = draw(st.sampled_from(paths))
    statement = _replace(BASE, path, draw(json_values))
    return draw(st.sampled_from([statement, [statement, BASE]]))


QUERY_NAMES = [
    "agent",
    "verb",
    "activity",
    "registration",
    "related_activities",
    "related_agents",
    "since",
    "until",
    "limit",
    "format",
    "attachments",
    "ascending",
    "statementId",
    "voidedStatementId",
    "more",
]


def _assert_no_5xx(response: Any, what: object) -> None:
    assert response.status_code < 500, (what, response.get_data(as_text=True)[:500])


@FUZZ
@example(body=_replace(BASE, ("context", "instructor", "account", "name"), "\x00"))
@given(body=mutated_statements())
def test_statements_post_never_5xx(client: FlaskClient, headers: dict[str, str], body: Any) -> None:
    _assert_no_5xx(client.post("/xapi/statements", json=body, headers=headers), body)


NESTED = "[" * 1200 + "]" * 1200


@FUZZ
@example(query={"limit": "²"}, agent=None)
@example(query={"agent": NESTED}, agent=None)
@example(query={"since": "2026-12-02 23:29:20+00:00", "ascending": "True"}, agent=None)
@given(
    query=st.dictionaries(
        st.sampled_from(QUERY_NAMES) | st.text(max_size=5), awkward_text, max_size=4
    ),
    agent=st.none() | json_values,
)
def test_statements_get_never_5xx(
    client: FlaskClient, headers: dict[str, str], query: dict[str, str], agent: Any
) -> None:
    if agent is not None:
        query = {**query, "agent": json.dumps(agent)}
    _assert_no_5xx(client.get("/xapi/statements", query_string=query, headers=headers), query)


@FUZZ
@given(
    resource=st.sampled_from(
        [
            (STATE, state_params, "stateId"),
            (ACTIVITY_PROFILE, activity_profile_params, "profileId"),
            (AGENT_PROFILE, agent_profile_params, "profileId"),
        ]
    ),
    document_id=awkward_text,
    other=st.sampled_from(["activityId", "agent", "registration", "since", None]),
    other_value=awkward_text | json_values.map(json.dumps),
    method=st.sampled_from(["PUT", "POST", "GET", "DELETE"]),
)
@example(
    resource=(STATE, state_params, "stateId"),
    document_id="a\x00b",
    other=None,
    other_value="",
    method="PUT",
)
@example(
    resource=(AGENT_PROFILE, agent_profile_params, "profileId"),
    document_id="x" * 3000,
    other="agent",
    other_value='{"mbox":' + NESTED + "}",
    method="GET",
)
@example(
    resource=(ACTIVITY_PROFILE, activity_profile_params, "profileId"),
    document_id="x" * 3000,
    other=None,
    other_value="",
    method="PUT",
)
def test_documents_never_5xx(
    client: FlaskClient,
    headers: dict[str, str],
    resource: Any,
    document_id: str,
    other: str | None,
    other_value: str,
    method: str,
) -> None:
    path, make_params, id_name = resource
    params = {k: json.dumps(v) if isinstance(v, dict) else v for k, v in make_params().items()}
    params[id_name] = document_id
    if other is not None:
        params[other] = other_value
    response = client.open(
        path,
        method=method,
        query_string=params,
        json={"a": 1},
        headers={**headers, "If-None-Match": "*"},
    )
    _assert_no_5xx(response, (method, params))
