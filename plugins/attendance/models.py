"""The attendance plugin's tables, on metadata of its own (its Alembic branch creates them).

A planned session (``attendance_sessions``) collects the rows its imports read
(``attendance_rows``, kept so that a sheet imported after a Zoom report is merged
with it), each person's outcome and the statement recording it
(``attendance_outcomes``), the rows no rung of the matching ladder could place
(``attendance_reviews``), and what admins decided about them, remembered for
later imports (``attendance_decisions``).
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Float, Index, Integer, MetaData, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class PlannedSession(Base):
    """A live session as planned: when, where, who teaches and who is expected."""

    __tablename__ = "attendance_sessions"
    __table_args__ = (Index("uq_attendance_sessions_tenant_key", "tenant_id", "key", unique=True),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(Integer)
    #: What admins, files and commands call it (``onboarding-2026-05-04``).
    key: Mapped[str] = mapped_column(String(200))
    #: The session's activity IRI: the statements' object.
    activity_id: Mapped[str] = mapped_column(Text)
    title: Mapped[str] = mapped_column(Text)
    #: The scheduled window, µs since the epoch (UTC).
    start_us: Mapped[int] = mapped_column(BigInteger)
    end_us: Mapped[int] = mapped_column(BigInteger)
    #: IANA time zone the platforms' downloaded files write their times in.
    timezone: Mapped[str] = mapped_column(String(64))
    location: Mapped[str | None] = mapped_column(Text, nullable=True)
    meeting_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    platform: Mapped[str | None] = mapped_column(String(40), nullable=True)
    #: The instructor as an xAPI Agent (JSON), ``null`` when none was given.
    instructor: Mapped[str | None] = mapped_column(Text, nullable=True)
    #: Expected people (employee ids) and groups (names), JSON arrays.
    roster_people: Mapped[str] = mapped_column(Text, default="[]")
    roster_groups: Mapped[str] = mapped_column(Text, default="[]")
    #: ``context.registration`` of the session's statements (a uuid5 of tenant and key).
    registration: Mapped[str] = mapped_column(String(36))
    created_us: Mapped[int] = mapped_column(BigInteger)
    updated_us: Mapped[int] = mapped_column(BigInteger)


class ImportedRow(Base):
    """One row of an imported report, with the person it was matched to and how."""

    __tablename__ = "attendance_rows"
    __table_args__ = (Index("ix_attendance_rows_session_source", "session_id", "source"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(40))
    raw_name: Mapped[str] = mapped_column(Text)
    email: Mapped[str | None] = mapped_column(Text, nullable=True)
    external_id: Mapped[str | None] = mapped_column(Text, nullable=True)
    join_us: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    leave_us: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    present: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    duration_s: Mapped[int | None] = mapped_column(Integer, nullable=True)
    origin: Mapped[str] = mapped_column(Text)
    #: Who it is (employee id), ``null`` while in the review queue or ignored.
    employee_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    #: The rung that matched it: ``employee_id``, ``email``, ``sso_subject``, ``name``,
    #: ``review`` (an admin's decision), or ``unmatched`` / ``ambiguous`` / ``ignored``.
    matched_by: Mapped[str] = mapped_column(String(20))


class Outcome(Base):
    """One person's merged attendance of one session, and the statement recording it."""

    __tablename__ = "attendance_outcomes"

    session_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    employee_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    tenant_id: Mapped[int] = mapped_column(Integer)
    display_name: Mapped[str | None] = mapped_column(Text, nullable=True)
    seconds: Mapped[int] = mapped_column(Integer)
    share: Mapped[float] = mapped_column(Float)
    present: Mapped[bool] = mapped_column(Boolean)
    late: Mapped[bool] = mapped_column(Boolean)
    left_early: Mapped[bool] = mapped_column(Boolean)
    #: ``times``, ``sheet`` or ``none`` (:class:`plugins.attendance.merge.AttendanceResult`).
    basis: Mapped[str] = mapped_column(String(10))
    #: How the person's rows were matched (the rungs, comma-separated).
    matched_by: Mapped[str] = mapped_column(String(100))
    #: Bumped each time the outcome changes; part of the statement id.
    version: Mapped[int] = mapped_column(Integer)
    #: The ``attended`` statement of this version; ``null`` when none is due (absent,
    #: no minutes) or the person has no identity to state it under.
    statement_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    #: The identity the statement names (``mbox:mailto:...``), for erasure.
    agent_key: Mapped[str | None] = mapped_column(Text, nullable=True, index=True)
    updated_us: Mapped[int] = mapped_column(BigInteger)


class Review(Base):
    """A row identity no rung matched, or matched more than one person, waiting for an admin."""

    __tablename__ = "attendance_reviews"
    __table_args__ = (
        Index("uq_attendance_reviews_session_identity", "session_id", "identity", unique=True),
        Index("ix_attendance_reviews_tenant_status", "tenant_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(Integer)
    session_id: Mapped[int] = mapped_column(Integer)
    #: :func:`plugins.attendance.matching.identity_of` the rows: source, e-mail, id, name.
    identity: Mapped[str] = mapped_column(String(900))
    source: Mapped[str] = mapped_column(String(40))
    raw_name: Mapped[str] = mapped_column(Text)
    email: Mapped[str | None] = mapped_column(Text, nullable=True)
    external_id: Mapped[str | None] = mapped_column(Text, nullable=True)
    #: ``unmatched`` or ``ambiguous``.
    reason: Mapped[str] = mapped_column(String(20))
    #: Employee ids a name matched equally well (JSON array), for ``ambiguous``.
    candidates: Mapped[str] = mapped_column(Text, default="[]")
    #: ``open``, ``resolved`` (a person was picked) or ``ignored``.
    status: Mapped[str] = mapped_column(String(10))
    employee_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    resolved_by: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_us: Mapped[int] = mapped_column(BigInteger)
    resolved_us: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


class Decision(Base):
    """An admin's answer about one row identity, applied to every later import."""

    __tablename__ = "attendance_decisions"

    tenant_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    identity: Mapped[str] = mapped_column(String(900), primary_key=True)
    #: The person picked; ``null`` means "ignore these rows".
    employee_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    decided_by: Mapped[str] = mapped_column(Text)
    decided_us: Mapped[int] = mapped_column(BigInteger)
