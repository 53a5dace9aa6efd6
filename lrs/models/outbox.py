"""The durable outbox: events written with the change they announce, delivered later.

An :class:`OutboxEvent` row is inserted in the same transaction as the statements
(or documents, or admin change) it describes, so an event exists exactly when
its change was committed. Delivery to plugins happens after the commit;
:class:`OutboxDelivery` rows remember, per plugin, what went wrong, so that one
failing plugin is retried (and finally dead-lettered) alone.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lrs.models.base import Base
from lrs.models.types import BigId


class OutboxEvent(Base):
    """One event still owed to at least one plugin (deleted once everyone has it)."""

    __tablename__ = "outbox_events"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"))
    #: Hook the event is delivered to, e.g. ``statements_stored``.
    hook: Mapped[str] = mapped_column(String(100))
    #: The event as :meth:`lrs.plugin.events.Event.to_json` wrote it.
    payload: Mapped[str] = mapped_column(Text)
    created_us: Mapped[int] = mapped_column(BigInteger)
    #: When a processor should look at it next (µs epoch). Claiming pushes it a
    #: lease ahead, so a processor that dies mid-delivery only delays the event;
    #: ``NULL`` parks it: only dead letters (or absent plugins) remain.
    due_us: Mapped[int | None] = mapped_column(BigInteger, nullable=True)

    __table_args__ = (Index("ix_outbox_events_due_us", "due_us"),)


class OutboxDelivery(Base):
    """How delivering one event to one plugin went, once it has not simply succeeded.

    No row is written when every plugin takes an event the first time.
    """

    __tablename__ = "outbox_deliveries"

    event_id: Mapped[int] = mapped_column(
        ForeignKey("outbox_events.id", ondelete="CASCADE"), primary_key=True
    )
    plugin: Mapped[str] = mapped_column(String(200), primary_key=True)
    #: ``done``, ``retry`` (due again at ``due_us``) or ``dead`` (needs a replay).
    state: Mapped[str] = mapped_column(String(10))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    due_us: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    #: The last failure, ``ExceptionType: message`` (the traceback is in the logs).
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
