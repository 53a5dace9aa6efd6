"""The backlog of one outgoing connector type: filled after each commit, drained by ``sync``.

Why a queue rather than a ``stored`` cursor: statements are committed in
parallel by several server workers, so one committed a moment later can carry a
``stored`` time earlier than one already forwarded, and a cursor past it would
skip it for good. The ``statements_stored`` hook is delivered at least once for
every committed batch (the durable outbox), so appending each matching
statement's id to the queue of every instance concerned loses nothing; the
instance's ``sync`` then sends the queue in order and deletes what the remote
system acknowledged. A crash between the two sends some statements again,
never fewer: receivers deduplicate on the statement id (which is kept) or the
idempotency key.
"""

from __future__ import annotations

import threading
import weakref
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, exists, select

from connectors.outbound.models import QUEUE
from lrs.plugin.host import StoredStatement

if TYPE_CHECKING:
    from lrs.plugin.host import ConnectorInstance, Host

#: ``select(host, instance, statements)``: the statements this instance wants.
Selector = Callable[
    ["Host", "ConnectorInstance", "Sequence[StoredStatement]"], "list[StoredStatement]"
]


@dataclass
class OutboundType:
    """The queueing side of one outgoing connector type (``forwarding``, ``webhook``)."""

    #: The connector type's name: whose instances get the statements.
    type_name: str
    #: Which statements an instance wants (its configured filter).
    select: Selector

    def __post_init__(self) -> None:
        self._buffers: weakref.WeakKeyDictionary[Host, _Buffer] = weakref.WeakKeyDictionary()
        self._lock = threading.Lock()

    def statements_stored(self, host: Host, tenant_id: int, statements_json: Sequence[str]) -> None:
        """Buffer a committed batch; the whole outbox delivery batch is queued at once.

        Called from the type plugin's ``statements_stored`` hook, with the JSON
        text: a store without an instance of this type costs one query per
        delivery batch and no parsing. The rows are
        written once every event of the delivery batch has reached the plugin
        (:meth:`Host.defer`): one query for the instances per store and one
        INSERT, however many events there were. If that fails, the events are
        delivered again.
        """
        with self._lock:
            buffer = self._buffers.get(host)
            if buffer is None:
                buffer = self._buffers[host] = _Buffer(self, host)
        buffer.add(tenant_id, statements_json)
        host.defer(buffer.flush)

    def enqueue(
        self,
        host: Host,
        batches: Sequence[tuple[int, Sequence[str]]],
    ) -> None:
        """Queue each store's statements (JSON texts) for the instances that want them,
        in one transaction, then make those instances due."""
        by_tenant: dict[int, list[str]] = defaultdict(list)
        for tenant_id, texts in batches:
            by_tenant[tenant_id].extend(texts)
        rows: list[dict[str, Any]] = []
        due: list[int] = []
        for tenant_id, texts in by_tenant.items():
            # Disabled and paused instances queue too: disabling stops sending, not
            # the record of what is owed, so enabling or resuming catches up.
            instances = host.connector_instances(self.type_name, tenant_id)
            statements = [StoredStatement.from_json(text) for text in texts] if instances else []
            for instance in instances:
                wanted = self.select(host, instance, statements)
                rows.extend(
                    {
                        "instance_id": instance.id,
                        "connector_type": self.type_name,
                        "statement_id": statement["id"],
                    }
                    for statement in wanted
                )
                if wanted and instance.enabled and not instance.paused:
                    due.append(instance.id)
        if rows:
            with host.write() as session:
                host.insert_rows(session, QUEUE, rows)
        for instance_id in due:
            host.run_connector_soon(instance_id)

    def forget_deleted(self, host: Host) -> int:
        """Drop the backlog of instances that no longer exist; return how many rows.

        Called when a connector is deleted (``admin_action_taken``).
        """
        kept = [i.id for i in host.connector_instances(self.type_name)]
        with host.write() as session:
            return session.execute(
                delete(QUEUE).where(
                    QUEUE.c.connector_type == self.type_name, QUEUE.c.instance_id.not_in(kept)
                )
            ).rowcount


class _Buffer:
    """What one thread's current delivery batch brought for one host's instances."""

    def __init__(self, kind: OutboundType, host: Host) -> None:
        self._kind, self._host = kind, weakref.ref(host)
        self._local = threading.local()

    def add(self, tenant_id: int, statements_json: Sequence[str]) -> None:
        pending = getattr(self._local, "batches", None)
        if pending is None:
            pending = self._local.batches = []
        pending.append((tenant_id, statements_json))

    def flush(self) -> None:
        batches, self._local.batches = getattr(self._local, "batches", None) or [], None
        host = self._host()
        if host is not None and batches:
            self._kind.enqueue(host, batches)


@dataclass(frozen=True)
class Backlog:
    """The queue of one instance, as its ``sync`` reads and acknowledges it."""

    host: Host
    instance_id: int

    def take(self, limit: int, *, after: int = 0) -> list[tuple[int, str]]:
        """The oldest ``limit`` rows after row ``after``: ``(seq, statement id)`` in
        arrival order."""
        with self.host.read() as session:
            return [
                (seq, statement_id)
                for seq, statement_id in session.execute(
                    select(QUEUE.c.seq, QUEUE.c.statement_id)
                    .where(QUEUE.c.instance_id == self.instance_id, QUEUE.c.seq > after)
                    .order_by(QUEUE.c.seq)
                    .limit(limit)
                )
            ]

    def acknowledge(self, through_seq: int, statement_ids: Sequence[str] | None = None) -> None:
        """Delete the rows up to ``through_seq`` (only those of ``statement_ids`` if given)."""
        condition = [QUEUE.c.instance_id == self.instance_id, QUEUE.c.seq <= through_seq]
        if statement_ids is not None:
            condition.append(QUEUE.c.statement_id.in_(list(statement_ids)))
        with self.host.write() as session:
            session.execute(delete(QUEUE).where(*condition))

    def is_empty(self) -> bool:
        with self.host.read() as session:
            return not session.scalar(
                select(exists().where(QUEUE.c.instance_id == self.instance_id))
            )
