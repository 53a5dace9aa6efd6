"""The measures a KPI can track, computed from the rollups (:mod:`plugins.kpi.rollups`) for a
population over ``[start, end)``; docs/kpi.md gives each formula.

A population is the rollup keys of its people (:func:`plugins.kpi.keys.keys_of`),
or ``None`` for everyone with statements, each identity then counting as one
learner. Rates pool the units they count (person x activity for completion and
pass rates, ``attended`` statements for attendance), and keep those counts so
that two populations can be compared (:mod:`plugins.kpi.compare`).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import cached_property
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from lrs.plugin.metrics import MetricError
from lrs.plugin.statistics import kaplan_meier
from plugins.kpi.keys import activity_key, keys_of, person_keys
from plugins.kpi.models import Daily, Progress
from plugins.kpi.rollups import DAY_US

if TYPE_CHECKING:
    from lrs.plugin.host import Host, Person
    from lrs.plugin.metrics import Metric

#: Most rollup keys a measure filters on in SQL; a larger population is filtered as
#: its rows are read (a long ``IN`` list costs more than it saves).
LEARNER_FILTER_MAX = 2_000
#: The competency plugin's metric, used by ``time_to_competency`` when it is installed.
TIME_TO_COMPETENCY = "competency.time_to_competency"


#: Who a population is: each person's employee id and their agents (``Person.agents``).
Members = Mapping[str, tuple[dict[str, Any], ...]]


@dataclass(frozen=True)
class Population:
    """Who a measure counts: ``members`` (``None`` for everyone with statements)."""

    members: Members | None
    #: The group it is, when it is one (passed on as a metric's filter).
    group: str | None = None

    @classmethod
    def of(cls, people: Iterable[Person], group: str | None = None) -> Population:
        return cls({person.id: person.agents for person in people}, group)

    def narrowed(self, within: Members) -> Population:
        """The population's people who are also ``within`` (all of ``within`` for
        everyone), no longer a whole group."""
        if self.members is None:
            return Population(within)
        return Population({i: agents for i, agents in self.members.items() if i in within})

    @cached_property
    def keys(self) -> dict[str, str] | None:
        return None if self.members is None else keys_of(self.members)


class UnknownGroup(LookupError):
    """The store has no group of this name (the directory's 404)."""


def group_population(
    host: Host, tenant_id: int, name: str, cache: dict[str, Population] | None = None
) -> Population:
    """The group ``name``'s people now (from ``cache`` when it has them: an evaluation
    asks for the same groups for every KPI and period).

    :raises UnknownGroup: the store has no such group.
    """
    if cache is not None and name in cache:
        return cache[name]
    try:
        population = Population(host.group_member_agents(tenant_id, name), group=name)
    except Exception as exc:
        if getattr(exc, "status", None) == 404:
            raise UnknownGroup(f"no group {name!r}") from None
        raise
    if cache is not None:
        cache[name] = population
    return population


@dataclass
class Measured:
    """A measure's value over one population and period, and what it rests on."""

    value: float | None
    #: People the value rests on.
    sample: int | None
    #: For rates: units counted and units meeting the criterion (the rate's terms).
    trials: int | None = None
    successes: int | None = None
    #: Each person's own value (mean score), for rank comparisons.
    per_person: dict[str, float] = field(default_factory=dict)
    #: Durations in days and whether each ended (``False``: still running, censored).
    durations: list[tuple[float, bool]] = field(default_factory=list)
    note: str | None = None


@dataclass(frozen=True)
class Measure:
    name: str
    title: str
    unit: str
    #: ``"rate"`` (successes among trials), ``"mean"``, ``"count"`` or ``"duration"``:
    #: what a comparison tests (:mod:`plugins.kpi.compare`).
    kind: str
    #: Accepted parameters and their allowed values (``None``: any text).
    params: dict[str, tuple[str, ...] | None]
    compute: Callable[..., Measured]
    description: str = ""


def _rate(successes: int, trials: int, people: int) -> Measured:
    value = round(100 * successes / trials, 2) if trials else None
    return Measured(value, people, trials=trials, successes=successes)


def _owner(keys: dict[str, str] | None, learner: str) -> str | None:
    return learner if keys is None else keys.get(learner)


def _days(start_us: int, end_us: int) -> tuple[int, int]:
    return start_us // DAY_US, -(-end_us // DAY_US)


def _activity(
    query: Any, table: Any, params: dict[str, str], keys: dict[str, str] | None = None
) -> Any:
    """``query`` narrowed to the ``activity`` parameter, and to a small population's
    rollup ``keys`` (a manager's people: read their rows, not the period's)."""
    iri = params.get("activity")
    if keys is not None and len(keys) <= LEARNER_FILTER_MAX:
        query = query.where(table.learner.in_(sorted(keys)))
    return query if iri is None else query.where(table.activity == activity_key(iri))


def active_learners(
    host: Host,
    tenant_id: int,
    population: Population,
    start_us: int,
    end_us: int,
    params: dict[str, str],
) -> Measured:
    first, last = _days(start_us, end_us)
    keys = population.keys
    with host.read() as session:
        learners = session.scalars(
            _activity(
                select(Daily.learner).where(
                    Daily.tenant_id == tenant_id, Daily.day >= first, Daily.day < last
                ),
                Daily,
                params,
                keys,
            ).group_by(Daily.learner)
        )
        people = {p for learner in learners if (p := _owner(keys, learner)) is not None}
    total = len(population.members) if population.members is not None else len(people)
    return Measured(float(len(people)), total)


def _sums(
    host: Host,
    tenant_id: int,
    population: Population,
    start_us: int,
    end_us: int,
    params: dict[str, str],
    part: Any,
    whole: Any,
) -> dict[str, tuple[float, int]]:
    first, last = _days(start_us, end_us)
    keys = population.keys
    totals: dict[str, tuple[float, int]] = {}
    with host.read() as session:
        rows = session.execute(
            _activity(
                select(Daily.learner, func.sum(part), func.sum(whole)).where(
                    Daily.tenant_id == tenant_id, Daily.day >= first, Daily.day < last
                ),
                Daily,
                params,
                keys,
            )
            .group_by(Daily.learner)
            .having(func.sum(whole) > 0)
        )
        for learner, got, of in rows:
            if (person := _owner(keys, learner)) is not None:
                have = totals.get(person, (0.0, 0))
                totals[person] = (have[0] + float(got), have[1] + int(of))
    return totals


def average_score(
    host: Host,
    tenant_id: int,
    population: Population,
    start_us: int,
    end_us: int,
    params: dict[str, str],
) -> Measured:
    totals = _sums(
        host, tenant_id, population, start_us, end_us, params, Daily.score_sum, Daily.scored
    )
    scored = sum(n for _, n in totals.values())
    value = round(100 * sum(s for s, _ in totals.values()) / scored, 2) if scored else None
    return Measured(value, len(totals), per_person={p: 100 * s / n for p, (s, n) in totals.items()})


def attendance_rate(
    host: Host,
    tenant_id: int,
    population: Population,
    start_us: int,
    end_us: int,
    params: dict[str, str],
) -> Measured:
    totals = _sums(
        host, tenant_id, population, start_us, end_us, params, Daily.present, Daily.attended
    )
    return _rate(
        int(sum(p for p, _ in totals.values())), sum(n for _, n in totals.values()), len(totals)
    )


def first_pass_rates(
    host: Host,
    tenant_id: int,
    population: Population,
    spans: list[tuple[int, int]],
    params: dict[str, str],
) -> list[Measured]:
    """The first-attempt pass rate over each of ``spans`` (disjoint ``[start, end)``
    spans), from one read of the rollup over all of them: a dashboard's trend asks
    for 8 or more periods, and each read scans the learners' first attempts."""
    keys = population.keys
    ordered = sorted(spans)
    starts = [start for start, _ in ordered]
    pairs: dict[tuple[int, int], dict[tuple[str, str], tuple[int, bool]]] = {
        span: {} for span in ordered
    }
    with host.read() as session:
        rows = session.execute(
            _activity(
                select(
                    Progress.learner,
                    Progress.activity,
                    Progress.first_attempt_us,
                    Progress.first_attempt_passed,
                ).where(
                    Progress.tenant_id == tenant_id,
                    Progress.first_attempt_us >= ordered[0][0],
                    Progress.first_attempt_us < max(end for _, end in ordered),
                ),
                Progress,
                params,
                keys,
            )
        )
        for learner, activity, at_us, passed in rows:
            index = bisect_right(starts, at_us) - 1
            if index < 0 or at_us >= ordered[index][1]:
                continue
            if (person := _owner(keys, learner)) is not None:
                found = pairs[ordered[index]]
                have = found.get((person, activity))
                if have is None or at_us < have[0]:
                    found[(person, activity)] = (at_us, bool(passed))
    return [_pass_rate_of(pairs[span]) for span in spans]


def _pass_rate_of(pairs: dict[tuple[str, str], tuple[int, bool]]) -> Measured:
    return _rate(
        sum(passed for _, passed in pairs.values()),
        len(pairs),
        len({person for person, _ in pairs}),
    )


def pass_rate(
    host: Host,
    tenant_id: int,
    population: Population,
    start_us: int,
    end_us: int,
    params: dict[str, str],
) -> Measured:
    if params.get("attempt", "first") == "first":
        return first_pass_rates(host, tenant_id, population, [(start_us, end_us)], params)[0]
    keys = population.keys
    pairs: dict[tuple[str, str], tuple[int, bool]] = {}
    with host.read() as session:
        first, last = _days(start_us, end_us)
        rows = session.execute(
            _activity(
                select(Daily.learner, Daily.activity, func.sum(Daily.passes)).where(
                    Daily.tenant_id == tenant_id, Daily.day >= first, Daily.day < last
                ),
                Daily,
                params,
                keys,
            )
            .group_by(Daily.learner, Daily.activity)
            .having(func.sum(Daily.attempts) > 0)
        )
        for learner, activity, passes in rows:
            if (person := _owner(keys, learner)) is not None:
                have = pairs.get((person, activity), (0, False))
                pairs[(person, activity)] = (0, have[1] or passes > 0)
    return _pass_rate_of(pairs)


def completion_rate(
    host: Host,
    tenant_id: int,
    population: Population,
    start_us: int,
    end_us: int,
    params: dict[str, str],
) -> Measured:
    if params.get("basis", "enrolled") == "assigned":
        return _assigned_completion(host, tenant_id, population, end_us, params)
    keys = population.keys
    pairs: dict[tuple[str, str], bool] = {}
    with host.read() as session:
        rows = session.execute(
            _activity(
                select(Progress.learner, Progress.activity, Progress.first_completion_us).where(
                    Progress.tenant_id == tenant_id, Progress.first_us < end_us
                ),
                Progress,
                params,
                keys,
            )
        )
        for learner, activity, completed_us in rows:
            if (person := _owner(keys, learner)) is not None:
                done = completed_us is not None and completed_us < end_us
                pairs[(person, activity)] = pairs.get((person, activity), False) or done
    return _rate(sum(pairs.values()), len(pairs), len({person for person, _ in pairs}))


def _assigned_completion(
    host: Host, tenant_id: int, population: Population, end_us: int, params: dict[str, str]
) -> Measured:
    as_of = datetime.fromtimestamp(end_us / 1_000_000, UTC).date() - timedelta(days=1)
    wanted = population.members
    assignees = [
        a
        for a in host.assigned_people(tenant_id, as_of=as_of)
        if (wanted is None or a.person.id in wanted)
        and ("activity" not in params or params["activity"] in a.assignment.activities)
    ]
    activities = {activity_key(i) for a in assignees for i in a.assignment.activities}
    done: dict[tuple[str, str], tuple[int, int]] = {}
    with host.read() as session:
        rows = session.execute(
            select(
                Progress.learner,
                Progress.activity,
                Progress.first_completion_us,
                Progress.last_completion_us,
            ).where(
                Progress.tenant_id == tenant_id,
                Progress.activity.in_(sorted(activities)),
                Progress.first_completion_us.is_not(None),
            )
        )
        for learner, activity, first_us, last_us in rows:
            done[(learner, activity)] = (first_us, last_us)
    completed = 0
    for assignee in assignees:
        after, _ = assignee.assignment.window(assignee.assignment.cycle_on(as_of))
        since_us = _day_us(after + timedelta(days=1)) if after else 0
        keys = person_keys(assignee.person)
        completed += all(
            any(
                _completed_between(done.get((key, activity_key(iri))), since_us, end_us)
                for key in keys
            )
            for iri in assignee.assignment.activities
        )
    return _rate(completed, len(assignees), len({a.person.id for a in assignees}))


def _day_us(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp()) * 1_000_000


def _completed_between(times: tuple[int, int] | None, since_us: int, end_us: int) -> bool:
    return times is not None and any(since_us <= t < end_us for t in times)


def time_to_completion(
    host: Host,
    tenant_id: int,
    population: Population,
    start_us: int,
    end_us: int,
    params: dict[str, str],
) -> Measured:
    """Days from a person's first statement on an activity to its completion, for the
    person x activity pairs started in the period; a pair not completed by the period's
    end is censored there. The value is the Kaplan-Meier median (``None`` until half
    of the pairs are completed)."""
    keys = population.keys
    pairs: dict[tuple[str, str], tuple[int, int | None]] = {}
    with host.read() as session:
        rows = session.execute(
            _activity(
                select(
                    Progress.learner,
                    Progress.activity,
                    Progress.first_us,
                    Progress.first_completion_us,
                ).where(
                    Progress.tenant_id == tenant_id,
                    Progress.first_us >= start_us,
                    Progress.first_us < end_us,
                ),
                Progress,
                params,
                keys,
            )
        )
        for learner, activity, first_us, done_us in rows:
            if (person := _owner(keys, learner)) is not None:
                have = pairs.get((person, activity))
                done = done_us if done_us is not None and done_us < end_us else None
                if have is None:
                    pairs[(person, activity)] = (first_us, done)
                else:
                    pairs[(person, activity)] = (
                        min(have[0], first_us),
                        _earliest_of(have[1], done),
                    )
    durations = [
        ((end_us if done is None else done) - first) / DAY_US for first, done in pairs.values()
    ]
    observed = [done is not None for _, done in pairs.values()]
    if not durations:
        return Measured(None, 0)
    median = kaplan_meier(durations, observed).median
    return Measured(
        None if median is None else round(median, 2),
        len({person for person, _ in pairs}),
        durations=list(zip(durations, observed, strict=True)),
    )


def _earliest_of(a: int | None, b: int | None) -> int | None:
    return b if a is None else a if b is None else min(a, b)


class MetricUnavailable(LookupError):
    """The metric a measure reads cannot answer for this population: not installed, not
    filterable by it, or refusing the filters (the message says which)."""


def _metric_call(
    host: Host, population: Population, params: dict[str, str]
) -> tuple[Metric, dict[str, str]]:
    """The metric ``time_to_competency`` reads and the filters to ask it with: the
    population's group, and the measure's other parameters (``competency``, ``start``).

    :raises MetricUnavailable: saying why it cannot be asked.
    """
    name = params.get("metric", TIME_TO_COMPETENCY)
    metric = host.metric(name)
    if metric is None:
        raise MetricUnavailable(
            f"metric {name!r} is not offered by any installed "
            "plugin (install the competency plugin)"
        )
    filters = {k: v for k, v in params.items() if k != "metric"}
    if population.group is not None:
        accepted = [f for f in ("group", "cohort") if f in metric.filters]
        if not accepted:
            raise MetricUnavailable(f"metric {name!r} cannot be filtered by group")
        filters[accepted[0]] = population.group
    elif population.members is not None:
        raise MetricUnavailable(f"metric {name!r} takes a group, not a rule")
    return metric, filters


def _moments(start_us: int, end_us: int) -> dict[str, datetime]:
    return {
        "since": datetime.fromtimestamp(start_us / 1_000_000, UTC),
        "until": datetime.fromtimestamp(end_us / 1_000_000, UTC),
    }


def time_to_competency(
    host: Host,
    tenant_id: int,
    population: Population,
    start_us: int,
    end_us: int,
    params: dict[str, str],
) -> Measured:
    try:
        metric, filters = _metric_call(host, population, params)
        body = metric.evaluate(
            host, tenant_id=tenant_id, filters=filters, **_moments(start_us, end_us)
        )
    except (MetricUnavailable, MetricError) as exc:
        return Measured(None, None, note=str(exc))
    value = body.get("value")
    return Measured(None if value is None else float(value), None)  # type: ignore[arg-type]


def durations_to_competency(
    host: Host,
    tenant_id: int,
    population: Population,
    start_us: int,
    end_us: int,
    params: dict[str, str],
) -> Measured:
    """Each person's time to competency (:meth:`~lrs.plugin.metrics.Metric.each_duration`
    of the metric), people still in progress censored, and their Kaplan-Meier median: what
    comparing two groups needs, where the KPI itself needs the median only.

    :raises MetricUnavailable: the metric is missing, gives no durations or refuses the
        filters.
    """
    metric, filters = _metric_call(host, population, params)
    try:
        found = metric.each_duration(
            host, tenant_id=tenant_id, filters=filters, **_moments(start_us, end_us)
        )
    except MetricError as exc:
        raise MetricUnavailable(str(exc)) from None
    if not found:
        return Measured(None, 0)
    durations = [(d.days, d.observed) for d in found]
    median = kaplan_meier([d for d, _ in durations], [o for _, o in durations]).median
    return Measured(None if median is None else round(median, 3), len(found), durations=durations)


ACTIVITY = {"activity": None}
MEASURES: dict[str, Measure] = {
    m.name: m
    for m in (
        Measure(
            "completion_rate",
            "Completion rate",
            "%",
            "rate",
            {**ACTIVITY, "basis": ("enrolled", "assigned")},
            completion_rate,
        ),
        Measure(
            "pass_rate",
            "Assessment pass rate",
            "%",
            "rate",
            {**ACTIVITY, "attempt": ("first", "any")},
            pass_rate,
        ),
        Measure("attendance_rate", "Attendance rate", "%", "rate", ACTIVITY, attendance_rate),
        Measure("average_score", "Average score", "%", "mean", ACTIVITY, average_score),
        Measure("active_learners", "Active learners", "count", "count", ACTIVITY, active_learners),
        Measure(
            "time_to_completion",
            "Time to completion",
            "days",
            "duration",
            ACTIVITY,
            time_to_completion,
        ),
        Measure(
            "time_to_competency",
            "Time to competency",
            "days",
            "duration",
            {"metric": None, "competency": None, "start": None},
            time_to_competency,
        ),
    )
}
