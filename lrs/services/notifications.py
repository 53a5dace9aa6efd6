"""Admins manage who receives notifications by email; every change is an admin action.

The HTTP admin API, ``lrs notifications`` and the Notifications page call these
functions, so their rules, messages and audit records are the same:
``notification.subscribed``, ``notification.unsubscribed`` and
``notification.test_sent`` (target ``subscription:<topic>:<email>`` or
``email:<address>``).
"""

from __future__ import annotations

import secrets
import time
from typing import TYPE_CHECKING

from lrs.plugin.notifications import MAX_TOPIC, TOPIC_FILTER
from lrs.services.admin import announce_action
from lrs.services.email_channel import EmailError, Outcome, compose, send
from lrs.services.people import is_email
from lrs.store import notifications as store
from lrs.xapi.errors import BadRequest, ErrorDetail, NotFound

if TYPE_CHECKING:
    from lrs.models import NotificationSubscription
    from lrs.services.core import Core

#: The topic of ``send-test`` messages.
TEST_TOPIC = "notifications.test"


def checked_subscription(topic: object, email: object) -> tuple[str, str]:
    """``(topic, email)`` cleaned up, or :class:`BadRequest` naming the field in error
    (a JSON body's values may be anything)."""
    topic = topic.strip() if isinstance(topic, str) else ""
    email = email.strip().lower() if isinstance(email, str) else ""
    errors = []
    if not TOPIC_FILTER.match(topic) or len(topic) > MAX_TOPIC:
        errors.append(
            ErrorDetail(
                "$.topic",
                f"{topic!r} is not a topic: a string of dotted lower-case "
                "words such as 'kpi.status_changed', or '*' for every topic",
            )
        )
    if not is_email(email) or len(email) > 320:
        errors.append(ErrorDetail("$.email", f"{email!r} is not an email address"))
    if errors:
        raise BadRequest("; ".join(f"{e.path}: {e.message}" for e in errors), errors=errors)
    return topic, email


def subscribe(
    core: Core,
    *,
    tenant_id: int,
    topic: str,
    email: str,
    actor: str,
    source: dict[str, str] | None = None,
) -> bool:
    """Have ``email`` receive ``topic`` (``*``: every topic); False if it already did
    (nothing is recorded then).

    :raises BadRequest: a malformed topic or address (each error has its JSON path).
    """
    topic, email = checked_subscription(topic, email)
    with core.db.write() as session:
        created = store.subscribe(
            session, tenant_id, topic, email, actor=actor, now_us=time.time_ns() // 1000
        )
        if created:
            announce_action(
                core,
                session,
                actor=actor,
                action="notification.subscribed",
                target=f"subscription:{topic}:{email}",
                tenant_id=tenant_id,
                source=source,
                details={"topic": topic, "email": email},
            )
    return created


def unsubscribe(
    core: Core,
    *,
    tenant_id: int,
    topic: str,
    email: str,
    actor: str,
    source: dict[str, str] | None = None,
) -> None:
    """Stop ``email`` receiving ``topic``.

    :raises NotFound: it was not subscribed.
    """
    topic, email = checked_subscription(topic, email)
    with core.db.write() as session:
        if not store.unsubscribe(session, tenant_id, topic, email):
            raise NotFound(f"{email} is not subscribed to {topic}")
        announce_action(
            core,
            session,
            actor=actor,
            action="notification.unsubscribed",
            target=f"subscription:{topic}:{email}",
            tenant_id=tenant_id,
            source=source,
            details={"topic": topic, "email": email},
        )


def subscriptions(core: Core, *, tenant_id: int) -> list[NotificationSubscription]:
    with core.db.read() as session:
        return store.subscriptions(session, tenant_id)


def send_test(
    core: Core, *, tenant_id: int, to: str, actor: str, source: dict[str, str] | None = None
) -> None:
    """Mail a test message to ``to`` now, through ``LRS_SMTP_*``, and record that it was.

    :raises BadRequest: email is not configured, or ``to`` is no address.
    :raises EmailError: the server could not take it, or refused it (the message says
        why: what an operator fixes in the settings).
    """
    settings = core.settings
    _, address = checked_subscription(TEST_TOPIC, to)
    if not settings.smtp_host:
        raise BadRequest(
            "email is off: set LRS_SMTP_HOST and LRS_SMTP_FROM (docs/notifications.md)"
        )
    message = compose(
        settings,
        subject="Weft test notification",
        text="This test message shows that Weft can send notifications by email.",
        topic=TEST_TOPIC,
        uid=secrets.token_hex(16),
        raised_us=time.time_ns() // 1000,
    )
    outcome = Outcome()
    send(settings, message, [address], outcome)
    if outcome.refused:
        raise EmailError(f"the server refused {address}: {outcome.refused[address]}")
    with core.db.write() as session:
        announce_action(
            core,
            session,
            actor=actor,
            action="notification.test_sent",
            target=f"email:{address}",
            tenant_id=tenant_id,
            source=source,
        )
