"""A classroom sign-in sheet or instructor roster, as CSV, read through a column mapping.

The mapping says which column holds the name, e-mail, employee id, the
present/absent mark, the sign-in and sign-out times and the session (a sheet
covering several sessions). Without one, columns are recognised by common
header names (:data:`ALIASES`). Marks are read case-insensitively against the
mapping's present and absent values (``yes``/``no``, ``x``, ``present``/``absent``,
``1``/``0`` by default); a blank mark means absent when the row has no times (a
roster where present people are ticked), and leaves presence to the times
otherwise. A value that is neither is an error naming its line: never a guess.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from datetime import UTC, date, tzinfo

from plugins.attendance.rows import AttendanceRow
from plugins.attendance.sources.reading import (
    Clock,
    Problems,
    SourceError,
    Table,
    cell,
    decode,
    email_of,
    header_key,
    read_time,
    rows_of,
    settle_order,
)

SOURCE = "sheet"

PRESENT_VALUES = frozenset({"yes", "y", "x", "present", "1", "true", "p", "\u2713", "\u2714"})
ABSENT_VALUES = frozenset({"no", "n", "absent", "0", "false", "a"})
#: Rows searched for the header, above which a sheet may have a title.
HEADER_SEARCH = 20
ROLES = ("name", "email", "employee_id", "present", "join", "leave", "session")

#: Header names recognised when no mapping is given, by mapping field.
ALIASES: dict[str, tuple[str, ...]] = {
    "name": ("name", "full name", "participant", "learner", "attendee", "student"),
    "email": ("email", "e-mail", "email address", "e-mail address", "mail"),
    "employee_id": (
        "employee id",
        "employee number",
        "employee_id",
        "employee no",
        "hr id",
        "staff id",
        "personnel number",
    ),
    "present": ("present", "attended", "attendance", "status", "signed"),
    "join": (
        "join",
        "joined",
        "join time",
        "time in",
        "sign in",
        "signed in",
        "arrived",
        "arrival",
    ),
    "leave": (
        "leave",
        "left",
        "leave time",
        "time out",
        "sign out",
        "signed out",
        "departed",
        "departure",
    ),
    "session": ("session", "session id", "session key"),
}


@dataclass(frozen=True)
class SheetMapping:
    """Which column of a sheet (by its header) means what; ``None``: not in the sheet."""

    name: str | None = None
    email: str | None = None
    employee_id: str | None = None
    present: str | None = None
    join: str | None = None
    leave: str | None = None
    session: str | None = None
    present_values: frozenset[str] = PRESENT_VALUES
    absent_values: frozenset[str] = ABSENT_VALUES

    def __post_init__(self) -> None:
        for values in ("present_values", "absent_values"):
            normal = frozenset(value.strip().lower() for value in getattr(self, values))
            object.__setattr__(self, values, normal)

    @classmethod
    def from_columns(
        cls,
        columns: Mapping[str, str],
        *,
        present_values: Iterable[str] | None = None,
        absent_values: Iterable[str] | None = None,
    ) -> SheetMapping:
        """A mapping from ``{"name": "Learner", "present": "Signed", ...}`` (what a
        form or ``--column name=Learner`` gives); an unknown key is a ``ValueError``."""
        known = {f.name for f in fields(cls)} - {"present_values", "absent_values"}
        unknown = sorted(set(columns) - known)
        if unknown:
            raise ValueError(
                f"unknown sheet column role {', '.join(unknown)} "
                f"(known: {', '.join(sorted(known))})"
            )
        extra = {}
        if present_values is not None:
            extra["present_values"] = frozenset(present_values)
        if absent_values is not None:
            extra["absent_values"] = frozenset(absent_values)
        return cls(**dict(columns), **extra)

    @classmethod
    def guess(cls, header: Iterable[str]) -> SheetMapping:
        """The mapping :data:`ALIASES` find in ``header``."""
        by_key = {header_key(name): name for name in header}
        found = {}
        for role, names in ALIASES.items():
            match = next((by_key[n] for n in names if n in by_key), None)
            if match is not None:
                found[role] = match
        return cls(**found)

    def usable(self) -> bool:
        """Whether it names someone (name, e-mail or employee id) and says whether
        they came (a mark, or sign-in and sign-out times)."""
        who = self.name or self.email or self.employee_id
        return bool(who and (self.present or (self.join and self.leave)))


def parse(
    data: bytes,
    *,
    filename: str = "",
    tz: tzinfo = UTC,
    day: date | None = None,
    dayfirst: bool | None = None,
    mapping: SheetMapping | None = None,
) -> list[AttendanceRow]:
    """The rows of a sign-in sheet; ``mapping`` defaults to :meth:`SheetMapping.guess`."""
    clock = Clock(tz, day, dayfirst)
    problems = Problems(filename)
    table_rows = [(line, row) for line, row in rows_of(decode(data), file=filename) if any(row)]
    if not table_rows:
        raise SourceError(filename, "the sheet is empty")
    start = find_header(table_rows, mapping) or 0
    header_line, header = table_rows[start]
    table = Table(header, header_line, table_rows[start + 1 :])
    mapping = mapping or SheetMapping.guess(header)
    columns = {}
    for role in ROLES:
        wanted = getattr(mapping, role)
        if wanted is None:
            continue
        columns[role] = table.column(wanted)
        if columns[role] is None:
            problems.add(f"line {header_line}", f"no column {wanted!r} (the {role} column)")
    if not mapping.usable():
        problems.add(
            f"line {header_line}",
            "the sheet needs a name, e-mail or employee id "
            "column, and a present column or sign-in and "
            "sign-out columns (give a column mapping)",
        )
    problems.check()
    at = columns.get
    settle_order(
        clock,
        [cell(row, at(r)) for _, row in table.rows for r in ("join", "leave")],
        f"line {header_line}",
        problems,
    )
    rows = []
    for line, row in table.rows:
        join = leave = None
        if cell(row, at("join")):
            join = read_time(clock, cell(row, at("join")), f"line {line}, {mapping.join}", problems)
        if cell(row, at("leave")):
            leave = read_time(
                clock, cell(row, at("leave")), f"line {line}, {mapping.leave}", problems, after=join
            )
        if join and leave and leave < join:
            problems.add(f"line {line}, {mapping.leave}", f"is before {mapping.join}")
            continue
        present = _mark(
            cell(row, at("present")),
            mapping,
            has_times=bool(join or leave),
            where=f"line {line}, {mapping.present}",
            problems=problems,
        )
        if at("present") is None and not (cell(row, at("join")) and cell(row, at("leave"))):
            problems.add(f"line {line}", f"needs both {mapping.join} and {mapping.leave}")
            continue
        if (cell(row, at("join")) and join is None) or (cell(row, at("leave")) and leave is None):
            continue  # an unreadable time, already reported
        who = [cell(row, at(r)) for r in ("name", "email", "employee_id")]
        if not any(who):
            problems.add(f"line {line}", "names nobody (no name, e-mail or employee id)")
            continue
        rows.append(
            AttendanceRow(
                source=SOURCE,
                session_key=cell(row, at("session")),
                raw_name=who[0],
                email=email_of(who[1]),
                external_id=who[2] or None,
                join=join,
                leave=leave,
                present=present,
                origin=f"line {line}",
            )
        )
    problems.check()
    return rows


def find_header(
    table_rows: list[tuple[int, list[str]]], mapping: SheetMapping | None = None
) -> int | None:
    """The index of the header row: the first that has every column ``mapping``
    names, or without one, the first :meth:`SheetMapping.guess` can use. Sheets
    often carry a title or the date in their first rows."""
    for index, (_, row) in enumerate(table_rows[:HEADER_SEARCH]):
        if mapping is None:
            if SheetMapping.guess(row).usable():
                return index
            continue
        keys = {header_key(name) for name in row}
        named = [getattr(mapping, role) for role in ROLES if getattr(mapping, role)]
        if named and all(header_key(name) in keys for name in named):
            return index
    return None


def _mark(
    value: str, mapping: SheetMapping, *, has_times: bool, where: str, problems: Problems
) -> bool | None:
    if mapping.present is None:
        return None
    value = value.strip().lower()
    if value in mapping.present_values:
        return True
    if value in mapping.absent_values or (not value and not has_times):
        return False
    if not value:
        return None
    problems.add(
        where,
        f"{value!r} is neither a present value "
        f"({', '.join(sorted(mapping.present_values))}) nor an absent one "
        f"({', '.join(sorted(mapping.absent_values))})",
    )
    return None
