"""The measures a KPI can track, computed from the rollups (:mod:`plugins.kpi.rollups`) for a
population over ``[start, end)``, or over each of several such spans (a trend's
periods) in one read of the rollups; docs/kpi.md gives each formula.

A population is the rollup keys of its people (:func:`plugins.kpi.keys.keys_of`),
or ``None`` for everyone with statements, each identity then counting as one
learner. Rates pool the units they count (person x activity for completion and
pass rates, ``attended`` statements for attendance), and keep those counts so
that two populations can be compared (:mod:`plugins.kpi.compare`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import cached_property
from itertools import pairwise
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, case, func, select

from lrs.plugin.metrics import MetricError
from lrs.plugin.sql import one_of
from lrs.plugin.statistics import kaplan_meier
from plugins.kpi.keys import activity_key, keys_of, person_keys
from plugins.kpi.models import Daily, Progress
from plugins.kpi.rollups import DAY_US

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from lrs.plugin.host import Host, Person
    from lrs.plugin.metrics import Metric

#: The competency plugin's metric, used by ``time_to_competency`` when it is installed.
TIME_TO_COMPETENCY = "competency.time_to_competency"


#: Who a population is: each person's employee id and their agents (``Person.agents``).
Members = Mapping[str, tuple[dict[str, Any], ...]]
#: ``[start, end)`` spans in µs, sorted and disjoint: the periods a measure is read over.
Spans = Sequence[tuple[int, int]]


@dataclass(frozen=True)
class Population:
    """Who a measure counts: ``members`` (``None`` for everyone with statements)."""

    members: Members | None
    #: The group it is, when it is one (passed on as a metric's filter).
    group: str | None = None

    @classmethod
    def of(cls, people: Iterable[Person], group: str | None = None) -> Population:
        return cls({person.id: person.agents for person in people}, group)

    def narrowed(self, within: Population) -> Population:
        """The population's people who are also ``within``: ``within`` itself when they
        all are (everyone's KPIs and a group's own then share one population, measured
        once a request), else a population of no group."""
        if self.members is None or all(i in self.members for i in within.members or ()):
            return within
        members = within.members or {}
        return Population({i: agents for i, agents in members.items() if i in self.members})

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
    #: ``(host, tenant_id, population, spans, params)``: the measure over each of
    #: ``spans`` (:data:`Spans`, whole days when more than one), in their order.
    over_spans: Callable[..., list[Measured]]
    description: str = ""

    def compute(
        self,
        host: Host,
        tenant_id: int,
        population: Population,
        start_us: int,
        end_us: int,
        params: dict[str, str],
    ) -> Measured:
        """The measure over ``[start_us, end_us)``."""
        return self.over_spans(host, tenant_id, population, [(start_us, end_us)], params)[0]

    def over(
        self,
        host: Host,
        tenant_id: int,
        population: Population,
        spans: Iterable[tuple[int, int]],
        params: dict[str, str],
    ) -> dict[tuple[int, int], Measured]:
        """The measure over each of ``spans``: in one read of the rollups when they are
        whole days and do not overlap (a trend's periods: a query each cost 90 queries
        for a dashboard), else a read each."""
        ordered = sorted(set(spans))
        whole = all(start % DAY_US == 0 == end % DAY_US for start, end in ordered)
        apart = all(a[1] <= b[0] for a, b in pairwise(ordered))
        if ordered and whole and apart:
            found = self.over_spans(host, tenant_id, population, ordered, params)
            return dict(zip(ordered, found, strict=True))
        return {
            span: self.over_spans(host, tenant_id, population, [span], params)[0]
            for span in ordered
        }


def _rate(successes: int, trials: int, people: int) -> Measured:
    value = round(100 * successes / trials, 2) if trials else None
    return Measured(value, people, trials=trials, successes=successes)


def _owner(keys: dict[str, str] | None, learner: str) -> str | None:
    return learner if keys is None else keys.get(learner)


def _days(start_us: int, end_us: int) -> tuple[int, int]:
    return start_us // DAY_US, -(-end_us // DAY_US)


def _within(
    session: Session, query: Any, table: Any, params: dict[str, str], keys: dict[str, str] | None
) -> Any:
    """``query`` narrowed to the ``activity`` parameter and to the population's rollup
    ``keys``, bound as one parameter (:func:`lrs.plugin.sql.one_of`): the database reads
    the population's rows through the rollups' primary key, rather than every row of
    the periods for Python to keep theirs."""
    iri = params.get("activity")
    if keys is not None:
        query = query.where(one_of(session, table.learner, sorted(keys)))
    return query if iri is None else query.where(table.activity == activity_key(iri))


def _bucket(column: Any, bounds: Sequence[tuple[int, int]]) -> Any:
    """The index of the one of ``bounds`` (disjoint ``[first, last)``) holding ``column``'s
    value, NULL for none: what one query over all the periods of a trend groups by,
    instead of a query a period."""
    return case(*((and_(column >= lo, column < hi), i) for i, (lo, hi) in enumerate(bounds)))


def _first_ending_after(column: Any, ends: Sequence[int]) -> Any:
    """The index of the first of ``ends`` (ascending) after ``column``'s value, NULL for
    none (or a NULL value)."""
    return case(*((column < end, i) for i, end in enumerate(ends)))


def _daily(
    session: Session,
    tenant_id: int,
    population: Population,
    spans: Spans,
    params: dict[str, str],
    by: Sequence[Any],
    sums: Sequence[Any] = (),
) -> Any:
    """``kpi_daily`` over the days of ``spans`` grouped by ``by`` and span: rows of
    ``by``, the ``sums``, and the span's index."""
    bounds = [_days(*span) for span in spans]
    bucket = _bucket(Daily.day, bounds)
    # A population's rows are read by learner (the primary key), not by day: SQLite
    # cannot tell how many keys a bound list holds and took the day index, reading
    # everyone's rows of the periods (26 ms for a manager's 20 people, 0.1 ms by key).
    day = Daily.day if population.keys is None else Daily.day + 0
    query = select(*by, *(func.sum(s) for s in sums), bucket).where(
        Daily.tenant_id == tenant_id, day >= bounds[0][0], day < bounds[-1][1]
    )
    return _within(session, query, Daily, params, population.keys).group_by(*by, bucket)


def active_learners(
    host: Host, tenant_id: int, population: Population, spans: Spans, params: dict[str, str]
) -> list[Measured]:
    keys = population.keys
    people: list[set[str]] = [set() for _ in spans]
    with host.read() as session:
        query = _daily(session, tenant_id, population, spans, params, [Daily.learner])
        for learner, index in session.execute(query):
            if index is not None and (person := _owner(keys, learner)) is not None:
                people[index].add(person)
    members = population.members
    return [Measured(float(len(found)), len(members or found)) for found in people]


def _sums(
    host: Host,
    tenant_id: int,
    population: Population,
    spans: Spans,
    params: dict[str, str],
    part: Any,
    whole: Any,
) -> list[dict[str, tuple[float, int]]]:
    """Each person's sums of ``part`` and ``whole`` over each of ``spans`` (people whose
    ``whole`` is 0 left out)."""
    keys = population.keys
    totals: list[dict[str, tuple[float, int]]] = [{} for _ in spans]
    with host.read() as session:
        query = _daily(
            session, tenant_id, population, spans, params, [Daily.learner], [part, whole]
        )
        for learner, got, of, index in session.execute(query.having(func.sum(whole) > 0)):
            if index is not None and (person := _owner(keys, learner)) is not None:
                have = totals[index].get(person, (0.0, 0))
                totals[index][person] = (have[0] + float(got), have[1] + int(of))
    return totals


def average_score(
    host: Host, tenant_id: int, population: Population, spans: Spans, params: dict[str, str]
) -> list[Measured]:
    found = []
    for totals in _sums(host, tenant_id, population, spans, params, Daily.score_sum, Daily.scored):
        scored = sum(n for _, n in totals.values())
        value = round(100 * sum(s for s, _ in totals.values()) / scored, 2) if scored else None
        each = {p: 100 * s / n for p, (s, n) in totals.items()}
        found.append(Measured(value, len(totals), per_person=each))
    return found


def attendance_rate(
    host: Host, tenant_id: int, population: Population, spans: Spans, params: dict[str, str]
) -> list[Measured]:
    return [
        _rate(
            int(sum(p for p, _ in totals.values())),
            sum(n for _, n in totals.values()),
            len(totals),
        )
        for totals in _sums(
            host, tenant_id, population, spans, params, Daily.present, Daily.attended
        )
    ]


def _pass_rate_of(pairs: dict[tuple[str, str], tuple[int, bool]]) -> Measured:
    return _rate(
        sum(passed for _, passed in pairs.values()),
        len(pairs),
        len({person for person, _ in pairs}),
    )


def pass_rate(
    host: Host, tenant_id: int, population: Population, spans: Spans, params: dict[str, str]
) -> list[Measured]:
    """Pairs of a person and an activity attempted in the span, and whether they passed
    it: at the first attempt (the earliest of the person's identities'), or at any."""
    if params.get("attempt", "first") == "first":
        return _first_pass_rates(host, tenant_id, population, spans, params)
    keys = population.keys
    pairs: list[dict[tuple[str, str], tuple[int, bool]]] = [{} for _ in spans]
    with host.read() as session:
        by = [Daily.learner, Daily.activity]
        query = _daily(session, tenant_id, population, spans, params, by, [Daily.passes])
        for learner, activity, passes, index in session.execute(
            query.having(func.sum(Daily.attempts) > 0)
        ):
            if index is not None and (person := _owner(keys, learner)) is not None:
                have = pairs[index].get((person, activity), (0, False))
                pairs[index][(person, activity)] = (0, have[1] or passes > 0)
    return [_pass_rate_of(found) for found in pairs]


def _progress_in_spans(
    host: Host,
    tenant_id: int,
    population: Population,
    spans: Spans,
    params: dict[str, str],
    when: Any,
    what: Any,
) -> Iterator[tuple[int, str, str, int, Any]]:
    """``(span index, person, activity, when, what)`` of the population's progress rows
    whose ``when`` falls in one of ``spans``, read in one query."""
    keys = population.keys
    with host.read() as session:
        query = select(Progress.learner, Progress.activity, when, what, _bucket(when, spans)).where(
            Progress.tenant_id == tenant_id, when >= spans[0][0], when < spans[-1][1]
        )
        for learner, activity, at_us, value, index in session.execute(
            _within(session, query, Progress, params, keys)
        ):
            if index is not None and (person := _owner(keys, learner)) is not None:
                yield index, person, activity, at_us, value


def _first_pass_rates(
    host: Host, tenant_id: int, population: Population, spans: Spans, params: dict[str, str]
) -> list[Measured]:
    pairs: list[dict[tuple[str, str], tuple[int, bool]]] = [{} for _ in spans]
    for index, person, activity, at_us, passed in _progress_in_spans(
        host,
        tenant_id,
        population,
        spans,
        params,
        Progress.first_attempt_us,
        Progress.first_attempt_passed,
    ):
        have = pairs[index].get((person, activity))
        if have is None or at_us < have[0]:
            pairs[index][(person, activity)] = (at_us, bool(passed))
    return [_pass_rate_of(found) for found in pairs]


def completion_rate(
    host: Host, tenant_id: int, population: Population, spans: Spans, params: dict[str, str]
) -> list[Measured]:
    """Pairs of a person and an activity started before the span's end, and whether they
    were completed before it: cumulative, so one read of the rows started before the
    last span's end, each row's pair entering at the first span ending after its start
    and completed at the first ending after its completion."""
    if params.get("basis", "enrolled") == "assigned":
        return [
            _assigned_completion(host, tenant_id, population, end_us, params) for _, end_us in spans
        ]
    keys = population.keys
    ends = [end_us for _, end_us in spans]
    pairs: dict[tuple[str, str], tuple[int, int]] = {}
    never = len(spans)
    with host.read() as session:
        query = select(
            Progress.learner,
            Progress.activity,
            _first_ending_after(Progress.first_us, ends),
            _first_ending_after(Progress.first_completion_us, ends),
        ).where(Progress.tenant_id == tenant_id, Progress.first_us < spans[-1][1])
        for learner, activity, entered, done in session.execute(
            _within(session, query, Progress, params, keys)
        ):
            if (person := _owner(keys, learner)) is not None:
                have = pairs.get((person, activity), (never, never))
                done = never if done is None else done
                pairs[(person, activity)] = (min(have[0], entered), min(have[1], done))
    first_of: dict[str, int] = {}
    for (person, _), (entered, _) in pairs.items():
        first_of[person] = min(first_of.get(person, never), entered)
    return [
        _rate(
            sum(done <= index for _, done in pairs.values()),
            sum(entered <= index for entered, _ in pairs.values()),
            sum(entered <= index for entered in first_of.values()),
        )
        for index in range(len(spans))
    ]


def time_to_completion(
    host: Host, tenant_id: int, population: Population, spans: Spans, params: dict[str, str]
) -> list[Measured]:
    """Days from a person's first statement on an activity to its completion, for the
    person x activity pairs started in the span; a pair not completed by the span's
    end is censored there. The value is the Kaplan-Meier median (``None`` until half
    of the pairs are completed)."""
    pairs: list[dict[tuple[str, str], tuple[int, int | None]]] = [{} for _ in spans]
    for index, person, activity, first_us, done_us in _progress_in_spans(
        host, tenant_id, population, spans, params, Progress.first_us, Progress.first_completion_us
    ):
        found, end_us = pairs[index], spans[index][1]
        have = found.get((person, activity))
        done = done_us if done_us is not None and done_us < end_us else None
        if have is None:
            found[(person, activity)] = (first_us, done)
        else:
            found[(person, activity)] = (min(have[0], first_us), _earliest_of(have[1], done))
    return [_durations(found, end_us) for found, (_, end_us) in zip(pairs, spans, strict=True)]


def _durations(pairs: dict[tuple[str, str], tuple[int, int | None]], end_us: int) -> Measured:
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
    host: Host, tenant_id: int, population: Population, spans: Spans, params: dict[str, str]
) -> list[Measured]:
    return [_competency(host, tenant_id, population, *span, params) for span in spans]


def _competency(
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
