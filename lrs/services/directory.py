"""Reading the people directory page by page: what the web UI's directory pages show.

An admin looks people up (by name, email, employee id, department), opens one
(attributes, identities, groups, merges and splits) and browses groups. A store
may hold 100,000 people: lists are pages read on from the last employee id shown
(never an ``OFFSET``, never a count of everyone), and a rule group's members are
found by reading the directory in order until a page is full.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from lrs.models import Person as PersonRow
from lrs.plugin.host import Person
from lrs.services.core import Core
from lrs.services.group_rules import parse_rule
from lrs.services.groups import list_groups
from lrs.services.identities import identity_history
from lrs.services.people import as_people, as_person
from lrs.store import people as store
from lrs.store import people_groups as groups_store
from lrs.store.bulk import CHUNK
from lrs.xapi.errors import NotFound

#: People shown on one page of a list.
PAGE_SIZE = 50


@dataclass(frozen=True)
class Page:
    """One page of a list: its rows, and the ``after`` of the next page (``None``: last)."""

    rows: list[dict[str, Any]]
    next_after: str | None


def search_people(core: Core, *, tenant_id: int, words: str = "", after: str = "",
                  limit: int = PAGE_SIZE) -> Page:
    """The people whose name, email, employee id or department contains ``words``."""
    with core.db.read() as session:
        rows = store.search_people(session, tenant_id, words.strip(), after=after,
                                   limit=limit + 1)
        people = as_people(session, rows[:limit])
    return _page([_summary(person) for person in people], len(rows) > limit)


def person_details(core: Core, *, tenant_id: int, employee_id: str) -> dict[str, Any]:
    """Everything the directory knows of one person: attributes, identities, the groups
    they are in (static with their role, and the rule groups they match), the merges
    and splits that name them.

    :raises NotFound: no such person in the store.
    """
    with core.db.read() as session:
        row = store.person_named(session, tenant_id, employee_id)
        if row is None:
            raise NotFound(f"no person {employee_id!r} in this store")
        identities = store.identities_of(session, [row.id]).get(row.id, [])
        person = as_person(row, identities)
        groups = [{"name": name, "kind": "static", "role": role or ""}
                  for name, role in groups_store.memberships_of(session, row.id)]
        groups += [{"name": group.name, "kind": "rule", "role": ""}
                   for group in groups_store.rule_groups(session, tenant_id)
                   if parse_rule(group.rule or "").matches(as_person(row, ()))]
    return {"person": person, "identities": identities,
            "groups": sorted(groups, key=lambda group: group["name"]),
            "history": identity_history(core, tenant_id=tenant_id, employee_id=employee_id)}


def groups_overview(core: Core, *, tenant_id: int) -> list[dict[str, Any]]:
    """Every group of the store with its member count: a rule group's is counted on the
    directory now (one read of the directory for all rule groups)."""
    groups = list_groups(core, tenant_id=tenant_id)
    rules = {group["name"]: parse_rule(group["rule"]) for group in groups if group["rule"]}
    if rules:
        counts = dict.fromkeys(rules, 0)
        with core.db.read() as session:
            for row in store.list_people(session, tenant_id):
                person = as_person(row, ())
                for name, rule in rules.items():
                    counts[name] += rule.matches(person)
        for group in groups:
            group["members"] = counts.get(group["name"], group["members"])
    return groups


def group_details(core: Core, *, tenant_id: int, name: str, after: str = "",
                  limit: int = PAGE_SIZE) -> dict[str, Any]:
    """A group (kind, rule) and one page of its members, with their role in it.

    :raises NotFound: no such group in the store.
    """
    with core.db.read() as session:
        group = groups_store.group_named(session, tenant_id, name)
        if group.rule is None:
            found = groups_store.static_member_page(session, group, after=after,
                                                    limit=limit + 1)
        else:
            found = _rule_member_page(session, tenant_id, group.rule, after, limit + 1)
        people = as_people(session, [row for row, _ in found[:limit]])
    members = [{**_summary(person), "role": role}
               for person, (_, role) in zip(people, found[:limit], strict=True)]
    page = _page(members, len(found) > limit)
    return {"name": group.name, "kind": "rule" if group.rule else "static",
            "rule": group.rule or "", "source_key": group.source_key or "",
            "members": page.rows, "next_after": page.next_after}


def _rule_member_page(session: Session, tenant_id: int, rule_text: str, after: str,
                      limit: int) -> list[tuple[PersonRow, None]]:
    """Up to ``limit`` people matching the rule, by employee id from after ``after``."""
    rule, found = parse_rule(rule_text), list[tuple[PersonRow, None]]()
    while len(found) < limit:
        rows = store.search_people(session, tenant_id, "", after=after, limit=CHUNK)
        found += [(row, None) for row in rows if rule.matches(as_person(row, ()))]
        if len(rows) < CHUNK:
            break
        after = rows[-1].employee_id
    return found[:limit]


def _summary(person: Person) -> dict[str, Any]:
    """A person's row in a list."""
    return {"employee_id": person.id, "name": person.name or "",
            "email": person.attributes.get("email", ""),
            "department": person.attributes.get("department", ""),
            "active": person.attributes.get("active") == "true"}


def _page(rows: list[dict[str, Any]], more: bool) -> Page:
    return Page(rows, rows[-1]["employee_id"] if more and rows else None)
