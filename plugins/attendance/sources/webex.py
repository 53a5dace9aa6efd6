"""Webex: the meeting participants JSON (``GET /meetingParticipants?meetingId=...``).

A response is ``{"items": [...]}`` (more pages are linked by the HTTP ``Link``
header, so a file holds one response or a JSON list of them). Each participant
(``email``, ``displayName``, ``joinedTime``, ``leftTime``, ``meetingId``) has
``devices`` with their own ``joinedTime`` and ``leftTime``: one row per device
stay, so that two devices at once or a reconnect are merged later; a
participant without devices counts from ``joinedTime`` to ``leftTime``. Someone
still in the lobby (``state: lobby``) was never admitted and makes no row.
"""

from __future__ import annotations

from datetime import UTC, date, tzinfo
from typing import Any

from plugins.attendance.rows import AttendanceRow
from plugins.attendance.sources.reading import (
    Problems,
    SourceError,
    decode,
    email_of,
    load_json,
    looks_like_json,
    parse_iso,
)

SOURCE = "webex"


def parse(
    data: bytes,
    *,
    filename: str = "",
    tz: tzinfo = UTC,
    day: date | None = None,
    dayfirst: bool | None = None,
) -> list[AttendanceRow]:
    """The rows of a Webex meeting participants response (its times carry their offset,
    so ``tz``, ``day`` and ``dayfirst`` change nothing)."""
    if not looks_like_json(decode(data)):
        raise SourceError(
            filename, "a Webex participants report is JSON (the /meetingParticipants response)"
        )
    return parse_json(load_json(data, filename), file=filename)


def parse_json(report: Any, *, file: str = "") -> list[AttendanceRow]:
    """The rows of one decoded response or a list of responses."""
    problems = Problems(file)
    rows: list[AttendanceRow] = []
    pages = report if isinstance(report, list) else [report]
    for number, page in enumerate(pages):
        where = f"$[{number}]" if isinstance(report, list) else "$"
        if not isinstance(page, dict) or not isinstance(page.get("items"), list):
            problems.add(where, "not a Webex meeting participants response (no items list)")
            continue
        for index, item in enumerate(page["items"]):
            at = f"{where}.items[{index}]"
            if not isinstance(item, dict):
                problems.add(at, "a participant must be an object")
                continue
            if item.get("state") == "lobby":
                continue
            devices = item.get("devices") or []
            if not isinstance(devices, list):
                problems.add(f"{at}.devices", "must be a list")
                continue
            origin = f"page {number + 1}, participant {index + 1}"
            stays = [
                (f"{at}.devices[{n}]", f"{origin}, device {n + 1}", device)
                for n, device in enumerate(devices)
            ] or [(at, origin, item)]
            for spot, place, stay in stays:
                span = _span(stay, spot, problems)
                if span is None:
                    continue
                rows.append(
                    AttendanceRow(
                        source=SOURCE,
                        session_key=str(item.get("meetingId") or ""),
                        raw_name=str(item.get("displayName") or ""),
                        email=email_of(item.get("email")),
                        external_id=None,
                        join=span[0],
                        leave=span[1],
                        origin=place,
                    )
                )
    problems.check()
    return rows


def _span(stay: Any, where: str, problems: Problems):
    if not isinstance(stay, dict):
        problems.add(where, "must be an object")
        return None
    times = []
    for key in ("joinedTime", "leftTime"):
        value = stay.get(key)
        if not isinstance(value, str) or not value:
            problems.add(f"{where}.{key}", "missing")
            continue
        try:
            times.append(parse_iso(value))
        except ValueError as error:
            problems.add(f"{where}.{key}", str(error))
    if len(times) != 2:
        return None
    if times[1] < times[0]:
        problems.add(f"{where}.leftTime", "is before joinedTime")
        return None
    return times[0], times[1]
