"""The leaf types of xAPI statements (Data 4) as msgspec types, each with its rule and message.

Each type is what a property of a statement Struct (:mod:`lrs.xapi.schemas`) is
annotated with. msgspec checks the JSON type and lengths in C; the rule of a
string type (an IRI, a language tag, ...) and the message a client reads when a
value breaks it live with the type, in ``Meta.extra``:

* ``"check"``: a function of the value, true when it is valid. The Struct's
  ``__post_init__`` applies it (:mod:`lrs.xapi.schema_base`), also to the keys of
  a map and the items of an array whose key or item type carries one.
* ``"message"``: what the value must be; a string, or a function of the value.
* ``"type_message"``: the message for a value of the wrong JSON type, when the
  generic one (``"must be a string"``, ``"must be an object"``) would say too little.

The checks of values that recur across statements (IRIs, language tags, mbox)
remember the values they accepted (:func:`remembered`): a statement holds about
twenty such strings, and a regex match costs more than a set look-up.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from msgspec import Meta

from lrs.xapi import datatypes

#: How many accepted values each remembering check keeps, and the longest one it keeps.
REMEMBERED = 4096
REMEMBERED_LENGTH = 512


def remembered(check: Callable[[str], bool]) -> Callable[[str], bool]:
    """``check``, remembering up to :data:`REMEMBERED` short values it accepted."""
    known: set[str] = set()

    def fast(value: str) -> bool:
        if value in known:
            return True
        if not check(value):
            return False
        if len(value) <= REMEMBERED_LENGTH:
            if len(known) >= REMEMBERED:
                known.clear()
            known.add(value)
        return True

    fast.known = known  # type: ignore[attr-defined]  # looked up inline by __post_init__
    return fast


def text(check: Callable[[str], bool], message: str | Callable[[str], str]) -> Any:
    """A JSON string accepted by ``check``; ``message`` says what it must be otherwise."""
    return Annotated[str, Meta(extra={"check": check, "message": message})]


IRI_MESSAGE = 'must be an IRI with a scheme, e.g. "http://example.com/x"'

_is_iri = remembered(datatypes.is_iri)
Iri = text(_is_iri, IRI_MESSAGE)
#: An IRL (a resolvable IRI): same syntax rule as an IRI, named for the message.
Irl = text(_is_iri, 'must be an IRL with a scheme, e.g. "https://example.com/x"')
#: An account name: part of the agent's identity key, which a database column
#: holds, and PostgreSQL text cannot hold NUL.
AccountName = text(lambda value: "\x00" not in value, "must not contain the NUL character (U+0000)")
Uuid = text(datatypes.is_uuid, "must be a UUID (8-4-4-4-12 hexadecimal digits)")
Sha1 = text(datatypes.is_sha1_hex, "must be a SHA-1 hash (40 hexadecimal digits)")
Sha2 = text(datatypes.is_sha2_hex, "must be a SHA-2 hash (56, 64, 96 or 128 hexadecimal digits)")
Duration = text(
    remembered(datatypes.is_duration), 'must be an ISO 8601 duration, e.g. "PT1H30M" or "P1DT0.25S"'
)
_is_language_tag = remembered(datatypes.is_language_tag)
LanguageTag = text(_is_language_tag, 'must be an RFC 5646 language tag, e.g. "en-US"')
MediaType = text(
    remembered(datatypes.is_media_type), 'must be an Internet media type, e.g. "text/plain"'
)


def _mbox_message(value: str) -> str:
    if not value.startswith("mailto:"):
        return 'must start with "mailto:"'
    return 'must be "mailto:" followed by one email address'


#: ``mailto:`` IRI of an email address (Data 2.4.2.3).
Mbox = text(remembered(datatypes.is_mailto), _mbox_message)

#: A finite JSON number (``true``/``false`` are not numbers; non-finite ones never
#: get here, :func:`lrs.xapi.json_values.find_unstorable` refuses them first).
Number = int | float
NonNegativeInt = Annotated[
    int,
    Meta(
        ge=0,
        extra={
            "message": "must be a non-negative integer",
            "type_message": "must be a non-negative integer",
        },
    ),
]

#: ``{language tag: string}`` (Data 4.2); must not be empty.
LanguageMap = Annotated[
    dict[text(_is_language_tag, 'must be keyed by an RFC 5646 language tag, e.g. "en-US"'), str],
    Meta(min_length=1, extra={"type_message": 'must be a language map, e.g. {"en-US": "text"}'}),
]

#: ``{IRI: any JSON}`` (Data 4.1); may be empty, values may be anything, even null.
Extensions = Annotated[
    dict[text(_is_iri, 'extension keys must be IRIs, e.g. "http://example.com/ext"'), Any],
    Meta(extra={"type_message": "must be an object keyed by IRIs"}),
]

#: An array of strings (e.g. ``correctResponsesPattern``).
StringList = Annotated[list[str], Meta(extra={"type_message": "must be an array of strings"})]

#: A non-empty array of IRIs (e.g. ``relevantTypes``).
IriList = Annotated[
    list[Iri],
    Meta(
        min_length=1,
        extra={  # type: ignore[valid-type]
            "type_message": "must be an array of IRIs"
        },
    ),
]


def object_list(item: type, *, allow_empty: bool = True) -> Any:
    """An array of objects of one Struct type; ``[]`` is refused unless ``allow_empty``."""
    return Annotated[
        list[item],
        Meta(
            min_length=0 if allow_empty else 1,  # type: ignore[valid-type]
            extra={"type_message": "must be an array of objects"},
        ),
    ]
