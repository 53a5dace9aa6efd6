"""Who is calling and what they sent: the same answers for core's views and a plugin's.

A plugin's HTTP API needs three things from the request it answers: its JSON
body, read within the store's limits (``LRS_MAX_BODY_BYTES``,
``LRS_MAX_JSON_DEPTH``) with errors that name where the JSON broke; who acted,
for administrative records; and where the request came from, for the audit
trail. ``lrs`` commands need the last two as well. Core's own views use these
functions, so a plugin's records and refusals read exactly like core's.
"""

from __future__ import annotations

import socket
from typing import IO, Any

from flask import g, request

from lrs.plugin.host import current_host
from lrs.plugin.numbers import LARGEST_ID as LARGEST_ID  # public API, re-exported
from lrs.plugin.numbers import parse_whole_number as parse_whole_number
from lrs.process.identity import os_user
from lrs.xapi.errors import PayloadTooLarge
from lrs.xapi.json_values import load_json_text

#: ``json_body``'s ``empty`` when an empty body is refused like any non-JSON.
_REFUSED = object()


def json_body(what: str = "request body", *, empty: Any = _REFUSED) -> Any:
    """The request's body decoded as JSON that can be stored and served back.

    :param what: what the body should be, for messages (``"an evidence rule"``).
    :param empty: what an empty body stands for, where the body is optional
        (``{}``: all defaults); without it an empty body is refused as not JSON.
    :raises lrs.xapi.errors.BadRequest: not UTF-8, not JSON, nested deeper than
        ``LRS_MAX_JSON_DEPTH``, or holding a value no store keeps (``NaN``, a lone
        surrogate); Weft answers it with a 400 whose ``errors`` name the JSON path.
    :raises lrs.xapi.errors.PayloadTooLarge: longer than ``LRS_MAX_BODY_BYTES`` (413).
    """
    settings = current_host().settings
    data = read_limited_body(settings.max_body_bytes)
    if not data and empty is not _REFUSED:
        return empty
    return load_json_text(data, max_depth=settings.max_json_depth, what=what)


def read_limited_body(limit: int) -> bytes:
    """The whole request body, refused with 413 past ``limit`` bytes.

    A chunked body has no Content-Length: werkzeug then caps the stream at
    ``MAX_CONTENT_LENGTH`` and a read up to the cap looks like a complete body, so
    an oversized upload would be stored truncated. Such a body is read from the
    server's own stream instead, one byte past the limit, to tell the two apart.
    """
    length = request.content_length
    if length is not None and length > limit:
        raise PayloadTooLarge(f"request body is larger than the {limit} byte limit")
    stream = request.stream
    if length is None and "wsgi.input_terminated" in request.environ:
        stream = request.environ["wsgi.input"]
    # Asked for no more than the body can hold: werkzeug's stream allocates a buffer
    # of the size asked for each read (50 MB a request by default, for a 50-byte body).
    data = _read_at_most(stream, (limit if length is None else length) + 1)
    if len(data) > limit:
        raise PayloadTooLarge(f"request body is larger than the {limit} byte limit")
    return data


def _read_at_most(stream: IO[bytes], size: int) -> bytes:
    """Up to ``size`` bytes: streams may return short reads before their end."""
    chunks: list[bytes] = []
    remaining = size
    while remaining > 0:
        chunk = stream.read(remaining)
        if not chunk:
            break
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def api_actor() -> str:
    """``credential:<key>`` (``credential-id:<n>`` for an OAuth token): who called the API.

    Valid in a view guarded by ``host.requires``, which authenticated the caller.
    """
    principal = g.principal
    key = getattr(principal, "key", None)
    return f"credential:{key}" if key else f"credential-id:{principal.credential_id}"


def request_source() -> dict[str, str]:
    """The current request's client address, request id and user agent.

    The request id is the one :mod:`lrs.logging` assigned (and logged, and echoed
    in ``X-Request-Id``), so an event can be matched with its access-log line; a
    client's own ``X-Request-Id`` header is never trusted for it. Absent facts are
    left out rather than stored as empty strings.
    """
    facts = {
        "ip": request.remote_addr,
        "request_id": g.get("request_id"),
        "user_agent": request.user_agent.string,
    }
    return {name: value for name, value in facts.items() if value}


def cli_actor() -> str:
    """``cli:<OS user>``: the actor of administrative actions taken with ``lrs``."""
    return f"cli:{os_user()}"


def cli_source() -> dict[str, str]:
    """``{"cli": "<OS user>@<host>"}``: the ``source`` of events an ``lrs`` command causes.

    The host name tells an audit trail which machine ran the command, as the
    client address does for an HTTP request.
    """
    return {"cli": f"{os_user()}@{socket.gethostname()}"}
