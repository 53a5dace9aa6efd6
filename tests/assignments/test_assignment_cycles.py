"""The calendar of a recurring assignment, with dates worked out by hand.

Pure arithmetic on :class:`lrs.plugin.assignments.Assignment` (no database): every
plugin that counts cycles relies on these rules.
"""

from __future__ import annotations

from datetime import date

import pytest

from lrs.plugin.assignments import Assignment, add_months


def assignment(due: date, every: int | None) -> Assignment:
    return Assignment(id=1, target_kind="person", target="E1", activities=("https://x/c",),
                      due=due, recurrence_months=every)


@pytest.mark.parametrize(("day", "months", "expected"), [
    (date(2026, 1, 31), 1, date(2026, 2, 28)),     # shorter month: its last day
    (date(2028, 1, 31), 1, date(2028, 2, 29)),     # leap year
    (date(2026, 1, 31), 3, date(2026, 4, 30)),
    (date(2026, 11, 30), 3, date(2027, 2, 28)),    # across the year end
    (date(2026, 3, 31), -1, date(2026, 2, 28)),    # backwards (opens cycle 0's window)
    (date(2026, 1, 15), -12, date(2025, 1, 15)),
])
def test_add_months_clamps_to_the_end_of_shorter_months(day: date, months: int,
                                                        expected: date) -> None:
    assert add_months(day, months) == expected


def test_month_end_due_dates_never_drift_to_the_28th() -> None:
    monthly = assignment(date(2026, 1, 31), 1)
    assert [monthly.due_date(k) for k in range(4)] == [
        date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 31), date(2026, 4, 30)]
    annual_leap = assignment(date(2028, 2, 29), 12)
    assert [annual_leap.due_date(k) for k in range(5)] == [
        date(2028, 2, 29), date(2029, 2, 28), date(2030, 2, 28), date(2031, 2, 28),
        date(2032, 2, 29)]


def test_a_day_belongs_to_the_first_cycle_due_on_or_after_it() -> None:
    quarterly = assignment(date(2026, 1, 31), 3)   # due Jan 31, Apr 30, Jul 31, Oct 31
    assert quarterly.cycle_on(date(2025, 6, 1)) == 0
    assert quarterly.cycle_on(date(2026, 1, 31)) == 0   # the due day itself is on time
    assert quarterly.cycle_on(date(2026, 2, 1)) == 1
    assert quarterly.cycle_on(date(2026, 4, 30)) == 1
    assert quarterly.cycle_on(date(2026, 5, 1)) == 2
    assert quarterly.cycle_on(date(2026, 10, 31)) == 3
    assert quarterly.cycle_on(date(2031, 11, 1)) == 24   # Jan 31 2032 = 24 quarters on
    assert quarterly.due_date(24) == date(2032, 1, 31)


def test_windows_run_from_the_previous_due_date_exclusive_to_the_due_date() -> None:
    annual = assignment(date(2026, 6, 30), 12)
    assert annual.window(0) == (date(2025, 6, 30), date(2026, 6, 30))
    assert annual.window(1) == (date(2026, 6, 30), date(2027, 6, 30))
    once = assignment(date(2026, 6, 30), None)
    assert once.window(0) == (None, None)
    assert once.cycle_on(date(2030, 1, 1)) == 0
