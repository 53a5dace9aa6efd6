"""A dashboard's data: KPI tiles with their trend, a cohort comparison, the at-risk list.

One function, :func:`dashboard`, answers the page, its CSV and PDF exports and
``GET /api/kpis/dashboard`` alike, from :class:`Filters` read off a query string
(so a filtered dashboard has a URL):

- without filters, each KPI's tile and trend are its **recorded** results
  (:mod:`plugins.kpi.evaluation`): reading them never computes a measure;
- with a ``group``, a ``program`` or a ``period`` (``week``, ``month``,
  ``quarter``, and ``at`` a day in the one wanted), or for a viewer who may not see
  everyone, each KPI is **computed** from the rollups over its population
  narrowed to the people in scope, for the chosen periods, against its target;
  what is computed is recorded as a view (:mod:`plugins.kpi.views`), which later
  requests read until the next evaluation computes it again (:func:`refresh_views`).

Who is in scope is decided in one place, :func:`scope`: the group's members, the
people assigned the program, and the people the viewer may see.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from lrs.plugin.people_view import EVERYONE, PeopleInView
from lrs.plugin.request import parse_whole_number
from plugins.kpi import views
from plugins.kpi.compare import compare
from plugins.kpi.definitions import definitions, population_of
from plugins.kpi.errors import KpiError
from plugins.kpi.evaluation import (
    Target,
    latest_by_definition,
    measure,
    op_of,
    result_body,
    status_of,
    target_of,
)
from plugins.kpi.measures import (
    MEASURES,
    Measured,
    Members,
    Population,
    UnknownGroup,
    group_population,
)
from plugins.kpi.periods import CADENCES, Period, before, day_of, recent
from plugins.kpi.warning_flags import list_flags

if TYPE_CHECKING:
    from lrs.plugin.host import Host

#: Periods a trend chart shows by default, and at most.
DEFAULT_POINTS, MAX_POINTS = 8, 26
#: Active early-warning flags listed on the dashboard (the "At risk" page lists all).
AT_RISK_SHOWN = 10
#: Query parameters a dashboard reads (the comparison's measure parameters too).
FILTER_NAMES = ("group", "program", "period", "at", "points", "a", "b", "measure")
#: The filters that shape the tiles (a recorded view is kept per their values).
VIEW_FILTERS = ("group", "program", "period", "at", "points")
COMPARE_PARAMS = ("activity", "attempt", "basis")


@dataclass(frozen=True)
class Filters:
    group: str | None = None
    program: str | None = None
    #: ``week``, ``month`` or ``quarter``: every KPI over periods of this kind.
    period: str | None = None
    #: A day in the latest period shown (today when ``None``).
    at: date | None = None
    points: int = DEFAULT_POINTS
    #: Two groups to compare on ``measure`` (with ``params``), when both are given.
    a: str | None = None
    b: str | None = None
    measure: str | None = None
    params: tuple[tuple[str, str], ...] = ()

    @property
    def computed(self) -> bool:
        """Whether the tiles are computed for these filters (a recorded view) rather than
        the recorded evaluations of every KPI."""
        return bool(self.group or self.program or self.period or self.at)

    def query(self) -> dict[str, str]:
        """The filters as query parameters (the links to the exports keep them)."""
        values: dict[str, Any] = {
            "group": self.group,
            "program": self.program,
            "period": self.period,
            "at": self.at.isoformat() if self.at else None,
            "points": None if self.points == DEFAULT_POINTS else str(self.points),
            "a": self.a,
            "b": self.b,
            "measure": self.measure,
            **dict(self.params),
        }
        return {k: v for k, v in values.items() if v}


def _bad(name: str, message: str) -> KpiError:
    return KpiError(f"{name}: {message}", [{"path": f"query.{name}", "message": message}])


def parse_filters(args: Mapping[str, str]) -> Filters:
    """:class:`Filters` from a query string. :raises KpiError: 400 naming the parameter."""
    text = {k: (args.get(k) or "").strip() for k in (*FILTER_NAMES, *COMPARE_PARAMS)}
    if text["period"] and text["period"] not in CADENCES:
        raise _bad("period", f"must be one of {', '.join(CADENCES)}")
    at = None
    if text["at"]:
        try:
            at = day_of(text["at"])
        except ValueError as exc:
            raise _bad("at", str(exc)) from None
    points = DEFAULT_POINTS
    if text["points"]:
        given = parse_whole_number(text["points"], low=1, high=MAX_POINTS)
        if given is None:
            raise _bad("points", f"must be a whole number from 1 to {MAX_POINTS}")
        points = given
    if bool(text["a"]) != bool(text["b"]):
        missing = "b" if text["a"] else "a"
        raise _bad(missing, "is required to compare (two groups: a and b)")
    if text["measure"] and text["measure"] not in MEASURES:
        raise _bad("measure", f"must be one of {', '.join(MEASURES)}")
    return Filters(
        group=text["group"] or None,
        program=text["program"] or None,
        period=text["period"] or None,
        at=at,
        points=points,
        a=text["a"] or None,
        b=text["b"] or None,
        measure=text["measure"] or None,
        params=tuple((k, text[k]) for k in COMPARE_PARAMS if text[k]),
    )


def scope(
    host: Host,
    tenant_id: int,
    filters: Filters,
    viewer: PeopleInView,
    as_of: date,
    groups: dict[str, Population],
) -> Members | None:
    """The people the dashboard counts, by employee id with their agents; ``None`` for
    no restriction.

    :param groups: groups' people read so far, by name (filled in; KPIs reuse them).
    :raises KpiError: an unknown group (404) or program (404).
    """
    sets: list[Members] = []
    if filters.group:
        try:
            sets.append(group_population(host, tenant_id, filters.group, groups).members or {})
        except UnknownGroup as exc:
            raise _not_found("group", str(exc)) from None
    if filters.program:
        assigned = [
            a
            for a in host.assigned_people(tenant_id, as_of=as_of)
            if filters.program in (a.assignment.program, *a.assignment.activities)
        ]
        if not assigned and not any(
            filters.program in (x.program, *x.activities) for x in host.assignments(tenant_id)
        ):
            raise _not_found("program", f"no assignment of program {filters.program!r}")
        sets.append(Population.of(a.person for a in assigned).members or {})
    if not viewer.everyone:
        ids = sorted(viewer.employee_ids)
        found = host.people_by_employee_id(tenant_id, ids)
        sets.append(Population.of(p for p in found if p is not None).members or {})
    if not sets:
        return None
    first, *others = sets
    return {i: p for i, p in first.items() if all(i in other for other in others)}


def _not_found(name: str, message: str) -> KpiError:
    return KpiError(
        message, [{"path": f"query.{name}", "message": message}], status=404, code="not_found"
    )


def _tile(spec: dict[str, Any], series: list[dict[str, Any]], source: str) -> dict[str, Any]:
    unit = MEASURES[spec["measure"]].unit
    current = series[-1] if series else None
    return {
        "key": spec["key"],
        "title": spec["title"],
        "level": spec.get("level"),
        "owner": spec["owner"],
        "measure": spec["measure"],
        "unit": unit,
        "source": source,
        "current": current,
        "series": series,
    }


def _point(body: dict[str, Any]) -> dict[str, Any]:
    keep = ("period", "value", "target", "op", "status", "sample", "trend", "closed")
    return {k: body.get(k) for k in keep} | ({"note": body["note"]} if body.get("note") else {})


def _recorded(host: Host, found: list[tuple[int, dict]], points: int) -> list[dict[str, Any]]:
    latest = latest_by_definition(host, [i for i, _ in found], points)
    return [
        _tile(spec, [_point(result_body(spec, row)) for row in reversed(latest[i])], "recorded")
        for i, spec in found
    ]


class Memo:
    """Measures computed during one request, by measure, parameters, population and
    span: a ``periods_before`` baseline is the previous period's value, and KPIs of the
    same measure and population share their periods (each is computed once)."""

    def __init__(self) -> None:
        self._found: dict[tuple[Any, ...], Measured] = {}

    def __call__(
        self,
        host: Host,
        tenant_id: int,
        spec: dict[str, Any],
        population: Population,
        start_us: int,
        end_us: int,
    ) -> Measured:
        key = self._key(spec, population, start_us, end_us)
        if key not in self._found:
            self._found[key] = measure(host, tenant_id, spec, population, start_us, end_us)
        return self._found[key]

    @staticmethod
    def _key(
        spec: dict[str, Any], population: Population, start_us: int, end_us: int
    ) -> tuple[Any, ...]:
        params = json.dumps(spec["params"], sort_keys=True)
        return (spec["measure"], params, id(population), start_us, end_us)

    def prime(
        self,
        host: Host,
        tenant_id: int,
        spec: dict[str, Any],
        population: Population,
        periods: list[Period],
        groups: dict[str, Population],
    ) -> None:
        """Compute the KPI over all ``periods`` in one read of the rollups instead of one
        a period, and its relative target's baseline alike: the earlier periods a
        ``periods_before`` baseline compares with (in the same read), or the baseline
        group over the same periods."""
        spans = [(p.start_us, p.end_us) for p in periods]
        target = spec["target"]
        baseline = target.get("baseline") or {}
        if "change" in target and "periods_before" in baseline:
            spans += [
                (earlier.start_us, earlier.end_us)
                for p in periods
                if (earlier := before(spec["period"], p, baseline["periods_before"]))
            ]
        elif "change" in target and "group" in baseline:
            try:
                base = group_population(host, tenant_id, baseline["group"], groups)
            except UnknownGroup:
                pass  # said per period, where the target is computed
            else:
                self._fill(host, tenant_id, spec, base, spans)
        self._fill(host, tenant_id, spec, population, spans)

    def _fill(
        self,
        host: Host,
        tenant_id: int,
        spec: dict[str, Any],
        population: Population,
        spans: list[tuple[int, int]],
    ) -> None:
        found = MEASURES[spec["measure"]].over(host, tenant_id, population, spans, spec["params"])
        for (start_us, end_us), measured in found.items():
            self._found[self._key(spec, population, start_us, end_us)] = measured


def _computed(
    host: Host,
    tenant_id: int,
    spec: dict[str, Any],
    filters: Filters,
    scoped: Population | None,
    as_of: date,
    groups: dict[str, Population],
    narrowed: dict[str, Population],
    memo: Memo,
) -> dict[str, Any]:
    """:param scoped: the people in scope (:func:`scope`), ``None`` for everyone.
    :param narrowed: KPI populations narrowed so far, by their definition (filled
    in: KPIs of the same population share one, and its rollup keys).
    :param memo: the request's measures (populations live as long as it, so their
    ``id`` is a sound key)."""
    spec = {**spec, "period": filters.period} if filters.period else spec
    today = datetime.now(UTC).date()
    series: list[dict[str, Any]] = []
    named = json.dumps(spec["population"], sort_keys=True)
    try:
        if named not in narrowed:
            found = population_of(host, tenant_id, spec, groups)
            narrowed[named] = found if scoped is None else found.narrowed(scoped)
        population: Population | None = narrowed[named]
        missing = None
    except UnknownGroup as exc:
        population, missing = None, str(exc)
    previous: float | None = None
    periods = recent(spec["period"], as_of, filters.points)
    if population is not None:
        memo.prime(host, tenant_id, spec, population, periods, groups)
    for period in periods:
        try:
            if population is None:
                raise UnknownGroup(missing)
            target = target_of(host, tenant_id, spec, population, period, groups, memo)
            measured = memo(host, tenant_id, spec, population, period.start_us, period.end_us)
        except UnknownGroup as exc:
            target, measured = Target(None, op_of(spec), 0), Measured(None, None, note=str(exc))
        closed = period.end <= today
        value = measured.value
        series.append(
            {
                "period": period.as_dict(),
                "value": value,
                "target": target.value,
                "op": target.op,
                "status": status_of(value, target, closed),
                "sample": measured.sample,
                "trend": None if value is None or previous is None else round(value - previous, 2),
                "closed": closed,
            }
            | ({"note": measured.note} if measured.note else {})
        )
        previous = value
    return _tile(spec, series, "computed")


def at_risk(
    host: Host, tenant_id: int, filters: Filters, people: Collection[str] | None
) -> dict[str, Any]:
    """The newest active early-warning flags of the people in scope (at most
    :data:`AT_RISK_SHOWN`), and how many there are in all."""
    flags = [f for f in list_flags(host, tenant_id) if people is None or f["employee_id"] in people]
    keep = ("id", "employee_id", "name", "manager", "rule", "status", "reason", "opened")
    return {
        "total": len(flags),
        "flags": [{k: f.get(k) for k in keep} for f in flags[:AT_RISK_SHOWN]],
    }


def comparison(
    host: Host,
    tenant_id: int,
    filters: Filters,
    people: Collection[str] | None,
    as_of: date,
) -> dict[str, Any] | None:
    """Group ``a`` against group ``b`` on ``measure`` (pass rate by default), over the
    chosen period when there is one (else all time), among the people in scope."""
    if not (filters.a and filters.b):
        return None
    args = {"measure": filters.measure or "pass_rate", "a": filters.a, "b": filters.b}
    args.update(filters.params)
    if filters.period:
        period = recent(filters.period, as_of, 1)[0]
        args.update(since=period.start.isoformat(), until=period.end.isoformat())
    found = compare(host, tenant_id, args, within=None if people is None else frozenset(people))
    if filters.period:
        found["period"] = period.as_dict()
    return found


def _tiles(
    host: Host,
    tenant_id: int,
    filters: Filters,
    viewer: PeopleInView,
    as_of: date,
    found: list[tuple[int, dict[str, Any]]],
    groups: dict[str, Population],
) -> tuple[list[dict[str, Any]], Members | None]:
    """Every KPI computed over the people in scope, and who they are.

    :param groups: groups' people read so far, by name (filled in: a refresh reads each
        group once for all the views it computes, as an evaluation does for its KPIs).
    """
    people = scope(host, tenant_id, filters, viewer, as_of, groups)
    narrowed: dict[str, Population] = {}
    memo = Memo()
    scoped = None if people is None else Population(people)
    tiles = [
        _computed(host, tenant_id, spec, filters, scoped, as_of, groups, narrowed, memo)
        for _, spec in found
    ]
    return tiles, people


def _view(filters: Filters, viewer: PeopleInView) -> dict[str, Any]:
    """What a recorded view is: the filters that shape its tiles, and whose people the
    viewer sees (not the comparison, which is computed on each request)."""
    shaping = {k: v for k, v in filters.query().items() if k in VIEW_FILTERS}
    return {"filters": shaping, "viewer": None if viewer.everyone else sorted(viewer.employee_ids)}


def _viewer_of(view: dict[str, Any]) -> PeopleInView:
    ids = view["viewer"]
    return EVERYONE if ids is None else PeopleInView(everyone=False, employee_ids=frozenset(ids))


def _computed_view(
    host: Host,
    tenant_id: int,
    filters: Filters,
    viewer: PeopleInView,
    as_of: date,
    found: list[tuple[int, dict[str, Any]]],
) -> views.Recorded:
    view, definitions_now = _view(filters, viewer), views.fingerprint(found)
    recorded = views.read(host, tenant_id, view, as_of, definitions_now)
    if recorded is None:
        tiles, people = _tiles(host, tenant_id, filters, viewer, as_of, found, {})
        recorded = views.record(host, tenant_id, view, as_of, definitions_now, tiles, people)
    return recorded


def refresh_views(host: Host, tenant_id: int) -> int:
    """Compute again every view someone asked for lately (:mod:`plugins.kpi.views`), as
    of its ``at`` or today; a view whose group or program is gone is dropped. Returns
    how many were refreshed."""
    found = definitions(host, tenant_id)
    definitions_now = views.fingerprint(found)
    today = datetime.now(UTC).date()
    groups: dict[str, Population] = {}
    refreshed = 0
    for view in views.watched(host, tenant_id):
        filters = parse_filters(view["filters"])
        viewer = _viewer_of(view)
        as_of = filters.at or today
        try:
            tiles, people = _tiles(host, tenant_id, filters, viewer, as_of, found, groups)
        except KpiError:  # its group or program no longer exists
            views.drop(host, tenant_id, view)
            continue
        views.record(host, tenant_id, view, as_of, definitions_now, tiles, people, refreshing=True)
        refreshed += 1
    return refreshed


def dashboard(
    host: Host, tenant_id: int, filters: Filters, viewer: PeopleInView = EVERYONE
) -> dict[str, Any]:
    """Everything a dashboard shows. :raises KpiError: an unknown group, program or
    comparison parameter (4xx, naming the query parameter)."""
    as_of = filters.at or datetime.now(UTC).date()
    found = definitions(host, tenant_id)
    people: Collection[str] | None = None
    computed = None
    if viewer.everyone and not filters.computed:
        tiles = _recorded(host, found, filters.points)
    else:
        view = _computed_view(host, tenant_id, filters, viewer, as_of, found)
        tiles, people = view.tiles, view.people
        computed = datetime.fromtimestamp(view.computed_us / 1e6, UTC).isoformat()
    return {
        "filters": filters.query(),
        "as_of": as_of.isoformat(),
        "computed": computed,
        "people_in_scope": None if people is None else len(people),
        "tiles": tiles,
        "comparison": comparison(host, tenant_id, filters, people, as_of),
        "at_risk": at_risk(host, tenant_id, filters, people),
    }
