"""validate_statements refuses values no store can keep, whatever way they came in.

HTTP bodies are checked as they are decoded; ``lrs statements import`` and
plugins' ``Host.ingest`` reach the store through validate_statements only.
"""

from __future__ import annotations

import json

import pytest

from tests.xapi.xapi_samples import accepted, errors_of, statement

EXT = "http://example.com/ext"


@pytest.mark.parametrize("value", [float("inf"), float("-inf"), float("nan"), "a\ud800"])
def test_validate_refuses_unstorable_values_with_their_path(value: object) -> None:
    batch = [statement(), statement(result={"extensions": {EXT: [0, value]}})]

    assert list(errors_of(batch)) == [f"$[1].result.extensions['{EXT}'][1]"]


def test_validate_refuses_a_lone_surrogate_in_a_member_name() -> None:
    assert list(errors_of(statement(result={"extensions": {"http://x.y/\udc00": 1}}))) == [
        "$.result.extensions['http://x.y/\udc00']"
    ]


@pytest.mark.parametrize("value", [2**64, -(2**63) - 1, 10**30])
def test_integers_past_64_bits_are_storable(value: int) -> None:
    """JSON numbers have no size limit (the checks pack values as MessagePack, whose
    integers stop at 64 bits: such a statement takes the slow path, not a 500)."""
    sent = statement(result={"extensions": {EXT: [value]}})

    [stored] = accepted(sent)

    assert stored["result"]["extensions"][EXT] == [value]


@pytest.mark.parametrize(
    "text",
    [
        '{"id":"x","result":{"score":{"raw":0.1,"scaled":-0.0},"extensions":{"e":[1e308,10e-324]}}}',
        '{"big":123456789012345678901234567890,"u":"caf\\u00e9 \\ud83d\\ude00","a":1,"a":2}',
        # What msgspec refuses, stored before values were checked: decoded as json does.
        '{"n":1e400}',
        '{"s":"a\\ud800"}',
    ],
)
def test_stored_text_decodes_as_json_loads_decodes_it(text: str) -> None:
    from lrs.xapi.json_values import decode_stored

    decoded, expected = decode_stored(text), json.loads(text)
    assert repr(decoded) == repr(expected)
