"""Who each assignment applies to, and how each of them stands on a given day.

An assignment is expanded to the active people of the directory it names (a
person, or a group's members as the group is now). Their statements are found
through the directory's identities, so activity under any of a person's accounts
counts, and read once for every assignment asked about
(:func:`lrs.store.assignments.statements_about`), never per person.

A statement completes an activity when its verb is completed or passed, or its
result says ``completion`` or ``success`` is true (an instructor-led session
recorded as ``attended`` with ``result.completion`` true counts), and its result
does not say ``success: false``. It counts on the day of its ``timestamp`` (UTC),
else of its ``stored`` time: the learner's moment, since an import or a connector
stores last year's completions today. Statements stored after the day asked
about are not seen. The calendar rules are :class:`lrs.plugin.assignments.Assignment`'s.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from lrs.models import DEFAULT_TENANT_ID
from lrs.plugin.assignments import (
    DEFAULT_DUE_SOON_DAYS,
    EARLIEST,
    LATEST,
    Assignment,
    Evidence,
)
from lrs.plugin.host import Assignee, AssignmentStatus, Person
from lrs.services.assignments import list_assignments
from lrs.services.core import Core
from lrs.services.groups import group_members
from lrs.services.people import as_people, lookup_keys
from lrs.store import assignments as store
from lrs.store.people import directory_keys
from lrs.xapi.actors import agent_ifi_key
from lrs.xapi.datatypes import parse_timestamp
from lrs.xapi.errors import BadRequest, ErrorDetail, NotFound

_COMPLETION_VERBS = frozenset({"http://adlnet.gov/expapi/verbs/completed",
                               "http://adlnet.gov/expapi/verbs/passed"})


@dataclass(frozen=True)
class _Fact:
    """What one statement says about one person and activity."""

    evidence: Evidence
    completes: bool


def assigned_people(core: Core, *, tenant_id: int = DEFAULT_TENANT_ID,
                    as_of: date | None = None) -> list[Assignee]:
    """Every assignment of the store expanded to its people, with each one's due date
    of the cycle in progress on ``as_of`` (today, UTC, by default)."""
    as_of = _day_asked(as_of)
    assignments = list_assignments(core, tenant_id=tenant_id)
    expanded = _expand(core, tenant_id, assignments)
    return [Assignee(assignment, person, assignment.due_date(assignment.cycle_on(as_of)))
            for assignment in assignments for person in expanded[assignment.id]]


def assignment_statuses(core: Core, *, tenant_id: int = DEFAULT_TENANT_ID,
                        as_of: date | None = None, ids: Iterable[int] | None = None,
                        due_soon_days: int = DEFAULT_DUE_SOON_DAYS) -> list[AssignmentStatus]:
    """Each assigned person's status on each assignment (only ``ids`` when given) at
    the end of ``as_of`` (today, UTC, by default), by assignment then employee id.

    :param due_soon_days: the "due soon" window of assignments that set none.
    :raises BadRequest: ``as_of`` is before 1900 or after 2999.
    :raises NotFound: one of ``ids`` is not an assignment of the store.
    """
    as_of = _day_asked(as_of)
    wanted = None if ids is None else sorted(set(ids))
    assignments = list_assignments(core, tenant_id=tenant_id, ids=wanted)
    missing = sorted(set(wanted or ()) - {a.id for a in assignments})
    if missing:
        raise NotFound(f"no assignment {missing[0]} in this store (lrs assignments list)")
    expanded = _expand(core, tenant_id, assignments)
    facts = _facts(core, tenant_id, assignments, expanded, as_of)
    return [_status(assignment, person, facts, as_of, due_soon_days)
            for assignment in assignments for person in expanded[assignment.id]]


def _expand(core: Core, tenant_id: int,
            assignments: list[Assignment]) -> dict[int, list[Person]]:
    """The active people each assignment applies to now, by employee id (one query for
    the persons named, one evaluation per group)."""
    named = {a.target for a in assignments if a.target_kind == "person"}
    with core.db.read() as session:
        rows = list(store.people_by_employee_id(session, tenant_id, named).values())
        people = {person.id: person for person in as_people(session, rows)}
    groups: dict[str, list[Person]] = {}
    for name in sorted({a.target for a in assignments if a.target_kind == "group"}):
        try:
            groups[name] = group_members(core, tenant_id=tenant_id, name=name)
        except NotFound:  # deleted since: the assignment applies to nobody
            groups[name] = []
    expanded = {}
    for assignment in assignments:
        found = (groups[assignment.target] if assignment.target_kind == "group"
                 else [people[assignment.target]] if assignment.target in people else [])
        expanded[assignment.id] = [p for p in found if p.attributes.get("active") != "false"]
    return expanded


def _facts(core: Core, tenant_id: int, assignments: list[Assignment],
           expanded: dict[int, list[Person]],
           as_of: date) -> dict[tuple[str, str], list[_Fact]]:
    """``(activity, employee id) → facts`` by day (then statement id), from one read of
    the statements.

    An actor is matched on its identity key alone: the directory holds a person's
    email under both ``mbox`` and ``mbox_sha1sum`` keys (lowercased), so the SHA-1
    that :func:`~lrs.services.people.lookup_keys` adds for a one-off look-up would
    find nobody more, at a third of the report's time.
    """
    owner = {key: person.id for people in expanded.values() for person in people
             for agent in person.agents for key in lookup_keys(agent)}
    activities = {iri for assignment in assignments for iri in assignment.activities}
    facts: dict[tuple[str, str], list[_Fact]] = defaultdict(list)
    with core.db.read() as session:
        for activity, text in store.statements_about(session, tenant_id, activities):
            statement = json.loads(text)
            key = agent_ifi_key(statement["actor"])
            who = owner.get(key) or next(
                (owner[k] for k in directory_keys((key,)) if k in owner), None)
            on = _day(statement)
            if who is not None and on <= as_of:
                facts[(activity, who)].append(_Fact(
                    Evidence(statement["id"], activity, statement["verb"]["id"], on),
                    _completes(statement)))
    for found in facts.values():
        found.sort(key=lambda fact: (fact.evidence.on, fact.evidence.statement))
    return facts


def _status(assignment: Assignment, person: Person,
            facts: dict[tuple[str, str], list[_Fact]], as_of: date,
            default_soon: int) -> AssignmentStatus:
    """The first that holds: the current cycle is completed (compliant); the previous
    one was (compliant, or due soon as the next due date nears); a due date passed
    without a completion (overdue); the due date is near (due soon); something was
    done this cycle (in progress); nothing was (not started)."""
    cycle = assignment.cycle_on(as_of)
    due = assignment.due_date(cycle)
    soon = assignment.due_soon_days if assignment.due_soon_days is not None else default_soon
    recurring = bool(assignment.recurrence_months)

    def in_cycle(number: int) -> list[list[_Fact]]:
        after, through = assignment.window(number)
        return [[f for f in facts.get((iri, person.id), ())
                 if (after is None or f.evidence.on > after)
                 and (through is None or f.evidence.on <= through)]
                for iri in assignment.activities]

    def completions(number: int) -> tuple[Evidence, ...] | None:
        done = [[f.evidence for f in found if f.completes] for found in in_cycle(number)]
        return tuple(found[0] for found in done) if all(done) else None

    current = in_cycle(cycle)
    started = tuple(found[0].evidence for found in current if found)

    def result(status: str, deadline: date, evidence: tuple[Evidence, ...],
               completed: bool = False) -> AssignmentStatus:
        return AssignmentStatus(assignment, person, status, deadline, bool(started),
                                max(e.on for e in evidence) if completed else None, evidence)

    if (evidence := completions(cycle)) is not None:
        return result("compliant", due, evidence, completed=True)
    if recurring and cycle > 0 and (evidence := completions(cycle - 1)) is not None:
        status = "due_soon" if (due - as_of).days <= soon else "compliant"
        return result(status, due, evidence, completed=True)
    if recurring and cycle > 0:
        return result("overdue", assignment.due_date(cycle - 1), started)
    if as_of > due:
        return result("overdue", due, started)
    if (due - as_of).days <= soon:
        return result("due_soon", due, started)
    return result("in_progress" if started else "not_started", due, started)


def _completes(statement: dict[str, Any]) -> bool:
    result = statement.get("result") or {}
    return result.get("success") is not False and (
        statement["verb"]["id"] in _COMPLETION_VERBS or result.get("completion") is True
        or result.get("success") is True)


def _day(statement: dict[str, Any]) -> date:
    """The day (UTC) a statement counts for: its timestamp's, else its stored time's.

    ``fromisoformat`` (C) reads what Weft stores; xAPI's looser forms go through
    :func:`~lrs.xapi.datatypes.parse_timestamp`.
    """
    moment = statement.get("timestamp") or statement["stored"]
    try:
        parsed = datetime.fromisoformat(moment)
    except ValueError:
        parsed = parse_timestamp(moment)
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC).date()


def _day_asked(as_of: date | None) -> date:
    """``as_of``, today (UTC) by default.

    :raises BadRequest: outside the days calendar arithmetic is done for.
    """
    day = as_of or datetime.now(UTC).date()
    if not EARLIEST <= day <= LATEST:
        message = f"must be from {EARLIEST} to {LATEST}"
        raise BadRequest(f"as_of {message}", errors=[ErrorDetail("as_of", message)])
    return day
