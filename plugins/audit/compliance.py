"""Who has done their required training: compliant, due soon, overdue, with the evidence.

Two sources of what is required. The store's assignments (:func:`assignments_report`,
what ``lrs audit report`` uses by default): everyone assigned is listed, whether or
not they have any statement, with the statuses and evidence Weft's host computes
(docs/assignments.md). Or a requirements file given with the request
(:func:`compliance_report`), for ad hoc checks without assignments.

A requirement is ``{"activity": IRI, "due": "YYYY-MM-DD", "people": [...] | "all"}``.
Evidence is a statement, not voided, whose object is the activity and whose verb
is completed, passed or attended: online completions and instructor-led
attendance count alike. ``"all"`` means everyone with any statement about the
activity (assigned, launched, attempted...). People are given as email
addresses, Agent objects or canonical keys; when a plugin implements
``resolve_person`` (HRIS), the accounts of one person count as one.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from lrs.plugin.assignments import STATUSES as ASSIGNMENT_STATUSES
from plugins.audit.chain import iso, now_us
from plugins.audit.entries import agent_key, person_key
from plugins.audit.pdf import COMPLETION_VERBS, completed_on

if TYPE_CHECKING:
    from lrs.plugin.host import Host

STATUSES = ("compliant", "due_soon", "overdue", "pending")


class RequirementError(ValueError):
    """The requirements file is malformed (the message says where)."""


@dataclass(frozen=True)
class Requirement:
    activity: str
    due: date
    #: Canonical agent keys, or ``None`` for everyone who has a statement about it.
    people: tuple[str, ...] | None


def parse_requirements(data: Any) -> list[Requirement]:
    if not isinstance(data, list):
        raise RequirementError("the requirements must be a JSON array")
    parsed = []
    for index, item in enumerate(data):
        where = f"$[{index}]"
        if not isinstance(item, dict) or not isinstance(item.get("activity"), str):
            raise RequirementError(f"{where}.activity: an activity IRI is required")
        try:
            due = date.fromisoformat(str(item.get("due")))
        except ValueError as exc:
            raise RequirementError(f"{where}.due: a date YYYY-MM-DD is required") from exc
        people = item.get("people", "all")
        if people == "all":
            keys = None
        elif isinstance(people, list):
            try:
                keys = tuple(_key(person) for person in people)
            except (ValueError, TypeError) as exc:
                raise RequirementError(f"{where}.people: {exc}") from exc
        else:
            raise RequirementError(f'{where}.people: a list of people or "all" is required')
        parsed.append(Requirement(item["activity"], due, keys))
    return parsed


def _key(person: Any) -> str:
    if isinstance(person, dict):
        key = agent_key(person)
        if key is None:
            raise ValueError("an agent needs mbox, mbox_sha1sum, openid or account")
        return key
    text = str(person)
    if text.split(":", 1)[0] in {"mbox", "mbox_sha1sum", "openid", "account"}:
        return text
    return person_key(text)


class _People:
    """Merges the accounts of one person when an HRIS plugin says who is who."""

    def __init__(self, host: Host, tenant_id: int) -> None:
        self._host, self._tenant_id = host, tenant_id
        self._known: dict[str, str] = {}

    def key(self, agent: dict[str, Any]) -> str | None:
        own = agent_key(agent)
        if own is None or own in self._known:
            return self._known.get(own or "")
        person = self._host.resolve_person(self._tenant_id, agent)
        self._known[own] = f"person:{person.id}" if person else own
        for alias in (person.agents if person else ()):
            alias_key = agent_key(alias)
            if alias_key:
                self._known[alias_key] = self._known[own]
        return self._known[own]

    def canonical(self, key: str) -> str:
        return self._known.get(key, key)


def assignments_report(host: Host, tenant_id: int, *, today: date | None = None,
                       soon_days: int = 14) -> dict[str, Any]:
    """Each assignment of the store with each assigned person's status and evidence, and
    counts per status; people assigned who never sent a statement are there too.

    :param soon_days: the "due soon" window of assignments that set none.
    """
    today = today or datetime.now(UTC).date()
    people: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for status in host.assignment_statuses(tenant_id, today, due_soon_days=soon_days):
        people[status.assignment.id].append(status.as_dict())
    report = [{**assignment.as_dict(),
               "summary": {status: sum(p["status"] == status for p in people[assignment.id])
                           for status in ASSIGNMENT_STATUSES},
               "people": people[assignment.id]}
              for assignment in host.assignments(tenant_id)]
    return {"tenant": tenant_id, "as_of": today.isoformat(), "generated": iso(now_us()),
            "due_soon_days": soon_days, "assignments": report}


def compliance_report(host: Host, tenant_id: int, requirements: list[Requirement], *,
                      today: date | None = None, soon_days: int = 14) -> dict[str, Any]:
    """Each requirement with each person's status and evidence, and counts per status."""
    today = today or date.today()
    people = _People(host, tenant_id)
    report = []
    for requirement in requirements:
        evidence: dict[str, list[dict[str, Any]]] = defaultdict(list)
        seen: set[str] = set()
        for statement in host.query_statements(tenant_id, activity=requirement.activity):
            who = people.key(statement["actor"])
            if who is None:
                continue
            seen.add(who)
            success = (statement.get("result") or {}).get("success")
            if statement["verb"]["id"] in COMPLETION_VERBS and success is not False:
                evidence[who].append({"statement": statement["id"],
                                      "verb": statement["verb"]["id"],
                                      "timestamp": statement.get("timestamp"),
                                      "stored": statement.get("stored")})
        wanted = (sorted(seen) if requirement.people is None
                  else [people.canonical(key) for key in requirement.people])
        rows = [_status(who, evidence.get(who, []), requirement.due, today, soon_days)
                for who in wanted]
        report.append({
            "activity": requirement.activity, "due": requirement.due.isoformat(),
            "summary": {status: sum(r["status"] == status for r in rows) for status in STATUSES},
            "people": rows,
        })
    return {"tenant": tenant_id, "as_of": today.isoformat(), "generated": iso(now_us()),
            "due_soon_days": soon_days, "requirements": report}


def _status(who: str, evidence: list[dict[str, Any]], due: date, today: date,
            soon_days: int) -> dict[str, Any]:
    if evidence:
        first = min(completed_on(e) for e in evidence)
        return {"person": who, "status": "compliant", "completed": first.isoformat(),
                "late": first > due, "evidence": evidence}
    if today > due:
        status = "overdue"
    elif due - today <= timedelta(days=soon_days):
        status = "due_soon"
    else:
        status = "pending"
    return {"person": who, "status": status, "completed": None, "late": False, "evidence": []}
