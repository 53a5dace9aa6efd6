"""A KPI changed status: record it (the UI's "KPI alerts" list) and raise a notification.

The alert row is written in the evaluation's transaction. When the application
offers ``host.notify`` (core's notifications: e-mail to the topic's subscribers,
webhooks, the Notifications page), the change is raised there too with topic
``kpi.status_changed``, in the same transaction, so the alert and its
notification exist together or not at all. Without it the row is the only
record, and ``notified`` says so.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from plugins.kpi.models import Alert

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from lrs.plugin.host import Host

TOPIC = "kpi.status_changed"
WORDS = {"on_track": "on track", "at_risk": "at risk", "missed": "missed", "no_data": "no data"}


def status_changed(
    host: Host,
    session: Session,
    *,
    tenant_id: int,
    definition_id: int,
    spec: dict[str, Any],
    label: str,
    previous: str,
    status: str,
    value: float | None,
    target: float | None,
) -> None:
    """Record that KPI ``spec`` went from ``previous`` to ``status`` for period ``label``."""
    notify = getattr(host, "notify", None)
    if notify is not None:
        subject = f"KPI {spec['title']}: {WORDS[status]} ({label}, was {WORDS[previous]})"
        text = (
            f"{spec['title']} ({spec['key']}) is {WORDS[status]} for {label}: value "
            f"{_number(value)}, target {_number(target)}. Owner: {spec['owner']}."
        )
        notify(
            tenant_id,
            TOPIC,
            subject=subject,
            text=text,
            plugin="kpi",
            session=session,
            data={
                "kpi": spec["key"],
                "period": label,
                "previous": previous,
                "status": status,
                "value": value,
                "target": target,
                "owner": spec["owner"],
            },
        )
    session.add(
        Alert(
            tenant_id=tenant_id,
            definition_id=definition_id,
            kpi=spec["key"],
            label=label,
            previous=previous,
            status=status,
            value=value,
            target=target,
            notified=notify is not None,
            occurred_us=time.time_ns() // 1000,
        )
    )


def _number(value: float | None) -> str:
    return "none" if value is None else f"{value:g}"
