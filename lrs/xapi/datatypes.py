"""Checks for the string-shaped xAPI data types (Data 4): IRI, language tag, UUID, ...

These are plain functions so that the leaf types of statements
(:mod:`lrs.xapi.fields`) and the query-parameter parsers of other layers apply
exactly the same rules.
They are on the ingest hot path: each is one precompiled regex match or a short
hand-written parse, never a backtracking-heavy pattern.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

#: IRI (RFC 3987) as far as xAPI needs: a scheme, then no whitespace, controls or
#: the characters RFC 3987 excludes everywhere (``<>"{}|\\^`` and backtick).
#: Excluding ``|`` keeps :func:`lrs.xapi.actors.agent_ifi_key` unambiguous.
_IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:[^\s<>\"{}|\\^`\x00-\x1f\x7f]+")

#: RFC 5646 ``langtag`` / ``privateuse`` (the grandfathered tags are listed below).
_LANGTAG = re.compile(
    r"(?:[A-Za-z]{2,3}(?:-[A-Za-z]{3}){0,3}|[A-Za-z]{4,8})"  # language (+ extlang)
    r"(?:-[A-Za-z]{4})?"  # script
    r"(?:-(?:[A-Za-z]{2}|[0-9]{3}))?"  # region
    r"(?:-(?:[A-Za-z0-9]{5,8}|[0-9][A-Za-z0-9]{3}))*"  # variants
    r"(?:-[0-9A-WY-Za-wy-z](?:-[A-Za-z0-9]{2,8})+)*"  # extensions
    r"(?:-[Xx](?:-[A-Za-z0-9]{1,8})+)?"  # private use
    r"|[Xx](?:-[A-Za-z0-9]{1,8})+"
)
_GRANDFATHERED = frozenset({
    "en-gb-oed", "i-ami", "i-bnn", "i-default", "i-enochian", "i-hak", "i-klingon", "i-lux",
    "i-mingo", "i-navajo", "i-pwn", "i-tao", "i-tay", "i-tsu", "sgn-be-fr", "sgn-be-nl",
    "sgn-ch-de", "art-lojban", "cel-gaulish", "no-bok", "no-nyn", "zh-guoyu", "zh-hakka",
    "zh-min", "zh-min-nan", "zh-xiang",
})

_UUID = re.compile(r"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}")
_SHA1 = re.compile(r"[0-9A-Fa-f]{40}")
#: SHA-224/256/384/512 hex digests (xAPI says "SHA-2", not which one).
_SHA2 = re.compile(r"[0-9A-Fa-f]{56}(?:[0-9A-Fa-f]{8}(?:[0-9A-Fa-f]{32}){0,2})?")
#: ``mailto:`` then an addr-spec with exactly one ``@`` and no whitespace.
_MAILTO = re.compile(r"mailto:[^@\s\x00-\x1f\x7f]+@[^@\s\x00-\x1f\x7f]+")
#: A media type ``type/subtype`` with optional parameters (RFC 2046), loosely.
_MEDIA_TYPE = re.compile(r"[A-Za-z0-9!#$&^_.+\-]+/[A-Za-z0-9!#$&^_.+\-]+(?:\s*;.*)?", re.S)

#: The patterns of numbers match ASCII digits only (``re.ASCII``): ``\d`` alone takes
#: any Unicode digit (Arabic-Indic ones in ``PT1S``), which no consumer of xAPI would read back.
#: ISO 8601:2004 4.4.3.2 duration: ``PnYnMnDTnHnMnS`` (each part optional, at least
#: one present, ``T`` only when a time part follows) or ``PnW``.
_NUM = r"\d+(?:[.,]\d+)?"
_DURATION = re.compile(
    rf"P(?:(?=\d)(?:{_NUM}Y)?(?:{_NUM}M)?(?:{_NUM}D)?(?:T(?=\d)(?:{_NUM}H)?(?:{_NUM}M)?(?:{_NUM}S)?)?"
    rf"|T(?=\d)(?:{_NUM}H)?(?:{_NUM}M)?(?:{_NUM}S)?|{_NUM}W)",
    re.ASCII,
)

#: RFC 3339 ``date-time`` (xAPI 2.0): seconds and an offset are required.
_RFC3339 = re.compile(
    r"(\d{4})-(\d\d)-(\d\d)[Tt](\d\d):(\d\d):(\d\d)(?:\.(\d+))?"
    r"(?:[Zz]|([+-])(\d\d):(\d\d))",
    re.ASCII,
)
#: ISO 8601 combined date and time, extended or basic format (xAPI 1.0.3): seconds,
#: fraction and offset are optional; ``,`` may separate the fraction. Lowercase
#: ``t``/``z`` (RFC 3339) are accepted so that 1.0.3 accepts every 2.0 timestamp.
_ISO8601 = re.compile(
    r"(\d{4})-(\d\d)-(\d\d)[Tt](\d\d):(\d\d)(?::(\d\d)(?:[.,](\d+))?)?"
    r"(?:[Zz]|([+-])(\d\d)(?::?(\d\d))?)?"
    r"|(\d{4})(\d\d)(\d\d)[Tt](\d\d)(\d\d)(?:(\d\d)(?:[.,](\d+))?)?"
    r"(?:[Zz]|([+-])(\d\d)(\d\d)?)?",
    re.ASCII,
)


#: The controls a header field's value may not hold: all but HTAB (RFC 9110 5.5).
_HEADER_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


def is_header_text(value: str) -> bool:
    """Whether ``value`` can be a header field's value: a content type or entity tag that
    Weft stores or looks up (PostgreSQL refuses NUL) and may send back in a header."""
    return _HEADER_CONTROL.search(value) is None


def is_iri(value: object) -> bool:
    """Whether ``value`` is an absolute IRI (it has a scheme; Data 4.4 / RFC 3987)."""
    return isinstance(value, str) and _IRI.fullmatch(value) is not None


def is_language_tag(value: object) -> bool:
    """Whether ``value`` is a well-formed RFC 5646 language tag (Data 4.2)."""
    if not isinstance(value, str):
        return False
    return _LANGTAG.fullmatch(value) is not None or value.lower() in _GRANDFATHERED


def is_uuid(value: object) -> bool:
    """Whether ``value`` is a UUID in 8-4-4-4-12 hex form, any case, any variant."""
    return isinstance(value, str) and _UUID.fullmatch(value) is not None


def is_sha1_hex(value: object) -> bool:
    return isinstance(value, str) and _SHA1.fullmatch(value) is not None


def is_sha2_hex(value: object) -> bool:
    return isinstance(value, str) and _SHA2.fullmatch(value) is not None


def is_mailto(value: object) -> bool:
    return isinstance(value, str) and _MAILTO.fullmatch(value) is not None


def is_media_type(value: object) -> bool:
    return isinstance(value, str) and _MEDIA_TYPE.fullmatch(value) is not None


def is_duration(value: object) -> bool:
    """Whether ``value`` is an ISO 8601 duration in the format xAPI allows (Data 4.6)."""
    return isinstance(value, str) and _DURATION.fullmatch(value) is not None


def normalize_timestamp(value: str, *, rfc3339: bool) -> str:
    """The timestamp as ``YYYY-MM-DDThh:mm:ss[.fraction]Z`` (the same instant, in UTC).

    The fraction is kept digit for digit: xAPI requires at least millisecond
    precision to survive, and an offset never changes sub-second digits. A
    timestamp without an offset (only allowed by the 1.0.3 grammar) is taken as UTC.

    :raises ValueError: with a message fit for a client when ``value`` is not a
        timestamp of the grammar chosen by ``rfc3339``.
    """
    moment, fraction = _parse(value, rfc3339=rfc3339)
    text = moment.isoformat()  # naive, whole seconds: YYYY-MM-DDThh:mm:ss
    return f"{text}.{fraction}Z" if fraction else f"{text}Z"


def parse_timestamp(value: str) -> datetime:
    """An aware UTC datetime for a timestamp (lenient ISO 8601 grammar of xAPI 1.0.3).

    Used for the ``since``/``until`` query parameters; digits beyond microseconds
    are truncated.

    :raises ValueError: when ``value`` is not an ISO 8601 timestamp.
    """
    moment, fraction = _parse(value, rfc3339=False)
    return moment.replace(tzinfo=UTC, microsecond=int((fraction + "000000")[:6]) if fraction else 0)


def _parse(value: str, *, rfc3339: bool) -> tuple[datetime, str]:
    """``(whole seconds in UTC as a naive datetime, fraction digits)`` of a timestamp,
    or ValueError. Naive because aware datetimes cost twice as much to make and print."""
    if not isinstance(value, str):
        raise ValueError("must be a string")
    match = (_RFC3339 if rfc3339 else _ISO8601).fullmatch(value)
    if match is None:
        grammar = "an RFC 3339 date-time" if rfc3339 else "an ISO 8601 date and time"
        raise ValueError(f"must be {grammar}, e.g. \"2024-05-04T17:00:00.000Z\"")
    groups = match.groups()
    if not rfc3339 and groups[0] is None:
        groups = groups[10:]
    year, month, day, hour, minute, second, fraction, sign, off_h, off_m = groups[:10]
    # Ingest parses every statement's timestamp: plain ints and one timedelta of
    # seconds, not keyword timedeltas (the offset in minutes; none is the usual "Z").
    offset = (int(off_h) * 60 + int(off_m or 0)) if sign is not None else 0
    if sign == "-" and offset == 0:
        raise ValueError("a zero offset must be written \"Z\" or \"+00:00\", not with \"-\"")
    try:
        moment = datetime(
            int(year), int(month), int(day), int(hour), int(minute), int(second or 0)
        )
        if offset:
            if offset >= 24 * 60 or int(off_m or 0) > 59:
                raise ValueError("offset out of range")
            moment -= timedelta(0, offset * 60 if sign == "+" else -offset * 60)
    except (ValueError, OverflowError):
        raise ValueError("is not a valid date and time (a field is out of range)") from None
    return moment, fraction or ""
