"""Notifications: what plugins raise with :meth:`lrs.plugin.host.Host.notify`, as channels see them.

A notification is a short message about something a person should know now (a
KPI changed status, a learner is at risk). It is kept (the Notifications page
of the web UI lists it) and delivered after the commit through every channel:
email to the topic's subscribers, and the webhook instances whose ``topics``
name it. See docs/notifications.md.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

#: How a channel's delivery of a notification stands: ``pending`` (queued),
#: ``sent``, ``retry`` (failed, tried again later), ``failed`` (given up: a
#: permanent refusal or too many attempts) or ``skipped`` (nothing to deliver:
#: no recipients, or the channel is not configured).
DELIVERY_STATES = ("pending", "sent", "retry", "failed", "skipped")

_TOPIC = r"[a-z][a-z0-9_]*(\.[a-z0-9_]+)*"
#: A topic: dotted lower-case words, ``kpi.status_changed``.
TOPIC = re.compile(f"^{_TOPIC}$")
#: What a subscription or a webhook's ``topics`` name: a topic, or ``*`` for every topic.
TOPIC_FILTER = re.compile(rf"^(\*|{_TOPIC})$")
#: Longest topic, subject (one line) and text accepted.
MAX_TOPIC = 100
MAX_SUBJECT = 300
MAX_TEXT = 20_000


def check_topic(topic: str) -> str:
    """``topic`` if well-formed, else :class:`ValueError` saying what a topic is."""
    if not isinstance(topic, str) or len(topic) > MAX_TOPIC or not TOPIC.match(topic):
        raise ValueError(
            f"topic {topic!r} must be dotted lower-case words such as "
            f"'kpi.status_changed' (at most {MAX_TOPIC} characters)"
        )
    return topic


@dataclass(frozen=True)
class Notification:
    """One notification as a channel delivers it (``host.notifications_owed``)."""

    id: int
    tenant_id: int
    #: Random, unique: the idempotency key given to receivers.
    uid: str
    topic: str
    subject: str
    text: str
    data: dict[str, Any] = field(default_factory=dict)
    #: Employee ids who receive it by email besides the topic's subscribers.
    audience: tuple[str, ...] = ()
    raised_us: int = 0
    plugin: str | None = None

    def as_json(self) -> str:
        """The JSON object webhooks receive: ``{"type": "notification", "id": uid, ...}``."""
        return json.dumps(
            {
                "type": "notification",
                "id": self.uid,
                "topic": self.topic,
                "subject": self.subject,
                "text": self.text,
                "data": self.data,
                "raised_us": self.raised_us,
                "plugin": self.plugin,
            },
            ensure_ascii=False,
            separators=(",", ":"),
        )


def notification_of(row: Any) -> Notification:
    """The :class:`Notification` of a :class:`lrs.models.Notification` row."""
    return Notification(
        id=row.id,
        tenant_id=row.tenant_id,
        uid=row.uid,
        topic=row.topic,
        subject=row.subject,
        text=row.text,
        data=json.loads(row.data),
        audience=tuple(json.loads(row.audience)),
        raised_us=row.raised_us,
        plugin=row.plugin,
    )


def checked(
    topic: str, subject: str, text: str, data: Mapping[str, Any] | None, audience: Iterable[str]
) -> tuple[str, str, dict[str, Any], tuple[str, ...]]:
    """What :meth:`Host.notify` stores: the subject on one line (no header can be
    smuggled into an email), the data as a JSON-able dict; :class:`ValueError` else."""
    check_topic(topic)
    line = " ".join(str(subject).split())
    if not line or len(line) > MAX_SUBJECT:
        raise ValueError(f"subject must be 1 to {MAX_SUBJECT} characters")
    if not isinstance(text, str) or len(text) > MAX_TEXT:
        raise ValueError(f"text must be a string of at most {MAX_TEXT} characters")
    values = dict(data or {})
    try:
        json.dumps(values)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"data must be JSON-able: {exc}") from None
    people = tuple(str(employee_id) for employee_id in audience)
    return line, text, values, people
