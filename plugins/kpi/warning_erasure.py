"""Erasing a person (GDPR Art. 17) from the early warning: their facts, flags and history.

The tables name people by employee id: the person is found through the
directory (still holding them while the erasure runs) from the identities
erased, and through the results of the statements erased.
"""

from __future__ import annotations

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from lrs.plugin.host import Host
from plugins.kpi.warning_models import ActivityDay, Flag, HistoryEntry, ResultFact


def erase(
    host: Host,
    session: Session,
    tenant_id: int,
    person_keys: frozenset[str],
    deleted_statement_ids: tuple[str, ...],
    dry_run: bool,
) -> dict[str, int]:
    """Delete (or count, for a dry run) the person's rows; see the module docstring."""
    people = host.employee_ids_of_keys(tenant_id, person_keys)
    if deleted_statement_ids:
        people |= set(
            session.scalars(
                select(ResultFact.employee_id).where(
                    ResultFact.tenant_id == tenant_id,
                    ResultFact.statement_id.in_([i.lower() for i in deleted_statement_ids]),
                )
            )
        )
    ids = sorted(people)
    flags = select(Flag.id).where(Flag.tenant_id == tenant_id, Flag.employee_id.in_(ids))
    counts = {}
    for name, table, where in (
        ("warning_history", HistoryEntry, (HistoryEntry.flag_id.in_(flags),)),
        ("warning_flags", Flag, (Flag.tenant_id == tenant_id, Flag.employee_id.in_(ids))),
        (
            "warning_results",
            ResultFact,
            (ResultFact.tenant_id == tenant_id, ResultFact.employee_id.in_(ids)),
        ),
        (
            "warning_activity_days",
            ActivityDay,
            (ActivityDay.tenant_id == tenant_id, ActivityDay.employee_id.in_(ids)),
        ),
    ):
        counts[name] = (
            session.scalar(select(func.count()).select_from(table).where(*where))
            if dry_run
            else session.execute(delete(table).where(*where)).rowcount
        )
    return counts
