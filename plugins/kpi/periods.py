"""The periods a KPI is evaluated over: ISO weeks, calendar months and quarters (UTC), or a
program's own window (fixed start and end dates).

A period is half-open, ``[start, end)``: a statement at midnight on the first
day of the next week belongs to the next week.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from lrs.plugin.assignments import EARLIEST, LATEST

CADENCES = ("week", "month", "quarter")


@dataclass(frozen=True)
class Period:
    label: str
    start: date
    end: date

    @property
    def start_us(self) -> int:
        return _us(self.start)

    @property
    def end_us(self) -> int:
        return _us(self.end)

    def as_dict(self) -> dict[str, str]:
        return {"label": self.label, "start": self.start.isoformat(), "end": self.end.isoformat()}


def day_of(text: str) -> date:
    """The day ``text`` names (``YYYY-MM-DD``), within the days the plugin API's reports
    take (``EARLIEST`` to ``LATEST``, 1900 to 2999): the periods counted back from it
    (520 quarters at most) and the one holding it stay dates Python can hold (a week
    before 0001-01-01 was a server error).

    :raises ValueError: what is wrong with ``text``, for the caller to report.
    """
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a date (YYYY-MM-DD)") from None
    if not EARLIEST <= day <= LATEST:
        raise ValueError(f"{text!r} is not a day from {EARLIEST} to {LATEST}")
    return day


def _us(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp()) * 1_000_000


def _month_start(day: date, months_back: int = 0) -> date:
    index = day.year * 12 + day.month - 1 - months_back
    return date(index // 12, index % 12 + 1, 1)


def containing(period: str | dict[str, Any], day: date) -> Period:
    """The period of kind ``period`` that holds ``day`` (a window is itself)."""
    if isinstance(period, dict):
        start, end = date.fromisoformat(period["start"]), date.fromisoformat(period["end"])
        return Period(f"{start.isoformat()}..{end.isoformat()}", start, end)
    if period == "week":
        start = day - timedelta(days=day.weekday())
        year, week, _ = start.isocalendar()
        return Period(f"{year}-W{week:02d}", start, start + timedelta(days=7))
    if period == "month":
        start = _month_start(day)
        return Period(f"{start.year}-{start.month:02d}", start, _month_start(start, -1))
    start = _month_start(day, (day.month - 1) % 3)
    return Period(f"{start.year}-Q{(start.month - 1) // 3 + 1}", start, _month_start(start, -3))


def before(period: str | dict[str, Any], current: Period, count: int = 1) -> Period | None:
    """The period ``count`` periods before ``current``; ``None`` for a window (it has none)."""
    if isinstance(period, dict):
        return None
    for _ in range(count):
        current = containing(period, current.start - timedelta(days=1))
    return current


def recent(period: str | dict[str, Any], day: date, count: int) -> list[Period]:
    """The ``count`` periods up to the one holding ``day``, oldest first."""
    current = containing(period, day)
    periods = [current]
    while len(periods) < count and (earlier := before(period, periods[0])) is not None:
        periods.insert(0, earlier)
    return periods
