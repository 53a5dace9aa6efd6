"""The single entry point for checking xAPI data sent by clients (Data part).

:func:`validate_statements` turns a parsed request body into the statements the
LRS stores, or raises :class:`~lrs.xapi.errors.InvalidStatement` naming every
problem by JSONPath. The helpers below it apply the same rules to the values
other resources receive (the ``agent`` parameter, activity ids, ``since``).

A statement is checked by converting it to the msgspec Struct of its version
(:mod:`lrs.xapi.schemas`, the one description of the rules) and back to plain
JSON values; only a refused one is looked at again, property by property, to
name every problem (:func:`lrs.xapi.schema_base.diagnose`).

Normalization (the only ways a returned statement differs from its input, but
for the order of properties, which follows the Structs):

* ``timestamp`` and ``stored`` (also in a SubStatement) are rewritten to UTC,
  ``YYYY-MM-DDThh:mm:ss[.fraction]Z`` with the fraction kept digit for digit.
  2.0 requires it ("an LRS shall convert Timestamps to UTC"); 1.0.3 recommends
  returning UTC, and one stored form serves reads in either version.
* A single context Activity (``contextActivities.parent`` etc.) becomes a
  one-element array: the LRS must return arrays (Data 2.4.6.2).
* 2.0 only: ``"timestamp": null`` at the top level is treated as absent (the
  LRS then sets it to ``stored``), as the 2.0 conformance suite sends it.
"""

from __future__ import annotations

from typing import Any

import msgspec

from lrs.xapi import datatypes
from lrs.xapi.actors import actor_type, agent_ifi_key
from lrs.xapi.bounds import DEFAULT_BOUNDS, IndexBounds, bound_problems
from lrs.xapi.errors import BadRequest, ErrorDetail, InvalidStatement
from lrs.xapi.json_values import find_unstorable
from lrs.xapi.schema_base import Problem, diagnose, load, to_path
from lrs.xapi.schemas import STATEMENT
from lrs.xapi.versions import XapiVersion

__all__ = [
    "agent_ifi_key",
    "is_iri",
    "parse_timestamp",
    "validate_activity_id",
    "validate_agent",
    "validate_statements",
]

is_iri = datatypes.is_iri
parse_timestamp = datatypes.parse_timestamp


def validate_statements(
    payload: object, version: XapiVersion, *, root: str = "$", bounds: IndexBounds = DEFAULT_BOUNDS
) -> list[dict]:
    """Check one statement (a JSON object) or a batch (a JSON array) and normalize it.

    :param bounds: the identifier sizes and list lengths the store indexes
        (``LRS_MAX_IRI_BYTES``, ``LRS_MAX_INDEXED_ITEMS``; :mod:`lrs.xapi.bounds`).

    An empty batch is valid and yields ``[]``: xAPI does not forbid it, and
    storing nothing is the faithful answer (POST then returns ``[]``).

    :raises InvalidStatement: listing every problem, with paths such as
        ``$[3].actor.mbox`` for a batch or ``$.actor.mbox`` for a single object.
    """
    unstorable = find_unstorable(payload, root=root)
    if unstorable is not None:
        raise InvalidStatement.from_details([unstorable])
    schema = STATEMENT[version]
    single = isinstance(payload, dict)
    if single:
        items: list[Any] = [payload]
    elif isinstance(payload, list):
        items = payload
    else:
        raise InvalidStatement.from_details(
            [ErrorDetail(root, "must be a statement object or an array of statement objects")]
        )
    statements: list[dict] = []
    details: list[ErrorDetail] = []
    convert, to_builtins, null_timestamp = msgspec.convert, msgspec.to_builtins, version.is_2
    for index, item in enumerate(items):
        if null_timestamp and isinstance(item, dict) and item.get("timestamp", 0) is None:
            item = {k: v for k, v in item.items() if k != "timestamp"}
        path = root if single else f"{root}[{index}]"
        try:
            statements.append(to_builtins(convert(item, schema)))
        except msgspec.ValidationError:
            details.extend(
                ErrorDetail(to_path(path, steps), message)
                for steps, message in diagnose(schema, item)
            )
            continue
        details.extend(bound_problems(statements[-1], bounds, path))
    if details:
        raise InvalidStatement.from_details(details)
    return statements


def validate_agent(obj: object, version: XapiVersion, root: str = "$") -> dict:
    """Check an Agent or identified Group given outside a statement (e.g. ``agent=``).

    Query parameters and document resources identify a person or group, so an
    anonymous Group (no IFI) is refused. The rules do not differ between versions;
    ``version`` keeps callers stable should they ever.

    :returns: the agent as loaded (a new dict).
    :raises BadRequest: naming every problem with ``root`` as the JSONPath root.
    """
    try:
        agent = msgspec.to_builtins(load(obj, actor_type, 0))
    except Problem as problem:
        raise _bad_request(
            [ErrorDetail(to_path(root, steps[1:]), message) for steps, message in problem.found]
        ) from None
    if not agent_ifi_key(agent):
        raise _bad_request(
            [
                ErrorDetail(
                    root,
                    "must be an Agent or an identified Group (with "
                    "mbox, mbox_sha1sum, openid or account)",
                )
            ]
        )
    return agent


def validate_activity_id(value: object, root: str = "activityId") -> str:
    """Check an activity id given outside a statement: it must be an IRI.

    :raises BadRequest: when ``value`` is not an IRI.
    """
    if not is_iri(value):
        raise _bad_request(
            [ErrorDetail(root, 'must be an IRI with a scheme, e.g. "http://example.com/activity"')]
        )
    return value  # type: ignore[return-value]  # is_iri guarantees a str


def _bad_request(details: list[ErrorDetail]) -> BadRequest:
    first = details[0]
    more = f" (and {len(details) - 1} more)" if len(details) > 1 else ""
    return BadRequest(f"{first.path}: {first.message}{more}", errors=details)
