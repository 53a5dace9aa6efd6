"""Two populations compared on one measure: pilot versus control, region versus region.

The test suits the measure (:mod:`lrs.plugin.statistics`, never a second
implementation here):

- rates (completion, pass, attendance) and active learners (active people among
  the group's people): the difference of the two proportions with Newcombe's
  interval, the two-proportion z test, or Fisher's exact test when a cell is small;
- average score: each person's mean score, compared with the Mann-Whitney rank test;
- time to completion and time to competency (each person's duration from the
  competency plugin's metric, :meth:`lrs.plugin.metrics.Metric.each_duration`): the
  log-rank test when someone is still in progress (censored, not dropped), else
  Mann-Whitney; Kaplan-Meier medians with their intervals.

Every answer carries the sample sizes and a verdict that says "too few people to
conclude" under the module's minimums (10 per group).
"""

from __future__ import annotations

import time
from dataclasses import asdict
from datetime import datetime
from typing import TYPE_CHECKING, Any

from lrs.plugin.metrics import MetricError, epoch_us, parse_moment
from lrs.plugin.statistics import compare_durations, compare_proportions, kaplan_meier
from plugins.kpi.errors import KpiError
from plugins.kpi.measures import (
    MEASURES,
    Measured,
    MetricUnavailable,
    Population,
    UnknownGroup,
    durations_to_competency,
    group_population,
)

if TYPE_CHECKING:
    from lrs.plugin.host import Host


def _bad(name: str, message: str) -> KpiError:
    return KpiError(f"{name}: {message}", [{"path": f"query.{name}", "message": message}])


def moment(args: dict[str, str], name: str) -> datetime | None:
    text = args.get(name)
    if text is None:
        return None
    try:
        return parse_moment(text, name)
    except MetricError as exc:
        raise _bad(name, str(exc)) from None


def compare(
    host: Host, tenant_id: int, args: dict[str, str], within: frozenset[str] | None = None
) -> dict[str, Any]:
    """The comparison ``GET /api/kpis/compare`` answers, from its query ``args``;
    ``within``: only these people (employee ids) of each group count (a dashboard
    narrowed to a group, a program or a manager's people).

    :raises KpiError: a missing or unknown measure or group, a bad date or parameter
        (each with its ``query.<name>`` path).
    """
    for name in ("measure", "a", "b"):
        if not args.get(name):
            raise _bad(name, "is required")
    measure = MEASURES.get(args["measure"])
    if measure is None:
        raise _bad("measure", f"must be one of {', '.join(MEASURES)}")
    if within is not None and measure.name == "time_to_competency":
        # The metric filters by group only: it cannot be narrowed to some of its people.
        raise _bad("measure", "time_to_competency is compared over whole groups only")
    # The KPI needs the metric's median; a comparison needs each person's duration.
    compute = durations_to_competency if measure.name == "time_to_competency" else measure.compute
    params = {k: v for k, v in args.items() if k not in ("measure", "a", "b", "since", "until")}
    for name, value in params.items():
        if name not in measure.params:
            raise _bad(name, f"{measure.name} takes no {name!r}")
        if (allowed := measure.params[name]) and value not in allowed:
            raise _bad(name, f"must be one of {', '.join(allowed)}")
    since, until = moment(args, "since"), moment(args, "until")
    if since is not None and until is not None and since >= until:
        raise _bad("until", "must be after since")
    start_us, end_us = epoch_us(since) or 0, epoch_us(until) or time.time_ns() // 1000
    measured = {}
    for side in ("a", "b"):
        try:
            population = group_population(host, tenant_id, args[side])
        except UnknownGroup as exc:
            raise _bad(side, str(exc)) from None
        if within is not None:
            members = population.members or {}
            kept = {i: agents for i, agents in members.items() if i in within}
            population = Population(kept, group=population.group)
        try:
            result = compute(host, tenant_id, population, start_us, end_us, params)
        except MetricUnavailable as exc:
            raise _bad("measure", str(exc)) from None
        measured[side] = (population, result)
    body: dict[str, Any] = {
        "measure": measure.name,
        "unit": measure.unit,
        "params": params,
        "since": since.isoformat() if since else None,
        "until": until.isoformat() if until else None,
    }
    for side, (population, result) in measured.items():
        body[side] = {
            "group": population.group,
            "value": result.value,
            "people": len(population.members or {}),
        }
        if measure.kind == "duration":
            body[side].update(_survival(result))
    body.update(_test(measure.kind, measured["a"][1], measured["b"][1]))
    return body


def _survival(result: Measured) -> dict[str, Any]:
    """A group's durations: how many, how many ended (the others are censored), and the
    Kaplan-Meier median with its 95 % interval (``None`` where not reached)."""
    events = sum(observed for _, observed in result.durations)
    summary: dict[str, Any] = {
        "n": len(result.durations),
        "events": events,
        "censored": len(result.durations) - events,
        "median": None,
        "median_ci": None,
    }
    if result.durations:
        days, observed = [d for d, _ in result.durations], [o for _, o in result.durations]
        estimate = kaplan_meier(days, observed).percentile(50)
        summary["median"] = _round(estimate.time)
        summary["median_ci"] = {"lower": _round(estimate.lower), "upper": _round(estimate.upper)}
    return summary


def _round(days: float | None) -> float | None:
    return None if days is None else round(days, 3)


def _too_few(text: str) -> dict[str, Any]:
    return {
        "test": None,
        "difference": None,
        "confidence_interval": None,
        "p_value": None,
        "verdict": {"conclusion": "too_few", "text": f"Too few people to conclude: {text}."},
    }


def _test(kind: str, a: Measured, b: Measured) -> dict[str, Any]:
    if kind in ("rate", "count"):
        if kind == "count":  # active people among the group's people
            a = Measured(a.value, a.sample, trials=a.sample, successes=int(a.value or 0))
            b = Measured(b.value, b.sample, trials=b.sample, successes=int(b.value or 0))
        if not a.trials or not b.trials:
            return {
                "n_a": a.trials or 0,
                "n_b": b.trials or 0,
                **_too_few("a group has nothing to count"),
            }
        found = compare_proportions(a.successes or 0, a.trials, b.successes or 0, b.trials)
        return {
            "test": found.test,
            "n_a": found.n_a,
            "n_b": found.n_b,
            "difference": round(100 * found.difference, 2),
            "confidence_interval": {
                "level": found.confidence_level,
                "lower": round(100 * found.lower, 2),
                "upper": round(100 * found.upper, 2),
            },
            "p_value": found.p_value,
            "verdict": asdict(found.verdict),
        }
    if kind == "mean":
        values_a, values_b = list(a.per_person.values()), list(b.per_person.values())
        observed_a = observed_b = None
    else:
        values_a, values_b = [d for d, _ in a.durations], [d for d, _ in b.durations]
        observed_a, observed_b = [o for _, o in a.durations], [o for _, o in b.durations]
    if not values_a or not values_b:
        return {
            "n_a": len(values_a),
            "n_b": len(values_b),
            **_too_few("a group has no one to measure"),
        }
    found = compare_durations(values_a, values_b, observed_a=observed_a, observed_b=observed_b)
    return {
        "test": found.test,
        "n_a": found.n_a,
        "n_b": found.n_b,
        "events_a": found.events_a,
        "events_b": found.events_b,
        "median_a": found.median_a,
        "median_b": found.median_b,
        "difference": found.median_difference,
        "relative_difference": found.relative_difference,
        "confidence_interval": None,
        "p_value": found.p_value,
        "verdict": asdict(found.verdict),
    }
