"""Filtered and managers' dashboards, recorded as the plain one's results are.

Reading the plain dashboard never computes a measure: it shows what the evaluator
recorded. A dashboard filtered by a group, a program or a period, or seen by a
manager (only their people), is computed from the rollups over its people instead,
which takes seconds for a group of thousands at a million statements. So each such
*view* is recorded when first asked for, with the employee ids it counted, and
computed again whenever the store's KPIs are evaluated (:mod:`plugins.kpi.schedule`):
a request reads it, as fresh as the plain dashboard's tiles.

A recorded view is not served for another day than it was computed as of (a view
without ``at`` follows today), nor after the KPI definitions changed (their
fingerprint is kept with it). A change to the people directory (a group's members, an
import, an erasure) or to the assignments drops the store's views, since who is in a
group, assigned a program or in a manager's view may differ. Views nobody asked for
in ``LRS_PLUGIN_KPI_VIEW_DAYS`` days are dropped when the views are next refreshed.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from lrs.plugin.sql import insert
from plugins.kpi.models import View

if TYPE_CHECKING:
    from lrs.plugin.host import Host

DEFAULT_VIEW_DAYS = 14
#: The longest a view is kept unasked for: ten years (its cut-off is a time in
#: microseconds the database compares).
MAX_VIEW_DAYS = 3650
#: A view asked for again within this time is not written to (a GET stays a read).
REQUESTED_EVERY_US = 3_600 * 1_000_000
#: Administrative actions after which a group's members, a program's assignees or a
#: manager's people may differ.
DIRECTORY_ACTIONS = ("people_group.", "people.", "person.", "assignment.", "assignments.")


@dataclass(frozen=True)
class Recorded:
    tiles: list[dict[str, Any]]
    #: The employee ids counted; ``None``: everyone.
    people: frozenset[str] | None
    computed_us: int


def view_days(host: Host) -> int:
    """``LRS_PLUGIN_KPI_VIEW_DAYS``; a bad value stops start-up."""
    return host.plugin_whole_number("kpi", "view_days", DEFAULT_VIEW_DAYS, high=MAX_VIEW_DAYS,
                                    unit="days")


def key_of(view: dict[str, Any]) -> str:
    return _digest(view)


def fingerprint(found: list[tuple[int, dict[str, Any]]]) -> str:
    """What the tiles were computed from: the store's KPI definitions."""
    return _digest(found)


def _digest(value: Any) -> str:
    """SHA-256 of ``value`` as JSON with sorted keys: equal values, equal digests."""
    return hashlib.sha256(json.dumps(value, sort_keys=True).encode()).hexdigest()


def read(
    host: Host, tenant_id: int, view: dict[str, Any], as_of: date, definitions: str
) -> Recorded | None:
    """The recorded ``view`` if it still answers for ``as_of`` and ``definitions``."""
    key = key_of(view)
    with host.read() as session:
        row = session.execute(
            select(
                View.id,
                View.as_of,
                View.definitions,
                View.tiles,
                View.people,
                View.computed_us,
                View.requested_us,
            ).where(View.tenant_id == tenant_id, View.key == key)
        ).first()
    if row is None or row.as_of != as_of.isoformat() or row.definitions != definitions:
        return None
    now = time.time_ns() // 1000
    if now - row.requested_us >= REQUESTED_EVERY_US:
        with host.write() as session:
            session.execute(update(View).where(View.id == row.id).values(requested_us=now))
    people = json.loads(row.people)
    return Recorded(
        json.loads(row.tiles), None if people is None else frozenset(people), row.computed_us
    )


def record(
    host: Host,
    tenant_id: int,
    view: dict[str, Any],
    as_of: date,
    definitions: str,
    tiles: list[dict[str, Any]],
    people: Collection[str] | None,
    *,
    refreshing: bool = False,
) -> Recorded:
    """Record ``view`` as just computed (an upsert: two first requests may race).

    :param refreshing: only replace the view if it is still recorded: one dropped
        while the evaluator computed it (the directory changed) stays dropped rather
        than coming back with the old people.
    """
    now = time.time_ns() // 1000
    values = {
        "tenant_id": tenant_id,
        "key": key_of(view),
        "view": json.dumps(view, sort_keys=True),
        "as_of": as_of.isoformat(),
        "definitions": definitions,
        "tiles": json.dumps(tiles),
        "people": json.dumps(None if people is None else sorted(people)),
        "computed_us": now,
        "requested_us": now,
    }
    changed = ("as_of", "definitions", "tiles", "people", "computed_us")
    with host.write() as session:
        if refreshing:
            session.execute(
                update(View)
                .where(View.tenant_id == tenant_id, View.key == values["key"])
                .values({name: values[name] for name in changed})
            )
        else:
            upsert = insert(session, View.__table__)
            session.execute(
                upsert.values(values).on_conflict_do_update(
                    index_elements=["tenant_id", "key"],
                    set_={name: upsert.excluded[name] for name in changed},
                )
            )
    return Recorded(tiles, None if people is None else frozenset(people), now)


def watched(host: Host, tenant_id: int) -> list[dict[str, Any]]:
    """The views someone asked for lately (the others are dropped)."""
    oldest_us = time.time_ns() // 1000 - view_days(host) * 86_400 * 1_000_000
    with host.write() as session:
        session.execute(
            delete(View).where(View.tenant_id == tenant_id, View.requested_us < oldest_us)
        )
        return [
            json.loads(text)
            for text in session.scalars(select(View.view).where(View.tenant_id == tenant_id))
        ]


def drop(host: Host, tenant_id: int, view: dict[str, Any]) -> None:
    with host.write() as session:
        session.execute(delete(View).where(View.tenant_id == tenant_id, View.key == key_of(view)))


def forget(session: Session, tenant_id: int) -> int:
    """Drop the store's recorded views; how many there were."""
    return session.execute(delete(View).where(View.tenant_id == tenant_id)).rowcount
