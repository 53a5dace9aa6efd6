"""KPI definitions: checked, stored, listed, loaded from and exported to a file.

A definition is a JSON object (or a YAML mapping: a file of them can live in
version control)::

    key: completion-rate                 # what URLs and commands call it
    title: Course completion rate
    level: engagement                    # optional: engagement, learning, business...
    measure: completion_rate             # plugins.kpi.measures.MEASURES
    params: {basis: assigned}            # the measure's own (activity, basis, attempt)
    population: everyone                 # or {group: Pilot} or {rule: "department = Sales"}
    target: {op: ">=", value: 80}        # or {change: -30, baseline: {periods_before: 4}}
    period: week                         # month, quarter, or {start: 2026-01-05, end: 2026-07-05}
    owner: L&D program owner

Every problem is reported with its JSON path (``$.target.op``, in a file
``$.kpis[3].period``). Every change is an administrative action in the audit
trail (``kpi.created``, ``kpi.updated``, ``kpi.deleted``).
"""

from __future__ import annotations

import json
import re
import time
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select

from plugins.kpi.errors import KpiError, not_found
from plugins.kpi.measures import MEASURES, Population, group_population
from plugins.kpi.models import Definition, Result
from plugins.kpi.periods import CADENCES

if TYPE_CHECKING:
    from lrs.plugin.host import Host

KEY = re.compile(r"[a-z0-9][a-z0-9_.-]{0,199}")
OPERATORS = (">=", ">", "<=", "<")
#: How far short of its target (in % of the target) a KPI is "at risk" rather than "missed".
DEFAULT_AT_RISK = 10.0
FIELDS = ("key", "title", "level", "measure", "params", "population", "target", "period", "owner")


class _Problems:
    def __init__(self, root: str) -> None:
        self.root = root
        self.found: list[dict[str, str]] = []

    def add(self, path: str, message: str) -> None:
        self.found.append({"path": self.root + path, "message": message})


#: The furthest back a ``periods_before`` baseline looks: ten years of months (each
#: period is stepped back one at a time, and dates end at year 1).
MAX_PERIODS_BEFORE = 120


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _text(spec: dict, name: str, problems: _Problems, *, required: bool = True) -> None:
    value = spec.get(name)
    if value is None and not required:
        return
    if not isinstance(value, str) or not value.strip():
        problems.add(f".{name}", "must be a non-empty string")


def _date(value: Any, path: str, problems: _Problems) -> date | None:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        problems.add(path, f"must be a date (YYYY-MM-DD), got {value!r}")
        return None


def _window(value: dict, path: str, names: tuple[str, str], problems: _Problems) -> None:
    first, last = (_date(value.get(n), f"{path}.{n}", problems) for n in names)
    if first and last and first >= last:
        problems.add(f"{path}.{names[1]}", f"must be after {names[0]}")


def _check_params(spec: dict, problems: _Problems) -> None:
    name = spec.get("measure")
    measure = MEASURES.get(name) if isinstance(name, str) else None
    if measure is None:
        problems.add(".measure", f"must be one of {', '.join(MEASURES)}")
        return
    params = spec.setdefault("params", {})
    if not isinstance(params, dict):
        problems.add(".params", "must be an object")
        return
    for name, value in params.items():
        if name not in measure.params:
            accepted = ", ".join(measure.params) or "none"
            problems.add(
                f".params.{name}", f"{measure.name} takes no {name!r} (accepted: {accepted})"
            )
        elif not isinstance(value, str) or not value:
            problems.add(f".params.{name}", "must be a non-empty string")
        elif (allowed := measure.params[name]) and value not in allowed:
            problems.add(f".params.{name}", f"must be one of {', '.join(allowed)}")


def _check_population(spec: dict, problems: _Problems) -> None:
    population = spec.setdefault("population", "everyone")
    if population == "everyone":
        return
    if (
        not isinstance(population, dict)
        or len(population) != 1
        or not set(population) <= {"group", "rule"}
    ):
        problems.add(".population", 'must be "everyone", {"group": NAME} or {"rule": RULE}')
        return
    name, value = next(iter(population.items()))
    if not isinstance(value, str) or not value.strip():
        problems.add(f".population.{name}", "must be a non-empty string")


def _check_target(spec: dict, problems: _Problems) -> None:
    target = spec.get("target")
    if not isinstance(target, dict):
        problems.add(
            ".target", 'must be {"op": ">=", "value": 80} or {"change": -30, "baseline": {...}}'
        )
        return
    at_risk = target.setdefault("at_risk", DEFAULT_AT_RISK)
    if not _number(at_risk) or at_risk < 0:
        problems.add(".target.at_risk", "must be a number >= 0 (% of the target)")
    if "change" in target:
        unknown = sorted(set(target) - {"change", "baseline", "at_risk"})
        if unknown:
            problems.add(f".target.{unknown[0]}", "is not a field of a relative target")
        if not _number(target["change"]) or target["change"] == 0:
            problems.add(".target.change", "must be a non-zero number (% of the baseline)")
        _check_baseline(target.get("baseline"), problems)
        return
    unknown = sorted(set(target) - {"op", "value", "at_risk"})
    if unknown:
        problems.add(f".target.{unknown[0]}", "is not a field of a target")
    if target.get("op") not in OPERATORS:
        problems.add(".target.op", f"must be one of {', '.join(OPERATORS)}")
    if not _number(target.get("value")):
        problems.add(".target.value", "must be a number")


def _check_baseline(baseline: Any, problems: _Problems) -> None:
    path = ".target.baseline"
    if not isinstance(baseline, dict):
        problems.add(
            path, 'must be {"periods_before": N}, {"since": DATE, "until": DATE} or {"group": NAME}'
        )
    elif "periods_before" in baseline:
        count = baseline["periods_before"]
        if (not isinstance(count, int) or isinstance(count, bool)
                or not 1 <= count <= MAX_PERIODS_BEFORE):
            problems.add(f"{path}.periods_before",
                         f"must be a whole number from 1 to {MAX_PERIODS_BEFORE}")
    elif "group" in baseline:
        if not isinstance(baseline["group"], str) or not baseline["group"].strip():
            problems.add(f"{path}.group", "must be a non-empty string")
    else:
        _window(baseline, path, ("since", "until"), problems)


def _check_period(spec: dict, problems: _Problems) -> None:
    period = spec.get("period")
    if isinstance(period, dict):
        _window(period, ".period", ("start", "end"), problems)
        if set(period) - {"start", "end"}:
            problems.add(".period", "a window has only start and end")
    elif period not in CADENCES:
        problems.add(
            ".period", f'must be one of {", ".join(CADENCES)} or {{"start": DATE, "end": DATE}}'
        )
    baseline = (
        (spec.get("target") or {}).get("baseline") if isinstance(spec.get("target"), dict) else None
    )
    if isinstance(period, dict) and isinstance(baseline, dict) and "periods_before" in baseline:
        problems.add(".target.baseline.periods_before", "a window has no periods before it")


def check(spec: Any, root: str = "$") -> dict[str, Any]:
    """The definition ``spec``, normalized (defaults filled in).

    :raises KpiError: every problem found, each with its JSON path under ``root``.
    """
    problems = _Problems(root)
    if not isinstance(spec, dict):
        raise KpiError("a KPI must be an object", [{"path": root, "message": "not an object"}])
    try:
        spec = json.loads(json.dumps(spec, default=str))  # a copy; YAML dates become text
    except ValueError as exc:  # YAML's: an alias inside itself, 0x... past 4,300 digits
        raise KpiError(
            f"the KPI is not valid: {root}: {exc}", [{"path": root, "message": str(exc)}]
        ) from None
    for name in sorted(set(spec) - set(FIELDS)):
        problems.add(f".{name}", f"is not a field of a KPI (fields: {', '.join(FIELDS)})")
    if not isinstance(spec.get("key"), str) or not KEY.fullmatch(spec["key"]):
        problems.add(".key", "must be 1-200 lowercase letters, digits, '.', '_' or '-'")
    _text(spec, "title", problems)
    _text(spec, "owner", problems)
    _text(spec, "level", problems, required=False)
    _check_params(spec, problems)
    _check_population(spec, problems)
    _check_target(spec, problems)
    _check_period(spec, problems)
    if problems.found:
        raise KpiError(
            f"the KPI is not valid: {problems.found[0]['path']}: {problems.found[0]['message']}",
            problems.found,
        )
    spec.setdefault("level", None)
    return {name: spec.get(name) for name in FIELDS}


def population_of(
    host: Host, tenant_id: int, spec: dict[str, Any], cache: dict[str, Population] | None = None
) -> Population:
    """The people a definition's ``population`` names, now (groups from ``cache`` if there)."""
    population = spec["population"]
    if population == "everyone":
        return Population(None)
    if "group" in population:
        return group_population(host, tenant_id, population["group"], cache)
    return Population.of(host.people_matching(tenant_id, population["rule"]))


def definitions(host: Host, tenant_id: int) -> list[tuple[int, dict[str, Any]]]:
    """``(id, definition)`` of every KPI of the store, by key."""
    with host.read() as session:
        rows = session.execute(
            select(Definition.id, Definition.spec)
            .where(Definition.tenant_id == tenant_id)
            .order_by(Definition.key)
        )
        return [(row_id, json.loads(spec)) for row_id, spec in rows]


def definition(host: Host, tenant_id: int, key: str) -> tuple[int, dict[str, Any]]:
    """:raises KpiError: 404, the store has no such KPI."""
    with host.read() as session:
        row = session.execute(
            select(Definition.id, Definition.spec).where(
                Definition.tenant_id == tenant_id, Definition.key == key
            )
        ).first()
    if row is None:
        raise not_found(key)
    return row[0], json.loads(row[1])


def _check_rule(host: Host, tenant_id: int, spec: dict[str, Any], root: str) -> None:
    population = spec["population"]
    if isinstance(population, dict) and "rule" in population:
        try:
            host.people_matching(tenant_id, population["rule"])
        except ValueError as exc:
            path = f"{root}.population.rule"
            raise KpiError(f"{path}: {exc}", [{"path": path, "message": str(exc)}]) from None


def save(
    host: Host,
    tenant_id: int,
    specs: list[tuple[str, Any]],
    *,
    actor: str,
    source: dict[str, str] | None = None,
    create_only: bool = False,
    key: str | None = None,
) -> dict[str, list[str]]:
    """Create or replace KPIs, all or none: ``specs`` are ``(JSON path, definition)``.

    :returns: the keys ``created``, ``updated`` and ``unchanged``.
    :raises KpiError: a definition is not valid (400), ``create_only`` and the key
        exists (409), the path's ``key`` and the body's differ (400).
    """
    checked = []
    problems: list[dict[str, str]] = []
    for root, spec in specs:
        try:
            checked.append(check(spec, root))
            _check_rule(host, tenant_id, checked[-1], root)
        except KpiError as exc:
            problems.extend(exc.errors)
    if problems:
        raise KpiError(f"not valid: {problems[0]['path']}: {problems[0]['message']}", problems)
    keys = [spec["key"] for spec in checked]
    if len(set(keys)) != len(keys):
        twice = next(k for k in keys if keys.count(k) > 1)
        raise KpiError(
            f"KPI {twice!r} is defined twice",
            [
                {
                    "path": specs[len(keys) - 1 - keys[::-1].index(twice)][0] + ".key",
                    "message": "defined twice",
                }
            ],
        )
    if key is not None and keys != [key]:
        raise KpiError(
            "the body's key is not the URL's", [{"path": "$.key", "message": f"must be {key!r}"}]
        )
    outcome: dict[str, list[str]] = {"created": [], "updated": [], "unchanged": []}
    now = time.time_ns() // 1000
    with host.write() as session:
        existing = {
            row.key: row
            for row in session.scalars(
                select(Definition).where(
                    Definition.tenant_id == tenant_id, Definition.key.in_(keys)
                )
            )
        }
        for spec in checked:
            text = json.dumps(spec, sort_keys=True)
            row = existing.get(spec["key"])
            if row is None:
                session.add(
                    Definition(
                        tenant_id=tenant_id,
                        key=spec["key"],
                        spec=text,
                        created_us=now,
                        updated_us=now,
                    )
                )
                outcome["created"].append(spec["key"])
                host.record_admin_action(
                    session,
                    tenant_id,
                    actor=actor,
                    action="kpi.created",
                    target=f"kpi:{spec['key']}",
                    details={"definition": spec},
                    source=source,
                )
            elif create_only:
                raise KpiError(
                    f"KPI {spec['key']!r} exists; PUT /api/kpis/{spec['key']} replaces it",
                    [{"path": "$.key", "message": "exists"}],
                    status=409,
                    code="conflict",
                )
            elif row.spec == text:
                outcome["unchanged"].append(spec["key"])
            else:
                before = json.loads(row.spec)
                row.spec, row.updated_us = text, now
                outcome["updated"].append(spec["key"])
                host.record_admin_action(
                    session,
                    tenant_id,
                    actor=actor,
                    action="kpi.updated",
                    target=f"kpi:{spec['key']}",
                    details={"before": before, "after": spec},
                    source=source,
                )
    return outcome


def remove(
    host: Host, tenant_id: int, key: str, *, actor: str, source: dict[str, str] | None = None
) -> None:
    """Delete a KPI and its recorded results (its alerts stay, as history)."""
    with host.write() as session:
        row = session.scalar(
            select(Definition).where(Definition.tenant_id == tenant_id, Definition.key == key)
        )
        if row is None:
            raise not_found(key)
        session.execute(delete(Result).where(Result.definition_id == row.id))
        session.delete(row)
        host.record_admin_action(
            session,
            tenant_id,
            actor=actor,
            action="kpi.deleted",
            target=f"kpi:{key}",
            details={"definition": json.loads(row.spec)},
            source=source,
        )
