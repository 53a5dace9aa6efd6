"""What every attendance source yields: one row per join/leave interval, normalised.

Parsers (:mod:`plugins.attendance.sources`) turn each platform's report into
these rows and nothing else: matching rows to people and merging a person's
intervals happen later, the same way whatever the source.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class AttendanceRow:
    """One participant's presence in a session, from joining to leaving once.

    A person who rejoined, or joined from two devices, has several rows.
    """

    #: The source's name: ``zoom``, ``teams``, ``meet``, ``webex``, ``sheet``.
    source: str
    #: The session on the platform (a Zoom meeting UUID, a Teams meeting id, a
    #: sheet's session column); empty when the file covers one session only.
    session_key: str
    #: The name as the platform showed it (what a fuzzy match falls back on).
    raw_name: str
    #: The participant's e-mail address when the platform gives one, lowercased.
    email: str | None
    #: The platform's id of the participant (Zoom ``id``/``registrant_id``,
    #: Teams AAD object id, an HR number on a sheet), when it gives one.
    external_id: str | None
    #: When they joined and left, timezone-aware (UTC when the source says
    #: nothing); ``None`` on a sheet that only says present/absent.
    join: datetime | None
    leave: datetime | None
    #: A sheet's explicit present (``True``) or absent (``False``); ``None`` when
    #: presence comes from the times. A Teams participant who opted out of the
    #: report is never a row: they are unknown, not absent.
    present: bool | None = None
    #: Where in the file the row came from (``line 12``, ``page 3, item 7``), for
    #: the review queue and errors.
    origin: str = ""
    #: The time present between ``join`` and ``leave`` when the source says it
    #: is less than the whole span: Google Meet reports a participant's first
    #: join, last exit and total time, not each stay. ``None``: present
    #: throughout the span (every other source gives one row per stay).
    duration: timedelta | None = None
