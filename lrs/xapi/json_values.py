"""JSON values no store can keep and serve back faithfully.

Python's JSON decoder accepts ``NaN``/``Infinity`` and turns ``1e400`` into
infinity; served back they make invalid JSON. It also decodes ``"\\ud800"`` to a
lone UTF-16 surrogate, which is not Unicode: SQLite's driver and PostgreSQL
refuse it. Every way in (HTTP bodies and parameters, ``lrs statements import``,
plugins' :meth:`lrs.plugin.host.Host.ingest`) checks values with :func:`find_unstorable`.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

import msgspec

from lrs.xapi.errors import BadRequest, ErrorDetail, member_step

#: A UTF-16 surrogate code point: only ever half of a pair escaped in JSON text.
_SURROGATE = re.compile("[\ud800-\udfff]")
#: MessagePack encoding in C (about a sixth of the cost of ``json``'s strict
#: encoder): it refuses lone surrogates (strings are UTF-8) and writes every
#: float as 0xcb and its IEEE 754 bits, big-endian.
_PACK = msgspec.msgpack.Encoder().encode
#: A packed float whose exponent bits are all ones: infinity or NaN. The same
#: bytes can occur by chance inside a packed integer (never inside a string: 0xcb
#: then 0x7f or 0xff is not UTF-8); the walk then decides.
_NON_FINITE = re.compile(rb"\xcb[\x7f\xff][\xf0-\xff]")
#: What ``json.loads`` makes of objects and arrays (exactly these types: it is its output).
_CONTAINERS = (dict, list)
#: msgspec's JSON decoder, about three times as fast as ``json.loads`` on a stored statement.
_DECODE = msgspec.json.Decoder().decode
#: msgspec's JSON encoder: compact, non-ASCII as is, about a seventh of the cost of
#: ``json``'s encoder on a statement.
_ENCODE = msgspec.json.Encoder().encode


def find_unstorable(
    value: Any, *, root: str = "$", max_depth: int | None = None
) -> ErrorDetail | None:
    """The first non-finite number, lone surrogate or (past ``max_depth``) nesting.

    Every statement written goes through here, usually twice (its body, then
    validation), so the common case is checked in C: packing the value as
    MessagePack refuses lone surrogates and shows non-finite numbers by their
    bits, and only the nesting is counted in Python, by whole levels. The walk,
    iterative (no stack to exhaust) and naming the path of the first problem, runs
    only when one of those found something.
    """
    if _plainly_storable(value, max_depth):
        return None
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


def _plainly_storable(value: Any, max_depth: int | None) -> bool:
    try:
        packed = _PACK(value)
    except (ValueError, OverflowError, RecursionError, TypeError):  # UnicodeEncodeError too
        return False
    if _NON_FINITE.search(packed) is not None:
        return False
    if max_depth is None:
        return True
    depth, level = 0, [value] if type(value) in _CONTAINERS else []
    while level:
        depth += 1
        if depth > max_depth:
            return False
        level = [
            child
            for node in level
            for child in (node.values() if type(node) is dict else node)
            if type(child) in _CONTAINERS
        ]
    return True


def _at(root: str, steps: tuple[str | int, ...], message: str) -> ErrorDetail:
    path = root + "".join(
        f"[{step}]" if isinstance(step, int) else member_step(step) for step in steps
    )
    return ErrorDetail(path, message)


def decode_stored(text: str) -> Any:
    """The value of JSON text Weft stored (a statement's payload), decoded fast.

    Stored text passed :func:`find_unstorable`, so msgspec decodes it as ``json``
    would; ``json.loads`` remains for text it refuses (a value stored before that
    check existed, e.g. ``1e400``), which then decodes as it always did.
    """
    try:
        return _DECODE(text)
    except msgspec.DecodeError:
        return json.loads(text)


def encode_storable(value: Any) -> str:
    """``value`` as compact JSON text, non-ASCII as is: how statements and activity
    definitions are stored.

    ``value`` must have passed :func:`find_unstorable`: a non-finite number would be
    written as ``null``. Numbers are written as ``json`` writes them, save exponents
    (``1e16``, not ``1e+16``): the same values.
    """
    return _ENCODE(value).decode()


def load_json_text(data: bytes | str, *, max_depth: int, what: str = "request body") -> Any:
    """Decode JSON that can be stored and served back; errors name where it broke.

    Enforces ``max_depth`` (``LRS_MAX_JSON_DEPTH``) and refuses what JSON parsers
    accept but no store can keep: numbers that overflow to infinity (``1e400``),
    ``NaN`` and ``Infinity`` literals (served back they would be invalid JSON), and
    strings with lone UTF-16 surrogates (``"\\ud800"``: not Unicode, refused by
    PostgreSQL).

    :param what: what the text is, for messages (``"request body"``, ``"document"``).
    :raises BadRequest: naming the line and column, or the JSON path, of the problem.
    """
    try:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
    except UnicodeDecodeError as exc:
        raise BadRequest(f"{what} is not valid UTF-8 (byte {exc.start})") from None
    if text.startswith("\ufeff"):
        text = text[1:]
    try:
        value = _DECODE(text)
    except (msgspec.DecodeError, RecursionError):
        value = _decode_or_explain(text, what)
    refuse_unstorable(value, max_depth, what)
    return value


def _decode_or_explain(text: str, what: str) -> Any:
    """What msgspec refused, decoded as ``json`` does (``NaN``, ``1e400``, lone
    surrogates, nesting past its limit: :func:`refuse_unstorable` then names where),
    or the error with ``json``'s line and column."""
    try:
        # The constants become floats so that refuse_unstorable names their path.
        return json.loads(text, parse_constant=float)
    except json.JSONDecodeError as exc:
        raise BadRequest(
            f"{what} is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}",
            errors=[ErrorDetail("$", f"{exc.msg} at line {exc.lineno} column {exc.colno}")],
        ) from None
    except (RecursionError, ValueError) as exc:
        raise BadRequest(f"{what} is not valid JSON: {exc}") from None


def refuse_unstorable(value: Any, max_depth: int, what: str = "request body") -> None:
    """Refuse nesting deeper than ``max_depth``, non-finite numbers and lone surrogates.

    :raises BadRequest: naming the JSON path of the first problem.
    """
    problem = find_unstorable(value, max_depth=max_depth)
    if problem is not None:
        raise BadRequest(f"{what}: {problem.path}: {problem.message}", errors=[problem])
