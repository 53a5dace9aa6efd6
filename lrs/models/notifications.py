"""Notifications plugins raise (``host.notify``), their delivery per channel, and who gets them.

A :class:`Notification` is written in the transaction of the caller (a KPI's
status change and its alert exist together); channels deliver it after the
commit, each recording how it went in a :class:`NotificationDelivery` row,
which the Notifications page shows and the webhook channel also uses as its
queue. :class:`NotificationSubscription` rows say which email addresses of a
store receive which topics.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lrs.models.base import Base
from lrs.models.types import BigId


class Notification(Base):
    """One notification, kept as raised (the record in the UI)."""

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"))
    #: Random and unique: the idempotency key receivers deduplicate on (row ids
    #: may repeat across databases).
    uid: Mapped[str] = mapped_column(String(32))
    #: Dotted name, e.g. ``kpi.status_changed``.
    topic: Mapped[str] = mapped_column(String(100))
    subject: Mapped[str] = mapped_column(String(300))
    text: Mapped[str] = mapped_column(Text)
    #: A JSON object: the facts for machines (webhook receivers).
    data: Mapped[str] = mapped_column(Text, default="{}")
    #: A JSON list of employee ids who receive it besides the topic's subscribers.
    audience: Mapped[str] = mapped_column(Text, default="[]")
    #: The plugin that raised it, if it said.
    plugin: Mapped[str | None] = mapped_column(String(200), nullable=True)
    raised_us: Mapped[int] = mapped_column(BigInteger)

    __table_args__ = (
        Index("uq_notifications_uid", "uid", unique=True),
        Index("ix_notifications_tenant_raised", "tenant_id", "raised_us"),
    )


class NotificationDelivery(Base):
    """How delivering one notification through one channel went (``email``,
    ``webhook:<instance id>``)."""

    __tablename__ = "notification_deliveries"

    notification_id: Mapped[int] = mapped_column(
        ForeignKey("notifications.id", ondelete="CASCADE"), primary_key=True
    )
    channel: Mapped[str] = mapped_column(String(200), primary_key=True)
    #: ``pending``, ``sent``, ``retry``, ``failed`` or ``skipped``
    #: (:data:`lrs.plugin.notifications.DELIVERY_STATES`).
    state: Mapped[str] = mapped_column(String(10))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    #: The last failure, or why it was skipped; never a secret.
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    #: What the channel reached, e.g. ``2 recipients`` (a JSON list for email:
    #: the addresses already sent to, skipped when retrying).
    detail: Mapped[str | None] = mapped_column(Text, nullable=True)
    updated_us: Mapped[int] = mapped_column(BigInteger)

    __table_args__ = (Index("ix_notification_deliveries_channel_state", "channel", "state"),)


class NotificationSubscription(Base):
    """An email address of a store receiving one topic (``*``: every topic)."""

    __tablename__ = "notification_subscriptions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"))
    topic: Mapped[str] = mapped_column(String(100))
    #: Lower-cased.
    email: Mapped[str] = mapped_column(String(320))
    created_us: Mapped[int] = mapped_column(BigInteger)
    created_by: Mapped[str] = mapped_column(String(200))

    __table_args__ = (
        Index("uq_notification_subscriptions", "tenant_id", "topic", "email", unique=True),
    )
