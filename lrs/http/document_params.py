"""Query parameters shared by the document, agents and activities resources.

Each reader returns a typed value or raises 400 naming the parameter, so views
never see a raw string: ``agent`` becomes its IFI key, ``registration`` a
lowercase UUID, ``since`` microseconds since the epoch.
"""

from __future__ import annotations

from typing import Any

from werkzeug.datastructures import MultiDict

from lrs.http.statement_params import (
    check_names,
    json_object_param,
    timestamp_param,
)
from lrs.runtime import current_runtime
from lrs.xapi.actors import agent_ifi_key
from lrs.xapi.datatypes import is_iri, is_uuid
from lrs.xapi.errors import BadRequest, ErrorDetail, XapiError
from lrs.xapi.validate import validate_agent
from lrs.xapi.versions import XapiVersion

__all__ = ["agent_param", "check_names", "document_id_param", "iri_param",
           "registration_param", "required", "since_param", "storable"]


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


def document_id_param(args: MultiDict[str, str], name: str) -> str:
    """``stateId`` / ``profileId``: any string a document's key column can hold."""
    return storable(name, required(args, name))


def storable(name: str, value: str) -> str:
    """``value`` if it fits a document's key, else 400 naming ``name``.

    The scope columns form one unique index, and PostgreSQL refuses an index
    entry over about 2.7 KB and any NUL character; each part is kept under
    ``LRS_MAX_DOCUMENT_ID_BYTES`` so that the whole key fits on both backends.
    """
    if "\x00" in value:
        raise bad(name, "must not contain the NUL character (U+0000)")
    limit = current_runtime().settings.max_document_id_bytes
    if len(value.encode("utf-8", "surrogatepass")) > limit:
        raise bad(name, f"is longer than the limit of {limit} bytes (UTF-8)")
    return value


def agent_param(args: MultiDict[str, str], version: XapiVersion) -> tuple[dict[str, Any], str]:
    """The ``agent`` parameter as ``(agent object, IFI key)``."""
    agent = json_object_param("agent", required(args, "agent"))
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
    return timestamp_param(args, "since")


def bad(name: str, message: str) -> BadRequest:
    return BadRequest(f"parameter {name} {message}", errors=[ErrorDetail(name, message)])
