"""A KPI changed status: record it (the KPIs page's "Status changes") and raise a notification.

The change is raised with ``host.notify`` (topic ``kpi.status_changed``: e-mail to the
topic's subscribers, webhooks whose topics name it, the notifications page;
docs/notifications.md) in the evaluation's transaction, so the alert row and its notification exist
together or not at all. Nothing is sent here:
core's channels deliver after the commit, so a slow mail server never delays an
evaluation.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from lrs.plugin.notifications import MAX_TEXT
from plugins.kpi.models import Alert

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from lrs.plugin.host import Host

TOPIC = "kpi.status_changed"
#: A notification's subject holds 300 characters (``host.notify``); a KPI's title is cut to fit.
TITLE_IN_SUBJECT = 200
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
    """Record that KPI ``spec`` went from ``previous`` to ``status`` for period ``label``,
    and raise it as a notification."""
    title = (
        spec["title"]
        if len(spec["title"]) <= TITLE_IN_SUBJECT
        else (spec["title"][: TITLE_IN_SUBJECT - 1] + "…")
    )
    host.notify(
        tenant_id,
        TOPIC,
        subject=f"KPI {title}: {WORDS[status]} ({label}, was {WORDS[previous]})",
        text=(
            f"{spec['title']} ({spec['key']}) is {WORDS[status]} for {label}: value "
            f"{_number(value)}, target {_number(target)}. Owner: {spec['owner']}."
        )[:MAX_TEXT],
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
            occurred_us=time.time_ns() // 1000,
        )
    )


def _number(value: float | None) -> str:
    return "none" if value is None else f"{value:g}"
