"""JSON values no store can keep and serve back faithfully.

Python's JSON decoder accepts ``NaN``/``Infinity`` and turns ``1e400`` into
infinity; served back they make invalid JSON. It also decodes ``"\\ud800"`` to a
lone UTF-16 surrogate, which is not Unicode: SQLite's driver and PostgreSQL
refuse it. Every way in (HTTP bodies and parameters, ``lrs statements import``,
plugins' :meth:`lrs.plugin.host.Host.ingest`) checks values with :func:`find_unstorable`.
"""

from __future__ import annotations

import math
import re
from typing import Any

from lrs.xapi.errors import ErrorDetail, member_step

#: A UTF-16 surrogate code point: only ever half of a pair escaped in JSON text.
_SURROGATE = re.compile("[\ud800-\udfff]")


def find_unstorable(
    value: Any, *, root: str = "$", max_depth: int | None = None
) -> ErrorDetail | None:
    """The first non-finite number, lone surrogate or (past ``max_depth``) nesting.

    One iterative walk (no recursion, so no stack to exhaust); a path is only
    built for the value at fault.
    """
    stack: list[tuple[Any, int, tuple[str | int, ...]]] = [(value, 1, ())]
    while stack:
        node, depth, steps = stack.pop()
        if isinstance(node, float) and not math.isfinite(node):
            return _at(root, steps, "numbers must be finite (no NaN, Infinity or overflow)")
        if isinstance(node, str) and _SURROGATE.search(node):
            return _at(root, steps, "strings must not hold lone UTF-16 surrogates")
        if isinstance(node, dict | list) and max_depth is not None and depth > max_depth:
            return _at(root, steps, f"nests JSON deeper than the limit of {max_depth}")
        if isinstance(node, dict):
            for key, child in node.items():
                if _SURROGATE.search(key):
                    return _at(
                        root, (*steps, key), "member names must not hold lone UTF-16 surrogates"
                    )
                stack.append((child, depth + 1, (*steps, key)))
        elif isinstance(node, list):
            stack.extend((child, depth + 1, (*steps, index)) for index, child in enumerate(node))
    return None


def _at(root: str, steps: tuple[str | int, ...], message: str) -> ErrorDetail:
    path = root + "".join(
        f"[{step}]" if isinstance(step, int) else member_step(step) for step in steps
    )
    return ErrorDetail(path, message)
