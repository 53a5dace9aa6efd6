"""Persistence of notifications, their deliveries per channel and the stores' subscriptions.

See :mod:`lrs.models.notifications`. No Flask, no plugins: the host, the email
channel, the admin API, the CLI and the web page share these functions.
"""

from __future__ import annotations

import json
import secrets
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from lrs.models import Notification, NotificationDelivery, NotificationSubscription, Person

#: Topic of a subscription to every topic.
EVERY_TOPIC = "*"


def add_notification(
    session: Session,
    *,
    tenant_id: int,
    topic: str,
    subject: str,
    text: str,
    data: dict[str, Any],
    audience: Sequence[str],
    plugin: str | None,
    raised_us: int,
) -> Notification:
    """Insert one notification (flushed: its ``id`` and ``uid`` are set)."""
    row = Notification(
        tenant_id=tenant_id,
        uid=secrets.token_hex(16),
        topic=topic,
        subject=subject,
        text=text,
        data=json.dumps(data, ensure_ascii=False, separators=(",", ":")),
        audience=json.dumps(list(audience)),
        plugin=plugin,
        raised_us=raised_us,
    )
    session.add(row)
    session.flush()
    return row


def record_delivery(
    session: Session,
    notification_id: int,
    channel: str,
    *,
    state: str,
    now_us: int,
    error: str | None = None,
    detail: str | None = None,
    attempted: bool = False,
) -> NotificationDelivery:
    """Create or update how ``channel`` delivered the notification.

    :param attempted: count one more attempt (a send that reached or failed to
        reach the remote system; queueing is none).
    """
    row = session.get(NotificationDelivery, (notification_id, channel))
    if row is None:
        row = NotificationDelivery(
            notification_id=notification_id,
            channel=channel,
            attempts=0,
            state=state,
            updated_us=now_us,
        )
        session.add(row)
    row.state = state
    row.attempts = (row.attempts or 0) + attempted
    row.last_error = error
    if detail is not None:
        row.detail = detail
    row.updated_us = now_us
    session.flush()
    return row


def delivery(session: Session, notification_id: int, channel: str) -> NotificationDelivery | None:
    return session.get(NotificationDelivery, (notification_id, channel))


def queue(session: Session, notification_id: int, channel: str, now_us: int) -> None:
    """Owe the notification to ``channel`` unless it already is (a redelivered event)."""
    if delivery(session, notification_id, channel) is None:
        record_delivery(session, notification_id, channel, state="pending", now_us=now_us)


def owed(session: Session, tenant_id: int, channel: str, limit: int) -> list[Notification]:
    """The oldest notifications ``channel`` has yet to deliver (pending or retry)."""
    return list(
        session.scalars(
            select(Notification)
            .join(NotificationDelivery, NotificationDelivery.notification_id == Notification.id)
            .where(
                NotificationDelivery.channel == channel,
                NotificationDelivery.state.in_(("pending", "retry")),
                Notification.tenant_id == tenant_id,
            )
            .order_by(Notification.id)
            .limit(limit)
        )
    )


def recent(
    session: Session, tenant_id: int, *, limit: int, topic: str | None = None
) -> list[tuple[Notification, list[NotificationDelivery]]]:
    """The store's latest notifications, newest first, each with its deliveries."""
    query = select(Notification).where(Notification.tenant_id == tenant_id)
    if topic:
        query = query.where(Notification.topic == topic)
    rows = list(session.scalars(query.order_by(Notification.id.desc()).limit(limit)))
    by_id: dict[int, list[NotificationDelivery]] = defaultdict(list)
    if rows:
        for found in session.scalars(
            select(NotificationDelivery)
            .where(NotificationDelivery.notification_id.in_([r.id for r in rows]))
            .order_by(NotificationDelivery.channel)
        ):
            by_id[found.notification_id].append(found)
    return [(row, by_id[row.id]) for row in rows]


def subscribe(
    session: Session, tenant_id: int, topic: str, email: str, *, actor: str, now_us: int
) -> bool:
    """Subscribe ``email`` to ``topic``; False when it already was."""
    email = email.lower()
    if (
        session.scalar(
            select(NotificationSubscription.id).where(
                NotificationSubscription.tenant_id == tenant_id,
                NotificationSubscription.topic == topic,
                NotificationSubscription.email == email,
            )
        )
        is not None
    ):
        return False
    session.add(
        NotificationSubscription(
            tenant_id=tenant_id, topic=topic, email=email, created_us=now_us, created_by=actor
        )
    )
    session.flush()
    return True


def unsubscribe(session: Session, tenant_id: int, topic: str, email: str) -> bool:
    """Remove the subscription; False when there was none."""
    return bool(
        session.execute(
            delete(NotificationSubscription).where(
                NotificationSubscription.tenant_id == tenant_id,
                NotificationSubscription.topic == topic,
                NotificationSubscription.email == email.lower(),
            )
        ).rowcount
    )


def subscriptions(session: Session, tenant_id: int) -> list[NotificationSubscription]:
    """The store's subscriptions by topic, then address."""
    return list(
        session.scalars(
            select(NotificationSubscription)
            .where(NotificationSubscription.tenant_id == tenant_id)
            .order_by(NotificationSubscription.topic, NotificationSubscription.email)
        )
    )


def recipients(session: Session, tenant_id: int, topic: str, audience: Sequence[str]) -> list[str]:
    """Addresses that receive ``topic`` by email: its subscribers, those of every topic,
    and the directory address of each active person of ``audience``; each once, sorted."""
    found = set(
        session.scalars(
            select(NotificationSubscription.email).where(
                NotificationSubscription.tenant_id == tenant_id,
                or_(
                    NotificationSubscription.topic == topic,
                    NotificationSubscription.topic == EVERY_TOPIC,
                ),
            )
        )
    )
    if audience:
        found.update(
            email.lower()
            for email in session.scalars(
                select(Person.email).where(
                    Person.tenant_id == tenant_id,
                    Person.employee_id.in_(list(audience)),
                    Person.active.is_(True),
                    Person.email.is_not(None),
                )
            )
            if email
        )
    return sorted(found)
