"""The audit trail of one application: its configuration, its key, its queries.

Hooks, commands and views all receive or find a :class:`~lrs.plugin.host.Host`;
:func:`trail_for` gives the one :class:`AuditTrail` of that host, so the key is
loaded once per process and the configuration validated once.
"""

from __future__ import annotations

import json
import threading
import weakref
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

from sqlalchemy import Select, func, select

from lrs.plugin.assignments import MAX_DUE_SOON_DAYS
from plugins.audit import chain
from plugins.audit.coverage import check_statements
from plugins.audit.keys import Signer, load_public_key, load_signer
from plugins.audit.models import AuditEntry

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from lrs.plugin.host import Host

#: Entries between two automatic signed checkpoints.
DEFAULT_CHECKPOINT_EVERY = 1000
#: Days before a due date from which an unfinished requirement is "due soon".
DEFAULT_SOON_DAYS = 14

_trails: weakref.WeakKeyDictionary[Host, AuditTrail] = weakref.WeakKeyDictionary()


def trail_for(host: Host) -> AuditTrail:
    trail = _trails.get(host)
    if trail is None:
        trail = _trails[host] = AuditTrail(host)
    return trail


@dataclass(frozen=True)
class Filters:
    """Which entries an export or report covers (all of a tenant's by default)."""

    tenant_id: int
    person: str | None = None
    activity: str | None = None
    since_us: int | None = None
    until_us: int | None = None

    def describe(self) -> dict[str, Any]:
        return {"tenant": self.tenant_id, "person": self.person, "activity": self.activity,
                "since_us": self.since_us, "until_us": self.until_us}


class AuditTrail:
    """Record, verify and read the chain of one application."""

    def __init__(self, host: Host) -> None:
        self.host = host
        self.config = host.plugin_config("audit")
        #: Set ``LRS_PLUGIN_AUDIT_CHECKPOINT_EVERY`` (0 turns automatic checkpoints off).
        self.checkpoint_every = host.plugin_whole_number("audit", "checkpoint_every",
                                                         DEFAULT_CHECKPOINT_EVERY)
        self.soon_days = host.plugin_whole_number("audit", "soon_days", DEFAULT_SOON_DAYS,
                                                  high=MAX_DUE_SOON_DAYS, unit="days")
        #: Entries of the delivery batch in progress, per delivering thread.
        self._batch = threading.local()

    @cached_property
    def signer(self) -> Signer:
        """The signing key, loaded on first use (only signing and verifying need it).

        :raises AuditKeyError: it is not configured (production) or unreadable.
        """
        return load_signer(self.config, self.host.settings)

    def record_later(self, entries: list[chain.NewEntry]) -> None:
        """Append ``entries`` with the rest of the outbox's delivery batch (hooks do this).

        They wait in this thread's buffer until every event of the batch has been
        delivered (:meth:`lrs.plugin.host.Host.defer`), then the whole batch's entries
        are appended, in delivery order, in one transaction with one signature.
        If that fails, the batch's events are redelivered: nothing is lost.
        """
        pending = getattr(self._batch, "entries", None)
        if pending is None:
            pending = self._batch.entries = []
        pending.extend(entries)
        self.host.defer(self._append_batch)

    def _append_batch(self) -> None:
        entries, self._batch.entries = self._batch.entries or [], None
        self.record(entries)

    def record(self, entries: list[chain.NewEntry]) -> int:
        """Append ``entries`` (those not recorded yet) in one transaction."""
        if not entries:
            return 0
        with self.host.write() as session:
            return chain.append(session, entries, self.signer,
                                checkpoint_every=self.checkpoint_every,
                                insert_rows=self.host.insert_rows)

    def record_in(self, session: Session, entries: list[chain.NewEntry]) -> int:
        """Append ``entries`` in the caller's transaction (they commit or roll back with it)."""
        return chain.append(session, entries, self.signer,
                            checkpoint_every=self.checkpoint_every,
                            insert_rows=self.host.insert_rows)

    def checkpoint(self) -> tuple[int, str]:
        with self.host.write() as session:
            point = chain.checkpoint(session, self.signer)
            return point.seq, point.hash

    def verify(self, public_key_pem: str | None = None, *,
               tenant_id: int | None = None) -> chain.Verification:
        """Check the chain with the configured key, or with an auditor's public key, then
        that its entries cover the stored statements (:mod:`plugins.audit.coverage`).

        :param tenant_id: report only this store's entry count and statements
            (HTTP callers).
        """
        if public_key_pem:
            public_key, mac = load_public_key(public_key_pem), None
        else:
            public_key = self.signer.private_key.public_key()
            mac = chain.mac_key(self.signer)
        with self.host.read() as session:
            result = chain.verify(session, public_key, tenant_id, mac)
            result.problems += check_statements(session, self.host.stored_statement_texts(),
                                                result.last_seq, tenant_id)
        return result

    def entries(self, filters: Filters) -> Iterator[dict[str, Any]]:
        """The matching entries, oldest first, as JSON-able dicts (JSON columns parsed)."""
        query = _filtered(select(AuditEntry), filters)
        with self.host.read() as session:
            for row in session.scalars(query.order_by(AuditEntry.seq)
                                       .execution_options(yield_per=1000)):
                yield as_record(row)

    def count(self, filters: Filters) -> int:
        with self.host.read() as session:
            return session.scalar(_filtered(select(func.count()).select_from(AuditEntry),
                                             filters)) or 0


def _filtered(query: Select[Any], filters: Filters) -> Select[Any]:
    query = query.where(AuditEntry.tenant_id == filters.tenant_id)
    if filters.person:
        query = query.where(AuditEntry.person == filters.person)
    if filters.activity:
        query = query.where(AuditEntry.activity == filters.activity)
    if filters.since_us is not None:
        query = query.where(AuditEntry.occurred_us >= filters.since_us)
    if filters.until_us is not None:
        query = query.where(AuditEntry.occurred_us < filters.until_us)
    return query


def as_record(row: AuditEntry) -> dict[str, Any]:
    record = chain.body_of(row)
    for name in ("source", "before", "after", "details"):
        record[name] = json.loads(record[name]) if record[name] is not None else None
    record["prev_hash"], record["hash"] = row.prev_hash, row.hash
    return record
