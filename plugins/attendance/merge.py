"""One person's attendance of one session, from all the rows that are theirs.

Rows come from any mix of sources: several stays after reconnecting, two
devices at once, a Zoom report and the instructor's sheet. The time that
counts is the union of the stays clipped to the scheduled window, so that an
overlap is never counted twice and time before the start or after the end
never makes up for time missed inside it. Present means the covered share of
the window reaches a threshold (80 % by default), unless a sheet marks the
person explicitly: an instructor's mark decides presence, the times still give
the minutes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from plugins.attendance.rows import AttendanceRow

DEFAULT_THRESHOLD = 0.8
DEFAULT_GRACE = timedelta(minutes=5)

Interval = tuple[datetime, datetime]


@dataclass(frozen=True)
class AttendanceResult:
    """What a person's rows say about one session."""

    #: Seconds of the scheduled window they were certainly in, and the same in minutes.
    seconds: int
    minutes: float
    #: ``seconds`` over the scheduled window's length, from 0 to 1.
    share: float
    present: bool
    #: First join after the start plus the grace; last leave before the end minus it.
    late: bool
    left_early: bool
    #: Their earliest join and latest leave among the stays that overlap the window
    #: (not clipped: joining early is not being late); ``None`` without times.
    first_join: datetime | None
    last_leave: datetime | None
    #: The stays, clipped to the window and merged, in order.
    intervals: tuple[Interval, ...]
    #: ``times`` when presence was measured, ``sheet`` when only marks said it,
    #: ``none`` when the rows said nothing (no stay overlapping the window, no mark).
    basis: str

    @property
    def duration(self) -> str:
        """``seconds`` as the ISO 8601 duration xAPI's ``result.duration`` takes."""
        return iso_duration(self.seconds)


def merge(
    rows: Iterable[AttendanceRow],
    start: datetime,
    end: datetime,
    *,
    threshold: float = DEFAULT_THRESHOLD,
    grace: timedelta = DEFAULT_GRACE,
) -> AttendanceResult:
    """Merge one person's ``rows`` for the session scheduled from ``start`` to ``end``.

    Stays of no length, or entirely outside the window, count for nothing. A row
    with a :attr:`~AttendanceRow.duration` shorter than its span (Google Meet's
    first join to last exit) adds only the time it certainly spent in the window:
    its duration less the part of its span outside the window, less what other
    stays already cover there.
    """
    if end <= start:
        raise ValueError("a session must end after it starts")
    if not 0 < threshold <= 1:
        raise ValueError("the presence threshold is a share between 0 (excluded) and 1")
    if grace < timedelta(0):
        raise ValueError("the grace period cannot be negative")
    rows = list(rows)
    window = end - start
    exact: list[Interval] = []
    spans: list[Interval] = []
    partial: list[tuple[AttendanceRow, Interval]] = []
    joins: list[datetime] = []
    leaves: list[datetime] = []
    for row in rows:
        if row.join is not None and row.leave is None and row.join < end:
            joins.append(row.join)  # a sign-in time without a sign-out
        if row.join is None or row.leave is None or row.leave <= row.join:
            continue
        clipped = (max(row.join, start), min(row.leave, end))
        if clipped[1] <= clipped[0]:
            continue
        joins.append(row.join)
        leaves.append(row.leave)
        spans.append(clipped)
        if row.duration is None:
            exact.append(clipped)
        else:
            partial.append((row, clipped))
    covered_union = union(exact)
    covered = sum((b - a for a, b in covered_union), timedelta(0))
    for row, (a, b) in partial:
        assert row.join is not None and row.leave is not None and row.duration is not None
        outside = (row.leave - row.join) - (b - a)
        certain = min(row.duration, row.leave - row.join) - outside
        already = sum(
            (min(b, y) - max(a, x) for x, y in covered_union if min(b, y) > max(a, x)), timedelta(0)
        )
        covered += max(timedelta(0), certain - already)
    covered = min(covered, window)
    marks = [row.present for row in rows if row.present is not None]
    first_join = min(joins, default=None)
    last_leave = max(leaves, default=None)
    if not spans:
        # No stay in the window: only a sheet's marks (and its sign-in times) speak.
        present = True in marks
        late = present and first_join is not None and first_join > start + grace
        return AttendanceResult(
            seconds=round(window.total_seconds()) if present else 0,
            minutes=round(window.total_seconds() / 60, 2) if present else 0.0,
            share=1.0 if present else 0.0,
            present=present,
            late=late,
            left_early=False,
            first_join=first_join,
            last_leave=None,
            intervals=(),
            basis="sheet" if marks else "none",
        )
    present = (True in marks) if marks else covered >= window * threshold
    return AttendanceResult(
        seconds=round(covered.total_seconds()),
        minutes=round(covered.total_seconds() / 60, 2),
        share=covered / window,
        present=present,
        late=first_join is not None and first_join > start + grace,
        left_early=last_leave is not None and last_leave < end - grace,
        first_join=first_join,
        last_leave=last_leave,
        intervals=tuple(union(spans)),
        basis="times",
    )


def union(intervals: Iterable[Interval]) -> list[Interval]:
    """Overlapping or touching intervals merged into one, in order."""
    merged: list[Interval] = []
    for a, b in sorted(intervals):
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return merged


def iso_duration(seconds: float | timedelta) -> str:
    """Whole seconds as an ISO 8601 duration: ``PT1H2M3S``, ``PT45M``, ``PT0S``."""
    total = round(seconds.total_seconds() if isinstance(seconds, timedelta) else seconds)
    if total < 0:
        raise ValueError("a duration cannot be negative")
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    text = "".join(f"{n}{unit}" for n, unit in ((hours, "H"), (minutes, "M"), (secs, "S")) if n)
    return f"PT{text or '0S'}"
