"""People groups and cohorts: named sets of a store's people that every plugin can use.

A static group lists its members; a rule group is everyone whose directory
attributes match its rule (:mod:`lrs.services.group_rules`), evaluated when asked,
so a cohort such as ``department = Sales AND hire_date >= 2026-01-01`` follows the
directory as HR updates it. Creating a group and changing its members are
administrative actions, recorded in the audit trail.
"""

from __future__ import annotations

import time
from typing import Any

from lrs.models import DEFAULT_TENANT_ID
from lrs.plugin.host import Person
from lrs.services.admin import announce_action
from lrs.services.core import Core
from lrs.services.group_rules import GroupRuleError, parse_rule
from lrs.services.people import as_people, as_person
from lrs.store import people as directory
from lrs.store import people_groups as store
from lrs.xapi.errors import BadRequest, ErrorDetail


def create_group(core: Core, *, actor: str, name: str, rule: str | None = None,
                 tenant_id: int = DEFAULT_TENANT_ID,
                 source: dict[str, str] | None = None) -> None:
    """Create a static group (no ``rule``) or a rule group; announce ``people_group.created``.

    :raises BadRequest: the name is empty or the rule cannot be read.
    :raises Conflict: the store has a group of that name.
    """
    name = name.strip()
    if not name or len(name) > 200:
        raise BadRequest("a group name is 1 to 200 characters")
    if rule is not None:
        try:
            parse_rule(rule)
        except GroupRuleError as exc:
            raise BadRequest(f"rule: {exc}", errors=[ErrorDetail("rule", str(exc))]) from None
    with core.db.write() as session:
        store.create_group(session, tenant_id, name, rule, time.time_ns() // 1000)
        announce_action(core, session, actor=actor, action="people_group.created",
                        target=f"people_group:{name}", tenant_id=tenant_id,
                        details={"rule": rule}, source=source)


def add_members(core: Core, *, actor: str, name: str, employee_ids: list[str],
                tenant_id: int = DEFAULT_TENANT_ID,
                source: dict[str, str] | None = None) -> int:
    """Add people (by employee id) to a static group; return how many were new to it.

    :raises BadRequest: the group has a rule, or an employee id is not in the directory.
    :raises NotFound: no such group.
    """
    with core.db.write() as session:
        group = store.group_named(session, tenant_id, name)
        if group.rule is not None:
            raise BadRequest(f"group {name!r} is defined by its rule; members cannot be added")
        found = store.person_ids(session, tenant_id, employee_ids)
        unknown = [employee_id for employee_id in employee_ids if employee_id not in found]
        if unknown:
            raise BadRequest(f"{len(unknown)} employee id(s) are not in the directory",
                             errors=[ErrorDetail(e, "not in the directory") for e in unknown])
        added = store.add_members(session, group, found.values())
        announce_action(core, session, actor=actor, action="people_group.members_added",
                        target=f"people_group:{name}", tenant_id=tenant_id,
                        details={"added": added}, source=source)
    return added


def group_members(core: Core, *, tenant_id: int, name: str) -> list[Person]:
    """The people of a group now, by employee id.

    :raises NotFound: no such group.
    """
    with core.db.read() as session:
        group = store.group_named(session, tenant_id, name)
        if group.rule is None:
            rows = list(store.static_members(session, group))
        else:
            rule = parse_rule(group.rule)
            rows = [row for row in directory.list_people(session, tenant_id)
                    if rule.matches(as_person(row, ()))]
        return as_people(session, rows)


def list_groups(core: Core, *, tenant_id: int) -> list[dict[str, Any]]:
    """Every group of the store: name, kind, rule, and static member count."""
    with core.db.read() as session:
        return [{"name": group.name, "kind": "rule" if group.rule else "static",
                 "rule": group.rule or "", "members": members}
                for group, members in store.groups_of(session, tenant_id)]
