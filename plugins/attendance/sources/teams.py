"""Microsoft Teams: the Graph attendance report JSON and the downloaded attendance file.

* Graph ``meetingAttendanceReport`` (``GET .../attendanceReports/{id}?$expand=
  attendanceRecords``), a page of ``attendanceRecords`` (``{"value": [...]}``) or
  a JSON list of either: each record (``emailAddress``, ``identity {id,
  displayName}``, ``role``, ``totalAttendanceInSeconds``) has
  ``attendanceIntervals`` (``joinDateTime``, ``leaveDateTime``, UTC), one row each.
  Graph sets the times of an interval it lacks data for to ``null``: such an
  interval says nothing and makes no row.
* The file Teams downloads: UTF-16 with tabs despite its ``.csv`` name, in
  sections whose titles ("1. Summary", "2. Participants", "3. In-Meeting
  Activities") are translated, so the tables are found by their column headers.
  The participants table (``Name``, ``First Join``, ``Last Leave``, ``In-Meeting
  Duration``, ``Email``, ``Participant ID (UPN)``, ``Role``) says who; the
  activities table (``Name``, ``Join Time``, ``Leave Time``, ...) gives each
  stay. Someone without activity rows counts from first join to last leave.
  Times (``12/4/26, 9:01:12 AM``) are in the downloader's time zone.

Participants who opted out of the attendance report are not in it, so they
never become rows: for Weft they are unknown, never absent.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, tzinfo
from typing import Any

from plugins.attendance.rows import AttendanceRow
from plugins.attendance.sources.reading import (
    Clock,
    Problems,
    Table,
    cell,
    decode,
    email_of,
    find_tables,
    load_json,
    looks_like_json,
    parse_iso,
    read_time,
    rows_of,
    settle_order,
)

SOURCE = "teams"

#: A participants or activities table has a name, one of ``JOINS`` and one of ``LEAVES``.
JOINS = ("First Join", "Join Time")
LEAVES = ("Last Leave", "Leave Time")
#: Notes Teams appends to a display name; not part of the name.
_MARKERS = re.compile(r"(\s*\((External|Unverified|Guest)\))+\s*$", re.IGNORECASE)


def parse(
    data: bytes,
    *,
    filename: str = "",
    tz: tzinfo = UTC,
    day: date | None = None,
    dayfirst: bool | None = None,
) -> list[AttendanceRow]:
    """The rows of a Teams attendance report: Graph JSON or the downloaded file."""
    text = decode(data)
    if looks_like_json(text):
        return parse_graph(load_json(data, filename), file=filename)
    return parse_file(text, file=filename, clock=Clock(tz, day, dayfirst))


# -- Graph -------------------------------------------------------------------------


def parse_graph(
    report: Any, *, file: str = "", require_complete: bool = True
) -> list[AttendanceRow]:
    """The rows of decoded Graph JSON: a report with its records, a page of
    records, or a list of those. ``require_complete``: refuse a page whose
    ``@odata.nextLink`` says more records follow."""
    problems = Problems(file)
    rows: list[AttendanceRow] = []
    documents = report if isinstance(report, list) else [report]
    for number, document in enumerate(documents):
        where = f"$[{number}]" if isinstance(report, list) else "$"
        if not isinstance(document, dict):
            problems.add(where, "not a Graph attendance report or a page of attendance records")
            continue
        if require_complete and document.get("@odata.nextLink"):
            problems.add(
                f"{where}['@odata.nextLink']",
                "more attendance records follow; fetch every page and import them together",
            )
        if isinstance(document.get("attendanceRecords"), list):
            _records(
                document["attendanceRecords"],
                f"{where}.attendanceRecords",
                str(document.get("id") or ""),
                problems,
                rows,
            )
        elif isinstance(document.get("value"), list):
            _records(document["value"], f"{where}.value", "", problems, rows)
        else:
            problems.add(
                where,
                "no attendanceRecords (request the report with "
                "$expand=attendanceRecords) and no value list",
            )
    problems.check()
    return rows


def _records(
    records: list[Any], where: str, session_key: str, problems: Problems, rows: list[AttendanceRow]
) -> None:
    for index, record in enumerate(records):
        at = f"{where}[{index}]"
        if not isinstance(record, dict) or not isinstance(record.get("attendanceIntervals"), list):
            problems.add(at, "an attendance record needs an attendanceIntervals list")
            continue
        identity = record.get("identity") if isinstance(record.get("identity"), dict) else {}
        for number, interval in enumerate(record["attendanceIntervals"]):
            spot = f"{at}.attendanceIntervals[{number}]"
            if not isinstance(interval, dict):
                problems.add(spot, "an attendance interval must be an object")
                continue
            if interval.get("joinDateTime") is None or interval.get("leaveDateTime") is None:
                continue  # Graph's way of saying it lacks the data: no information.
            try:
                join = parse_iso(str(interval["joinDateTime"]))
                leave = parse_iso(str(interval["leaveDateTime"]))
            except ValueError as error:
                problems.add(spot, str(error))
                continue
            if leave < join:
                problems.add(f"{spot}.leaveDateTime", "is before joinDateTime")
                continue
            rows.append(
                AttendanceRow(
                    source=SOURCE,
                    session_key=session_key,
                    raw_name=_name(str(identity.get("displayName") or "")),
                    email=email_of(record.get("emailAddress")),
                    external_id=str(identity.get("id") or "") or None,
                    join=join,
                    leave=leave,
                    origin=f"record {index + 1}, interval {number + 1}",
                )
            )


# -- the downloaded file -------------------------------------------------------------


def parse_file(text: str, *, file: str = "", clock: Clock | None = None) -> list[AttendanceRow]:
    """The rows of the attendance file Teams downloads (already decoded)."""
    clock = clock or Clock()
    problems = Problems(file)
    people, stays = tables_of(rows_of(text, "\t" if "\t" in text else None, file=file))
    if people is None and stays is None:
        problems.add(
            "", 'no Teams participants table (a header with "Name", "First Join" and "Last Leave")'
        )
        problems.check()
    tables = [table for table in (people, stays) if table is not None]
    times = [cell(row, i) for table in tables for _, row in table.rows for i in _times(table)]
    settle_order(clock, times, f"line {tables[0].header_line}", problems)
    rows = []
    with_stays: set[tuple[str, str | None]] = set()
    if stays is not None:
        for row in _table_rows(stays, clock, problems, _upns(people)):
            with_stays.add((row.raw_name, row.email))
            rows.append(row)
    if people is not None:
        for row in _table_rows(people, clock, problems, {}):
            if (row.raw_name, row.email) not in with_stays:
                rows.append(row)
    problems.check()
    return rows


def tables_of(table_rows: list[tuple[int, list[str]]]) -> tuple[Table | None, Table | None]:
    """The participants table and the activities table, found by their columns:
    a name, a join and a leave time each. The participants table is the one with
    ``First Join`` (or a UPN or in-meeting duration column), else the first."""
    tables = [
        table
        for table in find_tables(table_rows, ("Name",))
        if all(table.column(*names) is not None for names in (JOINS, LEAVES))
    ]
    people = next(
        (
            table
            for table in tables
            if table.column("First Join", "Participant ID (UPN)", "In-Meeting Duration") is not None
        ),
        tables[0] if len(tables) > 1 else None,
    )
    stays = next((table for table in tables if table is not people), None)
    return people, stays


def _times(table: Table) -> tuple[int, int]:
    join, leave = table.column(*JOINS), table.column(*LEAVES)
    assert join is not None and leave is not None
    return join, leave


def _upns(people: Table | None) -> dict[tuple[str, str | None], str]:
    """Each participant's Participant ID (UPN), by name and e-mail: the activities
    table does not repeat it."""
    if people is None:
        return {}
    name, email = people.column("Name"), people.column("Email")
    upn = people.column("Participant ID (UPN)")
    return {
        (_name(cell(row, name)), email_of(cell(row, email))): cell(row, upn)
        for _, row in people.rows
        if cell(row, upn)
    }


def _table_rows(
    table: Table, clock: Clock, problems: Problems, upns: dict[tuple[str, str | None], str]
) -> list[AttendanceRow]:
    name, email = table.column("Name"), table.column("Email")
    upn = table.column("Participant ID (UPN)")
    join_at, leave_at = _times(table)
    joined, left = table.header[join_at], table.header[leave_at]
    if table.in_utc(join_at):
        clock = clock.in_utc()
    rows = []
    for line, row in table.rows:
        raw_name, address = _name(cell(row, name)), email_of(cell(row, email))
        join = read_time(clock, cell(row, join_at), f"line {line}, {joined}", problems)
        leave: datetime | None = None
        if join is not None:
            leave = read_time(
                clock, cell(row, leave_at), f"line {line}, {left}", problems, after=join
            )
        if join is None or leave is None:
            continue
        if leave < join:
            problems.add(f"line {line}, {left}", f"is before the {joined}")
            continue
        rows.append(
            AttendanceRow(
                source=SOURCE,
                session_key="",
                raw_name=raw_name,
                email=address,
                external_id=cell(row, upn) or upns.get((raw_name, address)) or None,
                join=join,
                leave=leave,
                origin=f"line {line}",
            )
        )
    return rows


def _name(text: str) -> str:
    return _MARKERS.sub("", text).strip()
