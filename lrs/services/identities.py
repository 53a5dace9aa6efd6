"""Merging and splitting people in the directory, with their history.

HR systems and LMSs disagree: one person imported twice under two employee ids
(a rehire, a contractor made permanent) is two people until merged; two people
sharing an identity (a shared mailbox, a recycled account) need it split off.
Both move identities, and with them which person every past and future statement
resolves to, so each is recorded (``lrs people history``) and announced to the
audit trail (``people.merged``, ``people.split``, naming no one: the trail cannot be
erased, the history can).
"""

from __future__ import annotations

import json
import time
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from lrs.models import DEFAULT_TENANT_ID, IdentityChange, PeopleGroupMember, Person, PersonIdentity
from lrs.services.admin import announce_action
from lrs.services.core import Core
from lrs.store import scim
from lrs.xapi.errors import BadRequest, Conflict, ErrorDetail, NotFound


def merge_people(core: Core, *, actor: str, keep: str, absorb: str,
                 tenant_id: int = DEFAULT_TENANT_ID,
                 source: dict[str, str] | None = None) -> list[str]:
    """Make ``absorb`` part of ``keep``: its identities and static group memberships move,
    then the person ``absorb`` is removed. Returns the identities that moved.

    :raises BadRequest: ``keep`` and ``absorb`` are the same person.
    :raises NotFound: either is not in the directory.
    """
    if keep == absorb:
        raise BadRequest("a person cannot be merged into themself")
    with core.db.write() as session:
        kept, gone = _person(session, tenant_id, keep), _person(session, tenant_id, absorb)
        moved = _keys_of(session, gone.id)
        session.execute(update(PersonIdentity).where(PersonIdentity.person_id == gone.id)
                        .values(person_id=kept.id))
        groups = select(PeopleGroupMember.group_id).where(PeopleGroupMember.person_id == kept.id)
        session.execute(delete(PeopleGroupMember).where(
            PeopleGroupMember.person_id == gone.id, PeopleGroupMember.group_id.in_(groups)))
        session.execute(update(PeopleGroupMember).where(PeopleGroupMember.person_id == gone.id)
                        .values(person_id=kept.id))
        # The provider that provisioned the absorbed person keeps reaching them.
        scim.move_user_link(session, gone.id, kept.id)
        session.delete(gone)
        _record(core, session, tenant_id, "merged", keep, absorb, moved, actor, source)
    return moved


def split_person(core: Core, *, actor: str, employee_id: str, identities: list[str],
                 into: str, display_name: str | None = None,
                 tenant_id: int = DEFAULT_TENANT_ID,
                 source: dict[str, str] | None = None) -> None:
    """Move ``identities`` (agent keys) of ``employee_id`` to a new person ``into``.

    :raises BadRequest: no identity given, or one that is not ``employee_id``'s.
    :raises Conflict: the directory already has a person ``into``.
    :raises NotFound: ``employee_id`` is not in the directory.
    """
    if not identities:
        raise BadRequest("name at least one identity to split off")
    with core.db.write() as session:
        person = _person(session, tenant_id, employee_id)
        held = set(_keys_of(session, person.id))
        foreign = [key for key in identities if key not in held]
        if foreign:
            raise BadRequest(f"not identities of {employee_id}",
                             errors=[ErrorDetail(key, f"not an identity of {employee_id}")
                                     for key in foreign])
        if session.scalar(select(Person.id).where(Person.tenant_id == tenant_id,
                                                  Person.employee_id == into)):
            raise Conflict(f"the directory already has a person {into!r}")
        now = time.time_ns() // 1000
        new = Person(tenant_id=tenant_id, employee_id=into, display_name=display_name,
                     active=True, attributes="{}", created_us=now, updated_us=now)
        session.add(new)
        session.flush()
        session.execute(update(PersonIdentity).where(
            PersonIdentity.tenant_id == tenant_id, PersonIdentity.agent_key.in_(identities))
            .values(person_id=new.id))
        _record(core, session, tenant_id, "split", employee_id, into, sorted(identities),
                actor, source)


def identity_history(core: Core, *, tenant_id: int,
                     employee_id: str | None = None) -> list[dict[str, Any]]:
    """The merges and splits of the store, oldest first (only those naming ``employee_id``)."""
    query = select(IdentityChange).where(IdentityChange.tenant_id == tenant_id)
    if employee_id is not None:
        query = query.where((IdentityChange.person == employee_id)
                            | (IdentityChange.other == employee_id))
    with core.db.read() as session:
        return [{"recorded_us": change.recorded_us, "action": change.action,
                 "person": change.person, "other": change.other,
                 "identities": json.loads(change.identities), "actor": change.actor}
                for change in session.scalars(query.order_by(IdentityChange.id))]


def _person(session: Session, tenant_id: int, employee_id: str) -> Person:
    person = session.scalar(select(Person).where(Person.tenant_id == tenant_id,
                                                 Person.employee_id == employee_id))
    if person is None:
        raise NotFound(f"no person {employee_id!r} in the directory (lrs people list)")
    return person


def _keys_of(session: Session, person_id: int) -> list[str]:
    return list(session.scalars(select(PersonIdentity.agent_key)
                                .where(PersonIdentity.person_id == person_id)
                                .order_by(PersonIdentity.agent_key)))


def _record(core: Core, session: Session, tenant_id: int, action: str, person: str,
            other: str, identities: list[str], actor: str,
            source: dict[str, str] | None) -> None:
    session.add(IdentityChange(tenant_id=tenant_id, recorded_us=time.time_ns() // 1000,
                               action=action, person=person, other=other,
                               identities=json.dumps(identities), actor=actor))
    # The trail cannot be erased, so it names no one: the history row (erased with the
    # people it names) says who.
    announce_action(core, session, actor=actor, action=f"people.{action}",
                    target=f"tenant:{tenant_id}", tenant_id=tenant_id,
                    details={"identities": len(identities)}, source=source)
