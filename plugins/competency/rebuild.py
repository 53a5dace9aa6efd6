"""``lrs competency rebuild``: evidence and attainments recomputed from the stored statements.

After rules change (or a framework gains items), the evidence of every stored
statement is extracted again and every attainment re-evaluated. Attainments are
compared with what is stored, so only real changes get a history row and an
``asserted`` statement, and the statements' stable ids mean a rebuild run twice
records nothing twice. ``first_attained_us`` never moves.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from typing import Any

import msgspec
from sqlalchemy import delete, select, union

from lrs.plugin.host import Host
from plugins.competency.engine import Outcome, catalog_for, reevaluate, take_in
from plugins.competency.evidence import Statement
from plugins.competency.models import Attainment, Evidence

#: Statements taken in per transaction.
BATCH = 1000
#: People re-evaluated per round.
PEOPLE = 200


def _batches(values: Iterable[Any], size: int) -> Iterator[list[Any]]:
    iterator = iter(values)
    while batch := list(islice(iterator, size)):
        yield batch


def rebuild_evidence(host: Host, tenant_id: int, statements: Iterable[dict[str, Any]]) -> Outcome:
    """Replace the tenant's evidence with that of ``statements`` (the stored ones,
    voided excluded: ``host.query_statements``)."""
    now_us = time.time_ns() // 1000
    catalog = catalog_for(host, tenant_id)
    with host.write() as session:
        session.execute(delete(Evidence).where(Evidence.tenant_id == tenant_id))
    out = Outcome()
    for batch in _batches(statements, BATCH):
        done, _ = take_in(
            host, tenant_id, [msgspec.convert(s, Statement) for s in batch], catalog, now_us
        )
        out.add(done)
    return out


def people_to_reevaluate(host: Host, tenant_id: int) -> list[str]:
    """Everyone with evidence or an attainment in the tenant."""
    with host.read() as session:
        query = union(
            select(Evidence.person_id).where(Evidence.tenant_id == tenant_id),
            select(Attainment.person_id).where(Attainment.tenant_id == tenant_id),
        )
        return sorted(session.scalars(select(query.subquery().c[0])))


def reevaluate_people(
    host: Host,
    tenant_id: int,
    people: list[str],
    progress: Callable[[int], None] = lambda n: None,
) -> Outcome:
    """Re-evaluate every attainment of ``people``, a round of them at a time."""
    now_us = time.time_ns() // 1000
    catalog = catalog_for(host, tenant_id)
    out = Outcome()
    for round_ in _batches(people, PEOPLE):
        with host.read() as session:
            pairs = set(
                session.execute(
                    select(Evidence.person_id, Evidence.competency_uri).where(
                        Evidence.tenant_id == tenant_id, Evidence.person_id.in_(round_)
                    )
                )
            ) | set(
                session.execute(
                    select(Attainment.person_id, Attainment.competency_uri).where(
                        Attainment.tenant_id == tenant_id, Attainment.person_id.in_(round_)
                    )
                )
            )
        out.add(reevaluate(host, tenant_id, pairs, now_us, catalog))
        progress(len(round_))
    return out
