"""SCIM Users over the people directory: provisioning, updates and deprovisioning.

Every write goes through the directory's own import path
(:func:`lrs.store.people.upsert_people` after
:func:`~lrs.store.people.identity_conflicts`), so a provisioned person is the same
kind of person a CSV import makes, and resolves statements the same way. SCIM owns
what it states: the fields :mod:`lrs.scim.users` maps, and the email identities of
the addresses it sent. It leaves alone what it cannot see: location, hire date,
other custom attributes, and identities from imports, merges or LMS accounts.

Which person a new User is: a person already in the directory with its
employee number (``employeeNumber``; without one, the ``externalId``, else the
``userName`` stands for it), or holding one of its email addresses, is taken
over (a CSV import followed by Entra ID provisioning gives one person, not two);
two different such people are a 409. Otherwise a new person is created, with
that same employee id.
"""

from __future__ import annotations

import json
import time
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lrs.models import Person, ScimUser
from lrs.scim.errors import invalid, not_found, uniqueness
from lrs.scim.patch import apply_patch, read_operations
from lrs.scim.schemas import ENTERPRISE, USER
from lrs.scim.users import CUSTOM_ATTRIBUTES, User, parse_user, render_user
from lrs.services.admin import announce_action
from lrs.services.core import Core
from lrs.services.people import email_identities, is_email
from lrs.services.scim import Caller, Page, as_scim, list_response, meta
from lrs.store import people as directory
from lrs.store import scim as store
from lrs.store.scim_filters import user_condition

#: Longest employee id and email address the directory holds (its columns).
MAX_EMPLOYEE_ID = 200
MAX_EMAIL = 320
#: SCIM attribute named in the audit trail for each simple :class:`User` field.
_ATTRIBUTE = {
    "user_name": "userName",
    "external_id": "externalId",
    "display_name": "displayName",
    "title": "title",
    "active": "active",
    "employee_number": "employeeNumber",
    "department": "department",
    "manager": "manager",
}


def create_user(core: Core, caller: Caller, body: Any) -> dict[str, Any]:
    """``POST /Users``: provision a person (or take over the directory's); announce
    ``person.provisioned``."""
    user = parse_user(body)

    def write() -> dict[str, Any]:
        with core.db.write() as session:
            link, person = _provision(core, session, caller, user)
            return _render(session, caller, link, person)

    return as_scim(write, "user")


def get_user(core: Core, caller: Caller, scim_id: str) -> dict[str, Any]:
    with core.db.read() as session:
        link, person = _found(session, caller, scim_id)
        return _render(session, caller, link, person)


def list_users(core: Core, caller: Caller, page: Page) -> dict[str, Any]:
    """``GET /Users``: the page of provisioned people matching the filter."""
    where = user_condition(page.filter) if page.filter is not None else None
    with core.db.read() as session:
        total, rows = store.users(session, caller.tenant_id, where, page.offset, page.count)
        managers = store.scim_ids_by_employee(
            session,
            caller.tenant_id,
            [p.manager_employee_id for _, p in rows if p.manager_employee_id],
        )
        resources = [_render(session, caller, link, person, managers) for link, person in rows]
    return list_response(page, total, resources)


def replace_user(core: Core, caller: Caller, scim_id: str, body: Any) -> dict[str, Any]:
    """``PUT /Users/{id}``: what SCIM owns becomes exactly ``body``; announce ``person.updated``."""
    user = parse_user(body)
    return _update(core, caller, scim_id, lambda _: user)


def patch_user(core: Core, caller: Caller, scim_id: str, body: Any) -> dict[str, Any]:
    """``PATCH /Users/{id}``: the operations applied to the resource, then written as a PUT."""
    operations = read_operations(body)
    return _update(
        core,
        caller,
        scim_id,
        lambda current: parse_user(apply_patch(current, operations, USER, (ENTERPRISE,))),
    )


def delete_user(core: Core, caller: Caller, scim_id: str) -> None:
    """``DELETE /Users/{id}``: deprovision. The person stays in the directory, inactive
    (reports keep who did what training); the SCIM link and what only it held
    (``userName``, name parts, phone numbers) go. Announces ``person.deprovisioned``.
    Erasure (``lrs people erase``) is what removes a person."""
    with core.db.write() as session:
        link, person = _found(session, caller, scim_id)
        person.active = False
        person.updated_us = _now()
        store.delete_row(session, link)
        announce_action(
            core,
            session,
            actor=caller.actor,
            action="person.deprovisioned",
            target=f"scim_user:{scim_id}",
            tenant_id=caller.tenant_id,
            source=caller.source,
        )


def _update(core: Core, caller: Caller, scim_id: str, change: Any) -> dict[str, Any]:
    def write() -> dict[str, Any]:
        with core.db.write() as session:
            link, person = _found(session, caller, scim_id)
            before = _state(session, link, person)
            user = change(render_user(before, scim_id, {}, caller.base))
            _write(session, caller, user, person, link, before)
            changed = _changed(before, _state(session, link, person))
            if changed:
                link.updated_us = _now()
                announce_action(
                    core,
                    session,
                    actor=caller.actor,
                    action="person.updated",
                    target=f"scim_user:{scim_id}",
                    tenant_id=caller.tenant_id,
                    details={"changed": changed},
                    source=caller.source,
                )
            return _render(session, caller, link, person)

    return as_scim(write, "user")


def _changed(before: User, after: User) -> list[str]:
    """The SCIM names of the attributes whose stored value differs (the audit trail's
    details: names, never values, which may be personal data)."""
    names = [
        name
        for field, name in _ATTRIBUTE.items()
        if getattr(before, field) != getattr(after, field)
    ]
    names += [
        name
        for name, column in CUSTOM_ATTRIBUTES.items()
        if before.custom.get(column) != after.custom.get(column)
    ]
    names += [
        name
        for name in sorted({*before.kept, *after.kept})
        if before.kept.get(name) != after.kept.get(name)
    ]
    return names


def _found(session: Session, caller: Caller, scim_id: str) -> tuple[ScimUser, Person]:
    found = store.user(session, caller.tenant_id, scim_id)
    if found is None:
        raise not_found("User", scim_id)
    return found


def _provision(core: Core, session: Session, caller: Caller, user: User) -> tuple[ScimUser, Person]:
    """Take over the person the directory already has for ``user``, or create one."""
    employee_id = user.employee_number or user.external_id or user.user_name
    if len(employee_id) > MAX_EMPLOYEE_ID:
        raise invalid(
            "invalidValue",
            f"{ENTERPRISE}:employeeNumber: is required when externalId or userName is longer "
            f"than {MAX_EMPLOYEE_ID} characters (it is the person's employee id)",
        )
    candidates = {
        person.id: person
        for person in directory.people_for_agent_keys(
            session, caller.tenant_id, _identities(user)
        ).values()
    }
    by_number = session.scalar(
        select(Person).where(
            Person.tenant_id == caller.tenant_id, Person.employee_id == employee_id
        )
    )
    if by_number is not None:
        candidates[by_number.id] = by_number
    if len(candidates) > 1:
        named = ", ".join(sorted(person.employee_id for person in candidates.values()))
        raise uniqueness(
            f"userName, emails and employeeNumber name different people of the directory ({named})"
        )
    person = next(iter(candidates.values()), None)
    if person is not None and (held := store.user_of_person(session, person.id)) is not None:
        raise uniqueness(
            f"userName: the directory's person {person.employee_id!r} is "
            f"already provisioned as User {held.scim_id}"
        )
    now = _now()
    link = ScimUser(
        tenant_id=caller.tenant_id,
        scim_id=store.new_scim_id(),
        user_name=user.user_name,
        user_name_key=user.user_name.lower(),
        data="{}",
        created_us=now,
        updated_us=now,
    )
    person = _write(session, caller, user, person, link, None, employee_id)
    link.person_id = person.id
    session.add(link)
    session.flush()
    announce_action(
        core,
        session,
        actor=caller.actor,
        action="person.provisioned",
        target=f"scim_user:{link.scim_id}",
        tenant_id=caller.tenant_id,
        details={"took_over": bool(candidates)},
        source=caller.source,
    )
    return link, person


def _write(
    session: Session,
    caller: Caller,
    user: User,
    person: Person | None,
    link: ScimUser,
    before: User | None,
    employee_id: str | None = None,
) -> Person:
    """Write ``user`` onto ``person`` (``None``: a new person ``employee_id``) and its link."""
    tenant_id = caller.tenant_id
    _check_user_name(session, caller, user, link)
    _check_emails(user)
    if person is not None:
        employee_id = person.employee_id
        if user.employee_number and user.employee_number != employee_id:
            if session.scalar(
                select(Person.id).where(
                    Person.tenant_id == tenant_id, Person.employee_id == user.employee_number
                )
            ):
                raise uniqueness(
                    f"{ENTERPRISE}:employeeNumber: {user.employee_number!r} is "
                    "another person's in the directory"
                )
            store.rename_person(session, tenant_id, person, user.employee_number)
            employee_id = user.employee_number
    assert employee_id is not None
    manager = None
    if user.manager:
        found = store.people_by_scim_id(session, tenant_id, [user.manager]).get(user.manager)
        if found is None:
            raise invalid(
                "invalidValue", f"{ENTERPRISE}:manager.value: no User with id {user.manager!r}"
            )
        if person is not None and found.id == person.id:
            raise invalid(
                "invalidValue", f"{ENTERPRISE}:manager.value: a person cannot manage themself"
            )
        manager = found.employee_id
    held = (
        set(directory.identities_of(session, [person.id]).get(person.id, []))
        if person is not None
        else set()
    )
    sent_before = _identities(before) if before is not None else set()
    attributes = json.loads(person.attributes) if person is not None else {}
    for column in CUSTOM_ATTRIBUTES.values():
        attributes.pop(column, None)
    main = user.main_email() or (user.user_name if _is_address(user.user_name) else None)
    record = directory.PersonRecord(
        employee_id=employee_id,
        display_name=user.display_name,
        email=main.lower() if main else None,
        department=user.department,
        manager_employee_id=manager,
        location=person.location if person else None,
        job_title=user.title,
        hire_date=person.hire_date if person else None,
        active=user.active,
        attributes={**attributes, **user.custom},
        identities=frozenset((held - sent_before) | _identities(user)),
    )
    conflicts = directory.identity_conflicts(session, tenant_id, [record])
    if conflicts:
        key = min(conflicts, key=lambda c: (not c.agent_key.startswith("mbox:"), c.agent_key))
        raise uniqueness(
            f"emails: {key.agent_key.removeprefix('mbox:mailto:')!r} is an "
            f"identity of another person ({key.owner_employee_id})"
        )
    directory.upsert_people(session, tenant_id, [record], _now())
    if person is not None:
        session.expire(person)
    person = session.scalars(
        select(Person)
        .where(Person.tenant_id == tenant_id, Person.employee_id == employee_id)
        .execution_options(populate_existing=True)
    ).one()
    link.user_name, link.user_name_key = user.user_name, user.user_name.lower()
    link.external_id = user.external_id
    link.data = json.dumps(user.kept, ensure_ascii=False, sort_keys=True)
    return person


def _check_user_name(session: Session, caller: Caller, user: User, link: ScimUser | None) -> None:
    holder = store.user_name_holder(session, caller.tenant_id, user.user_name)
    if holder is not None and holder is not link:
        raise uniqueness(f"userName: {user.user_name!r} is User {holder.scim_id}'s")


def _check_emails(user: User) -> None:
    for index, item in enumerate(user.kept.get("emails", [])):
        if not _is_address(item["value"]):
            raise invalid(
                "invalidValue",
                f"emails[{index}].value: {item['value']!r} is not an email address "
                f"(of at most {MAX_EMAIL} characters)",
            )


def _is_address(text: str) -> bool:
    return is_email(text) and len(text) <= MAX_EMAIL


def _identities(user: User) -> set[str]:
    """The identity keys SCIM states for ``user``: every address, and an email-like
    ``userName`` (Entra ID's user principal name is often the sign-in an LMS reports)."""
    addresses = set(user.email_addresses())
    if _is_address(user.user_name):
        addresses.add(user.user_name)
    return set().union(*(email_identities(address) for address in addresses))


def _state(
    session: Session, link: ScimUser, person: Person, managers: dict[str, str] | None = None
) -> User:
    """What the directory and the link say of a provisioned person, as a :class:`User`."""
    if managers is None and person.manager_employee_id:
        managers = store.scim_ids_by_employee(
            session, person.tenant_id, [person.manager_employee_id]
        )
    attributes = json.loads(person.attributes)
    return User(
        user_name=link.user_name,
        external_id=link.external_id,
        display_name=person.display_name,
        title=person.job_title,
        active=person.active,
        employee_number=person.employee_id,
        department=person.department,
        manager=(managers or {}).get(person.manager_employee_id or ""),
        custom={
            column: str(attributes[column])
            for column in CUSTOM_ATTRIBUTES.values()
            if column in attributes
        },
        kept=json.loads(link.data),
    )


def _render(
    session: Session,
    caller: Caller,
    link: ScimUser,
    person: Person,
    managers: dict[str, str] | None = None,
) -> dict[str, Any]:
    state = _state(session, link, person, managers)
    return render_user(
        state,
        link.scim_id,
        meta(link.created_us, max(link.updated_us, person.updated_us)),
        caller.base,
    )


def _now() -> int:
    return time.time_ns() // 1000
