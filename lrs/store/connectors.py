"""Connector instances and runs: their rows, claims and outcomes (no plugin, no Flask)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, case, delete, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lrs.models import ConnectorInstance, ConnectorRun
from lrs.store.text import recordable
from lrs.xapi.errors import Conflict, NotFound


def create_instance(session: Session, instance: ConnectorInstance) -> ConnectorInstance:
    """:raises Conflict: the store has an instance of that name."""
    try:
        with session.begin_nested():
            session.add(instance)
    except IntegrityError:
        raise Conflict(f"store already has a connector named {instance.name!r}") from None
    return instance


def instance_named(session: Session, tenant_id: int, name: str, *,
                   for_update: bool = False) -> ConnectorInstance:
    """:raises NotFound: the store has no connector of that name."""
    query = select(ConnectorInstance).where(ConnectorInstance.tenant_id == tenant_id,
                                            ConnectorInstance.name == name)
    if for_update:
        query = query.with_for_update()
    instance = session.scalar(query)
    if instance is None:
        raise NotFound(f"no connector named {name!r} in this store (lrs connectors list)")
    return instance


def instances(session: Session, *, tenant_id: int | None = None,
              type_name: str | None = None) -> list[ConnectorInstance]:
    """Instances by store and name, of one store and one type if given."""
    query = select(ConnectorInstance).order_by(ConnectorInstance.tenant_id,
                                               ConnectorInstance.name)
    if tenant_id is not None:
        query = query.where(ConnectorInstance.tenant_id == tenant_id)
    if type_name is not None:
        query = query.where(ConnectorInstance.type == type_name)
    return list(session.scalars(query))


def delete_instance(session: Session, instance: ConnectorInstance) -> None:
    """Remove the instance and its run history."""
    session.execute(delete(ConnectorRun).where(ConnectorRun.instance_id == instance.id))
    session.delete(instance)


def claim(session: Session, *, now_us: int, lease_us: int, trigger: str,
          instance_id: int | None = None) -> tuple[ConnectorInstance, ConnectorRun] | None:
    """Take one instance for a run and open the run's history row.

    Without ``instance_id``: the most overdue enabled, unpaused instance that no
    worker holds. With it: that instance whenever nobody holds it ("run now",
    enabled or not). PostgreSQL skips rows another worker is claiming at the
    same moment (``SKIP LOCKED``); SQLite has one writer at a time anyway.
    """
    query = select(ConnectorInstance).where(ConnectorInstance.claimed_until_us < now_us)
    if instance_id is None:
        query = (query.where(ConnectorInstance.enabled.is_(True),
                             ConnectorInstance.paused.is_(False),
                             ConnectorInstance.next_run_us <= now_us)
                 .order_by(ConnectorInstance.next_run_us).limit(1))
    else:
        query = query.where(ConnectorInstance.id == instance_id)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    instance = session.scalar(query)
    if instance is None:
        return None
    interrupt_runs(session, instance.id, now_us)
    instance.claimed_until_us = now_us + lease_us
    run = ConnectorRun(instance_id=instance.id, trigger=trigger, status="running",
                       started_us=now_us, fetched=0, stored=0, skipped=0, sent=0,
                       messages="[]")
    session.add(run)
    session.flush()
    return instance, run


def interrupt_runs(session: Session, instance_id: int, now_us: int) -> None:
    """Close the runs a dead worker left ``running`` (only a claim may call it: the
    previous claim has expired, so no live worker owns them)."""
    session.execute(update(ConnectorRun)
                    .where(ConnectorRun.instance_id == instance_id,
                           ConnectorRun.status == "running")
                    .values(status="interrupted", finished_us=now_us,
                            error="the worker running it stopped before it finished"))


def renew(session: Session, instance_id: int, *, held_until_us: int, now_us: int,
          lease_us: int, cursor: str | None) -> bool:
    """Extend a claim (and keep ``cursor`` when given); false when the claim was lost.

    The claim is still ours if ``claimed_until_us`` is the value we set: another
    worker would have moved it.
    """
    values: dict[str, Any] = {"claimed_until_us": now_us + lease_us}
    if cursor is not None:
        values["cursor"] = cursor
    done = session.execute(update(ConnectorInstance).where(
        ConnectorInstance.id == instance_id,
        ConnectorInstance.claimed_until_us == held_until_us,
        ConnectorInstance.claimed_until_us >= now_us,
    ).values(**values))
    return done.rowcount == 1


@dataclass(frozen=True)
class Outcome:
    """How a run ended, for :func:`finish`."""

    status: str
    fetched: int = 0
    stored: int = 0
    skipped: int = 0
    sent: int = 0
    error: str | None = None
    messages: Sequence[str] = ()


def finish(session: Session, instance_id: int, run_id: int, outcome: Outcome, *,
           held_until_us: int, now_us: int, values: dict[str, Any]) -> bool:
    """Release the claim with ``values`` (cursor, next run, failures...) and record the
    run's outcome. If the claim was lost meanwhile, the instance is left to whoever
    holds it now and the run is recorded as interrupted; return whether it was kept."""
    kept = session.execute(update(ConnectorInstance).where(
        ConnectorInstance.id == instance_id,
        ConnectorInstance.claimed_until_us == held_until_us,
    ).values(claimed_until_us=0, **values)).rowcount == 1
    status, error = outcome.status, outcome.error
    if not kept:
        status = "interrupted"
        error = error or "the run's claim expired before it finished (LRS_CONNECTOR_LEASE_SECONDS)"
    session.execute(update(ConnectorRun).where(ConnectorRun.id == run_id).values(
        status=status, finished_us=now_us, fetched=outcome.fetched,
        stored=outcome.stored, skipped=outcome.skipped, sent=outcome.sent,
        error=recordable(error),
        messages=json.dumps([recordable(message) for message in outcome.messages])))
    return kept


def runs(session: Session, instance: ConnectorInstance, limit: int) -> list[ConnectorRun]:
    """The instance's latest runs, newest first."""
    return list(session.scalars(
        select(ConnectorRun).where(ConnectorRun.instance_id == instance.id)
        .order_by(ConnectorRun.started_us.desc(), ConnectorRun.id.desc()).limit(limit)))


def next_due_us(session: Session) -> int | None:
    """When the next enabled, unpaused instance is due (``None``: none is)."""
    return session.scalar(
        select(ConnectorInstance.next_run_us).where(
            ConnectorInstance.enabled.is_(True), ConnectorInstance.paused.is_(False))
        .order_by(ConnectorInstance.next_run_us).limit(1))


def instance_by_id(session: Session, instance_id: int) -> ConnectorInstance:
    instance = session.get(ConnectorInstance, instance_id)
    if instance is None:
        raise NotFound(f"no connector with id {instance_id}")
    return instance


def run_by_id(session: Session, run_id: int) -> ConnectorRun:
    return session.get_one(ConnectorRun, run_id)


def make_due(session: Session, instance_id: int, now_us: int) -> None:
    """Bring an instance's next run forward to now (never back).

    While a worker holds the instance, its next run is set to now even though it was
    already due: the run under way may have read its work before this arrived, and
    :func:`next_run_after` keeps a time changed during the run instead of the schedule's.
    """
    session.execute(update(ConnectorInstance).where(
        ConnectorInstance.id == instance_id,
        or_(ConnectorInstance.next_run_us > now_us, ConnectorInstance.claimed_until_us > 0),
    ).values(next_run_us=now_us))


def next_run_after(claimed_next_us: int, scheduled_us: int) -> ColumnElement[int]:
    """The next run of an instance whose run succeeded: ``scheduled_us``, unless its next
    run changed since the run claimed it (``claimed_next_us`` then): it was made due
    during the run (new work queued, ``run-soon``, resumed), and that stands, or what
    arrived during the run would wait for the schedule."""
    made_due = ConnectorInstance.next_run_us != claimed_next_us
    return case((made_due, ConnectorInstance.next_run_us), else_=scheduled_us)
