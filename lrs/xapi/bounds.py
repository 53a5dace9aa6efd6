"""Bounds on what the store indexes: identifier sizes and list lengths.

Every activity id, verb id and agent identifier of a statement becomes a key of a
database index, and every entry of ``contextActivities``, a Group's ``member``
list, ``contextAgents`` or ``contextGroups`` becomes an index row. Unbounded, one
statement with a 10 MB ``object.id`` followed by one with 10,000 context activities
held SQLite's write lock for minutes (each index comparison with the huge key
read it whole), and PostgreSQL refuses index entries past about 2.7 KB. So each is
bounded, in UTF-8 bytes and in items, and a statement past a bound is refused
with a 400 naming its JSON path.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import msgspec

from lrs.xapi.errors import ErrorDetail

_CONTEXT_LISTS = ("parent", "grouping", "category", "other")
_IDENTIFIERS = ("mbox", "mbox_sha1sum", "openid")


@dataclass(frozen=True)
class IndexBounds:
    """``LRS_MAX_IRI_BYTES`` and ``LRS_MAX_INDEXED_ITEMS``."""

    #: Largest activity id, verb id or agent identifier (mbox, openid, account
    #: homePage and name), in UTF-8 bytes.
    max_iri_bytes: int = 2048
    #: Most entries of a list the store indexes (each context activity list, a
    #: Group's members, contextAgents, contextGroups).
    max_items: int = 1000


#: The defaults, for callers without settings (tests, tools).
DEFAULT_BOUNDS = IndexBounds()


#: MessagePack encoding in C; a string takes at least its UTF-8 bytes.
_PACK = msgspec.msgpack.Encoder().encode
#: The fewest bytes a valid entry of a bounded list takes packed: ``{"id": "a:b"}``.
_SMALLEST_ENTRY = 8


def bound_problems(
    statement: dict[str, Any], bounds: IndexBounds, root: str = "$"
) -> list[ErrorDetail]:
    """Where a validated statement exceeds ``bounds``, by JSON path.

    Most statements are too small to exceed any bound: packed, their size bounds
    every string's UTF-8 length and (over :data:`_SMALLEST_ENTRY`) every list's
    length. Measuring that in C spares them the walk (a fifth of validation).
    """
    try:
        size = len(_PACK(statement))
    except OverflowError:  # an integer past 64 bits (an extension's value): walk
        size = None
    if size is not None and size <= min(bounds.max_iri_bytes, bounds.max_items * _SMALLEST_ENTRY):
        return []
    return list(_statement(statement, bounds, root))


def _statement(statement: dict[str, Any], bounds: IndexBounds, path: str) -> Iterator[ErrorDetail]:
    yield from _actor(statement.get("actor"), bounds, f"{path}.actor")
    verb = statement.get("verb")
    if isinstance(verb, dict):
        yield from _iri(verb.get("id"), bounds, f"{path}.verb.id")
    yield from _object(statement.get("object"), bounds, f"{path}.object")
    context = statement.get("context")
    if isinstance(context, dict):
        yield from _context(context, bounds, f"{path}.context")
    authority = statement.get("authority")
    yield from _actor(authority, bounds, f"{path}.authority")


def _object(obj: Any, bounds: IndexBounds, path: str) -> Iterator[ErrorDetail]:
    if not isinstance(obj, dict):
        return
    kind = obj.get("objectType", "Activity")
    if kind == "Activity":
        yield from _iri(obj.get("id"), bounds, f"{path}.id")
    elif kind in ("Agent", "Group"):
        yield from _actor(obj, bounds, path)
    elif kind == "SubStatement":
        yield from _statement(obj, bounds, path)


def _context(context: dict[str, Any], bounds: IndexBounds, path: str) -> Iterator[ErrorDetail]:
    for name in ("instructor", "team"):
        yield from _actor(context.get(name), bounds, f"{path}.{name}")
    activities = context.get("contextActivities")
    if isinstance(activities, dict):
        for name in _CONTEXT_LISTS:
            listed = activities.get(name)
            where = f"{path}.contextActivities.{name}"
            if isinstance(listed, list):
                yield from _length(listed, bounds, where)
                for index, activity in enumerate(listed[: bounds.max_items]):
                    if isinstance(activity, dict):
                        yield from _iri(activity.get("id"), bounds, f"{where}[{index}].id")
    for name, key in (("contextAgents", "agent"), ("contextGroups", "group")):
        listed = context.get(name)
        if isinstance(listed, list):
            yield from _length(listed, bounds, f"{path}.{name}")
            for index, entry in enumerate(listed[: bounds.max_items]):
                if isinstance(entry, dict):
                    yield from _actor(entry.get(key), bounds, f"{path}.{name}[{index}].{key}")


def _actor(actor: Any, bounds: IndexBounds, path: str) -> Iterator[ErrorDetail]:
    if not isinstance(actor, dict):
        return
    for name in _IDENTIFIERS:
        yield from _iri(actor.get(name), bounds, f"{path}.{name}")
    account = actor.get("account")
    if isinstance(account, dict):
        for name in ("homePage", "name"):
            yield from _iri(account.get(name), bounds, f"{path}.account.{name}")
    members = actor.get("member")
    if isinstance(members, list):
        yield from _length(members, bounds, f"{path}.member")
        for index, member in enumerate(members[: bounds.max_items]):
            yield from _actor(member, bounds, f"{path}.member[{index}]")


def _iri(value: Any, bounds: IndexBounds, path: str) -> Iterator[ErrorDetail]:
    if (
        isinstance(value, str)
        and len(value) * 4 > bounds.max_iri_bytes
        and (size := len(value.encode("utf-8", "surrogatepass"))) > bounds.max_iri_bytes
    ):
        yield ErrorDetail(
            path, f"is {size} bytes long; the limit is {bounds.max_iri_bytes} (LRS_MAX_IRI_BYTES)"
        )


def _length(listed: list[Any], bounds: IndexBounds, path: str) -> Iterator[ErrorDetail]:
    if len(listed) > bounds.max_items:
        yield ErrorDetail(
            path,
            f"has {len(listed)} entries; the limit is {bounds.max_items} (LRS_MAX_INDEXED_ITEMS)",
        )
