"""Reading request bodies: size and depth limits, JSON errors users can act on.

Flask's ``request.get_json`` hides decode errors outside debug mode and answers
with HTML; xAPI clients need a 400 with a JSON body saying where the JSON broke.
"""

from __future__ import annotations

import json
from typing import IO, Any

from flask import request

from lrs.runtime import current_runtime
from lrs.xapi.errors import BadRequest, ErrorDetail, PayloadTooLarge
from lrs.xapi.json_values import find_unstorable


def read_body() -> bytes:
    """The whole request body, refused with 413 past ``LRS_MAX_BODY_BYTES``.

    A chunked body has no Content-Length: werkzeug then caps the stream at
    ``MAX_CONTENT_LENGTH`` and a read up to the cap looks like a complete body, so
    an oversized upload would be stored truncated. Such a body is read from the
    server's own stream instead, one byte past the limit, to tell the two apart.
    """
    limit = current_runtime().settings.max_body_bytes
    if request.content_length is not None and request.content_length > limit:
        raise PayloadTooLarge(f"request body is larger than the {limit} byte limit")
    stream = request.stream
    if request.content_length is None and "wsgi.input_terminated" in request.environ:
        stream = request.environ["wsgi.input"]
    data = _read_at_most(stream, limit + 1)
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


def parse_json(data: bytes | str, *, what: str = "request body") -> Any:
    """Decode JSON that can be stored and served back; errors name where it broke.

    Enforces ``LRS_MAX_JSON_DEPTH`` and refuses what JSON parsers accept but no
    store can keep: numbers that overflow to infinity (``1e400``), ``NaN`` and
    ``Infinity`` literals (served back they would be invalid JSON), and strings
    with lone UTF-16 surrogates (``"\\ud800"``: not Unicode, refused by PostgreSQL).
    """
    max_depth = current_runtime().settings.max_json_depth
    try:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
    except UnicodeDecodeError as exc:
        raise BadRequest(f"{what} is not valid UTF-8 (byte {exc.start})") from None
    if text.startswith("\ufeff"):
        text = text[1:]
    try:
        # The constants become floats so the walk below refuses them with their path.
        value = json.loads(text, parse_constant=float)
    except json.JSONDecodeError as exc:
        raise BadRequest(
            f"{what} is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}",
            errors=[ErrorDetail("$", f"{exc.msg} at line {exc.lineno} column {exc.colno}")],
        ) from None
    except (RecursionError, ValueError) as exc:
        raise BadRequest(f"{what} is not valid JSON: {exc}") from None
    check_storable(value, max_depth, what)
    return value


def check_storable(value: Any, max_depth: int, what: str = "request body") -> None:
    """Refuse nesting deeper than ``max_depth``, non-finite numbers and lone surrogates."""
    problem = find_unstorable(value, max_depth=max_depth)
    if problem is not None:
        raise BadRequest(f"{what}: {problem.path}: {problem.message}", errors=[problem])


def storable_param(value: Any, name: str) -> Any:
    """``value``, decoded from the JSON of parameter ``name``, once it passes
    :func:`check_storable` (a lone surrogate in ``agent`` once reached the database)."""
    check_storable(value, current_runtime().settings.max_json_depth, f"parameter {name}")
    return value
