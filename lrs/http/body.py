"""Reading request bodies: size and depth limits, JSON errors users can act on.

Flask's ``request.get_json`` hides decode errors outside debug mode and answers
with HTML; xAPI clients need a 400 with a JSON body saying where the JSON broke.
"""

from __future__ import annotations

import json
from typing import Any

from flask import request

from lrs.runtime import current_runtime
from lrs.xapi.errors import BadRequest, ErrorDetail, PayloadTooLarge


def read_body() -> bytes:
    """The whole request body, refused with 413 past ``LRS_MAX_BODY_BYTES``."""
    limit = current_runtime().settings.max_body_bytes
    if request.content_length is not None and request.content_length > limit:
        raise PayloadTooLarge(f"request body is larger than the {limit} byte limit")
    data = request.stream.read(limit + 1)
    if len(data) > limit:
        raise PayloadTooLarge(f"request body is larger than the {limit} byte limit")
    return data


def parse_json(data: bytes | str, *, what: str = "request body") -> Any:
    """Decode JSON, enforcing ``LRS_MAX_JSON_DEPTH``; errors name line and column."""
    max_depth = current_runtime().settings.max_json_depth
    try:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
    except UnicodeDecodeError as exc:
        raise BadRequest(f"{what} is not valid UTF-8 (byte {exc.start})") from None
    if text.startswith("\ufeff"):
        text = text[1:]
    try:
        value = json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise BadRequest(
            f"{what} is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}",
            errors=[ErrorDetail("$", f"{exc.msg} at line {exc.lineno} column {exc.colno}")],
        ) from None
    except (RecursionError, ValueError) as exc:
        raise BadRequest(f"{what} is not valid JSON: {exc}") from None
    check_depth(value, max_depth, what)
    return value


def check_depth(value: Any, max_depth: int, what: str = "request body") -> None:
    """Refuse documents nested deeper than ``max_depth`` (iteratively: no recursion)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            children = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        if depth > max_depth:
            raise BadRequest(f"{what} nests JSON deeper than the limit of {max_depth}")
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed in JSON")
