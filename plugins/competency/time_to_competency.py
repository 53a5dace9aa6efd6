"""Time-to-competency: from each person's start to their first attainment, per cohort.

The customer's business KPI is time-to-competency 30 % below a baseline. People
who have not attained the competency yet are not left out (that would flatter a
slow cohort): their time so far is *censored* at the end of observation (now, or
``until``), and the cohort's median and quartiles come from a Kaplan-Meier
estimate (:func:`lrs.plugin.statistics.kaplan_meier`). A cohort is compared with
its baseline by the log-rank test (:func:`lrs.plugin.statistics.compare_durations`),
with the relative change of the median and a plain-language verdict.

Who is counted: a group's members (``group``), else everyone the competency
concerns (:meth:`plugins.competency.starts.Starts.concerned`). Starts are
explained in :mod:`plugins.competency.starts`; a ``since``/``until`` window keeps
the people whose start falls in it. The baseline is another group (same start
window) or the people of the same population whose start falls in a baseline
period; then, unless ``since`` is given, the cohort is whoever started after it.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from typing import Any

from lrs.plugin.host import Host, Person
from lrs.plugin.metrics import MetricError, epoch_us, parse_moment
from lrs.plugin.statistics import DurationComparison, KaplanMeier, compare_durations, kaplan_meier
from plugins.competency.errors import CompetencyError
from plugins.competency.starts import START_KINDS, CompetencyRecord, Starts, read_record

DAY_US = 86_400_000_000
#: The customer's target: the median this much below the baseline's (docs/domain).
DEFAULT_TARGET = 0.30


@dataclass(frozen=True)
class Query:
    """What a time-to-competency report is asked for (see :func:`parse_query`)."""

    competency: str
    start: str = "hire"
    group: str | None = None
    since_us: int | None = None
    until_us: int | None = None
    baseline_group: str | None = None
    baseline_since_us: int | None = None
    baseline_until_us: int | None = None
    #: The wanted reduction of the median against the baseline (0.3: 30 % below).
    target: float = DEFAULT_TARGET

    @property
    def has_baseline(self) -> bool:
        return self.baseline_group is not None or self.baseline_until_us is not None


@dataclass(frozen=True)
class Journey:
    """One person's path: ``days`` from start to first attainment, or so far (censored)."""

    employee_id: str
    name: str | None
    start_us: int
    attained_us: int | None
    days: float

    @property
    def attained(self) -> bool:
        return self.attained_us is not None

    def as_dict(self) -> dict[str, Any]:
        return {
            "employee_id": self.employee_id,
            "name": self.name,
            "start": _iso(self.start_us),
            "attained": _iso(self.attained_us) if self.attained_us is not None else None,
            "days": round(self.days, 3),
            "censored": not self.attained,
        }


@dataclass(frozen=True)
class Cohort:
    """The people of a cohort, who was left out and why, and their survival estimate."""

    label: str
    journeys: tuple[Journey, ...]
    #: Reason (``no_start``, ``start_outside_period``, ``not_in_directory``) -> people.
    excluded: Mapping[str, int] = field(default_factory=dict)

    @cached_property
    def estimate(self) -> KaplanMeier | None:
        if not self.journeys:
            return None
        return kaplan_meier([j.days for j in self.journeys], [j.attained for j in self.journeys])

    def as_dict(self) -> dict[str, Any]:
        estimate = self.estimate
        attained = sum(j.attained for j in self.journeys)
        median = estimate.percentile(50) if estimate else None
        return {
            "label": self.label,
            "n": len(self.journeys),
            "attained": attained,
            "censored": len(self.journeys) - attained,
            "excluded": dict(self.excluded),
            "median_days": _days(median.time) if median else None,
            "median_ci_days": [_days(median.lower), _days(median.upper)] if median else None,
            "percentiles_days": {
                str(p.percent): _days(p.time) for p in (estimate.percentiles if estimate else ())
            },
            "curve": [
                {
                    "days": _days(point.time),
                    "remaining": round(point.survival, 6),
                    "at_risk": point.at_risk,
                    "attained": point.events,
                    "censored": point.censored,
                }
                for point in (estimate.curve if estimate else ())
            ],
            "people": [j.as_dict() for j in self.journeys],
        }


@dataclass(frozen=True)
class Report:
    """A cohort's time-to-competency, with its baseline and their comparison if asked."""

    query: Query
    as_of_us: int
    cohort: Cohort
    baseline: Cohort | None
    comparison: DurationComparison | None

    @property
    def target_met(self) -> bool | None:
        """Whether the median is at least :attr:`Query.target` below the baseline's."""
        if self.comparison is None or self.comparison.relative_difference is None:
            return None
        return self.comparison.relative_difference <= -self.query.target + 1e-12

    def as_dict(self) -> dict[str, Any]:
        query = self.query
        body: dict[str, Any] = {
            "competency": query.competency,
            "start": query.start,
            "group": query.group,
            "since": _iso(query.since_us),
            "until": _iso(query.until_us),
            "as_of": _iso(self.as_of_us),
            "cohort": self.cohort.as_dict(),
            "baseline": self.baseline.as_dict() if self.baseline else None,
            "comparison": None,
        }
        if self.comparison is not None:
            c = self.comparison
            body["comparison"] = {
                "test": c.test,
                "statistic": c.statistic,
                "p_value": c.p_value,
                "median_difference_days": _days(c.median_difference),
                "relative_change": None
                if c.relative_difference is None
                else round(c.relative_difference, 6),
                "target": {"reduction": query.target, "met": self.target_met},
                "verdict": {"conclusion": c.verdict.conclusion, "text": c.verdict.text},
            }
        return body


def parse_query(args: Mapping[str, str | None]) -> Query:
    """A :class:`Query` from request parameters (or the CLI's options, by the same names).

    :raises CompetencyError: naming each bad parameter as ``query.<name>``.
    """
    problems: list[dict[str, str]] = []

    def bad(name: str, message: str) -> None:
        problems.append({"path": f"query.{name}", "message": message})

    def moment(name: str) -> int | None:
        text = args.get(name)
        if not text:
            return None
        try:
            return epoch_us(parse_moment(text, name))
        except MetricError as exc:
            bad(name, str(exc))
            return None

    competency = (args.get("competency") or "").strip()
    if not competency:
        bad("competency", "the competency's URI is required")
    start = args.get("start") or "hire"
    if start not in START_KINDS:
        bad("start", f"{start!r} is not one of {', '.join(START_KINDS)}")
    since, until = moment("since"), moment("until")
    baseline_since, baseline_until = moment("baseline_since"), moment("baseline_until")
    if since is not None and until is not None and since >= until:
        bad("until", "until must be after since")
    baseline_group = args.get("baseline_group") or None
    if baseline_group and (baseline_since is not None or baseline_until is not None):
        bad("baseline_group", "give a baseline group or a baseline period, not both")
    elif bool(args.get("baseline_since")) != bool(args.get("baseline_until")):
        name = "baseline_since" if args.get("baseline_until") else "baseline_until"
        bad(name, "a baseline period needs both baseline_since and baseline_until")
    elif (
        baseline_since is not None
        and baseline_until is not None
        and (baseline_since >= baseline_until)
    ):
        bad("baseline_until", "baseline_until must be after baseline_since")
    target = DEFAULT_TARGET
    if args.get("target"):
        try:
            target = float(args["target"] or "") / 100
        except ValueError:
            target = -1
        if not 0 < target < 1:
            bad("target", "the target is a percentage below the baseline, between 0 and 100")
    if problems:
        raise CompetencyError("the time-to-competency query is not valid", problems)
    return Query(
        competency=competency,
        start=start,
        group=args.get("group") or None,
        since_us=since,
        until_us=until,
        baseline_group=baseline_group,
        baseline_since_us=baseline_since,
        baseline_until_us=baseline_until,
        target=target,
    )


def time_to_competency(
    host: Host, tenant_id: int, query: Query, *, now_us: int | None = None
) -> Report:
    """The report ``query`` asks for, observed up to ``until`` or now, whichever is first.

    :raises CompetencyError: a group of the query does not exist (404, naming it).
    """
    now = time.time_ns() // 1000 if now_us is None else now_us
    end = min(query.until_us, now) if query.until_us is not None else now
    record = read_record(host, tenant_id, query.competency)
    starts = Starts(host, tenant_id, query.start, record)
    label, population = _population(host, tenant_id, starts, query.group, "group")
    since = query.since_us
    if since is None and query.baseline_until_us is not None:
        since = query.baseline_until_us
    cohort = _cohort(label, population, starts, record, (since, query.until_us), end)
    baseline: Cohort | None = None
    if query.baseline_group is not None:
        label, members = _population(
            host, tenant_id, starts, query.baseline_group, "baseline_group"
        )
        baseline = _cohort(label, members, starts, record, (since, query.until_us), end)
    elif query.baseline_since_us is not None:
        window = (query.baseline_since_us, query.baseline_until_us)
        baseline = _cohort("baseline period", population, starts, record, window, end)
    comparison = None
    if baseline is not None and cohort.journeys and baseline.journeys:
        comparison = compare_durations(
            [j.days for j in cohort.journeys],
            [j.days for j in baseline.journeys],
            observed_a=[j.attained for j in cohort.journeys],
            observed_b=[j.attained for j in baseline.journeys],
            labels=(cohort.label, baseline.label),
        )
    return Report(query, end, cohort, baseline, comparison)


def _population(
    host: Host,
    tenant_id: int,
    starts: Starts,
    group: str | None,
    parameter: str,
) -> tuple[str, list[Person | None]]:
    """``(label, people)``: ``group``'s members, else everyone the competency concerns
    (``None`` for an employee id of the plugin's tables the directory no longer has)."""
    if group is None:
        ids = sorted(starts.concerned())
        return "everyone", host.people_by_employee_id(tenant_id, ids)
    try:
        members = host.group_members(tenant_id, group)
    except Exception as exc:  # the host's NotFound, which plugins cannot import
        if getattr(exc, "status", None) != 404:
            raise
        raise CompetencyError(
            f"no group named {group!r}",
            [{"path": f"query.{parameter}", "message": f"no group named {group!r}"}],
            status=404,
            code="not_found",
        ) from exc
    return group, list(members)


def _cohort(
    label: str,
    people: list[Person | None],
    starts: Starts,
    record: CompetencyRecord,
    window: tuple[int | None, int | None],
    end: int,
) -> Cohort:
    """The journeys of ``people`` whose start falls in ``window``, observed until ``end``."""
    since, until = window
    excluded: Counter[str] = Counter()
    known = [p for p in people if p is not None]
    excluded["not_in_directory"] = len(people) - len(known)
    journeys = []
    start_of = starts.of(known)
    for person in known:
        start = start_of.get(person.id)
        if start is None:
            excluded["no_start"] += 1
            continue
        if (since is not None and start < since) or (until is not None and start >= until):
            excluded["start_outside_period"] += 1
            continue
        if start >= end:
            excluded["not_started_yet"] += 1
            continue
        attained = record.attained_us.get(person.id)
        if attained is not None and attained > end:
            attained = None
        stop = end if attained is None else attained
        journeys.append(
            Journey(person.id, person.name, start, attained, max(0, stop - start) / DAY_US)
        )
    return Cohort(label, tuple(journeys), {k: v for k, v in excluded.items() if v})


def _days(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def _iso(us: int | None) -> str | None:
    if us is None:
        return None
    return datetime.fromtimestamp(us / 1_000_000, UTC).isoformat().replace("+00:00", "Z")


def report_lines(body: Mapping[str, Any], *, people: bool = False) -> list[str]:
    """A report (:meth:`Report.as_dict`) as a readable table, for ``lrs competency``."""
    lines = [
        f"Time to competency {body['competency']}, from {body['start']}, "
        f"as of {body['as_of']} (days; - = not reached)",
        f"{'Cohort':<20} {'People':>6} {'Attained':>8} {'Censored':>8} "
        f"{'25th':>7} {'Median':>7} {'95% CI':>15} {'75th':>7}",
    ]
    cohorts = [body["cohort"]] + ([body["baseline"]] if body["baseline"] else [])
    for cohort in cohorts:
        quartile = cohort["percentiles_days"]
        low, high = cohort["median_ci_days"] or (None, None)
        lines.append(
            f"{cohort['label'][:20]:<20} {cohort['n']:>6} {cohort['attained']:>8} "
            f"{cohort['censored']:>8} {_cell(quartile.get('25')):>7} "
            f"{_cell(quartile.get('50')):>7} {_cell(low) + ' to ' + _cell(high):>15} "
            f"{_cell(quartile.get('75')):>7}"
        )
    comparison = body["comparison"]
    if comparison is not None:
        change = comparison["relative_change"]
        target = comparison["target"]
        met = {True: "met", False: "not met", None: "unknown"}[target["met"]]
        lines.append(
            f"Median change: {'-' if change is None else f'{change * 100:+.1f} %'} against "
            f"the baseline (target {target['reduction'] * 100:g} % below: {met})"
        )
        test = {"log-rank": "Log-rank test", "mann-whitney": "Mann-Whitney U test"}
        lines.append(
            f"{test[comparison['test']]}: p = {comparison['p_value']:.3g}. "
            f"{comparison['verdict']['text']}"
        )
    elif body["baseline"] is not None:
        lines.append("No comparison: the cohort or the baseline has no one.")
    for cohort in cohorts:
        if cohort["excluded"]:
            reasons = ", ".join(
                f"{n} {reason.replace('_', ' ')}" for reason, n in cohort["excluded"].items()
            )
            lines.append(f"Left out of {cohort['label']}: {reasons}")
        if people and cohort["people"]:
            lines.append(f"People of {cohort['label']}:")
            lines.extend(
                f"  {p['employee_id']:<12} {(p['name'] or '')[:24]:<24} {p['start'][:10]} "
                f"{p['days']:>8.1f} {'attained' if not p['censored'] else 'in progress'}"
                for p in cohort["people"]
            )
    return lines


def _cell(days: float | None) -> str:
    return "-" if days is None else f"{days:.1f}"
