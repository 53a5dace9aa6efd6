"""What runs after delivered batches, at most once per interval and store: every KPI
evaluated (:func:`plugins.kpi.evaluation.evaluate_all`), then the dashboards people
asked for lately computed again (:func:`plugins.kpi.dashboard.refresh_views`).

``lrs kpi evaluate`` runs the same (:func:`evaluate_store`) from cron.
"""

from __future__ import annotations

import threading
import time
import weakref
from datetime import date
from typing import TYPE_CHECKING

from plugins.kpi.dashboard import refresh_views
from plugins.kpi.evaluation import AUTOMATIC_PERIODS, evaluate_all, evaluate_seconds

if TYPE_CHECKING:
    from lrs.plugin.host import Host


def evaluate_store(
    host: Host, tenant_id: int, *, as_of: date | None = None, periods: int = AUTOMATIC_PERIODS
) -> tuple[list[dict], int]:
    """Every KPI's results for ``periods`` periods up to ``as_of``, and how many recorded
    dashboard views were refreshed (each as of its own day)."""
    results = evaluate_all(host, tenant_id, as_of=as_of, periods=periods)
    return results, refresh_views(host, tenant_id)


class Scheduler:
    """Evaluates a store after delivered batches, at most once per interval."""

    def __init__(self, seconds: int) -> None:
        self.seconds = seconds
        self._last: dict[int, float] = {}
        self._lock = threading.Lock()

    def after_batch(self, host: Host, tenant_ids: list[int]) -> None:
        now = time.monotonic()
        due = []
        with self._lock:
            for tenant_id in tenant_ids:
                last = self._last.get(tenant_id)
                if last is None or now - last >= self.seconds:
                    self._last[tenant_id] = now
                    due.append(tenant_id)
        for tenant_id in due:
            evaluate_store(host, tenant_id)


_schedulers: weakref.WeakKeyDictionary[Host, Scheduler] = weakref.WeakKeyDictionary()


def scheduler_for(host: Host) -> Scheduler:
    scheduler = _schedulers.get(host)
    if scheduler is None:
        scheduler = _schedulers[host] = Scheduler(evaluate_seconds(host))
    return scheduler
