"""Concurrent writes of one process share a transaction, and so one commit.

Most LMSs send statements one at a time, and a durable commit (a WAL flush on
PostgreSQL, an fsync'd journal on SQLite) is the floor of each request: sixteen
clients posting single statements waited on sixteen commits. Here a request
that finds another one committing queues its batch; when that commit is done,
the first of the queued requests becomes the *leader*, runs every queued batch
in one transaction, commits once, and wakes the others with their own outcomes.
No thread of its own: a lone request commits at once, exactly as before, and
batching happens only while requests overlap. While they do (the last group held
more than one batch), the next leader first lets its group gather: it waits until
as many batches are queued as the last group held, or until ``gather_seconds``
have passed. Without that pause it set off with the two or three batches that
happened to be queued, while requests already being handled queued theirs a
moment later; the group's INSERT, event row and commit cost the same whatever
its size, so larger groups make each request's share smaller (16 clients posting
single statements: about a tenth more a second at 2 ms, ``python -m
bench.group_commit``). The group's batches
are handed to the writer together, so that it can store them as one (on
PostgreSQL, one INSERT statement for a group of single-statement POSTs, which
writes their events too: :func:`lrs.store.statements.store_together`).

Each batch keeps its own answer. A batch refused by its checks (an id stored
with other content, an id twice in the batch) raises having written nothing (on
PostgreSQL its rows are inserted first and deleted again before it raises), so
the group goes on without it. A failure of the transaction itself (a
concurrent insert of the same id, a deadlock, the database away) fails the
group, and each of its batches is then written alone, as if grouping did not
exist. Nothing is acknowledged before the commit that made it durable.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from lrs.store.statements import StoredBatch
from lrs.xapi.errors import XapiError

#: ``write(session, batches)``: store a group's batches in the shared transaction, each
#: with its outcome (a batch refused by its checks: the :class:`XapiError`, nothing of it
#: written).
Write = Callable[[Session, list[Any]], list[StoredBatch | XapiError]]


def _held_lock() -> threading.Lock:
    """A lock taken already: released once to wake the one thread that waits on it.

    A one-shot wake-up without :class:`threading.Event`'s condition variable, whose
    creation, ``wait`` and ``set`` cost each POST of a group a few microseconds more.
    """
    lock = threading.Lock()
    lock.acquire()
    return lock


@dataclass(eq=False)
class _Queued:
    batch: Any
    #: Released once, when the batch has its outcome or is to lead the next group.
    done: threading.Lock = field(default_factory=_held_lock)
    #: Woken to lead the next group rather than with an outcome.
    leads: bool = False
    stored: StoredBatch | None = None
    refused: XapiError | None = None
    #: The group's transaction failed: write this batch alone.
    alone: bool = False


class GroupCommit:
    """The write queue of one process (one per application)."""

    def __init__(self, transaction: Callable[[], Any], write: Write, *,
                 alone: Callable[[Any], StoredBatch], max_batches: int,
                 gather_seconds: float = 0.0) -> None:
        """:param transaction: opens a write transaction (``Database.write``).
        :param write: stores the group's batches in it.
        :param alone: stores one batch in a transaction of its own, with retries.
        :param max_batches: batches one transaction takes at most.
        :param gather_seconds: how long a leader may wait for its group to gather
            while requests overlap (0: it writes what is queued at once)."""
        self._transaction = transaction
        self._write = write
        self._alone = alone
        self._max = max_batches
        self._gather = gather_seconds
        self._lock = threading.Lock()
        self._arrived = threading.Condition(self._lock)
        self._queue: list[_Queued] = []
        self._leading = False
        #: Batches the last group took: more than one means requests overlap.
        self._last_group = 1

    def store(self, batch: Any) -> StoredBatch:
        """Store ``batch`` durably, sharing a commit with concurrent ones.

        :raises XapiError: the batch is refused (nothing of it is stored).
        """
        mine = _Queued(batch)
        with self._lock:
            self._queue.append(mine)
            self._arrived.notify()
            lead = not self._leading
            self._leading = True
        if not lead:
            mine.done.acquire()
            if not mine.leads:
                return self._outcome(mine)
        with self._lock:  # the leader's own batch is always first in the queue
            self._let_gather()
            group, self._queue = self._queue[:self._max], self._queue[self._max:]
            self._last_group = len(group)
        try:
            self._commit(group)
        finally:
            with self._lock:
                if self._queue:
                    self._queue[0].leads = True
                    self._queue[0].done.release()
                else:
                    self._leading = False
            for queued in group:
                if queued is not mine:
                    queued.done.release()
        return self._outcome(mine)

    def _let_gather(self) -> None:
        """While requests overlap, wait (the lock released) until the queue holds as
        many batches as the last group did, or the gathering time is up."""
        if not self._gather:
            return
        wanted = min(self._last_group, self._max)
        deadline = time.monotonic() + self._gather
        while len(self._queue) < wanted:
            left = deadline - time.monotonic()
            if left <= 0:
                return
            self._arrived.wait(left)

    def _commit(self, group: list[_Queued]) -> None:
        try:
            with self._transaction() as session:
                outcomes = self._write(session, [queued.batch for queued in group])
        except Exception:  # every batch is then tried alone, which reports it
            for queued in group:
                queued.alone = True
            return
        for queued, outcome in zip(group, outcomes, strict=True):
            if isinstance(outcome, XapiError):
                queued.refused = outcome
            else:
                queued.stored = outcome

    def _outcome(self, queued: _Queued) -> StoredBatch:
        if queued.alone:
            return self._alone(queued.batch)
        if queued.refused is not None:
            raise queued.refused
        assert queued.stored is not None
        return queued.stored
