"""SCIM Groups over the store's static people groups.

A SCIM Group is a static people group (:mod:`lrs.services.groups`), created,
renamed, filled and deleted through that module, so the audit trail records the
same ``people_group.*`` actions as the command line does. A POST naming a static
group the store already has takes it over; a rule group's members are its rule's,
and a roster's (OneRoster) group is the roster import's, so a provider cannot take
those over (409). Members are provisioned Users: people
added to the group by other means are left alone, being invisible to SCIM.
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lrs.models import PeopleGroup, ScimGroup
from lrs.scim.errors import invalid, not_found, uniqueness
from lrs.scim.groups import Group, parse_group, render_group
from lrs.scim.patch import apply_patch, read_operations
from lrs.scim.schemas import GROUP
from lrs.services import groups
from lrs.services.core import Core
from lrs.services.scim import Caller, Page, as_scim, list_response, meta
from lrs.store import scim as store
from lrs.store.scim_filters import group_condition


def create_group(core: Core, caller: Caller, body: Any) -> dict[str, Any]:
    """``POST /Groups``: a new static group (or the store's static group of that name)."""
    wanted = parse_group(body)

    def write() -> dict[str, Any]:
        with core.db.write() as session:
            row = session.scalar(
                select(PeopleGroup).where(
                    PeopleGroup.tenant_id == caller.tenant_id,
                    PeopleGroup.name == wanted.display_name.strip(),
                )
            )
            if row is not None and row.rule is not None:
                raise uniqueness(f"displayName: {row.name!r} is a rule group of the store")
            if row is not None and row.source_key is not None:
                raise uniqueness(f"displayName: {row.name!r} is kept by a roster import")
            if row is not None and (held := store.group_link_of(session, row.id)) is not None:
                raise uniqueness(f"displayName: {row.name!r} is Group {held.scim_id}'s")
            if row is None:
                row = groups.new_group(
                    core,
                    session,
                    actor=caller.actor,
                    name=wanted.display_name,
                    tenant_id=caller.tenant_id,
                    source=caller.source,
                )
            now = _now()
            link = ScimGroup(
                tenant_id=caller.tenant_id,
                scim_id=store.new_scim_id(),
                group_id=row.id,
                external_id=wanted.external_id,
                created_us=now,
                updated_us=now,
            )
            session.add(link)
            _set_members(core, session, caller, row, wanted, Group(row.name))
            return _render(session, caller, link, row)

    return as_scim(write, "group")


def get_group(
    core: Core, caller: Caller, scim_id: str, with_members: bool = True
) -> dict[str, Any]:
    with core.db.read() as session:
        link, row = _found(session, caller, scim_id)
        return _render(session, caller, link, row, with_members)


def list_groups(
    core: Core, caller: Caller, page: Page, with_members: bool = True
) -> dict[str, Any]:
    """``GET /Groups``; ``with_members=False`` when the client excluded ``members``
    (Entra ID does, to page through large groups cheaply)."""
    where = group_condition(page.filter) if page.filter is not None else None
    with core.db.read() as session:
        total, rows = store.groups(session, caller.tenant_id, where, page.offset, page.count)
        members = (
            store.provisioned_members(session, [row.id for _, row in rows]) if with_members else {}
        )
        resources = [
            _render(session, caller, link, row, with_members, members.get(row.id, []))
            for link, row in rows
        ]
    return list_response(page, total, resources)


def replace_group(core: Core, caller: Caller, scim_id: str, body: Any) -> dict[str, Any]:
    wanted = parse_group(body)
    return _update(core, caller, scim_id, lambda _: wanted)


def patch_group(core: Core, caller: Caller, scim_id: str, body: Any) -> dict[str, Any]:
    """``PATCH /Groups/{id}``: rename, and members added and removed, in one transaction."""
    operations = read_operations(body)
    return _update(
        core, caller, scim_id, lambda current: parse_group(apply_patch(current, operations, GROUP))
    )


def delete_group(core: Core, caller: Caller, scim_id: str) -> None:
    """``DELETE /Groups/{id}``: the people group goes (its people stay)."""
    with core.db.write() as session:
        _, row = _found(session, caller, scim_id)
        groups.delete_group(core, session, actor=caller.actor, group=row, source=caller.source)


def _update(core: Core, caller: Caller, scim_id: str, change: Any) -> dict[str, Any]:
    def write() -> dict[str, Any]:
        with core.db.write() as session:
            link, row = _found(session, caller, scim_id)
            before = _state(session, link, row)
            wanted = change(render_group(before, scim_id, {}, caller.base))
            groups.rename_group(
                core,
                session,
                actor=caller.actor,
                group=row,
                name=wanted.display_name,
                source=caller.source,
            )
            link.external_id = wanted.external_id
            _set_members(core, session, caller, row, wanted, before)
            link.updated_us = _now()
            return _render(session, caller, link, row)

    return as_scim(write, "group")


def _set_members(
    core: Core, session: Session, caller: Caller, row: PeopleGroup, wanted: Group, before: Group
) -> None:
    people = store.people_by_scim_id(session, caller.tenant_id, [*wanted.members, *before.members])
    for index, member in enumerate(wanted.members):
        if member not in people:
            raise invalid("invalidValue", f"members[{index}].value: no User with id {member!r}")
    gone = set(before.members) - set(wanted.members)
    groups.change_members(
        core,
        session,
        actor=caller.actor,
        group=row,
        add=[people[member].id for member in wanted.members],
        remove=[people[member].id for member in gone if member in people],
        source=caller.source,
    )


def _found(session: Session, caller: Caller, scim_id: str) -> tuple[ScimGroup, PeopleGroup]:
    found = store.group(session, caller.tenant_id, scim_id)
    if found is None:
        raise not_found("Group", scim_id)
    return found


def _state(
    session: Session,
    link: ScimGroup,
    row: PeopleGroup,
    members: list[tuple[str, int, str | None]] | None = None,
) -> Group:
    if members is None:
        members = store.provisioned_members(session, [row.id]).get(row.id, [])
    return Group(
        display_name=row.name,
        external_id=link.external_id,
        members=tuple(scim_id for scim_id, _, _ in members),
    )


def _render(
    session: Session,
    caller: Caller,
    link: ScimGroup,
    row: PeopleGroup,
    with_members: bool = True,
    members: list[tuple[str, int, str | None]] | None = None,
) -> dict[str, Any]:
    if not with_members:
        members = []
    elif members is None:
        members = store.provisioned_members(session, [row.id]).get(row.id, [])
    state = _state(session, link, row, members)
    resource = render_group(
        state,
        link.scim_id,
        meta(link.created_us, link.updated_us),
        caller.base,
        {scim_id: name for scim_id, _, name in members},
    )
    if not with_members:
        resource.pop("members")
    return resource


def _now() -> int:
    return time.time_ns() // 1000
