"""Query parameters of ``GET statements`` and the opaque ``more`` token.

Every parameter is checked here, so the view only sees typed values: unknown or
miscased names, malformed agents, IRIs, UUIDs, timestamps and booleans are all
400s (Communication 2.1.3, 3.2). A ``more`` link carries the original query and
the keyset cursor in a token signed with the server key, so clients cannot forge
a cursor and the URL stays short. The signature also covers the tenant: a link
handed to another store's client is refused rather than continued there.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from itsdangerous import BadSignature, URLSafeSerializer
from werkzeug.datastructures import MultiDict

from lrs.http.body import storable_param
from lrs.runtime import current_runtime
from lrs.store.queries import StatementQuery
from lrs.xapi.actors import agent_ifi_key
from lrs.xapi.datatypes import is_iri, is_uuid, parse_timestamp
from lrs.xapi.errors import BadRequest, ErrorDetail
from lrs.xapi.formats import FORMATS
from lrs.xapi.validate import validate_agent
from lrs.xapi.versions import XapiVersion

#: Parameters a single-statement GET accepts besides its id (Communication 2.1.3).
SINGLE_EXTRAS = frozenset({"format", "attachments"})
QUERY_PARAMS = frozenset({
    "agent", "verb", "activity", "registration", "related_activities", "related_agents",
    "since", "until", "limit", "format", "attachments", "ascending",
})
ALL_PARAMS = QUERY_PARAMS | {"statementId", "voidedStatementId", "more"}

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MORE_SALT = "weft.statements.more"
#: ``2026-12-02 23:29:20``: the date and time separated by a space.
_SPACE_SEPARATOR = re.compile(r"^(\d{4}-\d{2}-\d{2}) (?=\d)", re.ASCII)
#: ``...20 00:00``: a ``+hh:mm`` offset whose ``+`` became a space in the URL.
_UNENCODED_PLUS = re.compile(r"(?<=\d) (\d{2}(?::?\d{2})?)$", re.ASCII)


@dataclass(frozen=True)
class Listing:
    """A statement query with its presentation options and page position."""

    query: StatementQuery
    limit: int
    format: str = "exact"
    attachments: bool = False
    cursor: tuple[int, int] | None = None


@dataclass(frozen=True)
class Single:
    """``statementId`` or ``voidedStatementId`` lookup."""

    statement_id: str
    voided: bool
    format: str = "exact"
    attachments: bool = False


def check_names(args: MultiDict[str, str], allowed: frozenset[str]) -> None:
    """400 for a parameter outside ``allowed`` (names are case-sensitive) or given twice."""
    for name in args:
        if name not in allowed:
            raise BadRequest(f"unknown parameter {name!r} (parameter names are case-sensitive)")
        if len(args.getlist(name)) > 1:
            raise BadRequest(f"parameter {name!r} is given more than once")


def parse_get(
    args: MultiDict[str, str], version: XapiVersion, *, page_size: int, secret_key: str,
    tenant_id: int,
) -> Single | Listing:
    check_names(args, ALL_PARAMS)
    if "more" in args:
        return decode_more(args["more"], secret_key, tenant_id)
    fmt = _format(args)
    attachments = _bool(args, "attachments")
    for name, voided in (("statementId", False), ("voidedStatementId", True)):
        if name in args:
            others = set(args) - SINGLE_EXTRAS - {name}
            if others:
                raise BadRequest(
                    f"{name} cannot be combined with {', '.join(sorted(others))}; "
                    "only format and attachments may accompany it"
                )
            return Single(uuid_param(args, name), voided, fmt, attachments)
    query = StatementQuery(
        agent=_agent(args, version),
        verb=_iri(args, "verb"),
        activity=_iri(args, "activity"),
        registration=uuid_param(args, "registration") if "registration" in args else None,
        related_activities=_bool(args, "related_activities"),
        related_agents=_bool(args, "related_agents"),
        since_us=timestamp_param(args, "since"),
        until_us=timestamp_param(args, "until"),
        ascending=_bool(args, "ascending"),
    )
    return Listing(query, _limit(args, page_size), fmt, attachments)


def uuid_param(args: MultiDict[str, str], name: str) -> str:
    value = args.get(name, "")
    if not is_uuid(value):
        raise _bad(name, f"must be a UUID, got {value[:80]!r}")
    return value.lower()


def encode_more(
    listing: Listing, cursor: tuple[int, int], secret_key: str, tenant_id: int
) -> str:
    query = {k: v for k, v in asdict(listing.query).items() if v not in (None, False)}
    query.pop("credential_id", None)
    data = {"q": query, "l": listing.limit, "f": listing.format, "a": listing.attachments,
            "c": list(cursor)}
    return _more_serializer(secret_key, tenant_id).dumps(data)


def decode_more(token: str, secret_key: str, tenant_id: int) -> Listing:
    try:
        data = _more_serializer(secret_key, tenant_id).loads(token)
        return Listing(
            StatementQuery(**data["q"]), int(data["l"]), str(data["f"]), bool(data["a"]),
            (int(data["c"][0]), int(data["c"][1])),
        )
    except (BadSignature, KeyError, TypeError, ValueError, IndexError):
        raise _bad("more", "is not a valid continuation token") from None


def _more_serializer(secret_key: str, tenant_id: int) -> URLSafeSerializer:
    """Signs ``more`` tokens for one tenant: each store's links verify only in it."""
    return URLSafeSerializer(secret_key, salt=f"{_MORE_SALT}.{tenant_id}")


def restrict_to(listing: Listing, credential_id: int | None) -> Listing:
    return replace(listing, query=replace(listing.query, credential_id=credential_id))


def to_us(moment: datetime) -> int:
    return (moment - _EPOCH) // timedelta(microseconds=1)


def _format(args: MultiDict[str, str]) -> str:
    value = args.get("format", "exact")
    if value not in FORMATS:
        raise _bad("format", f"must be one of {', '.join(FORMATS)}, got {value[:40]!r}")
    return value


def _bool(args: MultiDict[str, str], name: str) -> bool:
    """``true`` / ``false`` in any case: Python clients send ``str(True)``, i.e. ``True``."""
    value = args.get(name, "false")
    if value.lower() not in ("true", "false"):
        raise _bad(name, f"must be true or false, got {value[:40]!r}")
    return value.lower() == "true"


def _limit(args: MultiDict[str, str], page_size: int) -> int:
    """ASCII digits only: ``str.isdigit`` also accepts ``²``, which ``int`` refuses."""
    value = args.get("limit", "0")
    if not (value.isascii() and value.isdigit()):
        raise _bad("limit", f"must be a non-negative integer, got {value[:40]!r}")
    digits = value.lstrip("0")
    if len(digits) > 18:  # beyond any page size (and int() refuses over 4,300 digits)
        return page_size
    limit = int(digits or "0")
    return page_size if limit == 0 else min(limit, page_size)


def _iri(args: MultiDict[str, str], name: str) -> str | None:
    value = args.get(name)
    if value is not None and not is_iri(value):
        raise _bad(name, f"must be an IRI, got {value[:80]!r}")
    return value


def _agent(args: MultiDict[str, str], version: XapiVersion) -> str | None:
    raw = args.get("agent")
    if raw is None:
        return None
    agent = json_object_param("agent", raw)
    validate_agent(agent, version, "agent")
    key = agent_ifi_key(agent)
    if not key:
        raise _bad("agent", "must identify an Agent or Group (mbox, mbox_sha1sum, openid, account)")
    return key


def json_object_param(name: str, raw: str) -> dict[str, Any]:
    """A JSON object parameter, nested no deeper than ``LRS_MAX_JSON_DEPTH``.

    The depth is checked on the text before decoding: ``json.loads`` recurses
    once per bracket and would raise ``RecursionError`` long before any check
    on the decoded value could run.
    """
    max_depth = current_runtime().settings.max_json_depth
    if _bracket_depth(raw) > max_depth:
        raise _bad(name, f"nests JSON deeper than the limit of {max_depth}")
    try:
        value = storable_param(json.loads(raw), name)
    except ValueError:
        raise _bad(name, "must be a JSON Agent or identified Group") from None
    if not isinstance(value, dict):
        raise _bad(name, "must be a JSON object")
    return value


def _bracket_depth(text: str) -> int:
    """Deepest ``[``/``{`` nesting of ``text`` outside strings (an upper bound for JSON)."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def timestamp_param(args: MultiDict[str, str], name: str) -> int | None:
    """Microseconds since the epoch, or ``None`` when absent.

    Also takes what common clients write: a space instead of ``T`` between date
    and time (Python's ``str(datetime)``, allowed by RFC 3339 section 5.6), and a
    ``+`` offset left unencoded in the URL, which arrives as a space.
    """
    value = args.get(name)
    if value is None:
        return None
    text = _UNENCODED_PLUS.sub(r"+\1", _SPACE_SEPARATOR.sub(r"\1T", value))
    try:
        return to_us(parse_timestamp(text))
    except ValueError as exc:
        raise _bad(name, f"{exc}, got {value[:80]!r}") from None


def _bad(name: str, message: str) -> BadRequest:
    return BadRequest(f"parameter {name} {message}", errors=[ErrorDetail(name, message)])

