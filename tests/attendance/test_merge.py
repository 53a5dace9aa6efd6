"""Merging one person's rows for one session: union, clipping, threshold, flags.

The session in these tests is scheduled from 09:00 to 10:00 UTC, so one minute
is 1/60 of the window.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from plugins.attendance.merge import iso_duration, merge, union
from plugins.attendance.rows import AttendanceRow
from plugins.attendance.sources import meet, teams, zoom
from tests.attendance.test_sources import DAY, read

START = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
END = datetime(2026, 12, 4, 10, 0, tzinfo=UTC)


def t(minute: float) -> datetime:
    """``minute`` minutes after 09:00 (negative: before)."""
    return START + timedelta(minutes=minute)


def stay(join: float, leave: float, **fields) -> AttendanceRow:
    return AttendanceRow(
        source="zoom",
        session_key="",
        raw_name="Ada",
        email=None,
        external_id=None,
        join=t(join),
        leave=t(leave),
        **fields,
    )


def mark(present: bool, join: float | None = None) -> AttendanceRow:
    return AttendanceRow(
        source="sheet",
        session_key="",
        raw_name="Ada",
        email=None,
        external_id=None,
        join=None if join is None else t(join),
        leave=None,
        present=present,
    )


def test_overlapping_devices_are_counted_once():
    result = merge([stay(0, 40), stay(30, 60)], START, END)
    assert (result.seconds, result.minutes, result.share) == (3600, 60.0, 1.0)
    assert result.intervals == ((t(0), t(60)),)
    assert result.present and not result.late and not result.left_early
    assert result.duration == "PT1H"


def test_rejoins_leave_the_gap_out():
    result = merge([stay(0, 20), stay(25, 50), stay(52, 60)], START, END)
    assert result.minutes == 53.0 and result.duration == "PT53M"
    assert result.intervals == ((t(0), t(20)), (t(25), t(50)), (t(52), t(60)))
    assert result.present  # 53/60 = 88 %


def test_time_outside_the_window_is_clipped_and_joining_early_is_not_late():
    result = merge([stay(-30, 20), stay(50, 90)], START, END)
    assert result.minutes == 30.0 and result.share == 0.5
    assert result.intervals == ((t(0), t(20)), (t(50), t(60)))
    assert result.first_join == t(-30) and result.last_leave == t(90)
    assert not result.present and not result.late and not result.left_early


def test_stays_entirely_outside_the_window_or_of_no_length_count_for_nothing():
    result = merge([stay(-60, -5), stay(70, 80), stay(30, 30)], START, END)
    assert (result.seconds, result.present, result.basis) == (0, False, "none")
    assert result.intervals == () and result.first_join is None
    assert result.duration == "PT0S"
    assert merge([], START, END).basis == "none"


def test_threshold_is_reached_exactly_at_the_share_and_is_a_parameter():
    assert merge([stay(0, 48)], START, END).present  # exactly 80 %
    below = merge([stay(0, 47.99)], START, END)
    assert not below.present and below.minutes == 47.99
    assert merge([stay(0, 30)], START, END, threshold=0.5).present
    assert not merge([stay(0, 59)], START, END, threshold=1.0).present


def test_late_and_left_early_with_the_grace_period():
    on_time = merge([stay(5, 55)], START, END)  # exactly at the grace: not flagged
    assert not on_time.late and not on_time.left_early
    flagged = merge([stay(5.1, 54.9)], START, END)
    assert flagged.late and flagged.left_early and flagged.present  # 49.8 min = 83 %
    strict = merge([stay(1, 59)], START, END, grace=timedelta(0))
    assert strict.late and strict.left_early
    # The first join and last leave count, not each stay.
    rejoined = merge([stay(0, 20), stay(30, 60)], START, END)
    assert not rejoined.late and not rejoined.left_early


def test_sheet_marks_alone_decide_presence_for_the_whole_window():
    present = merge([mark(True)], START, END)
    assert (present.present, present.basis, present.minutes, present.share) == (
        True,
        "sheet",
        60.0,
        1.0,
    )
    assert present.duration == "PT1H" and not present.late
    absent = merge([mark(False)], START, END)
    assert (absent.present, absent.basis, absent.seconds, absent.share) == (False, "sheet", 0, 0.0)
    # A sign-in time without a sign-out still tells lateness.
    late = merge([mark(True, join=12)], START, END)
    assert late.present and late.late and late.first_join == t(12) and late.minutes == 60.0


def test_an_instructors_mark_decides_presence_the_times_still_give_the_minutes():
    excused = merge([stay(0, 10), mark(True)], START, END)
    assert excused.present and excused.minutes == 10.0 and excused.basis == "times"
    marked_absent = merge([stay(0, 60), mark(False)], START, END)
    assert not marked_absent.present and marked_absent.minutes == 60.0


def test_a_total_shorter_than_its_span_counts_only_what_is_certain():
    # Meet: first join 08:50, last exit 10:00, 55 minutes in all. Ten minutes of
    # the span are before the start, so at least 45 minutes were in the window.
    row = stay(-10, 60, duration=timedelta(minutes=55))
    result = merge([row], START, END)
    assert result.minutes == 45.0 and not result.present
    assert result.intervals == ((t(0), t(60)),)
    # Another source covering part of the span adds only what is beyond it.
    assert merge([row, stay(0, 30)], START, END).minutes == 45.0
    assert merge([row, stay(-10, 60)], START, END).minutes == 60.0


def test_the_window_and_parameters_are_checked():
    with pytest.raises(ValueError, match="end after it starts"):
        merge([], END, START)
    with pytest.raises(ValueError, match="share between 0"):
        merge([], START, END, threshold=1.5)
    with pytest.raises(ValueError, match="cannot be negative"):
        merge([], START, END, grace=timedelta(minutes=-1))


def test_union_and_iso_durations():
    assert union([(t(10), t(20)), (t(0), t(5)), (t(5), t(8)), (t(15), t(30))]) == [
        (t(0), t(8)),
        (t(10), t(30)),
    ]
    assert [iso_duration(s) for s in (0, 59, 60, 3600, 3661, 90061.4)] == [
        "PT0S",
        "PT59S",
        "PT1M",
        "PT1H",
        "PT1H1M1S",
        "PT25H1M1S",
    ]
    assert iso_duration(timedelta(minutes=53, seconds=30)) == "PT53M30S"
    with pytest.raises(ValueError):
        iso_duration(-1)


def test_parsed_reports_merge_to_the_same_attendance_whichever_platform():
    # Ada's two stays (08:59:12-09:31:05, 09:33:10-10:01:30) in the Zoom CSV, the
    # Teams file; her Zoom API pages start 32 s earlier (08:58:40).
    by_source = {
        "zoom csv": zoom.parse(read("zoom_participants_meeting.csv")),
        "zoom api": zoom.parse(read("zoom_report_pages.json")),
        "teams file": teams.parse(read("teams_attendance.csv")),
    }
    results = {
        name: merge([r for r in rows if r.email == "ada.lovelace@example.com"], START, END)
        for name, rows in by_source.items()
    }
    for result in results.values():
        assert result.present and not result.late and not result.left_early
        assert result.seconds == 3600 - 125  # the 2 min 5 s away
        assert result.duration == "PT57M55S"
    meet_rows = meet.parse(read("meet_attendance.csv"), day=DAY)
    grace_rows = [r for r in meet_rows if r.raw_name == "Grace Hopper"]
    grace = merge(grace_rows, START, END)  # joined 09:05, 35 of her 53 minutes' span
    assert grace.minutes == 35.0 and not grace.present and not grace.late
    assert merge(grace_rows, START, END, grace=timedelta(minutes=4)).late
