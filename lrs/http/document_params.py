"""Query parameters shared by the document, agents and activities resources.

Each reader returns a typed value or raises 400 naming the parameter, so views
never see a raw string: ``agent`` becomes its IFI key, ``registration`` a
lowercase UUID, ``since`` microseconds since the epoch.
"""

from __future__ import annotations

import json
from typing import Any

from werkzeug.datastructures import MultiDict

from lrs.http.body import storable_param
from lrs.http.statement_params import check_names, to_us
from lrs.xapi.actors import agent_ifi_key
from lrs.xapi.datatypes import is_iri, is_uuid, parse_timestamp
from lrs.xapi.errors import BadRequest, ErrorDetail, XapiError
from lrs.xapi.validate import validate_agent
from lrs.xapi.versions import XapiVersion

__all__ = ["agent_param", "check_names", "iri_param", "registration_param",
           "required", "since_param"]


def required(args: MultiDict[str, str], name: str) -> str:
    value = args.get(name)
    if value is None:
        raise bad(name, "is required")
    return value


def iri_param(args: MultiDict[str, str], name: str) -> str:
    value = required(args, name)
    if not is_iri(value):
        raise bad(name, f"must be an IRI, got {value[:80]!r}")
    return value


def agent_param(args: MultiDict[str, str], version: XapiVersion) -> tuple[dict[str, Any], str]:
    """The ``agent`` parameter as ``(agent object, IFI key)``."""
    raw = required(args, "agent")
    try:
        agent = storable_param(json.loads(raw), "agent")
    except ValueError:
        raise bad("agent", "must be a JSON Agent or identified Group") from None
    if not isinstance(agent, dict):
        raise bad("agent", "must be a JSON object")
    try:
        agent = validate_agent(agent, version, "agent")
    except XapiError as exc:
        raise BadRequest(f"parameter {exc.message}", errors=exc.errors) from None
    return agent, agent_ifi_key(agent)


def registration_param(args: MultiDict[str, str]) -> str:
    """A lowercase UUID, or ``""`` when absent."""
    value = args.get("registration")
    if value is None:
        return ""
    if not is_uuid(value):
        raise bad("registration", f"must be a UUID, got {value[:80]!r}")
    return value.lower()


def since_param(args: MultiDict[str, str]) -> int | None:
    value = args.get("since")
    if value is None:
        return None
    try:
        return to_us(parse_timestamp(value))
    except ValueError as exc:
        raise bad("since", f"{exc}, got {value[:80]!r}") from None


def bad(name: str, message: str) -> BadRequest:
    return BadRequest(f"parameter {name} {message}", errors=[ErrorDetail(name, message)])
