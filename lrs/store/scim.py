"""SCIM links' persistence: which person or group each SCIM id is, and pages of them.

A link is found by its id within the caller's store only (``tenant_id`` is part
of every look-up), so one store's provider never reaches another's people.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import ColumnElement, delete, func, select, true, update
from sqlalchemy.orm import Session

from lrs.models import IdentityChange, PeopleGroup, PeopleGroupMember, Person, ScimGroup, ScimUser
from lrs.store.bulk import any_of, chunks


def new_scim_id() -> str:
    """A new SCIM id: random, never reused (RFC 7643 §3.1 wants ids stable and unique)."""
    return str(uuid.uuid4())


def user(session: Session, tenant_id: int, scim_id: str) -> tuple[ScimUser, Person] | None:
    """The link with ``scim_id`` in the store and its person."""
    found = session.execute(
        select(ScimUser, Person)
        .join(Person, Person.id == ScimUser.person_id)
        .where(ScimUser.tenant_id == tenant_id, ScimUser.scim_id == scim_id)
    ).first()
    return (found[0], found[1]) if found else None


def users(
    session: Session, tenant_id: int, where: ColumnElement[bool] | None, offset: int, limit: int
) -> tuple[int, list[tuple[ScimUser, Person]]]:
    """How many links match ``where``, and the page of them from ``offset`` (creation order)."""
    query = (
        select(ScimUser, Person)
        .join(Person, Person.id == ScimUser.person_id)
        .where(ScimUser.tenant_id == tenant_id, where if where is not None else true())
    )
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.execute(query.order_by(ScimUser.id).offset(offset).limit(limit)).all()
    return total, [(link, person) for link, person in rows]


def user_of_person(session: Session, person_id: int) -> ScimUser | None:
    return session.scalar(select(ScimUser).where(ScimUser.person_id == person_id))


def user_name_holder(session: Session, tenant_id: int, user_name: str) -> ScimUser | None:
    """The link whose ``userName`` is ``user_name`` without regard to case."""
    return session.scalar(
        select(ScimUser).where(
            ScimUser.tenant_id == tenant_id, ScimUser.user_name_key == user_name.lower()
        )
    )


def people_by_scim_id(
    session: Session, tenant_id: int, scim_ids: Iterable[str]
) -> dict[str, Person]:
    """The person of each of ``scim_ids`` the store has."""
    found: dict[str, Person] = {}
    for chunk in chunks(sorted(set(scim_ids))):
        found.update(
            session.execute(
                select(ScimUser.scim_id, Person)
                .join(Person, Person.id == ScimUser.person_id)
                .where(ScimUser.tenant_id == tenant_id, any_of(session, ScimUser.scim_id, chunk))
            ).all()
        )
    return found


def scim_ids_by_employee(
    session: Session, tenant_id: int, employee_ids: Iterable[str]
) -> dict[str, str]:
    """The SCIM id of each of ``employee_ids`` that was provisioned (managers, members)."""
    found: dict[str, str] = {}
    for chunk in chunks(sorted(set(employee_ids))):
        found.update(
            session.execute(
                select(Person.employee_id, ScimUser.scim_id)
                .join(ScimUser, ScimUser.person_id == Person.id)
                .where(Person.tenant_id == tenant_id, any_of(session, Person.employee_id, chunk))
            ).all()
        )
    return found


def rename_person(session: Session, tenant_id: int, person: Person, employee_id: str) -> None:
    """Give ``person`` a new employee id, and keep what names them by it: the people they
    manage, and the merges and splits naming them (an erasure must still find those)."""
    old = person.employee_id
    person.employee_id = employee_id
    session.execute(
        update(Person)
        .where(Person.tenant_id == tenant_id, Person.manager_employee_id == old)
        .values(manager_employee_id=employee_id)
    )
    for column in (IdentityChange.person, IdentityChange.other):
        session.execute(
            update(IdentityChange)
            .where(IdentityChange.tenant_id == tenant_id, column == old)
            .values({column.key: employee_id})
        )


def move_user_link(session: Session, from_person: int, to_person: int) -> None:
    """Make the provider's id of ``from_person`` name ``to_person`` (a merge), unless
    ``to_person`` has one of their own: then the absorbed person's link goes with them."""
    if user_of_person(session, to_person) is None:
        session.execute(
            update(ScimUser).where(ScimUser.person_id == from_person).values(person_id=to_person)
        )


def group(session: Session, tenant_id: int, scim_id: str) -> tuple[ScimGroup, PeopleGroup] | None:
    found = session.execute(
        select(ScimGroup, PeopleGroup)
        .join(PeopleGroup, PeopleGroup.id == ScimGroup.group_id)
        .where(ScimGroup.tenant_id == tenant_id, ScimGroup.scim_id == scim_id)
    ).first()
    return (found[0], found[1]) if found else None


def groups(
    session: Session, tenant_id: int, where: ColumnElement[bool] | None, offset: int, limit: int
) -> tuple[int, list[tuple[ScimGroup, PeopleGroup]]]:
    """How many group links match ``where``, and the page of them from ``offset``."""
    query = (
        select(ScimGroup, PeopleGroup)
        .join(PeopleGroup, PeopleGroup.id == ScimGroup.group_id)
        .where(ScimGroup.tenant_id == tenant_id, where if where is not None else true())
    )
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.execute(query.order_by(ScimGroup.id).offset(offset).limit(limit)).all()
    return total, [(link, row) for link, row in rows]


def group_link_of(session: Session, group_id: int) -> ScimGroup | None:
    return session.scalar(select(ScimGroup).where(ScimGroup.group_id == group_id))


def provisioned_members(
    session: Session, group_ids: Sequence[int]
) -> dict[int, list[tuple[str, int, str | None]]]:
    """Each group's members that have a SCIM id: ``(scim id, person id, display name)``,
    in the order they were provisioned."""
    found: dict[int, list[tuple[str, int, str | None]]] = {}
    for chunk in chunks(sorted(set(group_ids))):
        for group_id, scim_id, person_id, name in session.execute(
            select(PeopleGroupMember.group_id, ScimUser.scim_id, Person.id, Person.display_name)
            .join(ScimUser, ScimUser.person_id == PeopleGroupMember.person_id)
            .join(Person, Person.id == PeopleGroupMember.person_id)
            .where(any_of(session, PeopleGroupMember.group_id, chunk))
            .order_by(ScimUser.id)
        ):
            found.setdefault(group_id, []).append((scim_id, person_id, name))
    return found


def delete_row(session: Session, row: Any) -> None:
    """Delete ``row`` now (its links go with it: ``ON DELETE CASCADE``)."""
    session.execute(delete(type(row)).where(type(row).id == row.id))
