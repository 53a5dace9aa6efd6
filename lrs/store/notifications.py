"""Persistence of notifications, their deliveries per channel and the stores' subscriptions.

See :mod:`lrs.models.notifications`. No Flask, no plugins: the host, the email
channel, the admin API, the CLI and the web page share these functions.
"""

from __future__ import annotations

import json
import secrets
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from lrs.models import Notification, NotificationDelivery, NotificationSubscription, Person
from lrs.store.bulk import chunks
from lrs.store.text import recordable

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
    attempts: int | None = None,
) -> NotificationDelivery:
    """Create or update how ``channel`` delivered the notification.

    :param attempts: the attempts so far, when the channel counts them itself.
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
    row.attempts = (row.attempts or 0) + attempted if attempts is None else attempts
    row.last_error = recordable(error)
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


def erase_person(
    session: Session,
    tenant_id: int,
    employee_ids: Iterable[str],
    emails: Iterable[str],
    *,
    dry_run: bool = False,
) -> dict[str, int]:
    """Remove what notifications hold about one person (an erasure, docs/erasure.md).

    A notification is **about** the person when its data names their employee id or
    email address under an ``employee_id`` or ``email`` key, at any depth (a
    ``kpi.learner_at_risk`` alert's ``flag.employee_id``): deleted, with its
    deliveries. One **addressed** to them (their employee id in its audience) is
    deleted when they were its whole audience, else kept without them. Their email
    subscriptions are deleted. Returns the counts ``notifications``,
    ``notifications_redacted`` and ``notification_subscriptions``.
    """
    ids = {i for i in employee_ids if i}
    addresses = {e.strip().lower() for e in emails if e and e.strip()}
    deleted: list[int] = []
    redacted: dict[int, list[str]] = {}
    needles = sorted(ids | addresses)
    if needles:
        # A prefilter in SQL (the text holds the value, as written or \u-escaped);
        # the JSON is then read to see where.
        text = or_(
            *(
                func.lower(column).like(f"%{_like(variant.lower())}%", escape="\\")
                for needle in needles
                for variant in {needle, json.dumps(needle)[1:-1]}
                for column in (Notification.data, Notification.audience)
            )
        )
        rows = session.execute(
            select(Notification.id, Notification.data, Notification.audience).where(
                Notification.tenant_id == tenant_id, text
            )
        )
        for row_id, data, audience in rows:
            people = json.loads(audience)
            if _names(json.loads(data), ids, addresses):
                deleted.append(row_id)
            elif ids.intersection(people):
                others = [p for p in people if p not in ids]
                if others:
                    redacted[row_id] = others
                else:
                    deleted.append(row_id)
    subscriptions = (
        list(
            session.scalars(
                select(NotificationSubscription.id).where(
                    NotificationSubscription.tenant_id == tenant_id,
                    func.lower(NotificationSubscription.email).in_(sorted(addresses)),
                )
            )
        )
        if addresses
        else []
    )
    if not dry_run:
        for chunk in chunks(sorted(deleted)):
            session.execute(
                delete(NotificationDelivery).where(NotificationDelivery.notification_id.in_(chunk))
            )
            session.execute(delete(Notification).where(Notification.id.in_(chunk)))
        for row_id, others in sorted(redacted.items()):
            session.execute(
                update(Notification)
                .where(Notification.id == row_id)
                .values(audience=json.dumps(others))
            )
        for chunk in chunks(sorted(subscriptions)):
            session.execute(
                delete(NotificationSubscription).where(NotificationSubscription.id.in_(chunk))
            )
    return {
        "notifications": len(deleted),
        "notifications_redacted": len(redacted),
        "notification_subscriptions": len(subscriptions),
    }


def _like(text: str) -> str:
    """``text`` as a literal inside a LIKE pattern escaped with a backslash."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _names(value: Any, ids: set[str], addresses: set[str]) -> bool:
    """Whether JSON ``value`` holds one of ``ids`` under an ``employee_id`` key or one of
    ``addresses`` under an ``email`` key, at any depth."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "employee_id" and item in ids:
                return True
            if key == "email" and isinstance(item, str) and item.strip().lower() in addresses:
                return True
            if _names(item, ids, addresses):
                return True
    elif isinstance(value, list):
        return any(_names(item, ids, addresses) for item in value)
    return False
