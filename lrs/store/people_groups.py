"""People groups' persistence: the groups of a store and the members of static ones."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lrs.models import PeopleGroup, PeopleGroupMember, Person
from lrs.store.bulk import any_of, bulk_insert, chunks
from lrs.xapi.errors import Conflict, NotFound


def create_group(session: Session, tenant_id: int, name: str, rule: str | None,
                 now_us: int) -> PeopleGroup:
    """:raises Conflict: the store has a group of that name."""
    group = PeopleGroup(tenant_id=tenant_id, name=name, rule=rule, created_us=now_us)
    try:
        with session.begin_nested():
            session.add(group)
    except IntegrityError:
        raise Conflict(f"store already has a group named {name!r}") from None
    return group


def group_named(session: Session, tenant_id: int, name: str) -> PeopleGroup:
    """:raises NotFound: no group of the store has this name."""
    group = session.scalar(select(PeopleGroup).where(PeopleGroup.tenant_id == tenant_id,
                                                     PeopleGroup.name == name))
    if group is None:
        raise NotFound(f"no group named {name!r} in this store (lrs people groups list)")
    return group


def groups_of(session: Session, tenant_id: int) -> list[tuple[PeopleGroup, int]]:
    """Every group of the store by name, with its static member count (0 for rules)."""
    counts = (select(PeopleGroupMember.group_id, func.count().label("members"))
              .group_by(PeopleGroupMember.group_id).subquery())
    return [(group, members or 0) for group, members in session.execute(
        select(PeopleGroup, counts.c.members)
        .outerjoin(counts, counts.c.group_id == PeopleGroup.id)
        .where(PeopleGroup.tenant_id == tenant_id).order_by(PeopleGroup.name))]


def person_ids(session: Session, tenant_id: int,
               employee_ids: Sequence[str]) -> dict[str, int]:
    """The directory id of each of ``employee_ids`` that the store has."""
    found: dict[str, int] = {}
    for chunk in chunks(employee_ids):
        found.update(session.execute(select(Person.employee_id, Person.id).where(
            Person.tenant_id == tenant_id, any_of(session, Person.employee_id, chunk))).all())
    return found


def add_members(session: Session, group: PeopleGroup, ids: Iterable[int]) -> int:
    """Add people to a static group; return how many were not members yet."""
    held = set(session.scalars(select(PeopleGroupMember.person_id)
                               .where(PeopleGroupMember.group_id == group.id)))
    new = sorted(set(ids) - held)
    bulk_insert(session, PeopleGroupMember.__table__, ("group_id", "person_id"),
                [(group.id, person_id) for person_id in new])
    return len(new)


def static_members(session: Session, group: PeopleGroup) -> Iterator[Person]:
    """The people of a static group, by employee id."""
    yield from session.scalars(
        select(Person).join(PeopleGroupMember, PeopleGroupMember.person_id == Person.id)
        .where(PeopleGroupMember.group_id == group.id).order_by(Person.employee_id))


def remove_members(session: Session, group: PeopleGroup, ids: Iterable[int]) -> int:
    """Take people out of a static group; return how many were members."""
    removed = 0
    for chunk in chunks(sorted(set(ids))):
        removed += session.execute(delete(PeopleGroupMember).where(
            PeopleGroupMember.group_id == group.id,
            any_of(session, PeopleGroupMember.person_id, chunk))).rowcount or 0
    return removed


def rename_group(session: Session, group: PeopleGroup, name: str) -> None:
    """:raises Conflict: the store has another group of that name."""
    try:
        with session.begin_nested():
            group.name = name
    except IntegrityError:
        raise Conflict(f"store already has a group named {name!r}") from None


def delete_group(session: Session, group: PeopleGroup) -> None:
    """Delete a group with its members list (and its SCIM link: ``ON DELETE CASCADE``)."""
    session.execute(delete(PeopleGroupMember).where(PeopleGroupMember.group_id == group.id))
    session.execute(delete(PeopleGroup).where(PeopleGroup.id == group.id))
