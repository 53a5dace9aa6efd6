"""People groups' persistence: the groups of a store and the members of static ones.

Groups a roster states (OneRoster classes) are kept in step with it by
:func:`sync_sourced_groups`, set-based like the directory's own import.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lrs.models import PeopleGroup, PeopleGroupMember, Person, PersonIdentity
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


def static_member_identities(session: Session, group: PeopleGroup) -> dict[str, list[str]]:
    """The employee id of each member of a static group and their identity keys (sorted;
    none for a person without one): one join, no person loaded as an object."""
    found: dict[str, list[str]] = {}
    for employee_id, key in session.execute(
            select(Person.employee_id, PersonIdentity.agent_key)
            .join(PeopleGroupMember, PeopleGroupMember.person_id == Person.id)
            .outerjoin(PersonIdentity, PersonIdentity.person_id == Person.id)
            .where(PeopleGroupMember.group_id == group.id)
            .order_by(Person.employee_id, PersonIdentity.agent_key)):
        keys = found.setdefault(employee_id, [])
        if key is not None:
            keys.append(key)
    return found


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
@dataclass(frozen=True)
class SourcedGroup:
    """A group as a roster states it: its key there, its name, and its members' roles."""

    source_key: str
    name: str
    #: The name when ``name`` is taken by another group (the name and the roster's id).
    distinct_name: str
    #: ``{employee_id: role}`` of every member.
    members: dict[str, str] = field(default_factory=dict)


@dataclass
class GroupSyncCounts:
    groups_created: int = 0
    groups_renamed: int = 0
    members_added: int = 0
    members_removed: int = 0
    roles_changed: int = 0

    def as_dict(self) -> dict[str, int]:
        return dict(vars(self))


def sync_sourced_groups(session: Session, tenant_id: int, groups: Sequence[SourcedGroup],
                        now_us: int) -> GroupSyncCounts:
    """Make the store's groups of ``groups``' source keys exactly ``groups``: created or
    renamed, with exactly these members in these roles (what else is in the store is
    left alone). Every member must be in the directory
    (:func:`person_ids` of them all is looked up once)."""
    counts = GroupSyncCounts()
    by_key = {group.source_key: group for group in groups}
    held = {row.source_key: row for row in session.execute(
        select(PeopleGroup.id, PeopleGroup.name, PeopleGroup.source_key)
        .where(PeopleGroup.tenant_id == tenant_id, PeopleGroup.source_key.is_not(None)))}
    names = _names(session, tenant_id, groups)
    renamed = sorted(key for key, name in names.items() if key in held and held[key].name != name)
    # Two steps, as two classes may swap names: first out of each other's way.
    for step in ("aside", "named"):
        for key in renamed:
            session.execute(update(PeopleGroup).where(PeopleGroup.id == held[key].id).values(
                name=f"~renaming~{held[key].id}" if step == "aside" else names[key]))
    counts.groups_renamed = len(renamed)
    for key, name in sorted(names.items()):
        if key not in held:
            session.add(PeopleGroup(tenant_id=tenant_id, name=name, rule=None,
                                    created_us=now_us, source_key=key))
            counts.groups_created += 1
    session.flush()
    ids = dict(session.execute(select(PeopleGroup.source_key, PeopleGroup.id).where(
        PeopleGroup.tenant_id == tenant_id, PeopleGroup.source_key.is_not(None))).all())
    people = person_ids(session, tenant_id, sorted({employee_id for group in groups
                                                    for employee_id in group.members}))
    wanted = {(ids[key], people[employee_id]): role for key, group in by_key.items()
              for employee_id, role in group.members.items()}
    current: dict[tuple[int, int], str | None] = {}
    for chunk in chunks(sorted(ids[key] for key in by_key)):
        current.update(((group_id, person_id), role) for group_id, person_id, role in
                       session.execute(select(PeopleGroupMember.group_id,
                                              PeopleGroupMember.person_id,
                                              PeopleGroupMember.role)
                                       .where(any_of(session, PeopleGroupMember.group_id,
                                                     chunk))))
    gone = sorted(set(current) - set(wanted))
    changed = sorted(pair for pair in set(current) & set(wanted) if current[pair] != wanted[pair])
    table = PeopleGroupMember.__table__
    for rows, statement in ((gone, delete(table)), (changed, update(table).values(
            role=bindparam("new_role")))):
        if rows:
            session.connection().execute(
                statement.where(table.c.group_id == bindparam("g"),
                                table.c.person_id == bindparam("p")),
                [{"g": g, "p": p, **({"new_role": wanted[g, p]} if (g, p) in wanted else {})}
                 for g, p in rows])
    bulk_insert(session, table, ("group_id", "person_id", "role"),
                sorted((g, p, wanted[g, p]) for g, p in set(wanted) - set(current)))
    counts.members_removed, counts.roles_changed = len(gone), len(changed)
    counts.members_added = len(set(wanted) - set(current))
    return counts


def _names(session: Session, tenant_id: int,
           groups: Sequence[SourcedGroup]) -> dict[str, str]:
    """Each group's name: its own, unless two groups of the roster share it or another
    group of the store has it; then its distinct name."""
    ours = {group.source_key for group in groups}
    others = {name for name, key in session.execute(
        select(PeopleGroup.name, PeopleGroup.source_key)
        .where(PeopleGroup.tenant_id == tenant_id)) if key not in ours}
    shared = Counter(group.name for group in groups)
    return {group.source_key: group.distinct_name
            if shared[group.name] > 1 or group.name in others else group.name
            for group in groups}


def memberships_of(session: Session, person_id: int) -> list[tuple[str, str | None]]:
    """The static groups a person is in, by name, with their role in each."""
    return [(name, role) for name, role in session.execute(
        select(PeopleGroup.name, PeopleGroupMember.role)
        .join(PeopleGroupMember, PeopleGroupMember.group_id == PeopleGroup.id)
        .where(PeopleGroupMember.person_id == person_id).order_by(PeopleGroup.name))]


def rule_groups(session: Session, tenant_id: int) -> list[PeopleGroup]:
    """The store's rule groups, by name."""
    return list(session.scalars(select(PeopleGroup).where(
        PeopleGroup.tenant_id == tenant_id, PeopleGroup.rule.is_not(None))
        .order_by(PeopleGroup.name)))


def static_member_page(session: Session, group: PeopleGroup, *, after: str,
                       limit: int) -> list[tuple[Person, str | None]]:
    """Up to ``limit`` members of a static group with their role, by employee id from
    after ``after`` (one indexed range read a page)."""
    return [(person, role) for person, role in session.execute(
        select(Person, PeopleGroupMember.role)
        .join(PeopleGroupMember, PeopleGroupMember.person_id == Person.id)
        .where(PeopleGroupMember.group_id == group.id, Person.employee_id > after)
        .order_by(Person.employee_id).limit(limit))]
