"""Deliver post-commit events to plugins, durably, each plugin on its own.

Writing an event is one INSERT in the transaction of the change it announces
(:meth:`Outbox.announce`), or part of the very statement that makes a change of
one statement (:meth:`Outbox.announcement_for_each`), so ingestion never waits
for a plugin and no event is lost or invented by a crash.
:meth:`Outbox.process_pending` delivers later: a background thread of each server
process (``LRS_OUTBOX_INLINE``, the development default) or ``lrs worker``
(production).

Processing claims due events in a short transaction by pushing their
``due_us`` a lease ahead (PostgreSQL skips rows other workers hold with
``FOR UPDATE SKIP LOCKED``; SQLite has one writer anyway), delivers outside any
transaction (plugins open their own; :meth:`lrs.machinery.hooks.Hooks.deliver_all` reads
the batch's statements once and runs what plugins deferred to its end), then
records the outcome per plugin: a
failing plugin is retried with exponential backoff and, after
``LRS_OUTBOX_MAX_ATTEMPTS``, dead-lettered until :meth:`Outbox.replay`. The
other plugins are not retried. Delivery is therefore at least once.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import threading
import time
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, func, select, update
from sqlalchemy import event as sa_event
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from lrs.models import DEFAULT_TENANT_ID, OutboxDelivery, OutboxEvent
from lrs.plugin.events import (
    EVENT_TYPES,
    AdminActionTaken,
    Event,
    StatementsStored,
    event_from_json,
)
from lrs.store.bulk import any_of
from lrs.store.text import recordable

if TYPE_CHECKING:
    from lrs.db import Database
    from lrs.machinery.hooks import Hooks
    from lrs.settings import Settings

logger = logging.getLogger("lrs.outbox")

#: How long a claimed event is left to its processor before another may take it.
LEASE_SECONDS = 300
#: ``Session.info`` flag: this transaction already wakes the thread when it commits.
_WAKE_ON_COMMIT = "lrs_outbox_wake"
#: Most events claimed per transaction by the background thread and ``lrs worker``.
#: A delivery batch has a fixed cost (each plugin's transaction, the audit trail's
#: signature, the claim and its outcome: about 12 ms of the worker's CPU with every
#: built-in plugin on), so the bound is high: at 50, single-statement POSTs cost the
#: worker 0.5 to 0.7 ms a statement; at 500, about 0.3 ms.
BATCH = 500
#: ...and the batch ends with the event that brings it to this many statements: what
#: plugins read and parse at once is bounded whatever the size of the POSTs.
BATCH_STATEMENTS = 5000
#: How often :meth:`Outbox._gather` looks whether events are still coming, per wait.
_GATHER_LOOKS = 5


def now_us() -> int:
    return time.time_ns() // 1000


_EVENT_COLUMNS = ("tenant_id", "hook", "payload", "created_us", "due_us")
#: The event's INSERT as driver SQL, by placeholder style (psycopg's, sqlite3's).
_INSERT_EVENT = {
    style: f"INSERT INTO {OutboxEvent.__tablename__} ({', '.join(_EVENT_COLUMNS)}) "
    f"VALUES ({', '.join(placeholder.format(c) for c in _EVENT_COLUMNS)})"
    for style, placeholder in (("postgresql", "%({})s"), ("sqlite", ":{}"))
}


def enqueue(session: Session, *events: Event) -> None:
    """Write ``events`` in ``session``'s transaction, due at once (several in one round
    trip: psycopg pipelines an ``executemany``).

    Driver SQL on the session's connection, not ``session.add``: the ORM's
    flush cost every POST about a millisecond, an ORM-enabled INSERT with its
    values built in still half of that, and even a prebuilt Core INSERT (its
    cache look-up, parameter processing and the ``RETURNING id`` SQLAlchemy adds
    on PostgreSQL) a tenth of a single POST's CPU, for a row nothing reads back
    in the request.
    """
    created = now_us()
    connection = session.connection()
    rows = [{"tenant_id": event.tenant_id, "hook": event.hook, "payload": event.to_json(),
             "created_us": created, "due_us": created} for event in events]
    connection.exec_driver_sql(_INSERT_EVENT[connection.dialect.name],
                               rows[0] if len(rows) == 1 else rows)


def _split_at(event: Event, fill: Mapping[str, str]) -> tuple[list[str], list[str]]:
    """``event``'s JSON cut where the fields named in ``fill`` go, and their
    expressions in that order: ``text[0] + value[0] + text[1] + ...``.

    Each field is first set to a placeholder no client can have sent (a random
    token), whose JSON is then found in the text.
    """
    token = secrets.token_hex(16)
    placeholders = {name: json.dumps(f"{token}:{name}") for name in fill}
    text = replace(event, **{name: f"{token}:{name}" for name in fill}).to_json()
    pieces, expressions = [], []
    for name in sorted(fill, key=lambda name: text.index(placeholders[name])):
        piece, text = text.split(placeholders[name])
        pieces.append(piece)
        expressions.append(fill[name])
    return [*pieces, text], expressions


@dataclass(slots=True)
class _Attempt:
    """One plugin's delivery state of one event, as :class:`OutboxDelivery` holds it.

    A plain object, not the ORM's: one is made per plugin and event delivered, and
    nearly all are thrown away with their event (every plugin took it); an ORM
    instance cost a tenth of delivering a single-statement event.
    """

    event_id: int
    plugin: str
    state: str
    attempts: int
    due_us: int | None
    last_error: str | None


@dataclass
class _Claimed:
    id: int
    hook: str
    event: Event
    prior: dict[str, _Attempt]


def _weight(event: Event) -> int:
    """What ``event`` counts for in :data:`BATCH_STATEMENTS`: its statements, or 1."""
    return len(event.statement_ids) if isinstance(event, StatementsStored) else 1


@dataclass
class _Delivered:
    """What one delivery pass did to an event, written by :meth:`Outbox._record`."""

    event_id: int
    finished: bool
    changed: list[_Attempt]
    due_us: int | None


class Outbox:
    """The outbox of one application: announce, process, replay, and the inline thread."""

    def __init__(self, settings: Settings, db: Database, hooks: Hooks, *,
                 server: bool = True) -> None:
        """:param server: whether this process serves requests: only a server delivers
        from a thread of its own (``LRS_OUTBOX_INLINE``); ``lrs worker`` and other
        commands deliver, if at all, in their own loop."""
        self._settings = settings
        self._db = db
        self._hooks = hooks
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._thread_pid = 0
        self._stopping = threading.Event()
        self._wakeup = threading.Event()
        self._inline = (server and settings.outbox_inline
                        and any(map(hooks.subscribers, EVENT_TYPES)))

    def announce(self, session: Session, *events: Event, wake: bool = True) -> None:
        """Enqueue each of ``events`` that a plugin implements the hook of, and wake the
        thread on commit.

        Call it inside the transaction that makes the change: the event then
        exists exactly when the change does.

        :param wake: false while the application is being built: a preloading
            gunicorn master must not start the thread; the first request of each
            worker does (:meth:`start_inline`) and finds the event due.
        """
        heard = [event for event in events if self._hooks.subscribers(event.hook)]
        if not heard:
            return
        enqueue(session, *heard)
        if wake:
            self.wake_on_commit(session)

    def row_of(self, event: Event) -> tuple[str, str] | None:
        """``event``'s hook and JSON payload, for a writer that inserts it with its change
        in one statement (:func:`lrs.store.statements.store_together`); ``None`` when no
        plugin implements the hook. Call :meth:`wake_on_commit` once it was written."""
        if not self._hooks.subscribers(event.hook):
            return None
        return event.hook, event.to_json()

    def wake_on_commit(self, session: Session) -> None:
        """Events were written in ``session``'s transaction: have the thread delivering
        in this process (if any) look once it commits."""
        if self._inline and not session.info.get(_WAKE_ON_COMMIT):
            session.info[_WAKE_ON_COMMIT] = True
            sa_event.listen(session, "after_commit", lambda _session: self.wake(), once=True)

    def announcement_for_each(
        self, event: Event, source: str, fill: Mapping[str, str] | None = None
    ) -> tuple[str, dict[str, Any]] | None:
        """``event`` as part of the statement that makes its change (PostgreSQL): an
        INSERT of it, due at once, for each row of ``source``, a name the statement's
        ``WITH`` defines (as ``, announced AS (INSERT ...)``), and its parameters;
        ``None`` when no plugin implements the event's hook.

        For a change that is a single statement, such as
        :func:`lrs.store.documents.put_at_once`: the event then exists exactly when
        the change does without a transaction around them. Call :meth:`announced`
        once the statement has committed.

        :param fill: fields of the event that the statement computes, each a ``json``
            SQL expression over ``source`` (what the change replaced, say), spliced
            into the event's JSON text. The text is never parsed as ``jsonb``, which
            refuses what a client may have sent (an escaped NUL in a user agent).
        """
        if not self._hooks.subscribers(event.hook):
            return None
        pieces, expressions = _split_at(event, fill or {})
        parts = ["CAST(%(event_payload_0)s AS text)"]
        for i, expression in enumerate(expressions, 1):
            parts += [f"CAST({expression} AS text)", f"CAST(%(event_payload_{i})s AS text)"]
        payload = " || ".join(parts)
        columns = ", ".join(_EVENT_COLUMNS)
        sql = (f", announced AS (INSERT INTO {OutboxEvent.__tablename__} ({columns}) "
               f"SELECT %(event_tenant_id)s, %(event_hook)s, {payload}, "
               f"%(event_created_us)s, %(event_created_us)s FROM {source})")
        return sql, {"event_tenant_id": event.tenant_id, "event_hook": event.hook,
                     "event_created_us": now_us(),
                     **{f"event_payload_{i}": piece for i, piece in enumerate(pieces)}}

    def announced(self) -> None:
        """An event of :meth:`announcement_for_each` was committed: have the thread
        delivering in this process (if any) look now."""
        if self._inline:
            self.wake()

    def process_pending(self, limit: int = BATCH, *, now: int | None = None) -> int:
        """Deliver up to ``limit`` due events (and about :data:`BATCH_STATEMENTS`
        statements); return how many were claimed.

        :param now: the current time in µs since the epoch (tests pass it to
            step through backoff without sleeping).
        """
        return self._process(limit, now)[0]

    def _process(self, limit: int, now: int | None) -> tuple[int, bool]:
        """:meth:`process_pending`, and whether the batch was full (more may be due)."""
        now = now_us() if now is None else now
        claimed, full = self._claim(limit, now)
        if claimed:
            owed = [self._owed(row, now) for row in claimed]
            # One call for the batch: its statements are read in one query, and what
            # plugins deferred (several events' writes in one transaction) runs once.
            failures = iter(self._hooks.deliver_all([
                (row.event, plugins)
                for row, plugins in zip(claimed, owed, strict=True) if plugins
            ]))
            self._record([self._outcomes(row, plugins, next(failures) if plugins else {}, now)
                          for row, plugins in zip(claimed, owed, strict=True)])
        return len(claimed), full

    def replay(self, *, plugin: str | None = None, actor: str = "system",
               now: int | None = None) -> int:
        """Make dead letters due again with fresh attempts; return how many.

        :param plugin: only this plugin's dead letters (all plugins when ``None``).
        :param actor: who asked, for the ``outbox.replayed`` admin action.
        """
        now = now_us() if now is None else now
        dead = OutboxDelivery.state == "dead"
        if plugin is not None:
            dead = dead & (OutboxDelivery.plugin == plugin)
        with self._db.write() as session:
            count = session.execute(
                update(OutboxDelivery).where(dead)
                .values(state="retry", attempts=0, due_us=now, last_error=None)
            ).rowcount
            session.execute(
                update(OutboxEvent)
                .where(OutboxEvent.due_us.is_(None), OutboxEvent.id.in_(
                    select(OutboxDelivery.event_id).where(OutboxDelivery.state == "retry")))
                .values(due_us=now)
            )
            if count:
                self.announce(session, AdminActionTaken(
                    tenant_id=DEFAULT_TENANT_ID, actor=actor, action="outbox.replayed",
                    target=f"plugin:{plugin}" if plugin else "outbox", occurred_us=now,
                    details={"deliveries": count},
                ))
        return count

    def dead_letters(self) -> list[OutboxDelivery]:
        """Every dead delivery, oldest event first (for ``lrs outbox`` and admin pages)."""
        with self._db.read() as session:
            return list(session.scalars(
                select(OutboxDelivery).where(OutboxDelivery.state == "dead")
                .order_by(OutboxDelivery.event_id, OutboxDelivery.plugin)
            ))

    def start_inline(self) -> None:
        """Start the thread if ``LRS_OUTBOX_INLINE`` is set and some plugin takes events.

        ``create_app`` runs this before every request: each process that serves
        requests gets its thread (a preloading gunicorn master, which serves
        none, does not), and events left from before a restart are delivered
        without waiting for the next commit. Without post-commit plugins no
        thread ever runs.
        """
        if self._inline:
            self.start()

    def start(self) -> None:
        """Run :meth:`run` in a daemon thread of this process (idempotent).

        A forked child has no thread (threads do not survive ``fork``): it starts its own.
        """
        if self._running():  # the common case, checked without the lock on every request
            return
        with self._lock:
            if self._running():
                return
            self._stopping.clear()
            self._thread = threading.Thread(target=self.run, args=(self._stopping,),
                                            kwargs={"wakeup": self._wakeup},
                                            name="lrs-outbox", daemon=True)
            self._thread_pid = os.getpid()
            self._thread.start()

    def wake(self) -> None:
        """Have the thread look for due events now rather than at its next poll."""
        self.start()
        self._wakeup.set()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the thread after its current pass (tests, shutdown)."""
        self._stopping.set()
        self._wakeup.set()
        thread = self._thread
        if thread is not None and self._running():
            thread.join(timeout)

    def _running(self) -> bool:
        thread = self._thread
        return thread is not None and thread.is_alive() and self._thread_pid == os.getpid()

    def run(self, stopping: threading.Event, *, wakeup: threading.Event | None = None,
            once: bool = False) -> int:
        """Deliver until ``stopping`` is set; return how many events were claimed.

        The loop of ``lrs worker`` and of the inline thread. A full batch is
        followed by the next claim at once. After a partial one, and after a
        commit woke an idle loop (``wakeup``, the inline thread's), events are
        let gather while they keep coming (:meth:`_gather`): a delivery batch
        costs about fifteen round trips to the database whatever its size, and
        at 40 POSTs a second a claim right away found one or two events, which
        doubled what the audit trail cost per statement. With nothing due, the
        loop sleeps until woken or for ``LRS_OUTBOX_POLL_SECONDS``; ``once``
        returns then instead, without gathering (``lrs worker --once``).

        A failing pass (the database is away) is logged and retried after the
        poll interval; with ``once`` it is raised.
        """
        settings = self._settings
        gather = settings.outbox_gather_ms / 1000
        delivered = 0
        while not stopping.is_set():
            if wakeup is not None:
                wakeup.clear()
            try:
                claimed, full = self._process(BATCH, None)
            except Exception:
                if once:
                    raise
                logger.exception("outbox processing failed; retrying in %ss",
                                 settings.outbox_poll_seconds)
                claimed, full = 0, False
            delivered += claimed
            if full or (once and claimed):
                continue  # more may be due already
            if once:
                break
            if not claimed:
                woken = (wakeup or stopping).wait(settings.outbox_poll_seconds)
                if not (woken and wakeup is not None):
                    continue
            self._gather(stopping, gather)  # after a partial batch or a wake-up
        return delivered

    def _gather(self, stopping: threading.Event, seconds: float) -> None:
        """Wait while events keep coming, up to ``seconds`` or a full batch.

        Every fifth of ``seconds`` the due events are counted (one cheap query):
        under load they keep coming and the loop waits the whole time, so that
        a delivery batch holds a second's POSTs rather than a quarter's (which
        took a fifth off the worker's cost per statement); once they stop, or
        a full batch is due, it claims at once, so a lull costs at most a
        fifth of the wait.
        """
        if seconds <= 0:
            return
        deadline = time.monotonic() + seconds
        try:
            seen = self._due_count()
            while seen < BATCH and (left := deadline - time.monotonic()) > 0:
                if stopping.wait(min(seconds / _GATHER_LOOKS, left)):
                    return
                count = self._due_count()
                if count == seen:
                    return
                seen = count
        except SQLAlchemyError:  # the database is away: the claim that follows reports it
            return

    def _due_count(self) -> int:
        """How many events are due now (at most :data:`BATCH`: more makes no difference)."""
        events = OutboxEvent.__table__
        due = select(events.c.id).where(events.c.due_us <= now_us()).limit(BATCH).subquery()
        with self._db.read() as session:
            return session.connection().execute(
                select(func.count()).select_from(due)).scalar_one()

    def _claim(self, limit: int, now: int) -> tuple[list[_Claimed], bool]:
        """Lease up to ``limit`` due events (ending with the one that reaches
        :data:`BATCH_STATEMENTS`), with how delivering them went so far; and whether
        the batch is full.

        Core statements on the session's connection, as in :meth:`_record`: a
        claim runs every delivery cycle, and the ORM's handling of each query
        cost more CPU than the query itself (about half a millisecond here).
        """
        events, deliveries = OutboxEvent.__table__, OutboxDelivery.__table__
        with self._db.write() as session:
            connection = session.connection()
            due = (select(events.c.id, events.c.hook, events.c.payload)
                   .where(events.c.due_us <= now)
                   .order_by(events.c.due_us, events.c.id).limit(limit))
            if connection.dialect.name == "postgresql":
                due = due.with_for_update(skip_locked=True)
            rows = connection.execute(due).all()
            taken: list[tuple[int, str, Event]] = []
            weight = 0
            for row in rows:
                event = event_from_json(row.hook, row.payload)
                taken.append((row.id, row.hook, event))
                weight += _weight(event)
                if weight >= BATCH_STATEMENTS:
                    break
            if not taken:
                return [], False
            ids = [event_id for event_id, _, _ in taken]
            connection.execute(update(events).where(any_of(session, events.c.id, ids))
                               .values(due_us=now + LEASE_SECONDS * 1_000_000))
            prior: dict[int, dict[str, _Attempt]] = defaultdict(dict)
            for delivery in connection.execute(
                select(deliveries).where(any_of(session, deliveries.c.event_id, ids))
            ):
                prior[delivery.event_id][delivery.plugin] = _Attempt(**delivery._mapping)
        claimed = [_Claimed(event_id, hook, event, prior[event_id])
                   for event_id, hook, event in taken]
        return claimed, len(taken) >= limit or weight >= BATCH_STATEMENTS

    def _owed(self, row: _Claimed, now: int) -> list[str]:
        """The plugins that have not had ``row`` yet, or whose retry is due."""
        return [
            plugin for plugin in sorted(self._hooks.subscribers(row.hook))
            if plugin not in row.prior
            or (row.prior[plugin].state == "retry" and (row.prior[plugin].due_us or 0) <= now)
        ]

    def _outcomes(self, row: _Claimed, owed: list[str], failures: dict[str, Exception],
                  now: int) -> _Delivered:
        """What delivering ``row`` to the ``owed`` plugins did (``failures``: who failed)."""
        subscribers = set(self._hooks.subscribers(row.hook))
        changed = {plugin: self._outcome(row, plugin, failures.get(plugin), now)
                   for plugin in owed}
        deliveries = {**row.prior, **changed}
        retry_at = [d.due_us or now for p, d in deliveries.items()
                    if p in subscribers and d.state == "retry"]
        finished = all(d.state == "done" for d in deliveries.values())
        return _Delivered(row.id, finished, list(changed.values()),
                          min(retry_at) if retry_at else None)

    def _record(self, delivered: list[_Delivered]) -> None:
        """Write the outcomes of one claimed batch in one transaction.

        Events every plugin has are deleted; the others keep their per-plugin
        state and are parked or due at their earliest retry. A crash before
        this commit only means redelivery after the lease (at least once).
        """
        done = [d.event_id for d in delivered if d.finished]
        events = OutboxEvent.__table__
        with self._db.write() as session:
            if done:
                session.connection().execute(
                    delete(events).where(any_of(session, events.c.id, done)))
            for outcome in delivered:
                if outcome.finished:
                    continue
                for delivery in outcome.changed:
                    session.merge(OutboxDelivery(**asdict(delivery)))
                session.execute(update(events).where(events.c.id == outcome.event_id)
                                .values(due_us=outcome.due_us))

    def _outcome(self, row: _Claimed, plugin: str, error: Exception | None,
                 now: int) -> _Attempt:
        """The delivery state after one attempt; failures are logged with the plugin's name."""
        before = row.prior.get(plugin)
        attempts = (before.attempts if before else 0) + (error is not None)
        delivery = _Attempt(event_id=row.id, plugin=plugin, attempts=attempts,
                            state="done", due_us=None, last_error=None)
        if error is None:
            return delivery
        settings = self._settings
        delivery.last_error = recordable(f"{type(error).__name__}: {error}")
        if attempts >= settings.outbox_max_attempts:
            delivery.state = "dead"
            logger.error("plugin %r failed on %s event %d (attempt %d of %d); dead-lettered, "
                         "replay with `lrs outbox replay`", plugin, row.hook, row.id, attempts,
                         settings.outbox_max_attempts, exc_info=error)
        else:
            delivery.state = "retry"
            delivery.due_us = now + settings.outbox_backoff_seconds * 1_000_000 * 2 ** (
                attempts - 1)
            logger.error("plugin %r failed on %s event %d (attempt %d of %d); retrying",
                         plugin, row.hook, row.id, attempts, settings.outbox_max_attempts,
                         exc_info=error)
        return delivery
