"""What every attendance parser needs: decoding, tables, times, and errors that say where.

Platforms write their reports in their own encodings (Teams: UTF-16 with tabs in
a ``.csv``), with local times that carry no offset and dates whose day/month
order depends on the downloader's locale. Reading them the same way everywhere
keeps the parsers to what differs: which columns mean what.
"""

from __future__ import annotations

import csv
import io
import json
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from typing import Any

#: Problems listed in a :class:`SourceError`'s message; the rest are counted.
SHOWN_PROBLEMS = 10


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a file: where (``line 12, Join Time``, ``$.participants[3]``) and what."""

    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


class SourceError(ValueError):
    """A file that is not the attendance report it claims to be, or has rows that
    cannot be read. It lists every problem found, so the file can be fixed at once;
    no rows of a file with problems are returned (never a partial import)."""

    def __init__(self, file: str, problems: Iterable[Problem] | str) -> None:
        self.file = file
        self.problems = [Problem("", problems)] if isinstance(problems, str) else list(problems)
        shown = "; ".join(str(p) for p in self.problems[:SHOWN_PROBLEMS])
        more = len(self.problems) - SHOWN_PROBLEMS
        if more > 0:
            shown += f"; and {more} more"
        super().__init__(f"{file}: {shown}" if file else shown)


class Problems:
    """Collects the problems of one file while it is read; :meth:`check` raises them."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.found: list[Problem] = []

    def add(self, where: str, message: str) -> None:
        self.found.append(Problem(where, message))

    def check(self) -> None:
        if self.found:
            raise SourceError(self.file, self.found)


# -- bytes to text -------------------------------------------------------------------


def decode(data: bytes) -> str:
    """The text of a downloaded report: UTF-16 (Teams, with or without its byte order
    mark), UTF-8 with or without a mark, else Windows-1252 (what Excel saves)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    head = data[:200]
    if len(head) >= 4 and head[1::2].count(0) > len(head) // 4:
        return data.decode("utf-16-le", errors="replace")
    if len(head) >= 4 and head[0::2].count(0) > len(head) // 4:
        return data.decode("utf-16-be", errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def load_json(data: bytes, file: str) -> Any:
    """Parsed JSON, or a :class:`SourceError` naming the line and column where it breaks.

    Past a syntax error, ``json`` raises a plain ``ValueError`` for one thing only: a
    number longer than ``int`` reads (4,300 digits), which no report has.
    """
    try:
        return json.loads(decode(data))
    except json.JSONDecodeError as error:
        raise SourceError(
            file,
            [Problem(f"line {error.lineno}, column {error.colno}", f"not valid JSON: {error.msg}")],
        ) from None
    except ValueError:
        raise SourceError(
            file, f"not valid JSON: a number has more than {sys.get_int_max_str_digits()} digits"
        ) from None


def looks_like_json(text: str) -> bool:
    return text.lstrip().startswith(("{", "["))


# -- tables ------------------------------------------------------------------------


def delimiter_of(text: str) -> str:
    """The field separator of a table: tab (Teams), semicolon (European Excel) or comma."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    counts = {sep: first.count(sep) for sep in ("\t", ";", ",")}
    best = max(counts, key=lambda sep: counts[sep])
    return best if counts[best] else ","


def rows_of(
    text: str, delimiter: str | None = None, *, file: str = ""
) -> list[tuple[int, list[str]]]:
    """Every row with the line it starts on (1-based), cells stripped of spaces."""
    reader = csv.reader(
        io.StringIO(text.lstrip("\ufeff")), delimiter=delimiter or delimiter_of(text)
    )
    rows = []
    line = 1
    try:
        for cells in reader:
            rows.append((line, [cell.strip() for cell in cells]))
            line = reader.line_num + 1
    except csv.Error as error:
        raise SourceError(
            file, [Problem(f"line {line}", f"not readable as CSV: {error}")]
        ) from None
    return rows


def header_key(name: str) -> str:
    """A column name compared without case, spacing or a trailing time zone note
    (Teams writes ``First Join (UTC)`` in some versions)."""
    name = re.sub(r"\s+", " ", name.replace("\ufeff", "")).strip().lower()
    return re.sub(r" \((utc|gmt)\)$", "", name)


@dataclass
class Table:
    """A header row and the rows under it (up to a blank row or the end)."""

    header: list[str]
    header_line: int
    rows: list[tuple[int, list[str]]] = field(default_factory=list)

    def in_utc(self, index: int) -> bool:
        """Whether the header of column ``index`` says its times are UTC (``First Join (UTC)``)."""
        return bool(re.search(r"\((utc|gmt)\)\s*$", self.header[index], re.IGNORECASE))

    def column(self, *names: str) -> int | None:
        """The index of the first of ``names`` the header has, or ``None``."""
        keys = [header_key(h) for h in self.header]
        for name in names:
            if header_key(name) in keys:
                return keys.index(header_key(name))
        return None


def find_tables(rows: list[tuple[int, list[str]]], required: Iterable[str]) -> list[Table]:
    """Every table whose header has all ``required`` columns; its rows run to the
    next blank row. How sections are found whatever their (translated) title."""
    wanted = {header_key(name) for name in required}
    tables = []
    for index, (line, cells) in enumerate(rows):
        if wanted <= {header_key(c) for c in cells}:
            table = Table(cells, line)
            for row_line, row in rows[index + 1 :]:
                if not any(row):
                    break
                table.rows.append((row_line, row))
            tables.append(table)
    return tables


def find_table(rows: list[tuple[int, list[str]]], required: Iterable[str]) -> Table | None:
    """The first of :func:`find_tables`, or ``None``."""
    return next(iter(find_tables(rows, required)), None)


def cell(row: list[str], index: int | None) -> str:
    return row[index].strip() if index is not None and index < len(row) else ""


def email_of(text: str | None) -> str | None:
    """An e-mail address lowercased, or ``None`` when there is none."""
    text = (text or "").strip().lower()
    return text if "@" in text else None


# -- times -------------------------------------------------------------------------

_ISO = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?"
    r"\s*(Z|[+-]\d{2}:?\d{2})?$"
)
_DATED = re.compile(
    r"^(\d{1,2})([/.])(\d{1,2})[/.](\d{4}|\d{2}),?\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp]\.?[Mm]\.?)?$"
)
_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp]\.?[Mm]\.?)?$")


def _clean(text: str) -> str:
    return re.sub(r"[\u00a0\u202f\u2009]", " ", text).strip()


def _hour(hour: int, meridiem: str | None) -> int:
    if not meridiem:
        return hour
    if not 1 <= hour <= 12:
        raise ValueError("hour out of range for AM/PM")
    pm = meridiem.lower().startswith("p")
    return (hour % 12) + (12 if pm else 0)


def iso_span(record: dict[str, Any], join_key: str, leave_key: str, where: str,
             problems: Problems) -> tuple[datetime, datetime] | None:
    """The ``(join, leave)`` an API record gives as two ISO 8601 fields, or ``None``
    with each problem (missing, unreadable, leaving before joining) added at its path."""
    times = []
    for key in (join_key, leave_key):
        value = record.get(key)
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
        problems.add(f"{where}.{leave_key}", f"is before {join_key}")
        return None
    return times[0], times[1]


def parse_iso(text: str) -> datetime:
    """An ISO 8601 timestamp as the APIs write it (``2026-12-04T09:01:12Z``, Graph's
    seven fractional digits included); UTC when it has no offset."""
    naive, offset = _iso_parts(text)
    return naive.replace(tzinfo=offset or UTC).astimezone(UTC)


def _iso_parts(text: str) -> tuple[datetime, tzinfo | None]:
    """The date and time written, and its offset if it has one."""
    match = _ISO.match(_clean(text))
    if not match:
        raise ValueError(f"{text!r} is not an ISO 8601 date and time")
    y, mo, d, h, mi, s, frac, offset = match.groups()
    micro = int((frac or "0")[:6].ljust(6, "0"))
    zone: tzinfo | None = None
    if offset == "Z":
        zone = UTC
    elif offset:
        sign = -1 if offset[0] == "-" else 1
        digits = offset[1:].replace(":", "")
        zone = timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))
    try:
        return datetime(int(y), int(mo), int(d), int(h), int(mi), int(s or 0), micro), zone
    except ValueError as error:
        raise ValueError(f"{text!r} is not a date and time ({error})") from None


class Clock:
    """Reads the local times of a downloaded report.

    ``tz`` is the time zone the report's times are written in (they carry no
    offset); ``day`` is the session's local date, needed for reports that give a
    time of day only (Google Meet) and used to tell day/month order apart;
    ``dayfirst`` forces that order. Without them, a date like ``4/12/26`` is read
    month first when the times are on a 12-hour clock (the en-US exports of Zoom
    and Teams), and a 24-hour file whose dates read both ways is refused rather
    than guessed.
    """

    def __init__(
        self, tz: tzinfo = UTC, day: date | None = None, dayfirst: bool | None = None
    ) -> None:
        self.tz = tz
        self.day = day
        self.dayfirst = dayfirst

    def settle_order(self, values: list[str]) -> str | None:
        """Decide the day/month order from all of a file's dates at once; a message
        saying why it cannot be decided, or ``None``."""
        if self.dayfirst is not None:
            return None
        month_first = day_first = True
        twelve_hour = False
        seen = False
        for value in values:
            match = _DATED.match(_clean(value))
            if not match or match.group(2) == ".":
                continue
            seen = True
            a, b = int(match.group(1)), int(match.group(3))
            twelve_hour = twelve_hour or bool(match.group(8))
            month_first = month_first and a <= 12
            day_first = day_first and b <= 12
        if not seen:
            return None
        if month_first and not day_first:
            self.dayfirst = False
        elif day_first and not month_first:
            self.dayfirst = True
        elif not month_first and not day_first:
            return "dates that are neither day/month nor month/day"
        elif self.day is not None and self._day_decides(values) is not None:
            self.dayfirst = self._day_decides(values)
        elif twelve_hour:
            self.dayfirst = False
        else:
            return (
                "dates that read both as day/month and as month/day; give the "
                "session's date or the date order"
            )
        return None

    def _same_day(self, match: re.Match[str], *, dayfirst: bool) -> bool:
        a, b, year = int(match.group(1)), int(match.group(3)), self._year(match.group(4))
        day, month = (a, b) if dayfirst else (b, a)
        try:
            return date(year, month, day) == self.day
        except ValueError:
            return False

    def _day_decides(self, values: list[str]) -> bool | None:
        """Whether the session's date says day first (``True``), month first
        (``False``), or nothing (no date reads as it one way only)."""
        for value in values:
            match = _DATED.match(_clean(value))
            if not match or match.group(2) == ".":
                continue
            day_first = self._same_day(match, dayfirst=True)
            month_first = self._same_day(match, dayfirst=False)
            if day_first != month_first:
                return day_first
        return None

    def in_utc(self) -> Clock:
        """The same clock for times written in UTC."""
        return Clock(UTC, self.day, self.dayfirst)

    @staticmethod
    def _year(text: str) -> int:
        return int(text) + (2000 if len(text) == 2 else 0)

    def read(self, text: str, *, after: datetime | None = None) -> datetime:
        """A report's local time as an aware UTC datetime.

        ``after``: for a time of day only, the moment it follows (a leave time
        written without its date belongs to the join's day, or the next).
        """
        value = _clean(text)
        if _ISO.match(value):
            naive, offset = _iso_parts(value)
            return naive.replace(tzinfo=offset).astimezone(UTC) if offset else self._local(naive)
        match = _DATED.match(value)
        if match:
            a, sep, b, year, h, mi, s, meridiem = match.groups()
            dayfirst = True if sep == "." else bool(self.dayfirst)
            day, month = (int(a), int(b)) if dayfirst else (int(b), int(a))
            try:
                naive = datetime(
                    self._year(year), month, day, _hour(int(h), meridiem), int(mi), int(s or 0)
                )
            except ValueError as error:
                raise ValueError(f"{text!r} is not a date and time ({error})") from None
            return self._local(naive)
        match = _CLOCK.match(value)
        if match:
            h, mi, s, meridiem = match.groups()
            try:
                clock = time(_hour(int(h), meridiem), int(mi), int(s or 0))
            except ValueError as error:
                raise ValueError(f"{text!r} is not a time of day ({error})") from None
            if after is not None:
                local_after = after.astimezone(self.tz)
                moment = self._local(datetime.combine(local_after.date(), clock))
                return (
                    moment
                    if moment >= after
                    else self._local(
                        datetime.combine(local_after.date() + timedelta(days=1), clock)
                    )
                )
            if self.day is None:
                raise ValueError(f"{text!r} has no date; give the session's date")
            return self._local(datetime.combine(self.day, clock))
        raise ValueError(f"{text!r} is not a date and time")

    def _local(self, naive: datetime) -> datetime:
        return naive.replace(tzinfo=self.tz).astimezone(UTC)


def parse_hms_duration(text: str) -> timedelta:
    """A duration as reports write it: ``1h 5m 3s``, ``1 hr 2 min``, ``58 min``,
    ``42m``, ``1:02:03``, ``62:10`` (minutes:seconds) or a number of minutes."""
    value = _clean(text).lower()
    if re.fullmatch(r"\d+(\.\d+)?", value):
        return timedelta(minutes=float(value))
    clock = re.fullmatch(r"(\d+):(\d{2})(?::(\d{2}))?", value)
    if clock:
        a, b, c = clock.groups()
        if c is None:
            return timedelta(minutes=int(a), seconds=int(b))
        return timedelta(hours=int(a), minutes=int(b), seconds=int(c))
    units = {
        "h": 3600,
        "hr": 3600,
        "hrs": 3600,
        "hour": 3600,
        "hours": 3600,
        "m": 60,
        "min": 60,
        "mins": 60,
        "minute": 60,
        "minutes": 60,
        "s": 1,
        "sec": 1,
        "secs": 1,
        "second": 1,
        "seconds": 1,
    }
    parts = re.findall(r"(\d+(?:\.\d+)?)\s*([a-z]+)", value)
    rest = re.sub(r"(\d+(?:\.\d+)?)\s*([a-z]+)", "", value).strip(" ,")
    if not parts or rest or any(unit not in units for _, unit in parts):
        raise ValueError(f"{text!r} is not a duration")
    return timedelta(seconds=sum(float(n) * units[unit] for n, unit in parts))


def read_time(
    clock: Clock, value: str, where: str, problems: Problems, *, after: datetime | None = None
) -> datetime | None:
    """``value`` read by ``clock``, or ``None`` with the problem recorded at ``where``."""
    if not value:
        problems.add(where, "missing")
        return None
    try:
        return clock.read(value, after=after)
    except ValueError as error:
        problems.add(where, str(error))
        return None


def text_span(clock: Clock, join_text: str, leave_text: str, line: int, join_name: str,
              leave_name: str, problems: Problems) -> tuple[datetime, datetime] | None:
    """The ``(join, leave)`` of a report's line from its two time cells, or ``None``
    with each problem added under the line and column name."""
    join = read_time(clock, join_text, f"line {line}, {join_name}", problems)
    if join is None:
        return None
    leave = read_time(clock, leave_text, f"line {line}, {leave_name}", problems, after=join)
    if leave is None:
        return None
    if leave < join:
        problems.add(f"line {line}, {leave_name}", f"is before the {join_name}")
        return None
    return join, leave


def settle_order(clock: Clock, values: Iterable[str], where: str, problems: Problems) -> None:
    """Decide the day/month order of a file's dates, or stop with why it cannot be."""
    undecided = clock.settle_order([v for v in values if v])
    if undecided:
        problems.add(where, f"the times have {undecided}")
        problems.check()
