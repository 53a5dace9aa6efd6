"""Erasing a person (``erase_person``): their rollup rows, found by their identities' keys.

Recorded KPI results are aggregates over populations and stay; the statements'
ids in ``kpi_seen`` name no one and stay too, so a replay does not count the
erased statements' successors twice. The store's recorded dashboard views
(:mod:`plugins.kpi.views`) go: they list the employee ids they counted.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import delete, func, select

from plugins.kpi.keys import learner_key
from plugins.kpi.models import Daily, Progress, View
from plugins.kpi.views import forget

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


def _agent(key: str) -> dict[str, object]:
    kind, _, value = key.partition(":")
    if kind == "account":
        home, _, name = value.partition("|")
        return {"account": {"homePage": home, "name": name}}
    return {kind: value}


def erase(
    session: Session, tenant_id: int, person_keys: frozenset[str], dry_run: bool
) -> dict[str, int]:
    learners = sorted({k for key in person_keys if (k := learner_key(_agent(key)))})
    counts = {}
    for name, table in (("daily", Daily), ("progress", Progress)):
        where = (table.tenant_id == tenant_id, table.learner.in_(learners))
        counts[name] = (
            session.scalar(select(func.count()).select_from(table).where(*where))
            if dry_run
            else session.execute(delete(table).where(*where)).rowcount
        )
    counts["dashboard views"] = (
        session.scalar(select(func.count()).select_from(View).where(View.tenant_id == tenant_id))
        if dry_run
        else forget(session, tenant_id)
    )
    return counts
