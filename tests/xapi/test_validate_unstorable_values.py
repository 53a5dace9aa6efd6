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


@pytest.mark.parametrize(
    "value",
    [
        {"raw": 0.1, "scaled": -0.0, "e": [1e16, 1e-7, 1.5e308, 5e-324, 123456789.12345679]},
        {"big": 10**30, "neg": -(2**63) - 1, "u": "café 😀 \u2028", "ctl": "\x00\t\"\\"},
        {"nested": [[], {}, [None, True, False, ""]], "order": {"z": 1, "a": 2}},
    ],
)
def test_storable_text_decodes_to_the_same_value(value: object) -> None:
    """Stored text is msgspec's (compact, non-ASCII as is): it must mean exactly what
    ``json`` would have written, numbers and key order included."""
    from lrs.xapi.json_values import encode_storable

    text = encode_storable(value)

    assert repr(json.loads(text)) == repr(value)
    assert ", " not in text and "\\u00e9" not in text


@pytest.mark.parametrize(
    "text",
    [
        '{"a":1,"a":2,"b":[1.0,-0,1E2,18446744073709551616],"c":"\\u00e9\\ud83d\\ude00"}',
        ' \t[1, 2 ,3 ]\n',
        "\ufeff{}",
    ],
)
def test_bodies_decode_as_json_loads_decodes_them(text: str) -> None:
    from lrs.xapi.json_values import load_json_text

    assert repr(load_json_text(text.encode(), max_depth=32)) == repr(
        json.loads(text.removeprefix("\ufeff"))
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"a":1,}', "request body is not valid JSON: Expecting property name enclosed in "
                     "double quotes at line 1 column 8"),
        ('[1,\n2 x]', "request body is not valid JSON: Expecting ',' delimiter at line 2 "
                      "column 3"),
        ('{"n":NaN}', "request body: $.n: numbers must be finite (no NaN, Infinity or overflow)"),
        ('{"n":[1e400]}', "request body: $.n[0]: numbers must be finite (no NaN, Infinity or "
                          "overflow)"),
        ('{"s":"a\\ud800"}', "request body: $.s: strings must not hold lone UTF-16 surrogates"),
        ("[" * 33 + "]" * 33, "request body: $" + "[0]" * 32
         + ": nests JSON deeper than the limit of 32"),
        # Past msgspec's own limit, json's answer (as before msgspec decoded bodies).
        ("[" * 5000 + "]" * 5000, "request body is not valid JSON: maximum recursion depth "
         "exceeded while decoding a JSON array from a unicode string"),
    ],
)
def test_bodies_msgspec_refuses_get_json_errors_with_line_column_or_path(
    text: str, message: str
) -> None:
    from lrs.xapi.errors import BadRequest
    from lrs.xapi.json_values import load_json_text

    with pytest.raises(BadRequest) as refused:
        load_json_text(text.encode(), max_depth=32)

    assert str(refused.value) == message
