"""Assignments' use cases: create (JSON, CSV), list and delete, each an administrative action.

One reading of an assignment serves every door (``/api/assignments``, ``lrs
assignments``, the web UI, plugins through the host): :func:`parse_assignment`
names each problem's field, as a JSON path for the API and as a CSV column for an
import. Whether people stand compliant is :mod:`lrs.services.assignment_status`.
"""

from __future__ import annotations

import csv
import io
import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from lrs.models import DEFAULT_TENANT_ID
from lrs.models import Assignment as AssignmentRow
from lrs.models.types import iso_time
from lrs.plugin.assignments import EARLIEST, LATEST, MAX_DUE_SOON_DAYS, Assignment
from lrs.plugin.request import parse_whole_number
from lrs.services.admin import announce_action
from lrs.services.core import Core
from lrs.services.people import RowError
from lrs.store import assignments as store
from lrs.store.people_groups import groups_of
from lrs.xapi.datatypes import is_iri
from lrs.xapi.errors import BadRequest, Conflict, ErrorDetail, NotFound

#: The fields of an assignment, as JSON keys and CSV columns.
FIELDS = ("person", "group", "activity", "activities", "program", "due", "every_months",
          "due_soon_days")
#: Bounds that keep a report's arithmetic and size sane.
MAX_ACTIVITIES = 200
MAX_EVERY_MONTHS = 120

#: ``(field, message)``: one problem, placed by the caller (JSON path or CSV column).
Problem = tuple[str, str]


@dataclass
class ImportCounts:
    created: int = 0
    #: Rows an existing assignment already states (a re-import adds nothing).
    unchanged: int = 0


def parse_assignment(data: Any) -> store.AssignmentRecord:
    """The assignment a JSON object states.

    :raises BadRequest: listing every problem with its JSON path (``$.due``).
    """
    if not isinstance(data, dict):
        raise BadRequest("an assignment is a JSON object", errors=[
            ErrorDetail("$", "must be an object")])
    record, problems = _check(data)
    if record is None:
        details = [ErrorDetail(f"$.{field}", message) for field, message in problems]
        raise BadRequest(f"{details[0].path}: {details[0].message}", errors=details)
    return record


def parse_assignments_csv(text: str) -> tuple[list[tuple[int, store.AssignmentRecord]],
                                              list[RowError]]:
    """``(line, record)`` for every row of an assignments CSV, and every row's problems.

    Columns: ``person`` or ``group``, ``activities`` (IRIs separated by ``;``),
    ``program``, ``due`` (``YYYY-MM-DD``), ``every_months``, ``due_soon_days``.
    """
    reader = csv.DictReader(io.StringIO(text.removeprefix("\ufeff")))
    header = [name.strip() for name in reader.fieldnames or []]
    unknown = [name for name in header if name not in FIELDS]
    if unknown or "due" not in header:
        message = (f"unknown column(s) {', '.join(unknown)}" if unknown
                   else "the header has no due column")
        return [], [RowError(1, "header", f"{message}; columns are {', '.join(FIELDS)}")]
    reader.fieldnames = header
    records, errors = [], []
    for line, row in enumerate(reader, start=2):
        if None in row:
            errors.append(RowError(line, "row", "more fields than the header has"))
            continue
        values: dict[str, Any] = {k: v.strip() for k, v in row.items() if v and v.strip()}
        problems: list[Problem] = []
        if "activities" in values:
            values["activities"] = [iri.strip() for iri in values["activities"].split(";")
                                    if iri.strip()]
        for name in ("every_months", "due_soon_days"):
            if name in values and (number := parse_whole_number(values[name], low=0)) is None:
                problems.append((name, f"{values.pop(name)!r} is not a whole number"))
            elif name in values:
                values[name] = number
        record, more = _check(values)
        errors += [RowError(line, field, message) for field, message in problems + more]
        if record is not None and not problems:
            records.append((line, record))
    return records, errors


def create_assignment(core: Core, record: store.AssignmentRecord, *, actor: str,
                      tenant_id: int = DEFAULT_TENANT_ID,
                      source: dict[str, str] | None = None) -> Assignment:
    """Create one assignment; announce ``assignment.created``.

    :raises BadRequest: its person or group is not in the directory (``$.person``).
    :raises Conflict: an assignment of the store already states exactly this.
    """
    with core.db.write() as session:
        problems = _unknown_targets(session, tenant_id, [record])
        if problems:
            field, message = problems[0][1]
            raise BadRequest(f"$.{field}: {message}",
                             errors=[ErrorDetail(f"$.{field}", message)])
        same = store.same_assignment(session, tenant_id, record)
        if same is not None:
            raise Conflict(f"assignment {same.id} already assigns this")
        row = store.add_assignments(session, tenant_id, [record], created_by=actor,
                                    now_us=time.time_ns() // 1000)[0]
        assignment = as_assignment(row)
        announce_action(core, session, actor=actor, action="assignment.created",
                        target=f"assignment:{row.id}", tenant_id=tenant_id,
                        details={"after": assignment.as_dict()}, source=source)
    return assignment


def import_assignments(core: Core, rows: Sequence[tuple[int, store.AssignmentRecord]], *,
                       actor: str, tenant_id: int = DEFAULT_TENANT_ID, dry_run: bool = False,
                       source: dict[str, str] | None = None) -> ImportCounts:
    """Create the assignments of a parsed CSV in one transaction; announce
    ``assignments.imported``. Rows an assignment already states are skipped.

    :raises BadRequest: a person or group is not in the directory; each error's path
        is ``line N, column`` (nothing is written).
    """
    with core.db.write() as session:
        problems = _unknown_targets(session, tenant_id, [record for _, record in rows])
        if problems:
            errors = [RowError(rows[index][0], field, message)
                      for index, (field, message) in problems]
            raise BadRequest(f"{len(errors)} row(s) name no one in the directory: {errors[0]}",
                             errors=[ErrorDetail(f"line {e.line}, {e.column}", e.message)
                                     for e in errors])
        existing = store.assignments_of(session, tenant_id)
        new: list[store.AssignmentRecord] = []
        for _, record in rows:
            if record not in new and not any(record.same_as(row) for row in existing):
                new.append(record)
        counts = ImportCounts(created=len(new), unchanged=len(rows) - len(new))
        if dry_run:
            return counts
        store.add_assignments(session, tenant_id, new, created_by=actor,
                              now_us=time.time_ns() // 1000)
        announce_action(core, session, actor=actor, action="assignments.imported",
                        target=f"tenant:{tenant_id}", tenant_id=tenant_id,
                        details={"created": counts.created, "unchanged": counts.unchanged},
                        source=source)
    return counts


def delete_assignment(core: Core, assignment_id: int, *, actor: str,
                      tenant_id: int = DEFAULT_TENANT_ID,
                      source: dict[str, str] | None = None) -> Assignment:
    """Delete one assignment of the store; announce ``assignment.deleted``.

    :raises NotFound: the store has no assignment with this id.
    """
    with core.db.write() as session:
        row = (store.delete_assignment(session, tenant_id, assignment_id)
               if 0 < assignment_id < 2**63 else None)
        if row is None:
            raise NotFound(f"no assignment {assignment_id} in this store "
                           "(lrs assignments list)")
        assignment = as_assignment(row)
        announce_action(core, session, actor=actor, action="assignment.deleted",
                        target=f"assignment:{assignment_id}", tenant_id=tenant_id,
                        details={"before": assignment.as_dict()}, source=source)
    return assignment


def list_assignments(core: Core, *, tenant_id: int = DEFAULT_TENANT_ID,
                     ids: Sequence[int] | None = None) -> list[Assignment]:
    """The store's assignments (only ``ids`` when given), oldest first."""
    with core.db.read() as session:
        return [as_assignment(row) for row in store.assignments_of(session, tenant_id, ids)]


def create_from_spec(core: Core, *, tenant_id: int, spec: Mapping[str, Any],
                     actor: str) -> Assignment:
    """:meth:`lrs.plugin.host.Host.create_assignment`: a plugin's JSON object, parsed and
    created as the API does, the plugin named as the source."""
    return create_assignment(core, parse_assignment(dict(spec)), actor=actor,
                             tenant_id=tenant_id,
                             source={"plugin": actor.removeprefix("plugin:")})


def as_assignment(row: AssignmentRow) -> Assignment:
    """The plugin API's view of a row."""
    return Assignment(id=row.id, target_kind=row.target_kind, target=row.target,
                      activities=tuple(json.loads(row.activities)), due=row.due,
                      program=row.program, recurrence_months=row.recurrence_months,
                      due_soon_days=row.due_soon_days, created_by=row.created_by,
                      created=iso_time(row.created_us))


def _check(values: dict[str, Any]) -> tuple[store.AssignmentRecord | None, list[Problem]]:
    """The record ``values`` state, or ``None`` and every problem."""
    problems: list[Problem] = [(name, "unknown field") for name in values if name not in FIELDS]
    targets = [name for name in ("person", "group") if values.get(name) is not None]
    if len(targets) != 1:
        problems.append(("person", "give either a person (employee id) or a group name"))
    elif not isinstance(values[targets[0]], str) or not 0 < len(values[targets[0]]) <= 200:
        problems.append((targets[0], "must be a string of 1 to 200 characters"))
    activities = _activities(values, problems)
    program = values.get("program")
    if program is not None and (not isinstance(program, str) or not 0 < len(program) <= 200):
        problems.append(("program", "must be a string of 1 to 200 characters"))
    due = _date(values.get("due"))
    if due is None:
        problems.append(("due", "a date YYYY-MM-DD is required"))
    elif not EARLIEST <= due <= LATEST:
        problems.append(("due", f"must be from {EARLIEST} to {LATEST}"))
    every = _whole(values, "every_months", 1, MAX_EVERY_MONTHS, problems)
    soon = _whole(values, "due_soon_days", 0, MAX_DUE_SOON_DAYS, problems)
    if problems or due is None:
        return None, problems
    return store.AssignmentRecord(
        target_kind=targets[0], target=values[targets[0]], activities=activities, due=due,
        program=program, recurrence_months=every, due_soon_days=soon), []


def _activities(values: dict[str, Any], problems: list[Problem]) -> tuple[str, ...]:
    """``activity`` (one IRI) or ``activities`` (a program's IRIs, all required)."""
    if ("activity" in values) == ("activities" in values):
        problems.append(("activity", "give an activity IRI, or activities (a list of IRIs)"))
        return ()
    if "activity" in values:
        field, given = "activity", [values["activity"]]
    else:
        field, given = "activities", values["activities"]
        if not isinstance(given, list) or not 0 < len(given) <= MAX_ACTIVITIES:
            problems.append((field, f"must be a list of 1 to {MAX_ACTIVITIES} activity IRIs"))
            return ()
    wrong = [index for index, iri in enumerate(given) if not is_iri(iri)]
    for index in wrong:
        where = field if field == "activity" else f"{field}[{index}]"
        problems.append((where, "must be an IRI, e.g. https://example.com/courses/aml"))
    return () if wrong else tuple(dict.fromkeys(given))


def _date(value: Any) -> date | None:
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _whole(values: dict[str, Any], name: str, low: int, high: int,
           problems: list[Problem]) -> int | None:
    value = values.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        problems.append((name, f"must be a whole number from {low} to {high}"))
        return None
    return value


def _unknown_targets(session: Session, tenant_id: int,
                     records: Sequence[store.AssignmentRecord]) -> list[tuple[int, Problem]]:
    """``(index, problem)`` for each record whose person or group the store does not have
    (two queries, however many records)."""
    people = store.people_by_employee_id(
        session, tenant_id, {r.target for r in records if r.target_kind == "person"})
    groups = ({group.name for group, _ in groups_of(session, tenant_id)}
              if any(r.target_kind == "group" for r in records) else set())
    problems = []
    for index, record in enumerate(records):
        if record.target_kind == "person" and record.target not in people:
            problems.append((index, ("person", f"no person with employee id "
                                               f"{record.target!r} in the directory")))
        elif record.target_kind == "group" and record.target not in groups:
            problems.append((index, ("group", f"no group named {record.target!r} "
                                              "(lrs people groups list)")))
    return problems
