"""Assignments as plugins see them: who must complete what by when, and how they stand.

An assignment says "person or group X must complete activity or program Y by
date Z, and again every N months". Plugins read them through
:meth:`lrs.plugin.host.Host.assignments`, :meth:`~lrs.plugin.host.Host.assigned_people`
and :meth:`~lrs.plugin.host.Host.assignment_statuses` (which give
:class:`lrs.plugin.host.Assignee` and :class:`lrs.plugin.host.AssignmentStatus`,
beside the directory's ``Person``), and create them with
:meth:`~lrs.plugin.host.Host.create_assignment` (docs/assignments.md).

The calendar rules live here, on the value, so that every plugin counts cycles
the same way: cycle ``k`` is due ``k * N`` months after the first due date (a
day past the end of a shorter month is that month's last day, and the next
cycle is counted from the first due date again, so January 31 gives February 28
then March 31, never drifting to the 28th), and a completion counts for the
cycle whose window ``(previous due date, due date]`` holds it.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from typing import Any

#: Every status, from worst to best news.
STATUSES = ("overdue", "due_soon", "not_started", "in_progress", "compliant")
#: The days a due date or a report's day may be: calendar arithmetic stays within
#: what :class:`datetime.date` holds, however many cycles a recurrence counts.
EARLIEST, LATEST = date(1900, 1, 1), date(2999, 12, 31)
#: Days before a due date from which an unfinished assignment is "due soon", unless
#: the assignment sets its own window.
DEFAULT_DUE_SOON_DAYS = 14
#: The longest "due soon" window, an assignment's or a report's: a year.
MAX_DUE_SOON_DAYS = 366


def add_months(day: date, months: int) -> date:
    """``day`` moved by ``months`` calendar months, clamped to the end of a shorter month."""
    year, month = divmod(day.month - 1 + months, 12)
    year += day.year
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


@dataclass(frozen=True)
class Assignment:
    """One assignment of a store."""

    id: int
    #: ``"person"`` (``target`` is an employee id) or ``"group"`` (a people group's name).
    target_kind: str
    target: str
    #: The activity IRIs to complete; all of them when there are several (a program).
    activities: tuple[str, ...]
    #: The first due date.
    due: date
    #: The program's name, ``None`` for a single activity.
    program: str | None = None
    #: Due again every this many months; ``None`` for once.
    recurrence_months: int | None = None
    #: Own "due soon" window in days; ``None`` for the report's default.
    due_soon_days: int | None = None
    created_by: str = ""
    #: When it was created, ISO 8601 UTC.
    created: str = ""

    def due_date(self, cycle: int) -> date:
        """The due date of cycle ``cycle`` (0 is the first; -1 opens cycle 0's window)."""
        return add_months(self.due, cycle * (self.recurrence_months or 0))

    def cycle_on(self, day: date) -> int:
        """The cycle whose window holds ``day``: the first whose due date is ``day`` or later
        (0 for a one-off assignment, and for any day before its first due date)."""
        every = self.recurrence_months
        if not every or day <= self.due:
            return 0
        months = (day.year - self.due.year) * 12 + day.month - self.due.month
        cycle = max(0, months // every - 1)
        while self.due_date(cycle) < day:
            cycle += 1
        return cycle

    def window(self, cycle: int) -> tuple[date | None, date | None]:
        """``(after, through)``: the days whose completions count for ``cycle``.

        A one-off assignment has one cycle open at both ends (a completion before
        the due date is on time, one after it late); a recurring one's cycle
        starts the day after the previous due date (for cycle 0, N months before
        the first due date).
        """
        if not self.recurrence_months:
            return None, None
        return self.due_date(cycle - 1), self.due_date(cycle)

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, self.target_kind: self.target,
                "activities": list(self.activities), "program": self.program,
                "due": self.due.isoformat(), "every_months": self.recurrence_months,
                "due_soon_days": self.due_soon_days, "created_by": self.created_by,
                "created": self.created}


@dataclass(frozen=True)
class Evidence:
    """A statement a status rests on."""

    statement: str
    activity: str
    verb: str
    #: The day it counts for: its ``timestamp``'s (UTC), else its ``stored`` time's.
    on: date

    def as_dict(self) -> dict[str, str]:
        return {"statement": self.statement, "activity": self.activity, "verb": self.verb,
                "on": self.on.isoformat()}
