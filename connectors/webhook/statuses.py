"""Compliance status changes: who became compliant, due soon or overdue, posted once.

Weft computes an assignment status when asked (``host.assignment_statuses``);
nothing records when one changes, and time alone changes some (due soon becomes
overdue at midnight). So a webhook with ``statuses`` on compares, at most every
``status_check_minutes``, every assigned person's status with the one it last
posted (table ``webhook_statuses``) and POSTs each difference as a
``compliance.status_changed`` event, recording it once the receiver said 2xx:
at least once, never skipped, with an idempotency key naming the change. The
first comparison only records the statuses as they are (a new webhook is not
sent the whole store's history); people no longer assigned are forgotten
silently.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select, tuple_

from connectors.outbound.models import CHECKS, POSTED

if TYPE_CHECKING:
    from lrs.plugin.host import AssignmentStatus, Host

#: The ``type`` of the JSON body and its ``Weft-Event`` header.
EVENT = "compliance.status_changed"
#: Changes recorded per transaction while posting.
_RECORD_EVERY = 50

#: ``post(body, idempotency_key)``: one signed POST; raises when not acknowledged.
Post = Callable[[bytes, str], None]
_Key = tuple[int, str]


def post_status_changes(host: Host, tenant_id: int, instance_id: int, *,
                        every_seconds: float, post: Post) -> int:
    """POST the statuses that changed since the last comparison; return how many.

    Does nothing until ``every_seconds`` have passed since the last comparison.
    """
    now = time.time_ns() // 1000
    with host.read() as session:
        checked = session.scalar(select(CHECKS.c.checked_us)
                                 .where(CHECKS.c.instance_id == instance_id))
        if checked is not None and now - checked < every_seconds * 1_000_000:
            return 0
        posted = {(row.assignment_id, row.employee_id): (row.status, row.due)
                  for row in session.execute(select(POSTED).where(
                      POSTED.c.instance_id == instance_id))}
    current = {(s.assignment.id, s.person.id): s for s in host.assignment_statuses(tenant_id)}
    changed = [] if checked is None else [
        s for key, s in current.items() if posted.get(key) != (s.status, s.due.isoformat())]
    pending: list[AssignmentStatus] = []
    try:
        for status in changed:
            before = posted.get((status.assignment.id, status.person.id))
            post(_body(status, before[0] if before else None),
                 f"{status.assignment.id}:{status.person.id}:{status.status}:"
                 f"{status.due.isoformat()}")
            pending.append(status)
            if len(pending) >= _RECORD_EVERY:
                _record(host, instance_id, pending)
                pending = []
    finally:
        _record(host, instance_id, pending)
    with host.write() as session:
        if checked is None:  # the baseline: the statuses as they are, nothing posted
            session.execute(delete(POSTED).where(POSTED.c.instance_id == instance_id))
            _insert(host, session, instance_id, list(current.values()))
        _delete(session, instance_id, set(posted) - set(current))
        session.execute(delete(CHECKS).where(CHECKS.c.instance_id == instance_id))
        host.insert_rows(session, CHECKS, [{"instance_id": instance_id, "checked_us": now}])
    return len(changed)


def forget(host: Host, kept: list[int]) -> None:
    """Drop what deleted webhook instances remembered."""
    with host.write() as session:
        for table in (POSTED, CHECKS):
            session.execute(delete(table).where(table.c.instance_id.not_in(kept)))


def _body(status: AssignmentStatus, previous: str | None) -> bytes:
    event: dict[str, Any] = {"type": EVENT, "previous": previous, **status.as_dict(),
                             "activities": list(status.assignment.activities),
                             "program": status.assignment.program}
    return json.dumps(event, ensure_ascii=False, separators=(",", ":")).encode()


def _record(host: Host, instance_id: int, statuses: list[AssignmentStatus]) -> None:
    """Remember ``statuses`` as posted."""
    if statuses:
        with host.write() as session:
            _delete(session, instance_id, {(s.assignment.id, s.person.id) for s in statuses})
            _insert(host, session, instance_id, statuses)


def _delete(session: Any, instance_id: int, keys: set[_Key]) -> None:
    for chunk in _chunks(sorted(keys)):
        session.execute(delete(POSTED).where(
            POSTED.c.instance_id == instance_id,
            tuple_(POSTED.c.assignment_id, POSTED.c.employee_id).in_(chunk)))


def _insert(host: Host, session: Any, instance_id: int,
            statuses: list[AssignmentStatus]) -> None:
    host.insert_rows(session, POSTED, [
        {"instance_id": instance_id, "assignment_id": s.assignment.id,
         "employee_id": s.person.id, "status": s.status, "due": s.due.isoformat()}
        for s in statuses])


def _chunks(keys: list[_Key], size: int = 500) -> list[list[_Key]]:
    return [keys[start:start + size] for start in range(0, len(keys), size)]
