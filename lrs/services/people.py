"""The people directory's use cases: importing people, and resolving agents to them.

Statements name agents; reports group people. The directory is where the two meet:
an import states who the people are and which identities (email, aliases, LMS
accounts) are theirs, and :func:`resolve_person` answers "who is this agent?" from
it, then asks the ``resolve_person`` plugins about agents it does not know.
Unknown agents stay unknown: nothing is guessed.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from lrs.models import DEFAULT_TENANT_ID
from lrs.models import Person as PersonRow
from lrs.plugin.host import PeopleImport, Person, RecordError
from lrs.services.admin import announce_action
from lrs.services.core import Core
from lrs.services.csv_rows import RowError, first_seen, read_csv
from lrs.store import people as store
from lrs.store.bulk import chunks
from lrs.store.text import storable
from lrs.xapi.actors import agent_ifi_key, agent_of_key
from lrs.xapi.errors import BadRequest, ErrorDetail
from lrs.xapi.redaction import person_keys

#: CSV columns with a meaning; any other column becomes a custom attribute.
COLUMNS = ("employee_id", "display_name", "email", "aliases", "accounts", "department",
           "manager", "location", "job_title", "hire_date", "active")
_TRUE = {"true", "yes", "1", "y", "active"}
_FALSE = {"false", "no", "0", "n", "inactive"}


def parse_people_csv(text: str) -> tuple[list[store.PersonRecord], list[RowError]]:
    """The records of a people CSV (header row first), and every row's problems.

    ``aliases`` are further email addresses, ``accounts`` LMS accounts as
    ``homePage|name``, both separated by ``;``; ``manager`` is the manager's
    employee id; ``hire_date`` is ``YYYY-MM-DD``; ``active`` is true or false
    (true when empty). Other columns become custom attributes.
    """
    errors: list[RowError] = []
    table = read_csv(text, errors)
    if "employee_id" not in table.header:
        return [], [RowError(1, "employee_id", "the header has no employee_id column")]
    records, problems = people_records(table.rows)
    return records, errors + problems


def people_records(
    rows: Iterable[tuple[int, dict[str, str]]], unit: str = "line",
) -> tuple[list[store.PersonRecord], list[RowError]]:
    """The records of numbered rows (column -> text, as in the CSV), and every row's
    problems; a row in error, or naming an ``employee_id`` an earlier row has, is
    left out. ``unit`` is what the numbers count, for messages."""
    records: list[store.PersonRecord] = []
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    for line, row in rows:
        record, problems = _record(line, row)
        if record is not None and not problems and (
                first := first_seen(seen, record.employee_id, line)):
            problems.append(RowError(line, "employee_id",
                                     f"{record.employee_id!r} is also on {unit} {first}"))
        errors += problems
        if record is not None and not problems:
            records.append(record)
    return records, errors


def import_people(core: Core, records: list[store.PersonRecord], *, actor: str,
                  tenant_id: int = DEFAULT_TENANT_ID, dry_run: bool = False,
                  source: dict[str, str] | None = None,
                  progress: Callable[[int], object] = lambda _: None,
                  action: str = "people.imported",
                  then: Callable[[Session], dict[str, int]] | None = None,
                  ) -> store.UpsertCounts:
    """Create and update ``records`` in one transaction; announce ``people.imported``.

    :param progress: called with the number of records written after each chunk.
    :param action: the administrative action announced (a roster import names its own).
    :param then: what else the import writes in the same transaction once the people
        are (a roster's groups); the counts it returns join the announcement's.
    :raises BadRequest: an identity belongs to another person (nothing is written).
    """
    with core.db.write() as session:
        store.prepare_import(session)
        conflicts = store.identity_conflicts(session, tenant_id, records)
        if conflicts:
            raise BadRequest("identities already belong to other people", errors=[
                ErrorDetail(c.employee_id, f"{c.agent_key} belongs to {c.owner_employee_id}")
                for c in conflicts])
        counts = _upsert(session, tenant_id, records, progress)
        more = then(session) if then else {}
        if dry_run:
            session.rollback()
            return counts
        announce_action(core, session, actor=actor, action=action,
                        target=f"tenant:{tenant_id}", tenant_id=tenant_id,
                        details={"created": counts.created, "updated": counts.updated,
                                 "unchanged": counts.unchanged, **more}, source=source)
    return counts


def import_people_feed(core: Core, *, tenant_id: int, records: list[Mapping[str, Any]],
                       actor: str, source: dict[str, str] | None = None,
                       deactivate_missing: bool = False) -> PeopleImport:
    """Import people a plugin read from elsewhere (an HRIS report): what
    :meth:`lrs.plugin.host.Host.import_people` does.

    A feed is not a file an administrator can fix and import again: one bad
    record must not hold back every hire and leaver of the others. So records
    are checked with the rules of the CSV import, and those in error (or with an
    identity another person holds) are left out and reported, while the others
    are written in one transaction. ``people.imported`` is announced only when
    something changed, so a feed re-read every hour does not fill the audit trail.

    :param deactivate_missing: also mark inactive the active people whose
        ``employee_id`` no record names (a record in error still names its person).
    """
    rows, errors, named = [], [], {}
    for number, record in enumerate(records, start=1):
        row, problems = _text_row(number, record)
        named.setdefault(row.get("employee_id", ""), number)
        errors += problems
        if not problems:
            rows.append((number, row))
    people, problems = people_records(rows, unit="record")
    errors += problems
    now = time.time_ns() // 1000
    with core.db.write() as session:
        store.prepare_import(session)
        refused = store.identity_conflicts(session, tenant_id, people)
        first = {c.employee_id: c for c in reversed(refused)}  # one error a record is enough
        errors += [RowError(named[c.employee_id], "identities",
                            f"{c.agent_key} belongs to {c.owner_employee_id}")
                   for c in first.values()]
        held = set(first)
        counts = _upsert(session, tenant_id, [p for p in people if p.employee_id not in held])
        deactivated = store.deactivate_people_except(
            session, tenant_id, set(named) - {""}, now) if deactivate_missing else 0
        if counts.created or counts.updated or deactivated:
            announce_action(core, session, actor=actor, action="people.imported",
                            target=f"tenant:{tenant_id}", tenant_id=tenant_id, source=source,
                            details={"created": counts.created, "updated": counts.updated,
                                     "unchanged": counts.unchanged,
                                     "deactivated": deactivated, "refused": len(
                                         {error.line for error in errors})})
    return PeopleImport(
        created=counts.created, updated=counts.updated, unchanged=counts.unchanged,
        deactivated=deactivated, errors=tuple(
            RecordError(e.line, e.column, e.message)
            for e in sorted(errors, key=lambda error: error.line)))


def _upsert(session: Session, tenant_id: int, records: list[store.PersonRecord],
            progress: Callable[[int], object] = lambda _: None) -> store.UpsertCounts:
    """Create and update ``records`` by chunks (identity conflicts checked already)."""
    counts = store.UpsertCounts()
    for chunk in chunks(records):
        done = store.upsert_people(session, tenant_id, chunk, time.time_ns() // 1000)
        counts.created += done.created
        counts.updated += done.updated
        counts.unchanged += done.unchanged
        progress(len(chunk))
    return counts


def _text_row(number: int, record: Mapping[str, Any]) -> tuple[dict[str, str], list[RowError]]:
    """A record of plain values as the CSV import's row of texts: lists are joined with
    ``;`` (aliases, accounts), booleans are true/false, ``None`` is empty."""
    row, errors = {}, []
    for name, value in record.items():
        if isinstance(value, (list, tuple)) and all(
                isinstance(part, (str, int, float)) for part in value):
            row[name] = ";".join(str(part).strip() for part in value)
        elif isinstance(value, bool):
            row[name] = "true" if value else "false"
        elif value is None or isinstance(value, (str, int, float)):
            row[name] = "" if value is None else str(value).strip()
        else:
            errors.append(RowError(number, str(name), "is not a text, number, boolean or "
                                   "list of texts"))
    return row, errors


def resolve_person(core: Core, *, tenant_id: int, agent: dict[str, Any]) -> Person | None:
    """Who ``agent`` is: the directory's person holding one of its identities, else what
    the ``resolve_person`` plugins say, else ``None``."""
    return resolve_people(core, tenant_id=tenant_id, agents=[agent])[0]


def resolve_people(core: Core, *, tenant_id: int,
                   agents: list[dict[str, Any]]) -> list[Person | None]:
    """:func:`resolve_person` of each of ``agents``, with two queries per thousand
    identities for those the directory knows (a report resolves a whole cohort)."""
    wanted = [lookup_keys(agent) for agent in agents]
    with core.db.read() as session:
        found = store.people_for_agent_keys(session, tenant_id, set().union(*wanted))
        rows = list({row.id: row for row in found.values()}.values())
        people = {row.id: person for row, person in zip(rows, as_people(session, rows),
                                                        strict=True)}
    answers: list[Person | None] = []
    for agent, keys in zip(agents, wanted, strict=True):
        key = _first_known(keys, found)
        answers.append(people[found[key].id] if key else
                       core.hooks.resolve_person(tenant_id=tenant_id, agent=agent))
    return answers


def employee_ids_of(core: Core, *, tenant_id: int,
                    agents: list[dict[str, Any]]) -> list[str | None]:
    """The employee id :func:`resolve_people` would give each of ``agents``, without
    building the people: a feed that counts per person needs only who they are, and
    one join a thousand identities is a fraction of loading each person."""
    wanted = [lookup_keys(agent) for agent in agents]
    with core.db.read() as session:
        found = store.employee_ids_for_agent_keys(session, tenant_id, set().union(*wanted))
    answers: list[str | None] = []
    for agent, keys in zip(agents, wanted, strict=True):
        key = _first_known(keys, found)
        if key:
            answers.append(found[key])
        else:
            person = core.hooks.resolve_person(tenant_id=tenant_id, agent=agent)
            answers.append(person.id if person else None)
    return answers


def _first_known(keys: frozenset[str], found: Mapping[str, object]) -> str | None:
    """The first of ``keys`` (in sorted order, so the answer never depends on set order)
    that the directory knows."""
    return min((key for key in keys if key in found), default=None)


def people_by_employee_id(core: Core, *, tenant_id: int,
                          employee_ids: list[str]) -> list[Person | None]:
    """The directory's person of each employee id, in their order (``None`` when unknown):
    attendance reports and rosters name people by their HR number."""
    with core.db.read() as session:
        rows = store.people_named(session, tenant_id, employee_ids)
        people = {person.id: person for person in as_people(session, rows)}
    return [people.get(employee_id) for employee_id in employee_ids]


def lookup_keys(agent: dict[str, Any]) -> frozenset[str]:
    """The identity keys the directory may know an agent under."""
    try:
        return store.directory_keys(person_keys(agent))
    except ValueError:
        return frozenset()


def list_people(core: Core, *, tenant_id: int) -> list[Person]:
    """Every person of the store's directory, by employee id."""
    with core.db.read() as session:
        return as_people(session, list(store.list_people(session, tenant_id)))


def as_people(session: Session, rows: list[PersonRow]) -> list[Person]:
    """The plugin API's view of directory rows, with their identities (one query a
    thousand people)."""
    identities = store.identities_of(session, [row.id for row in rows])
    return [as_person(row, identities.get(row.id, ())) for row in rows]


def as_person(row: PersonRow, identities: Iterable[str]) -> Person:
    """The plugin API's view of a directory row (:class:`lrs.plugin.host.Person`)."""
    attributes = {name: str(value) for name, value in (
        ("email", row.email), ("department", row.department),
        ("manager", row.manager_employee_id), ("location", row.location),
        ("job_title", row.job_title),
        ("hire_date", row.hire_date.isoformat() if row.hire_date else None),
        ("active", "true" if row.active else "false")) if value is not None}
    return Person(id=row.employee_id, name=row.display_name,
                  agents=tuple(agent for key in identities if (agent := agent_of_key(key))),
                  attributes={**json.loads(row.attributes), **attributes})


def email_identities(address: str) -> set[str]:
    """``mbox`` and ``mbox_sha1sum`` keys of an address (lowercased: mail is matched
    without regard to case)."""
    mailto = "mailto:" + address.lower()
    return {"mbox:" + mailto,
            "mbox_sha1sum:" + hashlib.sha1(mailto.encode(), usedforsecurity=False).hexdigest()}


def _record(line: int, row: dict[str, str]) -> tuple[store.PersonRecord | None, list[RowError]]:
    errors: list[RowError] = []

    def fail(column: str, message: str) -> None:
        errors.append(RowError(line, column, message))

    for column, text in row.items():
        if not storable(text):
            fail(str(column), "holds a NUL character or a lone surrogate, which no "
                 "database stores")
    if errors:
        return None, errors
    employee_id = row.get("employee_id", "")
    if not employee_id:
        fail("employee_id", "is empty")
        return None, errors
    identities: set[str] = set()
    for column, addresses in (("email", [row.get("email", "")]),
                              ("aliases", _split(row.get("aliases", "")))):
        for address in addresses:
            if address and not is_email(address):
                fail(column, f"{address!r} is not an email address")
            elif address:
                identities |= email_identities(address)
    for account in _split(row.get("accounts", "")):
        home, _, name = account.partition("|")
        key = agent_ifi_key({"account": {"homePage": home, "name": name}})
        if not (home.startswith(("http://", "https://")) and name):
            fail("accounts", f"{account!r} is not homePage|name")
        else:
            identities.add(key)
    hire_date = None
    if row.get("hire_date"):
        try:
            hire_date = date.fromisoformat(row["hire_date"])
        except ValueError:
            fail("hire_date", f"{row['hire_date']!r} is not a date (YYYY-MM-DD)")
    active = row.get("active", "").lower()
    if active and active not in _TRUE | _FALSE:
        fail("active", f"{row['active']!r} is not true or false")
    record = store.PersonRecord(
        employee_id=employee_id, display_name=row.get("display_name") or None,
        email=(row.get("email") or "").lower() or None,
        department=row.get("department") or None,
        manager_employee_id=row.get("manager") or None, location=row.get("location") or None,
        job_title=row.get("job_title") or None, hire_date=hire_date,
        active=active not in _FALSE,
        attributes={k: v for k, v in row.items() if k not in COLUMNS and v},
        identities=frozenset(identities))
    return record, errors


def _split(value: str) -> Iterator[str]:
    return (part.strip() for part in value.split(";") if part.strip())


def is_email(address: str) -> bool:
    """Whether ``address`` looks like a mail address (``local@domain.tld``, no space)."""
    local, _, domain = address.partition("@")
    return bool(local) and "." in domain and " " not in address
