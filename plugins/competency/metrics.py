"""``competency.time_to_competency``: the median time-to-competency as a KPI metric.

Offered through ``register_metrics`` so that the KPI plugin (and ``/api/metrics``)
can track it per period and cohort without knowing the competency plugin's tables.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime

from lrs.plugin.host import Host
from lrs.plugin.metrics import Duration, Metric, MetricError, epoch_us
from plugins.competency.errors import CompetencyError
from plugins.competency.time_to_competency import Report, parse_query, time_to_competency


def _report(
    host: Host,
    tenant_id: int,
    since: datetime | None,
    until: datetime | None,
    filters: Mapping[str, str],
) -> Report:
    try:
        query = replace(parse_query(filters), since_us=epoch_us(since), until_us=epoch_us(until))
        return time_to_competency(host, tenant_id, query)
    except CompetencyError as exc:
        raise MetricError(str(exc)) from exc


def median_time_to_competency(
    host: Host,
    tenant_id: int,
    since: datetime | None,
    until: datetime | None,
    filters: Mapping[str, str],
) -> float | None:
    """The Kaplan-Meier median in days of the people whose start falls in the period,
    observed until its end; ``None`` when no one started or half have not attained yet."""
    report = _report(host, tenant_id, since, until, filters)
    median = report.cohort.estimate.median if report.cohort.estimate else None
    return None if median is None else round(median, 3)


def journeys_to_competency(
    host: Host,
    tenant_id: int,
    since: datetime | None,
    until: datetime | None,
    filters: Mapping[str, str],
) -> list[Duration]:
    """Each person's days behind the median: to attainment, or so far (censored), so that
    the KPI plugin can compare two groups with a log-rank test."""
    report = _report(host, tenant_id, since, until, filters)
    return [Duration(j.employee_id, j.days, j.attained) for j in report.cohort.journeys]


TIME_TO_COMPETENCY = Metric(
    name="competency.time_to_competency",
    title="Time to competency (median)",
    description=(
        "Median days from start (hire, assignment or first activity: filter start) to the "
        "first attainment of a competency (filter competency, required), Kaplan-Meier with "
        "people not there yet censored, for the people of a group (filter group, else everyone "
        "the competency concerns) whose start falls in the period."
    ),
    unit="days",
    compute=median_time_to_competency,
    filters=("competency", "group", "start"),
    durations=journeys_to_competency,
)
