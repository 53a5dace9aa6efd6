"""The people directory's persistence: set-based upserts and one-query identity look-ups.

An import of 100,000 people must not be 100,000 round trips: each chunk of records
is read with one ``SELECT``, and written with one ``INSERT`` and one executemany
``UPDATE``; the identities of the chunk are replaced with one ``DELETE`` and one
``INSERT``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import bindparam, delete, func, insert, or_, select, text, update
from sqlalchemy.orm import Session

from lrs.models import Assignment, IdentityChange, Person, PersonIdentity
from lrs.store.bulk import CHUNK, any_of, bulk_insert, chunks

#: The columns an import sets, in the order the CLI lists them.
FIELDS = ("employee_id", "display_name", "email", "department", "manager_employee_id",
          "location", "job_title", "hire_date", "active", "attributes")


@dataclass(frozen=True)
class PersonRecord:
    """One person as an import (CSV, HRIS, SCIM) states them: the whole of what it knows."""

    employee_id: str
    display_name: str | None = None
    email: str | None = None
    department: str | None = None
    manager_employee_id: str | None = None
    location: str | None = None
    job_title: str | None = None
    hire_date: date | None = None
    active: bool = True
    attributes: dict[str, str] = field(default_factory=dict)
    #: Every agent key that is this person (:func:`lrs.xapi.actors.agent_ifi_key`).
    identities: frozenset[str] = frozenset()

    def columns(self) -> dict[str, Any]:
        values = {name: getattr(self, name) for name in FIELDS}
        values["attributes"] = json.dumps(self.attributes, sort_keys=True,
                                          ensure_ascii=False)
        return values


@dataclass
class UpsertCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass(frozen=True)
class IdentityConflict:
    """An identity a record claims that another person of the store already has."""

    employee_id: str
    agent_key: str
    owner_employee_id: str


def prepare_import(session: Session) -> None:
    """PostgreSQL: fresh statistics, and a plan per query, for an import's transaction.

    An import reads the directory by chunks of a thousand keys. Right after a large
    import the planner's statistics still said the tables were empty, so it scanned
    them whole for every chunk (half a second a chunk at 100,000 people); ``ANALYZE``
    costs a fraction of one such scan. psycopg also prepares a query after five runs,
    and the generic plan PostgreSQL then reused compared every row with every
    element of the array parameter; a plan made for the values at hand hashes it.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("ANALYZE people, person_identities"))
        session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))


def identity_conflicts(session: Session, tenant_id: int,
                       records: Sequence[PersonRecord]) -> list[IdentityConflict]:
    """Identities of ``records`` held by people other than the record's (or claimed twice)."""
    claimed: dict[str, str] = {}
    conflicts = []
    for record in records:
        for key in sorted(record.identities):
            owner = claimed.setdefault(key, record.employee_id)
            if owner != record.employee_id:
                conflicts.append(IdentityConflict(record.employee_id, key, owner))
    owners = people_for_agent_keys(session, tenant_id, claimed)
    conflicts.extend(IdentityConflict(claimed[key], key, person.employee_id)
                     for key, person in sorted(owners.items())
                     if claimed[key] != person.employee_id)
    return conflicts


def upsert_people(session: Session, tenant_id: int, records: Sequence[PersonRecord],
                  now_us: int) -> UpsertCounts:
    """Create or update ``records`` by ``employee_id`` and set their identities.

    Call :func:`identity_conflicts` first: an identity another person holds makes
    the identity ``INSERT`` fail.
    """
    counts = UpsertCounts()
    for chunk in chunks(list(records)):
        existing = {row.employee_id: row for row in session.execute(
            select(Person.id, Person.employee_id, *(getattr(Person, f) for f in FIELDS[1:]))
            .where(Person.tenant_id == tenant_id,
                   any_of(session, Person.employee_id, [r.employee_id for r in chunk])))}
        new = [r for r in chunk if r.employee_id not in existing]
        changed = [r for r in chunk if r.employee_id in existing
                   and _differs(existing[r.employee_id], r.columns())]
        counts.created += len(new)
        counts.updated += len(changed)
        counts.unchanged += len(chunk) - len(new) - len(changed)
        if new:
            session.execute(insert(Person), [
                {**r.columns(), "tenant_id": tenant_id, "created_us": now_us,
                 "updated_us": now_us} for r in new])
        if changed:
            table = Person.__table__
            session.connection().execute(
                update(table).where(table.c.id == bindparam("person_pk"))
                .values({name: bindparam(name) for name in (*FIELDS[1:], "updated_us")}),
                [{**{k: v for k, v in r.columns().items() if k != "employee_id"},
                  "person_pk": existing[r.employee_id].id, "updated_us": now_us}
                 for r in changed])
        _set_identities(session, tenant_id, chunk)
    return counts


def deactivate_people_except(session: Session, tenant_id: int, employee_ids: set[str],
                             now_us: int) -> int:
    """Mark inactive the store's active people not among ``employee_ids`` (those a full
    HRIS report no longer lists); return how many. One read of the active people's
    keys, then one ``UPDATE`` a chunk of leavers."""
    leavers = [person_id for person_id, employee_id in session.execute(
        select(Person.id, Person.employee_id).where(Person.tenant_id == tenant_id,
                                                    Person.active.is_(True)))
        if employee_id not in employee_ids]
    for chunk in chunks(leavers):
        session.execute(update(Person).where(any_of(session, Person.id, chunk))
                        .values(active=False, updated_us=now_us))
    return len(leavers)


def people_for_agent_keys(session: Session, tenant_id: int,
                          keys: Iterable[str]) -> dict[str, Person]:
    """The person each of ``keys`` belongs to (keys of no one are left out).

    Keys go as one array parameter (:func:`~lrs.store.bulk.any_of`): as an IN list of
    a thousand parameters, the plan psycopg prepares after five runs compared every
    row with every parameter (a second a chunk on PostgreSQL).
    """
    owner: dict[str, int] = {}
    for chunk in chunks(sorted(set(keys))):
        owner.update(session.execute(
            select(PersonIdentity.agent_key, PersonIdentity.person_id)
            .where(PersonIdentity.tenant_id == tenant_id,
                   any_of(session, PersonIdentity.agent_key, chunk))).all())
    people: dict[int, Person] = {}
    for chunk in chunks(sorted(set(owner.values()))):
        people.update((p.id, p) for p in session.scalars(select(Person).where(
            any_of(session, Person.id, chunk))))
    return {key: people[person_id] for key, person_id in owner.items()}


def employee_ids_for_agent_keys(session: Session, tenant_id: int,
                                keys: Iterable[str]) -> dict[str, str]:
    """The employee id of the person each of ``keys`` belongs to (keys of no one are
    left out): one join a chunk, no rows loaded as objects."""
    owner: dict[str, str] = {}
    for chunk in chunks(sorted(set(keys))):
        owner.update(session.execute(
            select(PersonIdentity.agent_key, Person.employee_id)
            .join(Person, Person.id == PersonIdentity.person_id)
            .where(PersonIdentity.tenant_id == tenant_id,
                   any_of(session, PersonIdentity.agent_key, chunk))).all())
    return owner


def identities_of(session: Session, person_ids: Iterable[int]) -> dict[int, list[str]]:
    """Each person's agent keys, sorted."""
    found: dict[int, list[str]] = {}
    for chunk in chunks(sorted(set(person_ids))):
        for person_id, key in session.execute(
                select(PersonIdentity.person_id, PersonIdentity.agent_key)
                .where(any_of(session, PersonIdentity.person_id, chunk))
                .order_by(PersonIdentity.agent_key)):
            found.setdefault(person_id, []).append(key)
    return found


def list_people(session: Session, tenant_id: int) -> Iterator[Person]:
    """Every person of the store, by employee id (streamed)."""
    yield from session.scalars(select(Person).where(Person.tenant_id == tenant_id)
                               .order_by(Person.employee_id)
                               .execution_options(yield_per=CHUNK))


def directory_keys(keys: Iterable[str]) -> frozenset[str]:
    """The identity keys under which the directory may hold an agent known by ``keys``:
    email identities are stored lowercased (mail is matched without regard to case)."""
    keys = frozenset(keys)
    return keys | {key.lower() for key in keys if key.startswith("mbox:")}


def delete_people_with(session: Session, tenant_id: int, keys: Iterable[str],
                       dry_run: bool = False) -> int:
    """Remove from the directory whoever has one of ``keys`` (an erasure), with the
    merges and splits and the assignments that name them; return how many people."""
    found = people_for_agent_keys(session, tenant_id, directory_keys(keys)).values()
    ids = sorted({person.id for person in found})
    if ids and not dry_run:
        named = sorted({person.employee_id for person in found})
        session.execute(delete(IdentityChange).where(
            IdentityChange.tenant_id == tenant_id,
            IdentityChange.person.in_(named) | IdentityChange.other.in_(named)))
        session.execute(delete(Assignment).where(
            Assignment.tenant_id == tenant_id, Assignment.target_kind == "person",
            Assignment.target.in_(named)))
        session.execute(delete(PersonIdentity).where(PersonIdentity.person_id.in_(ids)))
        session.execute(delete(Person).where(Person.id.in_(ids)))
    return len(ids)


def _set_identities(session: Session, tenant_id: int, records: Sequence[PersonRecord]) -> None:
    """Make the identities of ``records``' people exactly theirs: only what changed is
    written, so re-importing a directory costs one read."""
    ids = dict(session.execute(
        select(Person.employee_id, Person.id).where(
            Person.tenant_id == tenant_id,
            any_of(session, Person.employee_id, [r.employee_id for r in records]))).all())
    held = {(person_id, key) for person_id, key in session.execute(
        select(PersonIdentity.person_id, PersonIdentity.agent_key)
        .where(any_of(session, PersonIdentity.person_id, list(ids.values()))))}
    wanted = {(ids[r.employee_id], key) for r in records for key in r.identities}
    gone = sorted(key for _, key in held - wanted)
    for keys in chunks(gone):
        session.execute(delete(PersonIdentity).where(
            PersonIdentity.tenant_id == tenant_id,
            any_of(session, PersonIdentity.agent_key, keys)))
    bulk_insert(session, PersonIdentity.__table__, ("tenant_id", "agent_key", "person_id"),
                sorted((tenant_id, key, person_id) for person_id, key in wanted - held))


def _differs(row: Any, columns: dict[str, Any]) -> bool:
    return any(getattr(row, name) != columns[name] for name in FIELDS[1:])



def search_people(session: Session, tenant_id: int, words: str, *, after: str = "",
                  limit: int) -> list[Person]:
    """Up to ``limit`` people of the store whose name, email, employee id or department
    contains ``words`` (any case), by employee id from after ``after``.

    A page reads on from ``after`` along the store's employee id index until it has
    ``limit`` people (no ``OFFSET``, no count of the whole directory), so paging
    through 100,000 people costs the same on the last page as on the first.
    """
    query = select(Person).where(Person.tenant_id == tenant_id)
    if words:
        pattern = "%" + "".join("\\" + c if c in "%_\\" else c for c in words.lower()) + "%"
        query = query.where(or_(*(func.lower(column).like(pattern, escape="\\") for column in (
            Person.display_name, Person.email, Person.employee_id, Person.department))))
    if after:
        query = query.where(Person.employee_id > after)
    return list(session.scalars(query.order_by(Person.employee_id).limit(limit)))


def people_named(session: Session, tenant_id: int, employee_ids: Iterable[str]) -> list[Person]:
    """The directory rows of these employee ids (unknown ones left out), a query a chunk."""
    found: list[Person] = []
    for chunk in chunks(sorted(set(employee_ids))):
        found += session.scalars(select(Person).where(
            Person.tenant_id == tenant_id, any_of(session, Person.employee_id, chunk)))
    return found


def person_named(session: Session, tenant_id: int, employee_id: str) -> Person | None:
    return session.scalar(select(Person).where(Person.tenant_id == tenant_id,
                                               Person.employee_id == employee_id))
