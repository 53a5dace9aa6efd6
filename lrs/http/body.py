"""Reading request bodies: size and depth limits, JSON errors users can act on.

Flask's ``request.get_json`` hides decode errors outside debug mode and answers
with HTML; xAPI clients need a 400 with a JSON body saying where the JSON broke.
The work is done where plugins reach it too (:mod:`lrs.plugin.request`,
:mod:`lrs.xapi.json_values`); this binds it to the application's limits.
"""

from __future__ import annotations

from typing import Any

from lrs.plugin.request import read_limited_body
from lrs.runtime import current_runtime
from lrs.xapi.json_values import load_json_text, refuse_unstorable


def read_body() -> bytes:
    """The whole request body, refused with 413 past ``LRS_MAX_BODY_BYTES``."""
    return read_limited_body(current_runtime().settings.max_body_bytes)


def parse_json(data: bytes | str, *, what: str = "request body") -> Any:
    """``data`` decoded within ``LRS_MAX_JSON_DEPTH`` (see ``load_json_text``)."""
    return load_json_text(data, max_depth=current_runtime().settings.max_json_depth, what=what)


def storable_param(value: Any, name: str) -> Any:
    """``value``, decoded from the JSON of parameter ``name``, once it passes
    :func:`~lrs.xapi.json_values.refuse_unstorable` (a lone surrogate in ``agent`` once
    reached the database)."""
    refuse_unstorable(value, current_runtime().settings.max_json_depth, f"parameter {name}")
    return value
