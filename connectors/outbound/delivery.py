"""Sending an instance's backlog: in order, in batches, acknowledged as it goes.

Both outgoing types share this loop and differ only in their ``send``: one POST
of a batch to another LRS, or one signed POST per statement to a webhook. The
loop reads the oldest rows of the queue, fetches their statements, sends them,
deletes the rows the remote system acknowledged and checkpoints (which renews
the run's claim), until the queue is empty, the run's time is up or the worker
stops; it then returns ``more=True`` if rows are left, so the runtime runs it
again at once. A failed send raises: the rows stay and the runtime retries with
backoff, then pauses the instance after repeated failures.
"""

from __future__ import annotations

import json
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from connectors.outbound.queue import Backlog, Selector
from lrs.plugin.connectors import SyncRun, SyncSummary
from lrs.plugin.host import StoredStatement

if TYPE_CHECKING:
    from lrs.plugin.host import ConnectorInstance, Host

#: Messages kept per run (a receiver refusing thousands would flood the history).
MAX_MESSAGES = 20
#: A backfill covers statements stored up to this long after it started, so that
#: one stored by a server whose clock runs ahead of the worker's is not missed
#: (sending one twice is harmless; see the module's docstring).
BACKFILL_MARGIN_US = 300 * 1_000_000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
#: The verb of voiding statements, as it appears in their JSON text.
VOIDED = '"http://adlnet.gov/expapi/verbs/voided"'


@dataclass(frozen=True)
class Sent:
    """What one ``send`` did with the statements it was given."""

    #: Statements the remote system acknowledged.
    sent: int
    #: Statements it refused for good (invalid for it, a conflicting id): dropped
    #: from the queue so they do not block it, and named in ``messages``.
    skipped: int = 0
    messages: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Outgoing:
    """A statement to send: its id and its JSON text as stored (never encoded again)."""

    id: str
    json: str

    @classmethod
    def of(cls, statement: StoredStatement) -> Outgoing:
        return cls(statement["id"], statement.json)


class Undelivered(Exception):
    """``send`` failed part-way: the statements of ``done`` were acknowledged first."""

    def __init__(self, done: list[str], cause: Exception) -> None:
        super().__init__(str(cause))
        self.done = done
        self.cause = cause


#: ``send(statements)``: deliver them in order, or raise. Called from sending threads,
#: as many at once as :func:`drain` is given batches in flight (one for a webhook),
#: so that the next batch is read while others are on the wire.
Sender = Callable[[list[Outgoing]], Sent]


def find_instance(host: Host, type_name: str, run: SyncRun) -> ConnectorInstance:
    """The instance ``run`` runs (the runtime names it; its queue is keyed by id)."""
    for instance in host.connector_instances(type_name, run.tenant_id):
        if instance.name == run.instance:
            return instance
    raise LookupError(f"no {type_name} connector named {run.instance!r} in store {run.tenant_id}")


@dataclass
class Progress:
    """Counts of one run, turned into its :class:`SyncSummary`."""

    started: float = field(default_factory=time.monotonic)
    fetched: int = 0
    sent: int = 0
    skipped: int = 0
    messages: list[str] = field(default_factory=list)
    dropped_messages: int = 0

    def add(self, result: Sent) -> None:
        self.sent += result.sent
        self.skipped += result.skipped
        for message in result.messages:
            if len(self.messages) < MAX_MESSAGES:
                self.messages.append(message)
            else:
                self.dropped_messages += 1

    def out_of_time(self, run: SyncRun, budget_seconds: float) -> bool:
        return run.should_stop or time.monotonic() - self.started >= budget_seconds

    def summary(self, *, more: bool) -> SyncSummary:
        messages = list(self.messages)
        if self.dropped_messages:
            messages.append(f"... and {self.dropped_messages} more")
        return SyncSummary(
            fetched=self.fetched,
            sent=self.sent,
            skipped=self.skipped,
            messages=tuple(messages),
            more=more,
        )


def drain(
    host: Host,
    run: SyncRun,
    backlog: Backlog,
    send: Sender,
    progress: Progress,
    *,
    batch_size: int,
    budget_seconds: float,
    in_flight: int = 1,
) -> SyncSummary:
    """Send the instance's queue from its oldest row (see the module's docstring).

    Pipelined: up to ``in_flight`` batches are on the wire at once while the next
    is read from the database, and batches are acknowledged (rows deleted,
    checkpoint) strictly in queue order as they land, so a failure leaves every
    row from the failed batch on in the queue. With more than one in flight the
    remote system may store two batches in either order; a batch holding a
    voiding statement is therefore sent only once every earlier batch has landed,
    so that it never overtakes the statement it voids.
    """
    flight: deque[_Batch] = deque()
    after = 0
    exhausted = False
    with ThreadPoolExecutor(max_workers=in_flight, thread_name_prefix="outbound-send") as wire:
        while True:
            while (
                not exhausted
                and len(flight) < in_flight
                and not (flight and progress.out_of_time(run, budget_seconds))
            ):
                batch = _read(host, run, backlog, progress, batch_size, after)
                if batch is None:
                    exhausted = True
                    break
                if batch.voids:
                    while flight:
                        _acknowledge(flight.popleft(), backlog, progress, run)
                batch.future = (
                    wire.submit(send, batch.outgoing) if batch.outgoing else _finished(Sent(0))
                )
                after = batch.last_seq
                flight.append(batch)
            if not flight:
                return progress.summary(more=not backlog.is_empty())
            _acknowledge(flight.popleft(), backlog, progress, run)
            if not exhausted and progress.out_of_time(run, budget_seconds):
                while flight:
                    _acknowledge(flight.popleft(), backlog, progress, run)
                return progress.summary(more=not backlog.is_empty())


@dataclass
class _Batch:
    """Rows of the queue read together, their statements, and their send once started."""

    last_seq: int
    outgoing: list[Outgoing]
    future: Future[Sent] | None = None

    @property
    def voids(self) -> bool:
        """Whether a statement of the batch may void another (a cheap, safe overestimate)."""
        return any(VOIDED in statement.json for statement in self.outgoing)


def _read(
    host: Host, run: SyncRun, backlog: Backlog, progress: Progress, limit: int, after: int
) -> _Batch | None:
    """The next rows after ``after`` with their statements' text, or ``None`` when none."""
    rows = backlog.take(limit, after=after)
    if not rows:
        return None
    wanted = list(dict.fromkeys(statement_id for _, statement_id in rows))
    texts = host.statement_texts(run.tenant_id, wanted)
    progress.fetched += len(rows)
    # Erased since they were queued: nothing left to send.
    progress.skipped += len(wanted) - len(texts)
    return _Batch(rows[-1][0], [Outgoing(i, texts[i]) for i in wanted if i in texts])


def _acknowledge(batch: _Batch, backlog: Backlog, progress: Progress, run: SyncRun) -> None:
    """Wait for ``batch``'s send, then delete its rows and checkpoint; on a failure
    part-way, delete only the rows of the statements acknowledged, and raise."""
    assert batch.future is not None
    try:
        result = batch.future.result()
    except Undelivered as failed:
        if failed.done:
            backlog.acknowledge(batch.last_seq, failed.done)
        raise failed.cause from None
    backlog.acknowledge(batch.last_seq)
    progress.add(result)
    run.checkpoint(f"queue:{batch.last_seq}")


def _finished(result: Sent) -> Future[Sent]:
    future: Future[Sent] = Future()
    future.set_result(result)
    return future


def backfill(
    host: Host,
    run: SyncRun,
    instance: ConnectorInstance,
    select: Selector,
    send: Sender,
    progress: Progress,
    *,
    batch_size: int,
    budget_seconds: float,
) -> bool:
    """Send what the store held before the instance existed, oldest first; True when done.

    ``run.cursor`` is ``backfill:<after>:<until>`` (µs of ``stored``): statements
    stored after ``<after>`` up to ``<until>``, fixed when the backfill began.
    A run stops only between two ``stored`` times (a batch of statements shares
    one), so the exclusive ``<after>`` of the next run skips nothing.
    """
    after, until = _backfill_window(run.cursor)
    batch: list[StoredStatement] = []
    last_us = after
    for stored_us, statement in _stored_since(host, run.tenant_id, after, until):
        if stored_us != last_us and batch and len(batch) >= batch_size:
            _send_batch(host, instance, select, send, progress, batch)
            batch = []
            run.checkpoint(f"backfill:{last_us}:{until}")
            if progress.out_of_time(run, budget_seconds):
                return False
        batch.append(statement)
        last_us = stored_us
    if batch:
        _send_batch(host, instance, select, send, progress, batch)
    run.checkpoint("queue:0")
    return True


def start_cursor(backfill_wanted: bool) -> str:
    """The cursor of a first run: a backfill up to now, or straight to the queue."""
    if not backfill_wanted:
        return "queue:0"
    return f"backfill:0:{time.time_ns() // 1000 + BACKFILL_MARGIN_US}"


def _send_batch(
    host: Host,
    instance: ConnectorInstance,
    select: Selector,
    send: Sender,
    progress: Progress,
    batch: list[StoredStatement],
) -> None:
    progress.fetched += len(batch)
    wanted = select(host, instance, batch)
    progress.skipped += len(batch) - len(wanted)
    if wanted:
        try:
            progress.add(send([Outgoing.of(s) for s in wanted]))
        except Undelivered as failed:
            raise failed.cause from None


def _backfill_window(cursor: str | None) -> tuple[int, int]:
    kind, _, window = (cursor or "").partition(":")
    after, _, until = window.partition(":")
    if kind != "backfill" or not (after.isdigit() and until.isdigit()):
        raise ValueError(f"not a backfill cursor: {cursor!r}")
    return int(after), int(until)


def _stored_since(
    host: Host, tenant_id: int, after_us: int, until_us: int
) -> Iterator[tuple[int, StoredStatement]]:
    for payload in host.query_statements(
        tenant_id, since_us=after_us, until_us=until_us, include_voided=True
    ):
        statement = StoredStatement.from_json(
            json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
        )
        yield _us(payload["stored"]), statement


def _us(stored: str) -> int:
    """``stored`` (ISO 8601, what queries compare) in µs since the epoch."""
    moment = datetime.fromisoformat(stored.replace("Z", "+00:00"))
    return (moment - _EPOCH) // timedelta(microseconds=1)
