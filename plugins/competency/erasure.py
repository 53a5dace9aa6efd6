"""Erasing a person (GDPR Art. 17, ``erase_person``): their evidence, attainments and history.

The tables name people by employee id: the person is found through the directory
(which still holds them while the erasure runs) from the identities erased, and
through the evidence of the statements erased (someone the directory no longer
knows). Their ``asserted`` statements are theirs (they are the actor), so Weft
deletes those itself. Time-to-competency starts and credentials are computed from
these rows when asked, never stored: nothing else is left about the person.
"""

from __future__ import annotations

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from lrs.plugin.host import Host
from plugins.competency.engine import recorded_query
from plugins.competency.models import Attainment, AttainmentChange, Evidence

#: Statement ids per ``IN`` list.
CHUNK = 1000


def people_of(
    host: Host,
    session: Session,
    tenant_id: int,
    person_keys: frozenset[str],
    deleted_statement_ids: tuple[str, ...],
) -> list[str]:
    """The employee ids the erased identities and statements stand for."""
    people = host.employee_ids_of_keys(tenant_id, person_keys)
    ids = sorted({i.lower() for i in deleted_statement_ids})
    for start in range(0, len(ids), CHUNK):
        # The engine's look-up by statement: SQLite probes (tenant_id, statement_id)
        # for it instead of scanning the tenant's whole unique index.
        recorded = session.execute(recorded_query(tenant_id, ids[start : start + CHUNK]))
        people.update(person for person, *_ in recorded)
    return sorted(people)


def erase(
    host: Host,
    session: Session,
    tenant_id: int,
    person_keys: frozenset[str],
    deleted_statement_ids: tuple[str, ...],
    dry_run: bool,
) -> dict[str, int]:
    """Delete (or count, for a dry run) the person's rows; see the module docstring."""
    people = people_of(host, session, tenant_id, person_keys, deleted_statement_ids)
    counts = {}
    for name, table in (
        ("evidence", Evidence),
        ("attainments", Attainment),
        ("attainment_history", AttainmentChange),
    ):
        where = (table.tenant_id == tenant_id, table.person_id.in_(people))
        counts[name] = (
            session.scalar(select(func.count()).select_from(table).where(*where))
            if dry_run
            else session.execute(delete(table).where(*where)).rowcount
        )
    return counts
