"""marshmallow fields for the leaf types of xAPI statements (Data 4).

Each field checks one JSON value and returns it unchanged, except
:class:`Timestamp`, which returns the UTC form the LRS stores. Returning the
input value (rather than e.g. a ``uuid.UUID``) keeps the loaded statement equal
to the JSON the client sent, which is what the LRS stores and compares.

Error messages say what is expected, because clients read them to fix their
statements; the JSONPath of the value is added by
:func:`lrs.xapi.errors.flatten_messages`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from typing import Any

from marshmallow import ValidationError, fields

from lrs.xapi import datatypes

#: Messages shared by every xAPI field (marshmallow's defaults name Python concepts).
MESSAGES: dict[str, str] = {
    "required": "is required",
    "null": "must not be null",
}


class XapiField(fields.Field):
    """Base field: xAPI wording for "required" and "null"; checks live in ``_deserialize``.

    marshmallow's ``_validate`` builds an ``And`` of the (here always empty)
    ``validate=`` list on every value; skipping it is a measurable saving on the
    ingest path, so these fields do not take ``validate=``.
    """

    default_error_messages = MESSAGES

    def _validate(self, value: Any) -> None:
        return None


class Str(XapiField):
    """A JSON string."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        if not isinstance(value, str):
            raise ValidationError("must be a string")
        return value


class Checked(XapiField):
    """A JSON string accepted by ``check``; ``message`` says what it must be otherwise."""

    def __init__(self, check: Callable[[object], bool], message: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._check = check
        self._message = message

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        if not isinstance(value, str):
            raise ValidationError("must be a string")
        if not self._check(value):
            raise ValidationError(self._message)
        return value


def iri(**kwargs: Any) -> Checked:
    return Checked(datatypes.is_iri, 'must be an IRI with a scheme, e.g. "http://example.com/x"',
                   **kwargs)


def irl(**kwargs: Any) -> Checked:
    """An IRL (a resolvable IRI): same syntax rule as an IRI, named for the message."""
    return Checked(datatypes.is_iri, 'must be an IRL with a scheme, e.g. "https://example.com/x"',
                   **kwargs)


def account_name(**kwargs: Any) -> Checked:
    """An account name: part of the agent's identity key, which a database column
    holds, and PostgreSQL text cannot hold NUL."""
    return Checked(lambda value: "\x00" not in str(value),
                   "must not contain the NUL character (U+0000)", **kwargs)


def uuid(**kwargs: Any) -> Checked:
    return Checked(datatypes.is_uuid, "must be a UUID (8-4-4-4-12 hexadecimal digits)", **kwargs)


def sha1(**kwargs: Any) -> Checked:
    return Checked(datatypes.is_sha1_hex, "must be a SHA-1 hash (40 hexadecimal digits)", **kwargs)


def sha2(**kwargs: Any) -> Checked:
    return Checked(datatypes.is_sha2_hex,
                   "must be a SHA-2 hash (56, 64, 96 or 128 hexadecimal digits)", **kwargs)


def duration(**kwargs: Any) -> Checked:
    return Checked(datatypes.is_duration,
                   'must be an ISO 8601 duration, e.g. "PT1H30M" or "P1DT0.25S"', **kwargs)


def language_tag(**kwargs: Any) -> Checked:
    return Checked(datatypes.is_language_tag,
                   'must be an RFC 5646 language tag, e.g. "en-US"', **kwargs)


def media_type(**kwargs: Any) -> Checked:
    return Checked(datatypes.is_media_type,
                   'must be an Internet media type, e.g. "text/plain"', **kwargs)


class Mbox(XapiField):
    """``mailto:`` IRI of an email address (Data 2.4.2.3)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        if not isinstance(value, str):
            raise ValidationError("must be a string")
        if not value.startswith("mailto:"):
            raise ValidationError('must start with "mailto:"')
        if not datatypes.is_mailto(value):
            raise ValidationError('must be "mailto:" followed by one email address')
        return value


class Version(XapiField):
    """A statement's ``version``: the pattern depends on the request's xAPI version."""

    def __init__(self, pattern: re.Pattern[str], allowed: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._pattern = pattern
        self._allowed = allowed

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        if not isinstance(value, str):
            raise ValidationError("must be a string")
        if self._pattern.fullmatch(value) is None:
            raise ValidationError(f"must be {self._allowed}")
        return value


class Timestamp(XapiField):
    """ISO 8601 (1.0.3) or RFC 3339 (2.0) timestamp; loads as its UTC form."""

    def __init__(self, *, rfc3339: bool, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._rfc3339 = rfc3339

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        if not isinstance(value, str):
            raise ValidationError("must be a string")
        try:
            return datatypes.normalize_timestamp(value, rfc3339=self._rfc3339)
        except ValueError as exc:
            raise ValidationError(str(exc)) from None


class Number(XapiField):
    """A finite JSON number (``true``/``false`` are not numbers, though Python says so)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> float:
        if type(value) is int or (type(value) is float and math.isfinite(value)):
            return value
        raise ValidationError("must be a number")


class NonNegativeInt(XapiField):
    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:
        if type(value) is not int or value < 0:
            raise ValidationError("must be a non-negative integer")
        return value


class Bool(XapiField):
    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if type(value) is not bool:
            raise ValidationError("must be true or false")
        return value


class LanguageMap(XapiField):
    """``{language tag: string}`` (Data 4.2); must not be empty."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> dict:
        if not isinstance(value, Mapping):
            raise ValidationError('must be a language map, e.g. {"en-US": "text"}')
        if not value:
            raise ValidationError("must not be an empty object")
        errors: dict[str, list[str]] = {}
        for tag, text in value.items():
            if not datatypes.is_language_tag(tag):
                errors[tag] = ['must be keyed by an RFC 5646 language tag, e.g. "en-US"']
            elif not isinstance(text, str):
                errors[tag] = ["must be a string"]
        if errors:
            raise ValidationError(errors)
        return dict(value)


class Extensions(XapiField):
    """``{IRI: any JSON}`` (Data 4.1); may be empty, values may be anything, even null."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> dict:
        if not isinstance(value, Mapping):
            raise ValidationError("must be an object keyed by IRIs")
        bad = {
            key: ['extension keys must be IRIs, e.g. "http://example.com/ext"']
            for key in value
            if not datatypes.is_iri(key)
        }
        if bad:
            raise ValidationError(bad)
        return dict(value)


class StringList(XapiField):
    """An array of strings (e.g. ``correctResponsesPattern``)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> list:
        if not isinstance(value, list):
            raise ValidationError("must be an array of strings")
        errors = {i: ["must be a string"] for i, item in enumerate(value)
                  if not isinstance(item, str)}
        if errors:
            raise ValidationError(errors)
        return list(value)


class IriList(XapiField):
    """A non-empty array of IRIs (e.g. ``relevantTypes``)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> list:
        if not isinstance(value, list):
            raise ValidationError("must be an array of IRIs")
        if not value:
            raise ValidationError("must not be an empty array")
        errors = {i: ['must be an IRI with a scheme, e.g. "http://example.com/x"']
                  for i, item in enumerate(value) if not datatypes.is_iri(item)}
        if errors:
            raise ValidationError(errors)
        return list(value)


class Nested(XapiField):
    """An object loaded by a module-level schema; ``{}`` is refused unless ``allow_empty``.

    marshmallow's own ``Nested`` would do, but it reports a wrong JSON type with
    Python wording and cannot refuse empty objects (Data 2.2: "an empty object"
    is not a value).
    """

    def __init__(self, schema: Any, *, allow_empty: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._schema = schema
        self._allow_empty = allow_empty

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        return load_object(self._schema, value, allow_empty=self._allow_empty)


class NestedList(XapiField):
    """An array of objects loaded by one schema; ``[]`` is refused unless ``allow_empty``."""

    def __init__(self, schema: Any, *, allow_empty: bool = True, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._schema = schema
        self._allow_empty = allow_empty

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> list:
        if not isinstance(value, list):
            raise ValidationError("must be an array of objects")
        if not value and not self._allow_empty:
            raise ValidationError("must not be an empty array")
        return load_list(self._schema, value)


def load_object(schema: Any, value: Any, *, allow_empty: bool = False) -> Any:
    """Load a JSON object with an :class:`~lrs.xapi.schema_base.XapiSchema`.

    :raises ValidationError: with xAPI messages for non-objects and ``{}``.
    """
    if not isinstance(value, dict):
        raise ValidationError("must be an object")
    if not value and not allow_empty:
        raise ValidationError("must not be an empty object")
    return schema.load_json(value)


def load_list(schema: Any, value: list) -> list:
    """Load every item, collecting the errors of all items keyed by index."""
    out: list = []
    errors: dict[int, Any] = {}
    for index, item in enumerate(value):
        try:
            out.append(load_object(schema, item))
        except ValidationError as exc:
            errors[index] = exc.messages
    if errors:
        raise ValidationError(errors)
    return out
