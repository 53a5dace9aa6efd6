"""Property-based checks: any JSON gets a list or InvalidStatement, never a crash.

Also holds the two uses of the statement Structs to each other: the one conversion
that accepts a statement, and the property-by-property diagnosis that names the
problems of a refused one (:func:`lrs.xapi.schema_base.diagnose`).
"""

from __future__ import annotations

import copy
from typing import Any

import msgspec
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lrs.xapi.errors import InvalidStatement
from lrs.xapi.schema_base import diagnose
from lrs.xapi.schemas import STATEMENT
from lrs.xapi.validate import validate_statements
from lrs.xapi.versions import XapiVersion
from tests.xapi.xapi_samples import rich_statement

SETTINGS = settings(max_examples=300, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])

KEYS = st.sampled_from(["id", "objectType", "mbox", "name", "member", "display", "en-US",
                        "http://x.org/e", "timestamp", "score", "raw", "definition", "x", ""])
SCALARS = (st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True)
           | st.text(max_size=20)
           | st.sampled_from(["Agent", "Group", "SubStatement", "StatementRef", "Activity",
                              "mailto:a@b.c", "http://x.org/a", "2020-01-01T00:00:00Z",
                              "f4a0f4c5-0f8a-4c1b-9d5e-6c1b2b9d4e10"]))
JSON = st.recursive(SCALARS, lambda children: st.lists(children, max_size=4)
                    | st.dictionaries(KEYS | st.text(max_size=8), children, max_size=5),
                    max_leaves=30)
VERSIONS = st.sampled_from(list(XapiVersion))


def _check(payload: Any, version: XapiVersion) -> None:
    try:
        result = validate_statements(payload, version)
    except InvalidStatement as exc:
        assert exc.errors and all(e.path.startswith("$") for e in exc.errors)
    else:
        assert isinstance(result, list)


@SETTINGS
@given(JSON, VERSIONS)
def test_arbitrary_json_is_accepted_or_refused_cleanly(payload, version):
    _check(payload, version)


def _paths(value: Any, prefix: tuple = ()) -> list[tuple]:
    found = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _paths(item, (*prefix, index))
    return found


@st.composite
def mutated_statements(draw: st.DrawFn) -> Any:
    """A valid statement with one to three places replaced, removed or extended."""
    statement: Any = rich_statement()
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(_paths(statement)))
        if not path:
            continue
        parent = statement
        for step in path[:-1]:
            parent = parent[step]
        action = draw(st.sampled_from(["replace", "delete", "add"]))
        if action == "replace":
            parent[path[-1]] = draw(JSON)
        elif action == "delete":
            del parent[path[-1]]
        elif isinstance(parent[path[-1]], dict):
            parent[path[-1]][draw(KEYS)] = draw(JSON)
    return statement


@SETTINGS
@given(mutated_statements(), VERSIONS)
def test_mutated_statements_are_accepted_or_refused_cleanly(statement, version):
    before = copy.deepcopy(statement)
    _check(statement, version)
    _check([statement, statement], version)
    assert statement == before


@SETTINGS
@given(mutated_statements(), VERSIONS)
def test_the_diagnosis_finds_problems_exactly_when_the_conversion_fails(statement, version):
    kind = STATEMENT[version]
    try:
        msgspec.convert(statement, kind)
    except msgspec.ValidationError:
        converts = False
    else:
        converts = True
    found = diagnose(kind, statement)
    assert (found == []) == converts
    assert all(isinstance(message, str) and message for _, message in found)
