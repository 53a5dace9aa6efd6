"""What happens when an early-warning flag opens: the alert to the people concerned.

Core has no notification service yet (issue 21's alerts, ``host.notify``): until
it has, an opened flag is recorded in its own history as ``alerted`` with the
topic it will be sent under, so the UI and the API show that an alert is due and
nothing is lost when sending is wired in.
"""

from __future__ import annotations

import time
from typing import Any

from lrs.plugin.host import Host
from plugins.kpi.warning_models import HistoryEntry

TOPIC = "kpi.learner_at_risk"


def flag_opened(host: Host, tenant_id: int, flag: dict[str, Any]) -> None:
    """Alert that ``flag`` (:func:`plugins.kpi.warning_flags.flag_dict`) opened."""
    with host.write() as session:
        session.add(
            HistoryEntry(
                flag_id=flag["id"],
                tenant_id=tenant_id,
                at_us=time.time_ns() // 1000,
                kind="alerted",
                actor="system",
                note=f"topic {TOPIC}: {flag['reason']}",
            )
        )
