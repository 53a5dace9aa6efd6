"""The kpi plugin's measures offered as metrics (``kpi.*``) to ``/api/metrics`` and
``lrs metrics``, computed from the same rollups as the KPIs.

Filters: ``group`` (a population; everyone with statements without it),
``activity`` and the measure's own parameters (``basis``, ``attempt``). A period
open at one end is open: ``since`` defaults to the epoch, ``until`` to now.
``kpi.time_to_competency`` is not offered: the competency plugin's
``competency.time_to_competency`` is the metric, the KPI only relays it.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING

from lrs.plugin.metrics import Metric, MetricError, epoch_us
from plugins.kpi.measures import (
    MEASURES,
    Measure,
    Population,
    UnknownGroup,
    group_population,
)

if TYPE_CHECKING:
    from lrs.plugin.host import Host

DESCRIPTIONS = {
    "completion_rate": "Share (%) of person x activity pairs started before the period's "
    "end that were completed by then (basis=assigned: of assigned "
    "people x assignments).",
    "pass_rate": "Share (%) of person x activity pairs attempted in the period that passed "
    "(attempt=first: the first attempt; any: at least one attempt).",
    "attendance_rate": "Share (%) of attended statements in the period with "
    "result.completion true.",
    "average_score": "Mean scaled score (%) of the scored statements in the period.",
    "active_learners": "People with at least one statement in the period.",
    "time_to_completion": "Kaplan-Meier median of the days from a person's first statement "
    "on an activity to its completion, for pairs started in the period.",
}


def _compute(
    measure: Measure,
    host: Host,
    tenant_id: int,
    since: datetime | None,
    until: datetime | None,
    filters: Mapping[str, str],
) -> float | None:
    params = {k: v for k, v in filters.items() if k != "group"}
    for name, value in params.items():
        allowed = measure.params.get(name)
        if allowed and value not in allowed:
            raise MetricError(f"{name} must be one of {', '.join(allowed)}")
    population = Population(None)
    if "group" in filters:
        try:
            population = group_population(host, tenant_id, filters["group"])
        except UnknownGroup as exc:
            raise MetricError(str(exc)) from None
    end_us = epoch_us(until) or time.time_ns() // 1000
    return measure.compute(host, tenant_id, population, epoch_us(since) or 0, end_us, params).value


def metrics() -> list[Metric]:
    return [
        Metric(
            name=f"kpi.{m.name}",
            title=m.title,
            description=DESCRIPTIONS[m.name],
            unit=m.unit,
            compute=partial(_compute, m),
            filters=("group", *m.params),
        )
        for m in MEASURES.values()
        if m.name in DESCRIPTIONS
    ]
