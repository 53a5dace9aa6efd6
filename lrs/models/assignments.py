"""Assignments: who must complete which activity or program, by when, and how often.

The target (a person's employee id or a people group's name) is kept by name, as
groups are: an assignment to a group follows the group's members as they change,
and one to a person erased or gone from the directory simply applies to nobody.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import BigInteger, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lrs.models.base import Base
from lrs.models.types import BigId


class Assignment(Base):
    __tablename__ = "assignments"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"))
    #: ``person`` or ``group``.
    target_kind: Mapped[str] = mapped_column(String(10))
    #: The person's employee id, or the group's name.
    target: Mapped[str] = mapped_column(String(200))
    #: The program's name; ``None`` for a single activity.
    program: Mapped[str | None] = mapped_column(String(200), nullable=True)
    #: The activity IRIs to complete, a JSON array (all of them, for a program).
    activities: Mapped[str] = mapped_column(Text)
    due: Mapped[date] = mapped_column(Date)
    recurrence_months: Mapped[int | None] = mapped_column(Integer, nullable=True)
    due_soon_days: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_by: Mapped[str] = mapped_column(String(200))
    created_us: Mapped[int] = mapped_column(BigInteger)

    __table_args__ = (Index("ix_assignments_tenant_target", "tenant_id", "target_kind",
                            "target"),)
