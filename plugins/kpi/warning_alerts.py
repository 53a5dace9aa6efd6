"""What happens when an early-warning flag opens: a ``kpi.learner_at_risk`` notification.

Raised with :meth:`lrs.plugin.host.Host.notify` in the evaluation's transaction, so
a flag and its alert exist together (or neither): the channels (email to the
topic's subscribers and to the learner's manager, webhooks whose topics name it,
the Notifications page) deliver it after the commit. The flag's history records
the notification's id.
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy.orm import Session

from lrs.plugin.host import Host
from plugins.kpi.warning_models import HistoryEntry
from plugins.kpi.warning_rules import RULES

TOPIC = "kpi.learner_at_risk"
#: Room kept under the notification's limits (subject 300, text 20,000 characters).
SUBJECT_LIMIT, TEXT_LIMIT = 250, 10_000


def flag_opened(host: Host, session: Session, tenant_id: int, flag: dict[str, Any]) -> None:
    """Alert that ``flag`` (:func:`plugins.kpi.warning_flags.flag_dict`) opened, in
    ``session``'s transaction; its manager (an employee id) is in the audience."""
    who = f"{flag['name'] or flag['employee_id']} ({flag['employee_id']})"
    subject = f"At risk: {who}: {RULES[flag['rule']].title}"
    text = (
        f"{who} is flagged by the early-warning rule {flag['rule']} as of "
        f"{flag['as_of']}.\n\n{flag['reason']}"
    )
    notification = host.notify(
        tenant_id,
        TOPIC,
        subject=subject[:SUBJECT_LIMIT],
        text=text[:TEXT_LIMIT],
        data={"flag": flag},
        audience=[flag["manager"]] if flag["manager"] else [],
        plugin="kpi",
        session=session,
    )
    session.add(
        HistoryEntry(
            flag_id=flag["id"],
            tenant_id=tenant_id,
            at_us=time.time_ns() // 1000,
            kind="alerted",
            actor="system",
            note=f"notification {notification} ({TOPIC})",
        )
    )
