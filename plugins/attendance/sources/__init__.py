"""Parsers of attendance reports, one module per platform, each yielding
:class:`plugins.attendance.rows.AttendanceRow`.

:data:`SOURCES` names them; :func:`detect` tells which one a file is for by what
is in it (JSON keys, column headers), never by its name or its translated
section titles; :func:`parse` does both. Every parser takes the same keywords:
``filename`` (for messages), ``tz`` (the time zone of times written without an
offset, UTC by default), ``day`` (the session's local date, for times of day
only and to tell ``4/12`` apart) and ``dayfirst`` (force the date order); the
sheet parser also takes a ``mapping``. Problems raise :class:`SourceError`,
listing each with its line or JSON path; no rows of a file with problems are
returned.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, tzinfo
from typing import Any

from plugins.attendance.rows import AttendanceRow
from plugins.attendance.sources import meet, sheet, teams, webex, zoom
from plugins.attendance.sources.reading import (
    SourceError,
    decode,
    find_table,
    load_json,
    looks_like_json,
    rows_of,
)
from plugins.attendance.sources.sheet import SheetMapping

__all__ = ["SOURCES", "SheetMapping", "SourceError", "detect", "parse"]

Parser = Callable[..., list[AttendanceRow]]

#: Every source by the name rows carry in :attr:`AttendanceRow.source`.
SOURCES: dict[str, Parser] = {
    zoom.SOURCE: zoom.parse,
    teams.SOURCE: teams.parse,
    meet.SOURCE: meet.parse,
    webex.SOURCE: webex.parse,
    sheet.SOURCE: sheet.parse,
}


def detect(data: bytes, filename: str = "") -> str:
    """The name of the source ``data`` comes from, recognised by its content.

    A sheet is recognised only by the usual header names (:data:`sheet.ALIASES`);
    any other table needs its source named and a column mapping given.
    """
    text = decode(data)
    if looks_like_json(text):
        return _detect_json(load_json(data, filename), filename)
    table_rows = rows_of(text, "\t" if "\t" in text else None, file=filename)
    people, stays = teams.tables_of(table_rows)
    # Teams writes tabs; a comma table with these columns is more likely a sheet,
    # unless it has Teams' own "First Join".
    if (people or stays) and ("\t" in text or (people and people.column("First Join"))):
        return teams.SOURCE
    if find_table(table_rows, zoom.CSV_HEADER) or find_table(table_rows, zoom.UNIQUE_USERS_HEADER):
        return zoom.SOURCE
    if find_table(table_rows, meet.HEADER):
        return meet.SOURCE
    filled = [(line, row) for line, row in table_rows if any(row)]
    if sheet.find_header(filled) is not None:
        return sheet.SOURCE
    header = filled[0][1] if filled else []
    shown = ", ".join(repr(name) for name in header[:8]) or "nothing"
    raise SourceError(
        filename,
        f"not an attendance report Weft recognises (its first row has {shown}); "
        "for a sign-in sheet, name the source 'sheet' and give a column mapping",
    )


def _detect_json(document: Any, filename: str) -> str:
    first = document[0] if isinstance(document, list) and document else document
    if isinstance(first, dict):
        if "participants" in first:
            return zoom.SOURCE
        if "attendanceRecords" in first or "attendanceIntervals" in _first_item(first):
            return teams.SOURCE
        if "items" in first:
            return webex.SOURCE
    raise SourceError(
        filename,
        "JSON that is not an attendance report Weft recognises (a Zoom participants "
        "report, a Graph attendance report or a Webex meeting participants list)",
    )


def _first_item(document: dict[str, Any]) -> dict[str, Any]:
    value = document.get("value")
    return value[0] if isinstance(value, list) and value and isinstance(value[0], dict) else {}


def parse(
    data: bytes,
    *,
    filename: str = "",
    source: str | None = None,
    tz: tzinfo = UTC,
    day: date | None = None,
    dayfirst: bool | None = None,
    mapping: SheetMapping | None = None,
) -> tuple[str, list[AttendanceRow]]:
    """The source (``source``, or :func:`detect`'s answer) and the rows of ``data``."""
    name = source or detect(data, filename)
    if name not in SOURCES:
        raise SourceError(filename, f"unknown source {name!r} (known: {', '.join(SOURCES)})")
    options: dict[str, Any] = {"filename": filename, "tz": tz, "day": day, "dayfirst": dayfirst}
    if name == sheet.SOURCE:
        options["mapping"] = mapping
    elif mapping is not None:
        raise SourceError(filename, f"a column mapping is for sign-in sheets, not {name}")
    return name, SOURCES[name](data, **options)
