"""The early-warning tables, on metadata of their own (migration ``kpi_0002_early_warning``).

What the rules need is kept up to date from ``statements_stored`` so that evaluating
them never rescans the statement store: the days each person was active
(``kpi_warning_activity_days``) and the statements that carry a result or complete
something (``kpi_warning_results``). Rules and their parameters are stored per
tenant (``kpi_warning_rules``), flags with their history (``kpi_warning_flags``,
``kpi_warning_history``), and when a tenant was last evaluated (``kpi_warning_runs``,
which throttles evaluation after delivered batches).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class RuleSetting(Base):
    """A tenant's choice for one rule; a rule without a row runs with its defaults."""

    __tablename__ = "kpi_warning_rules"

    tenant_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rule: Mapped[str] = mapped_column(String(40), primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean)
    #: The parameters that differ from the defaults, a JSON object.
    params: Mapped[str] = mapped_column(Text)
    updated_by: Mapped[str] = mapped_column(Text)
    updated_us: Mapped[int] = mapped_column(BigInteger)


class ActivityDay(Base):
    """A day (UTC, of the statement's timestamp) on which a person did anything."""

    __tablename__ = "kpi_warning_activity_days"

    tenant_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    employee_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)


class ResultFact(Base):
    """A person's statement with a result or a completing verb, as the rules read it."""

    __tablename__ = "kpi_warning_results"
    __table_args__ = (Index("ix_kpi_warning_results_tenant_person", "tenant_id", "employee_id"),)

    tenant_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    statement_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    employee_id: Mapped[str] = mapped_column(String(200))
    activity_id: Mapped[str] = mapped_column(Text)
    verb_id: Mapped[str] = mapped_column(Text)
    #: The statement's timestamp (else stored time), µs since the epoch.
    at_us: Mapped[int] = mapped_column(BigInteger)
    success: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    completion: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    #: Whether it completes the activity, by the assignments' rule (docs/assignments.md).
    completes: Mapped[bool] = mapped_column(Boolean)
    #: ``result.score.scaled``, else ``raw / max``.
    score: Mapped[float | None] = mapped_column(Float, nullable=True)


class Flag(Base):
    """A learner flagged by one rule: open until the condition clears (then resolved)."""

    __tablename__ = "kpi_warning_flags"
    __table_args__ = (
        Index("ix_kpi_warning_flags_tenant_status", "tenant_id", "status"),
        Index("ix_kpi_warning_flags_tenant_person", "tenant_id", "employee_id", "rule"),
        # One active flag per person and rule, even when two evaluations overlap.
        Index(
            "uq_kpi_warning_flags_active",
            "tenant_id",
            "employee_id",
            "rule",
            unique=True,
            sqlite_where=text("status <> 'resolved'"),
            postgresql_where=text("status <> 'resolved'"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(Integer)
    employee_id: Mapped[str] = mapped_column(String(200))
    rule: Mapped[str] = mapped_column(String(40))
    #: ``open``, ``acknowledged``, ``contacted``, ``dismissed`` or ``resolved``.
    status: Mapped[str] = mapped_column(String(20))
    #: The person's name and manager (employee id) in the directory when last evaluated.
    name: Mapped[str | None] = mapped_column(Text, nullable=True)
    manager: Mapped[str | None] = mapped_column(String(200), nullable=True)
    reason: Mapped[str] = mapped_column(Text)
    #: The facts behind the reason, a JSON object.
    facts: Mapped[str] = mapped_column(Text)
    #: The day the rules were evaluated as of when it opened, ``YYYY-MM-DD``.
    as_of: Mapped[str] = mapped_column(String(10))
    opened_us: Mapped[int] = mapped_column(BigInteger)
    updated_us: Mapped[int] = mapped_column(BigInteger)
    closed_us: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


class HistoryEntry(Base):
    """What happened to a flag: opened, updated, resolved, or a person's action on it."""

    __tablename__ = "kpi_warning_history"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    flag_id: Mapped[int] = mapped_column(Integer, index=True)
    tenant_id: Mapped[int] = mapped_column(Integer)
    at_us: Mapped[int] = mapped_column(BigInteger)
    #: ``opened``, ``updated``, ``resolved``, ``acknowledged``, ``contacted``,
    #: ``dismissed`` or ``alerted``.
    kind: Mapped[str] = mapped_column(String(20))
    actor: Mapped[str] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    facts: Mapped[str | None] = mapped_column(Text, nullable=True)


class Run(Base):
    """When a tenant's flags were last evaluated (throttles evaluation after batches)."""

    __tablename__ = "kpi_warning_runs"

    tenant_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    evaluated_us: Mapped[int] = mapped_column(BigInteger)
