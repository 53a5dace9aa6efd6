"""The kpi plugin's tables, on metadata of its own (its Alembic branch creates them).

Definitions (``kpi_definitions``) say what to measure for whom against which
target; the rollups (``kpi_daily``, ``kpi_progress``) are fed by
``statements_stored`` so that no measure ever rescans the statement store;
``kpi_seen`` makes feeding idempotent (delivery is at least once); each
evaluation is kept per KPI and period (``kpi_results``) so history shows, and
each change of status is recorded (``kpi_alerts``) and raised as a notification.
Filtered and managers' dashboards are recorded too (``kpi_views``), so that reading
one never computes a measure either (:mod:`plugins.kpi.views`).

Learners and activities are keyed by the SHA-1 of their identity
(:func:`plugins.kpi.keys.learner_key`, :func:`plugins.kpi.keys.activity_key`):
fixed-width keys keep the primary keys small however long an IRI is.
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


class Definition(Base):
    """One KPI: a measure of a population over periods, against a target, with an owner."""

    __tablename__ = "kpi_definitions"
    __table_args__ = (Index("uq_kpi_definitions_tenant_key", "tenant_id", "key", unique=True),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(Integer)
    #: What files, URLs and commands call it (``completion-rate``).
    key: Mapped[str] = mapped_column(String(200))
    #: The whole definition as given (JSON), normalized (:mod:`plugins.kpi.definitions`).
    spec: Mapped[str] = mapped_column(Text)
    created_us: Mapped[int] = mapped_column(BigInteger)
    updated_us: Mapped[int] = mapped_column(BigInteger)


class Seen(Base):
    """A statement already rolled up, so a redelivered batch counts nothing twice."""

    __tablename__ = "kpi_seen"

    tenant_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    statement_id: Mapped[str] = mapped_column(String(36), primary_key=True)


class Daily(Base):
    """What one learner did on one activity on one UTC day (counts, summed by measures)."""

    __tablename__ = "kpi_daily"
    __table_args__ = (Index("ix_kpi_daily_tenant_day", "tenant_id", "day"),)

    tenant_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    learner: Mapped[str] = mapped_column(String(40), primary_key=True)
    activity: Mapped[str] = mapped_column(String(40), primary_key=True)
    #: Days since 1970-01-01 of the statements' ``timestamp`` (UTC).
    day: Mapped[int] = mapped_column(Integer, primary_key=True)
    statements: Mapped[int] = mapped_column(Integer)
    #: Statements with a ``result.success`` (an assessment attempt), and of those passed.
    attempts: Mapped[int] = mapped_column(Integer)
    passes: Mapped[int] = mapped_column(Integer)
    #: ``completed`` verbs or ``result.completion: true``.
    completions: Mapped[int] = mapped_column(Integer)
    #: Statements with a score, and the sum of their scaled scores (0..1).
    scored: Mapped[int] = mapped_column(Integer)
    score_sum: Mapped[float] = mapped_column(Float)
    #: ``attended`` statements, and those with ``result.completion: true``.
    attended: Mapped[int] = mapped_column(Integer)
    present: Mapped[int] = mapped_column(Integer)


class Progress(Base):
    """One learner's course through one activity: first touch, first attempt, completion."""

    __tablename__ = "kpi_progress"
    __table_args__ = (Index("ix_kpi_progress_tenant_activity", "tenant_id", "activity"),)

    tenant_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    learner: Mapped[str] = mapped_column(String(40), primary_key=True)
    activity: Mapped[str] = mapped_column(String(40), primary_key=True)
    activity_iri: Mapped[str] = mapped_column(Text)
    #: µs since the epoch (statement ``timestamp``) of the first and last statement.
    first_us: Mapped[int] = mapped_column(BigInteger)
    last_us: Mapped[int] = mapped_column(BigInteger)
    #: The first attempt (a statement with ``result.success``) and whether it passed.
    first_attempt_us: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    first_attempt_passed: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    first_pass_us: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    first_completion_us: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    last_completion_us: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


class Result(Base):
    """A KPI's evaluation for one period: value, target, status, trend."""

    __tablename__ = "kpi_results"
    __table_args__ = (
        Index("uq_kpi_results_definition_start", "definition_id", "start_us", unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    definition_id: Mapped[int] = mapped_column(Integer)
    #: ``2026-W49``, ``2026-12``, ``2026-Q4`` or the window's dates.
    label: Mapped[str] = mapped_column(String(40))
    start_us: Mapped[int] = mapped_column(BigInteger)
    end_us: Mapped[int] = mapped_column(BigInteger)
    value: Mapped[float | None] = mapped_column(Float, nullable=True)
    target: Mapped[float | None] = mapped_column(Float, nullable=True)
    #: ``on_track``, ``at_risk``, ``missed`` or ``no_data``.
    status: Mapped[str] = mapped_column(String(10))
    #: People the value rests on (the rate's denominator, the learners scored).
    sample: Mapped[int | None] = mapped_column(Integer, nullable=True)
    #: Change of the value since the previous period, ``null`` without both values.
    trend: Mapped[float | None] = mapped_column(Float, nullable=True)
    #: The period had ended when it was evaluated: its value is final.
    closed: Mapped[bool] = mapped_column(Boolean)
    evaluated_us: Mapped[int] = mapped_column(BigInteger)


class View(Base):
    """A filtered or manager's dashboard's tiles, as last computed (:mod:`plugins.kpi.views`)."""

    __tablename__ = "kpi_views"
    __table_args__ = (Index("uq_kpi_views_tenant_key", "tenant_id", "key", unique=True),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(Integer)
    #: SHA-256 of :attr:`view`: the filters and whose people the viewer may see.
    key: Mapped[str] = mapped_column(String(64))
    #: JSON: ``{"filters": {...}, "viewer": [employee ids] | null}``.
    view: Mapped[str] = mapped_column(Text)
    #: The day the tiles were computed as of (``YYYY-MM-DD``).
    as_of: Mapped[str] = mapped_column(String(10))
    #: SHA-256 of the store's KPI definitions the tiles were computed from.
    definitions: Mapped[str] = mapped_column(String(64))
    #: JSON: the tiles, and the employee ids in scope (``null``: everyone).
    tiles: Mapped[str] = mapped_column(Text)
    people: Mapped[str] = mapped_column(Text)
    computed_us: Mapped[int] = mapped_column(BigInteger)
    #: When someone last asked for it: views nobody asked for lately are dropped.
    requested_us: Mapped[int] = mapped_column(BigInteger)


class Alert(Base):
    """A KPI changed status (shown on the KPIs page; raised as a notification too)."""

    __tablename__ = "kpi_alerts"
    __table_args__ = (Index("ix_kpi_alerts_tenant_occurred", "tenant_id", "occurred_us"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(Integer)
    definition_id: Mapped[int] = mapped_column(Integer)
    kpi: Mapped[str] = mapped_column(String(200))
    label: Mapped[str] = mapped_column(String(40))
    #: ``null`` for a KPI's first status.
    previous: Mapped[str | None] = mapped_column(String(10), nullable=True)
    status: Mapped[str] = mapped_column(String(10))
    value: Mapped[float | None] = mapped_column(Float, nullable=True)
    target: Mapped[float | None] = mapped_column(Float, nullable=True)
    occurred_us: Mapped[int] = mapped_column(BigInteger)
