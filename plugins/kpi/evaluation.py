"""Evaluate KPIs per period: value, target, status, trend, recorded so history shows.

Status (docs/kpi.md, "Statuses"):

- ``on_track``: the value meets the target (``value >= 80`` for ``op: ">="``);
- ``at_risk``: it does not, but is short by at most ``at_risk`` % of the target
  (10 by default: 72 or more for a target of 80), or the period is still running
  (there is time to recover);
- ``missed``: the period has ended and the value is short by more than that;
- ``no_data``: nothing to measure (no one in the population did anything, or a
  relative target's baseline has no value).

A relative target (``{"change": -30, "baseline": ...}``) is the baseline's value
times ``1 + change / 100``, to be reached from above when the change is negative
(``<=``: time to competency 30 % below) and from below when positive.

Without a human: after each delivered batch of statements the store's KPIs are
evaluated for their current and previous period when the last evaluation is
older than ``LRS_PLUGIN_KPI_EVALUATE_SECONDS`` (300 by default, per process);
``lrs kpi evaluate`` does the same from cron, for any day.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from plugins.kpi import alerts
from plugins.kpi.definitions import definitions, population_of
from plugins.kpi.measures import (
    MEASURES,
    Measured,
    Population,
    UnknownGroup,
    group_population,
)
from plugins.kpi.models import Result
from plugins.kpi.periods import Period, before, recent

if TYPE_CHECKING:
    from collections.abc import Callable

    from lrs.plugin.host import Host

STATUSES = ("on_track", "at_risk", "missed", "no_data")
DEFAULT_EVALUATE_SECONDS = 300
#: Periods evaluated automatically: the current one and the one before (to close it).
AUTOMATIC_PERIODS = 2


def evaluate_seconds(host: Host) -> int:
    """``LRS_PLUGIN_KPI_EVALUATE_SECONDS``; a bad value stops start-up (:class:`PluginError`)."""
    return host.plugin_whole_number("kpi", "evaluate_seconds", DEFAULT_EVALUATE_SECONDS,
                                    unit="seconds")


@dataclass(frozen=True)
class Target:
    value: float | None
    op: str
    at_risk: float
    baseline: float | None = None


def measure(
    host: Host,
    tenant_id: int,
    spec: dict[str, Any],
    population: Population,
    start_us: int,
    end_us: int,
) -> Measured:
    return MEASURES[spec["measure"]].compute(
        host, tenant_id, population, start_us, end_us, spec["params"]
    )


def target_of(
    host: Host,
    tenant_id: int,
    spec: dict[str, Any],
    population: Population,
    period: Period,
    cache: dict[str, Population] | None = None,
    measured: Callable[..., Measured] | None = None,
) -> Target:
    """:param measured: computes the baseline in place of :func:`measure` (same
    arguments; the dashboard passes its per-request memo)."""
    target = spec["target"]
    if "change" not in target:
        return Target(float(target["value"]), target["op"], float(target["at_risk"]))
    baseline = target["baseline"]
    start_us, end_us, people = period.start_us, period.end_us, population
    if "periods_before" in baseline:
        earlier = before(spec["period"], period, baseline["periods_before"])
        assert earlier is not None  # a window has no periods_before (refused when defined)
        start_us, end_us = earlier.start_us, earlier.end_us
    elif "group" in baseline:
        people = group_population(host, tenant_id, baseline["group"], cache)
    else:
        window = Period(
            "", date.fromisoformat(baseline["since"]), date.fromisoformat(baseline["until"])
        )
        start_us, end_us = window.start_us, window.end_us
    base = (measured or measure)(host, tenant_id, spec, people, start_us, end_us).value
    op = "<=" if target["change"] < 0 else ">="
    value = None if base is None else round(base * (1 + target["change"] / 100), 2)
    return Target(value, op, float(target["at_risk"]), base)


def status_of(value: float | None, target: Target, closed: bool) -> str:
    if value is None or target.value is None:
        return "no_data"
    met = {
        ">=": value >= target.value,
        ">": value > target.value,
        "<=": value <= target.value,
        "<": value < target.value,
    }[target.op]
    if met:
        return "on_track"
    shortfall = abs(value - target.value)
    if not closed or shortfall <= abs(target.value) * target.at_risk / 100:
        return "at_risk"
    return "missed"


def result_body(spec: dict[str, Any], row: Result) -> dict[str, Any]:
    return {
        "kpi": spec["key"],
        "period": {
            "label": row.label,
            "start": datetime.fromtimestamp(row.start_us / 1e6, UTC).date().isoformat(),
            "end": datetime.fromtimestamp(row.end_us / 1e6, UTC).date().isoformat(),
        },
        "value": row.value,
        "target": row.target,
        "op": op_of(spec),
        "status": row.status,
        "sample": row.sample,
        "trend": row.trend,
        "closed": row.closed,
        "evaluated": datetime.fromtimestamp(row.evaluated_us / 1e6, UTC).isoformat(),
    }


def op_of(spec: dict[str, Any]) -> str:
    target = spec["target"]
    return target.get("op") or ("<=" if target["change"] < 0 else ">=")


def evaluate(
    host: Host,
    tenant_id: int,
    definition_id: int,
    spec: dict[str, Any],
    *,
    as_of: date | None = None,
    periods: int = AUTOMATIC_PERIODS,
    groups: dict[str, Population] | None = None,
) -> list[dict]:
    """Evaluate one KPI for the ``periods`` periods up to the one holding ``as_of`` (today),
    record each, and report a change of the KPI's status (``alerts.status_changed``).

    :param groups: groups' people already read by this evaluation, by name (filled in).
    """
    as_of = as_of or datetime.now(UTC).date()
    try:
        population: Population | None = population_of(host, tenant_id, spec, groups)
    except UnknownGroup as exc:  # no data, said plainly, rather than a failed evaluation
        population, missing = None, str(exc)
    computed = []
    for period in recent(spec["period"], as_of, periods):
        closed = period.end <= as_of
        try:
            if population is None:
                raise UnknownGroup(missing)
            target = target_of(host, tenant_id, spec, population, period, groups)
            measured = measure(host, tenant_id, spec, population, period.start_us, period.end_us)
        except UnknownGroup as exc:
            target, measured = Target(None, op_of(spec), 0), Measured(None, None, note=str(exc))
        computed.append((period, measured, target, closed))
    now = time.time_ns() // 1000
    bodies = []
    with host.write() as session:
        stored = {
            row.start_us: row
            for row in session.scalars(
                select(Result).where(
                    Result.definition_id == definition_id,
                    Result.start_us >= computed[0][0].start_us,
                )
            )
        }
        earlier = session.execute(
            select(Result.value, Result.status)
            .where(Result.definition_id == definition_id, Result.start_us < computed[0][0].start_us)
            .order_by(Result.start_us.desc())
            .limit(1)
        ).first()
        # A period evaluated for the first time is compared with the period before it.
        previous_value, last_status = earlier if earlier is not None else (None, None)
        for period, measured, target, closed in computed:
            status = status_of(measured.value, target, closed)
            trend = (
                None
                if measured.value is None or previous_value is None
                else round(measured.value - previous_value, 2)
            )
            row = stored.get(period.start_us)
            before_status = row.status if row is not None else last_status
            last_status = status
            if row is None:
                row = Result(definition_id=definition_id, start_us=period.start_us)
                session.add(row)
            row.label, row.end_us, row.value, row.target = (
                period.label,
                period.end_us,
                measured.value,
                target.value,
            )
            row.status, row.sample, row.trend, row.closed, row.evaluated_us = (
                status,
                measured.sample,
                trend,
                closed,
                now,
            )
            if before_status is not None and before_status != status:
                alerts.status_changed(
                    host,
                    session,
                    tenant_id=tenant_id,
                    definition_id=definition_id,
                    spec=spec,
                    label=period.label,
                    previous=before_status,
                    status=status,
                    value=measured.value,
                    target=target.value,
                )
            previous_value = measured.value
            body = result_body(spec, row)
            if measured.note:
                body["note"] = measured.note
            if target.baseline is not None:
                body["baseline"] = target.baseline
            bodies.append(body)
    return bodies


def evaluate_all(
    host: Host, tenant_id: int, *, as_of: date | None = None, periods: int = AUTOMATIC_PERIODS
) -> list[dict]:
    """:func:`evaluate` every KPI of the store, reading each group's people once."""
    results: list[dict] = []
    groups: dict[str, Population] = {}
    for definition_id, spec in definitions(host, tenant_id):
        results.extend(
            evaluate(
                host, tenant_id, definition_id, spec, as_of=as_of, periods=periods, groups=groups
            )
        )
    return results


def history(
    host: Host, definition_id: int, spec: dict[str, Any], limit: int | None = None
) -> list[dict]:
    """The KPI's recorded results, newest period first."""
    with host.read() as session:
        query = (
            select(Result)
            .where(Result.definition_id == definition_id)
            .order_by(Result.start_us.desc())
        )
        rows = session.scalars(query if limit is None else query.limit(limit)).all()
        return [result_body(spec, row) for row in rows]


def latest_by_definition(host: Host, ids: list[int], depth: int) -> dict[int, list[Result]]:
    """The ``depth`` latest results of each KPI of ``ids``, newest first (one query)."""
    found: dict[int, list[Result]] = {i: [] for i in ids}
    if not ids:
        return found
    with host.read() as session:
        for row in session.scalars(
            select(Result)
            .where(Result.definition_id.in_(ids))
            .order_by(Result.definition_id, Result.start_us.desc())
        ):
            if len(found[row.definition_id]) < depth:
                found[row.definition_id].append(row)
            session.expunge(row)
    return found
