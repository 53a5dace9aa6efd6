"""Export filters as people type them (email or Agent JSON, ISO dates) to :class:`Filters`."""

from __future__ import annotations

from datetime import UTC, date, datetime

from plugins.audit.entries import person_key
from plugins.audit.trail import Filters


class FilterError(ValueError):
    """A filter could not be understood (the message names it)."""


def parse_moment(text: str, name: str) -> int:
    """An ISO 8601 date or timestamp (UTC unless it says otherwise) in µs since the epoch."""
    try:
        if len(text) == 10:
            moment = datetime.combine(date.fromisoformat(text), datetime.min.time(), UTC)
        else:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=UTC)
    except ValueError as exc:
        raise FilterError(f"{name}: {text!r} is not an ISO 8601 date or timestamp") from exc
    return int(moment.timestamp() * 1_000_000)


def filters_from(tenant_id: int, person: str | None, activity: str | None,
                 since: str | None, until: str | None) -> Filters:
    try:
        key = person_key(person) if person else None
    except ValueError as exc:
        raise FilterError(f"person: {exc}") from exc
    return Filters(tenant_id=tenant_id, person=key, activity=activity or None,
                   since_us=parse_moment(since, "since") if since else None,
                   until_us=parse_moment(until, "until") if until else None)
