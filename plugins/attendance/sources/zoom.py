"""Zoom: the Reports API participants JSON and the downloadable participants CSV.

* ``GET /report/meetings/{meetingId}/participants``: pages of ``participants``
  (``id``, ``user_id``, ``name``/``user_name``, ``user_email``, ``join_time``,
  ``leave_time``, ``duration``, ``registrant_id``, ``status``, ...), linked by
  ``next_page_token``. A file holds one page or a JSON list of pages; one row per
  entry, as Zoom writes one entry per stay (a rejoin is a new entry).
  Guests have no ``id``: their ``registrant_id`` (if they registered) stands in,
  and their e-mail when Zoom shows it. Time in the waiting room
  (``status: in_waiting_room``) is not attendance and makes no row.
* The participants CSV from the web portal, with or without the meeting block
  (``Meeting ID,Topic,Start Time,...``, a blank line, then the participants), whose
  times (``12/04/2026 09:01:12 AM``) are in the downloader's time zone. The export
  with "Show unique users" ticked has a total duration but no join and leave
  times, so it cannot be clipped to a session and is refused with a way out.
"""

from __future__ import annotations

import re
from datetime import UTC, date, tzinfo
from typing import Any

from plugins.attendance.rows import AttendanceRow
from plugins.attendance.sources.reading import (
    Clock,
    Problems,
    cell,
    decode,
    email_of,
    find_table,
    load_json,
    looks_like_json,
    parse_iso,
    read_time,
    rows_of,
    settle_order,
)

SOURCE = "zoom"

NAME = ("Name (Original Name)", "Name")
JOIN, LEAVE = "Join Time", "Leave Time"
#: Columns that make a CSV a Zoom participants table (see ``detect``).
CSV_HEADER = ("Name (Original Name)", JOIN, LEAVE)
UNIQUE_USERS_HEADER = ("Name (Original Name)", "Total Duration (Minutes)")


def parse(
    data: bytes,
    *,
    filename: str = "",
    tz: tzinfo = UTC,
    day: date | None = None,
    dayfirst: bool | None = None,
) -> list[AttendanceRow]:
    """The rows of a Zoom participants report, JSON or CSV."""
    text = decode(data)
    if looks_like_json(text):
        return parse_json(load_json(data, filename), file=filename)
    return parse_csv(text, file=filename, clock=Clock(tz, day, dayfirst))


def parse_json(
    report: Any, *, file: str = "", require_complete: bool = True
) -> list[AttendanceRow]:
    """The rows of one decoded page or a list of pages of the Reports API.

    ``require_complete``: refuse pages whose last one says more follow (a
    ``next_page_token``), so that a truncated download is not imported as if it
    were the whole meeting. A connector reading page by page passes ``False``.
    """
    problems = Problems(file)
    pages = report if isinstance(report, list) else [report]
    rows: list[AttendanceRow] = []
    for number, page in enumerate(pages):
        where = f"$[{number}]" if isinstance(report, list) else "$"
        if not isinstance(page, dict) or not isinstance(page.get("participants"), list):
            problems.add(where, "not a page of the Zoom participants report (no participants list)")
            continue
        for index, entry in enumerate(page["participants"]):
            row = _api_row(
                entry,
                f"{where}.participants[{index}]",
                problems,
                origin=f"page {number + 1}, participant {index + 1}",
            )
            if row is not None:
                rows.append(row)
    last = pages[-1] if pages else None
    if require_complete and isinstance(last, dict) and last.get("next_page_token"):
        problems.add(
            f"{'$[-1]' if isinstance(report, list) else '$'}.next_page_token",
            "more pages follow this one; fetch every page (until "
            "next_page_token is empty) and import them together",
        )
    problems.check()
    return rows


def _api_row(entry: Any, where: str, problems: Problems, *, origin: str) -> AttendanceRow | None:
    if not isinstance(entry, dict):
        problems.add(where, "a participant must be an object")
        return None
    if entry.get("status") == "in_waiting_room":
        return None
    times = []
    for key in ("join_time", "leave_time"):
        value = entry.get(key)
        if not isinstance(value, str) or not value:
            problems.add(f"{where}.{key}", "missing")
            continue
        try:
            times.append(parse_iso(value))
        except ValueError as error:
            problems.add(f"{where}.{key}", str(error))
    if len(times) != 2:
        return None
    join, leave = times
    if leave < join:
        problems.add(f"{where}.leave_time", "is before join_time")
        return None
    return AttendanceRow(
        source=SOURCE,
        session_key="",
        raw_name=str(entry.get("name") or entry.get("user_name") or ""),
        email=email_of(entry.get("user_email")),
        external_id=str(entry.get("id") or entry.get("registrant_id") or "") or None,
        join=join,
        leave=leave,
        origin=origin,
    )


def parse_csv(text: str, *, file: str = "", clock: Clock | None = None) -> list[AttendanceRow]:
    """The rows of the participants CSV, in either layout."""
    clock = clock or Clock()
    problems = Problems(file)
    table_rows = rows_of(text, ",", file=file)
    table = find_table(table_rows, CSV_HEADER)
    if table is None:
        if find_table(table_rows, UNIQUE_USERS_HEADER) is not None:
            problems.add(
                "",
                'this Zoom export has total durations only ("Show unique '
                'users" was ticked); export the participants again without it',
            )
        else:
            problems.add(
                "",
                "no Zoom participants table (a header with "
                '"Name (Original Name)", "Join Time" and "Leave Time")',
            )
        problems.check()
    assert table is not None
    session_key = _meeting_id(table_rows)
    name, email = table.column(*NAME), table.column("User Email", "Email")
    join_at, leave_at = table.column(JOIN), table.column(LEAVE)
    waiting = table.column("In Waiting Room")
    settle_order(
        clock,
        [cell(row, i) for _, row in table.rows for i in (join_at, leave_at)],
        f"line {table.header_line}",
        problems,
    )
    rows: list[AttendanceRow] = []
    for line, row in table.rows:
        if cell(row, waiting).lower() in ("yes", "y", "true"):
            continue
        join = read_time(clock, cell(row, join_at), f"line {line}, {JOIN}", problems)
        leave = read_time(clock, cell(row, leave_at), f"line {line}, {LEAVE}", problems)
        if join is None or leave is None:
            continue
        if leave < join:
            problems.add(f"line {line}, {LEAVE}", "is before the join time")
            continue
        rows.append(
            AttendanceRow(
                source=SOURCE,
                session_key=session_key,
                raw_name=cell(row, name),
                email=email_of(cell(row, email)),
                external_id=None,
                join=join,
                leave=leave,
                origin=f"line {line}",
            )
        )
    problems.check()
    return rows


def _meeting_id(table_rows: list[tuple[int, list[str]]]) -> str:
    """The meeting id of the summary block above the participants, digits only."""
    summary = find_table(table_rows, ("Meeting ID", "Topic"))
    if summary is None or not summary.rows:
        return ""
    return re.sub(r"\D", "", cell(summary.rows[0][1], summary.column("Meeting ID")))
