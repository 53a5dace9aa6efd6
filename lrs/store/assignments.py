"""Assignments' persistence, and the one read a status report needs of the statements.

A report over every assignment of a store reads the statements once: all those
whose object is one of the assignments' activities, in one query through the
activity index (:func:`statements_about`), never a query per person.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from lrs.models import Assignment, Person, Statement, StatementActivity
from lrs.store.bulk import any_of, chunks


@dataclass(frozen=True)
class AssignmentRecord:
    """An assignment as created (API, CSV, CLI, a plugin): everything but its id."""

    target_kind: str
    target: str
    activities: tuple[str, ...]
    due: date
    program: str | None = None
    recurrence_months: int | None = None
    due_soon_days: int | None = None

    def same_as(self, row: Assignment) -> bool:
        """Whether ``row`` assigns exactly this (creating it again would add nothing)."""
        return (row.target_kind, row.target, tuple(json.loads(row.activities)), row.due,
                row.program, row.recurrence_months, row.due_soon_days) == (
            self.target_kind, self.target, self.activities, self.due, self.program,
            self.recurrence_months, self.due_soon_days)


def add_assignments(session: Session, tenant_id: int, records: Sequence[AssignmentRecord],
                    *, created_by: str, now_us: int) -> list[Assignment]:
    """Insert ``records`` (one INSERT per chunk); return the rows, ids set."""
    rows = [Assignment(tenant_id=tenant_id, target_kind=r.target_kind, target=r.target,
                       program=r.program, activities=json.dumps(list(r.activities)),
                       due=r.due, recurrence_months=r.recurrence_months,
                       due_soon_days=r.due_soon_days, created_by=created_by,
                       created_us=now_us) for r in records]
    session.add_all(rows)
    session.flush()
    return rows


def assignments_of(session: Session, tenant_id: int,
                   ids: Collection[int] | None = None) -> list[Assignment]:
    """The store's assignments (only ``ids`` when given), oldest first."""
    query = select(Assignment).where(Assignment.tenant_id == tenant_id)
    if ids is not None:
        query = query.where(Assignment.id.in_(list(ids)))
    return list(session.scalars(query.order_by(Assignment.id)))


def same_assignment(session: Session, tenant_id: int,
                    record: AssignmentRecord) -> Assignment | None:
    """The store's assignment stating exactly ``record``, if any (through the target index)."""
    return next((row for row in session.scalars(select(Assignment).where(
        Assignment.tenant_id == tenant_id, Assignment.target_kind == record.target_kind,
        Assignment.target == record.target).order_by(Assignment.id))
        if record.same_as(row)), None)


def delete_assignment(session: Session, tenant_id: int, assignment_id: int) -> Assignment | None:
    """Delete the store's assignment ``assignment_id``; return it, or ``None`` if none."""
    row = session.scalar(select(Assignment).where(Assignment.tenant_id == tenant_id,
                                                  Assignment.id == assignment_id))
    if row is not None:
        session.execute(delete(Assignment).where(Assignment.id == row.id))
    return row


def people_by_employee_id(session: Session, tenant_id: int,
                          employee_ids: Collection[str]) -> dict[str, Person]:
    """The directory rows of ``employee_ids`` that the store has."""
    found: dict[str, Person] = {}
    for chunk in chunks(sorted(set(employee_ids))):
        found.update((row.employee_id, row) for row in session.scalars(select(Person).where(
            Person.tenant_id == tenant_id, any_of(session, Person.employee_id, chunk))))
    return found


def statements_about(session: Session, tenant_id: int,
                     activities: Collection[str]) -> Iterator[tuple[str, str]]:
    """``(activity, JSON text)`` of every statement, not voided, whose object is one of
    ``activities``: one query, streamed, in no particular order (sorting the payloads
    of a whole workforce's statements would cost more than reading them)."""
    if not activities:
        return
    query = (select(StatementActivity.activity_id, Statement.payload)
             .join(Statement, Statement.pk == StatementActivity.statement_pk)
             .where(any_of(session, StatementActivity.activity_id, sorted(activities)),
                    StatementActivity.related.is_(False), Statement.tenant_id == tenant_id,
                    Statement.voided.is_(False))
             .execution_options(yield_per=1000, stream_results=True))
    yield from session.execute(query)
