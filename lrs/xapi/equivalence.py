"""Statement comparison: may a statement be re-sent under an id the LRS already holds?

xAPI makes re-sending a stored statement a harmless no-op (clients retry after
network failures) but a *different* statement under a known id a 409 Conflict.
"Same" follows the spec's Statement Comparison Requirements (Data 2.3.1): ignore
what the LRS itself may assign (``id``, ``authority``, ``stored``, ``version``, and
``timestamp`` when one side lacks it), ignore the case of UUIDs, and compare
timestamps as instants rather than as strings.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

#: Properties the LRS assigns or overrides while storing a statement.
_ASSIGNED_BY_LRS = ("id", "authority", "stored", "version")

_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


def equivalent(stored: dict[str, Any], incoming: dict[str, Any]) -> bool:
    """True when ``incoming`` only differs from ``stored`` in ways the spec ignores."""
    return _comparable(stored, incoming) == _comparable(incoming, stored)


def _comparable(statement: dict[str, Any], other: dict[str, Any]) -> Any:
    copy = {k: v for k, v in statement.items() if k not in _ASSIGNED_BY_LRS}
    # The LRS fills in a missing timestamp with ``stored``: only compare two given ones.
    if "timestamp" not in other:
        copy.pop("timestamp", None)
    elif "timestamp" in copy:
        copy["timestamp"] = _instant(copy["timestamp"])
    if isinstance(copy.get("object"), dict) and copy["object"].get("objectType") == "SubStatement":
        sub = dict(copy["object"])
        if "timestamp" in sub:
            sub["timestamp"] = _instant(sub["timestamp"])
        _truncate_duration(sub)
        copy["object"] = sub
    _truncate_duration(copy)
    return _normalize(copy)


def _truncate_duration(statement: dict[str, Any]) -> None:
    """Replace ``result`` by a copy whose duration keeps at most hundredths of seconds."""
    result = statement.get("result")
    if isinstance(result, dict) and isinstance(result.get("duration"), str):
        statement["result"] = {**result, "duration": _hundredths(result["duration"])}


_SECONDS_FRACTION = re.compile(r"(\d+)[.,](\d*)S$", re.ASCII)


def _hundredths(duration: str) -> str:
    match = _SECONDS_FRACTION.search(duration)
    if match is None:
        return duration
    fraction = match[2][:2].rstrip("0")
    seconds = f"{match[1]}.{fraction}S" if fraction else f"{match[1]}S"
    return duration[: match.start()] + seconds


def _normalize(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _normalize(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_normalize(v) for v in value]
    if isinstance(value, str) and _UUID.match(value):
        return value.lower()
    return value


def _instant(value: Any) -> Any:
    """A timestamp as an aware datetime (equal instants compare equal), else unchanged."""
    if not isinstance(value, str):
        return value
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return value
    return parsed if parsed.tzinfo else value
