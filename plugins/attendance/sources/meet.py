"""Google Meet: the attendance report (a CSV or the Google Sheet downloaded as CSV).

Columns: ``First name``, ``Last name`` (or one ``Name``), ``Email``,
``Duration``, ``Time joined``, ``Time exited``. Meet gives one row per
participant: first join, last exit and the total time present, so a row whose
duration is shorter than its span carries that duration
(:attr:`AttendanceRow.duration`) and merging counts only what is certain. The
times are often a time of day only (``10:02 AM``), in the organiser's time
zone: the session's date (``day``) completes them.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, tzinfo

from plugins.attendance.rows import AttendanceRow
from plugins.attendance.sources.reading import (
    Clock,
    Problems,
    cell,
    decode,
    email_of,
    find_table,
    parse_hms_duration,
    read_time,
    rows_of,
    settle_order,
)

SOURCE = "meet"

JOINED, EXITED = "Time joined", "Time exited"
#: Columns that make a CSV a Meet attendance report (see ``detect``).
HEADER = ("Email", JOINED, EXITED)


def parse(
    data: bytes,
    *,
    filename: str = "",
    tz: tzinfo = UTC,
    day: date | None = None,
    dayfirst: bool | None = None,
) -> list[AttendanceRow]:
    """The rows of a Google Meet attendance report."""
    clock = Clock(tz, day, dayfirst)
    problems = Problems(filename)
    table = find_table(rows_of(decode(data), file=filename), HEADER)
    if table is None:
        problems.add(
            "",
            'no Google Meet attendance table (a header with "Email", '
            '"Time joined" and "Time exited")',
        )
        problems.check()
    assert table is not None
    first, last = table.column("First name"), table.column("Last name")
    whole = table.column("Name", "Full name")
    email, length = table.column("Email"), table.column("Duration")
    joined, exited = table.column(JOINED), table.column(EXITED)
    settle_order(
        clock,
        [cell(row, i) for _, row in table.rows for i in (joined, exited)],
        f"line {table.header_line}",
        problems,
    )
    rows = []
    for line, row in table.rows:
        name = cell(row, whole) or " ".join(
            part for part in (cell(row, first), cell(row, last)) if part
        )
        join = read_time(clock, cell(row, joined), f"line {line}, {JOINED}", problems)
        leave: datetime | None = None
        if join is not None:
            leave = read_time(
                clock, cell(row, exited), f"line {line}, {EXITED}", problems, after=join
            )
        if join is None or leave is None:
            continue
        if leave < join:
            problems.add(f"line {line}, {EXITED}", f"is before the {JOINED}")
            continue
        present = _duration(cell(row, length), f"line {line}, Duration", problems)
        rows.append(
            AttendanceRow(
                source=SOURCE,
                session_key="",
                raw_name=name,
                email=email_of(cell(row, email)),
                external_id=None,
                join=join,
                leave=leave,
                origin=f"line {line}",
                duration=present if present is not None and present < leave - join else None,
            )
        )
    problems.check()
    return rows


def _duration(value: str, where: str, problems: Problems) -> timedelta | None:
    if not value:
        return None
    try:
        return parse_hms_duration(value)
    except ValueError as error:
        problems.add(where, str(error))
        return None
