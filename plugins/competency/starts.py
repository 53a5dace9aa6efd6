"""When each person's path to a competency started: hire, assignment or first activity.

Time-to-competency runs from a start to the first attainment, and organisations
measure it from different starts (docs/competency.md, "Time-to-competency"):

* ``hire``: the hire date the people directory holds (midnight UTC);
* ``assignment``: when the person was assigned an activity an evidence rule maps
  to the competency: the assignment's creation, or the person's hire date when
  they were hired later (a group assignment applies to newcomers from their first
  day); the earliest such assignment counts;
* ``first_activity``: the person's first evidence for the competency, or first
  statement on an activity (or in a program) an evidence rule maps to it,
  whichever came first.

A person none of these applies to has no start; callers exclude and count them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cached_property
from typing import Any

from sqlalchemy import func, select

from lrs.plugin.host import Host, Person
from lrs.plugin.metrics import MetricError, epoch_us, parse_moment
from plugins.competency.models import Attainment, Evidence, EvidenceRule

START_KINDS = ("hire", "assignment", "first_activity")


@dataclass(frozen=True)
class CompetencyRecord:
    """What the plugin's tables say about one competency, read once per report."""

    #: First attainment per employee id.
    attained_us: Mapping[str, int]
    #: Employee ids with an attainment row, attained or not.
    tracked: frozenset[str]
    #: First evidence per employee id.
    first_evidence_us: Mapping[str, int]
    #: ``(target_kind, target)`` of the enabled rules giving evidence for it.
    targets: tuple[tuple[str, str], ...]

    @property
    def people(self) -> set[str]:
        """Employee ids with an attainment row or evidence for the competency."""
        return set(self.tracked) | set(self.first_evidence_us)


def read_record(host: Host, tenant_id: int, competency: str) -> CompetencyRecord:
    """The competency's first attainments, first evidence and mapped rule targets."""
    with host.read() as session:
        attained = session.execute(
            select(Attainment.person_id, Attainment.first_attained_us).where(
                Attainment.tenant_id == tenant_id,
                Attainment.competency_uri == competency,
            )
        ).all()
        evidence = session.execute(
            select(Evidence.person_id, func.min(Evidence.occurred_us))
            .where(Evidence.tenant_id == tenant_id, Evidence.competency_uri == competency)
            .group_by(Evidence.person_id)
        ).all()
        rules = session.execute(
            select(EvidenceRule.target_kind, EvidenceRule.target, EvidenceRule.competencies).where(
                EvidenceRule.tenant_id == tenant_id, EvidenceRule.enabled.is_(True)
            )
        ).all()
    return CompetencyRecord(
        attained_us={str(person): int(when) for person, when in attained if when is not None},
        tracked=frozenset(str(person) for person, _ in attained),
        first_evidence_us={str(person): int(when) for person, when in evidence},
        targets=tuple(
            sorted(
                {(kind, target) for kind, target, uris in rules if competency in json.loads(uris)}
            )
        ),
    )


def mapped_activities(record: CompetencyRecord) -> set[str]:
    """Activity and program IRIs mapped to the competency (activity types name no activity)."""
    return {target for kind, target in record.targets if kind in ("activity", "program")}


def hire_us(person: Person) -> int | None:
    """Midnight UTC of the person's hire date, ``None`` when the directory has none."""
    text = person.attributes.get("hire_date")
    if not text:
        return None
    day = date.fromisoformat(text)
    return epoch_us(datetime(day.year, day.month, day.day, tzinfo=UTC))


def assignment_starts(host: Host, tenant_id: int, record: CompetencyRecord) -> dict[str, int]:
    """Per employee id, when they were first assigned an activity mapped to the competency."""
    activities = mapped_activities(record)
    starts: dict[str, int] = {}
    for assignee in host.assigned_people(tenant_id):
        if not activities.intersection(assignee.assignment.activities):
            continue
        created = epoch_us(parse_moment(assignee.assignment.created, "created"))
        assert created is not None
        start = max(created, hire_us(assignee.person) or created)
        person = assignee.person.id
        starts[person] = min(start, starts.get(person, start))
    return starts


def first_activity_starts(host: Host, tenant_id: int, record: CompetencyRecord) -> dict[str, int]:
    """Per employee id, their first evidence or first statement on a mapped activity."""
    first_by_actor: dict[str, tuple[dict[str, Any], int]] = {}
    for kind, target in record.targets:
        if kind == "activity_type":
            continue
        for statement in host.query_statements(
            tenant_id, activity=target, related_activities=kind == "program"
        ):
            when = _timestamp_us(statement)
            key = json.dumps(statement["actor"], sort_keys=True)
            if when is not None and (key not in first_by_actor or when < first_by_actor[key][1]):
                first_by_actor[key] = (statement["actor"], when)
    starts = dict(record.first_evidence_us)
    firsts = list(first_by_actor.values())
    people = host.resolve_people(tenant_id, [actor for actor, _ in firsts])
    for person, (_, when) in zip(people, firsts, strict=True):
        if person is not None:
            starts[person.id] = min(when, starts.get(person.id, when))
    return starts


class Starts:
    """The starts of one kind for one competency, each source read at most once per
    report: expanding assignments and reading the mapped activities' statements are the
    costly parts, and a report with a baseline asks twice."""

    def __init__(self, host: Host, tenant_id: int, kind: str, record: CompetencyRecord) -> None:
        self._host, self._tenant_id, self.kind, self._record = host, tenant_id, kind, record

    @cached_property
    def assigned(self) -> dict[str, int]:
        return assignment_starts(self._host, self._tenant_id, self._record)

    @cached_property
    def first_activity(self) -> dict[str, int]:
        return first_activity_starts(self._host, self._tenant_id, self._record)

    def concerned(self) -> set[str]:
        """Everyone the competency concerns: with an attainment or evidence for it, or
        assigned one of its activities (and, from the first activity, whoever acted on one)."""
        concerned = self._record.people | set(self.assigned)
        if self.kind == "first_activity":
            concerned |= set(self.first_activity)
        return concerned

    def of(self, people: Iterable[Person]) -> dict[str, int]:
        """The start of each of ``people`` who has one, by employee id."""
        if self.kind == "hire":
            return {p.id: start for p in people if (start := hire_us(p)) is not None}
        found = self.assigned if self.kind == "assignment" else self.first_activity
        return {p.id: found[p.id] for p in people if p.id in found}


def _timestamp_us(statement: Mapping[str, Any]) -> int | None:
    text = statement.get("timestamp") or statement.get("stored")
    try:
        return epoch_us(parse_moment(str(text), "timestamp")) if text else None
    except MetricError:
        return None
