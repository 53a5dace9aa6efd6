"""Importing a OneRoster 1.2 CSV roster (bulk) into the people directory.

Schools export who their students and teachers are, and who is in which class,
as OneRoster CSV files. A roster becomes directory data: each user a person
(keyed by ``sourcedId`` or ``identifier``, with their email and, on a given
``homePage``, their ``username`` as identities), each class a static group, each
enrollment a membership with its role. Read the same way as a people CSV
(:mod:`lrs.services.csv_rows`) and written by the same import
(:func:`lrs.services.people.import_people`), in one transaction with the groups.
"""

from __future__ import annotations

import time
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path, PurePosixPath
from typing import IO

from sqlalchemy.orm import Session

from lrs.models import DEFAULT_TENANT_ID
from lrs.services.core import Core
from lrs.services.csv_rows import CsvTable, RowError, first_seen, read_csv
from lrs.services.people import email_identities, import_people, is_email
from lrs.store import people as directory
from lrs.store.people_groups import GroupSyncCounts, SourcedGroup, sync_sourced_groups
from lrs.xapi.actors import agent_ifi_key
from lrs.xapi.errors import BadRequest

#: The columns of each file the import reads, as OneRoster 1.2 publishes them; a
#: header must have them all (``metadata.*`` extension columns may follow).
COLUMNS: dict[str, tuple[str, ...]] = {
    "orgs": ("sourcedId", "status", "dateLastModified", "name", "type", "identifier",
             "parentSourcedId"),
    "academicSessions": ("sourcedId", "status", "dateLastModified", "title", "type",
                         "startDate", "endDate", "parentSourcedId", "schoolYear"),
    "courses": ("sourcedId", "status", "dateLastModified", "schoolYearSourcedId", "title",
                "courseCode", "grades", "orgSourcedId", "subjects", "subjectCodes"),
    "classes": ("sourcedId", "status", "dateLastModified", "title", "grades",
                "courseSourcedId", "classCode", "classType", "location", "schoolSourcedId",
                "termSourcedIds", "subjects", "subjectCodes", "periods"),
    "users": ("sourcedId", "status", "dateLastModified", "enabledUser", "username", "userIds",
              "givenName", "familyName", "middleName", "identifier", "email", "sms", "phone",
              "agentSourcedIds", "grades", "password", "userMasterIdentifier",
              "resourceSourcedIds", "preferredGivenName", "preferredMiddleName",
              "preferredFamilyName", "primaryOrgSourcedId", "pronouns"),
    "roles": ("sourcedId", "status", "dateLastModified", "userSourcedId", "roleType", "role",
              "beginDate", "endDate", "orgSourcedId", "userProfileSourcedId"),
    "enrollments": ("sourcedId", "status", "dateLastModified", "classSourcedId",
                    "schoolSourcedId", "userSourcedId", "role", "primary", "beginDate",
                    "endDate"),
}
#: Columns each row must fill (the specification's required fields).
REQUIRED: dict[str, tuple[str, ...]] = {
    "orgs": ("sourcedId", "name", "type"),
    "academicSessions": ("sourcedId", "title", "type", "startDate", "endDate", "schoolYear"),
    "courses": ("sourcedId", "title", "orgSourcedId"),
    "classes": ("sourcedId", "title", "courseSourcedId", "classType", "schoolSourcedId",
                "termSourcedIds"),
    "users": ("sourcedId", "enabledUser", "givenName", "familyName"),
    "roles": ("sourcedId", "userSourcedId", "roleType", "role", "orgSourcedId"),
    "enrollments": ("sourcedId", "classSourcedId", "schoolSourcedId", "userSourcedId", "role"),
}
#: OneRoster 1.1 users.csv columns that 1.2 moved to roles.csv.
_OLDER = {"orgSourcedIds", "role"}
ENROLLMENT_ROLES = ("administrator", "proctor", "student", "teacher")
#: Keys a person may be known by in the directory.
KEYS = ("sourcedId", "identifier")
#: The files of a roster the import reads; others in a zip or directory are left alone.
ROSTER_FILES = frozenset({"manifest.csv", *(f"{name}.csv" for name in COLUMNS)})
#: What reading a zip raises when it cannot be read: damaged (or a file inflating to
#: other than its stated size, which fails its CRC), encrypted, an unknown compression.
_UNREADABLE_ZIP = (zipfile.BadZipFile, zlib.error, EOFError, RuntimeError, NotImplementedError)


@dataclass
class Roster:
    """What a roster says, checked: its people, and its classes with their members."""

    people: list[directory.PersonRecord] = field(default_factory=list)
    classes: list[SourcedGroup] = field(default_factory=list)

    @property
    def enrollments(self) -> int:
        return sum(len(group.members) for group in self.classes)


@dataclass
class RosterCounts:
    people: directory.UpsertCounts
    groups: GroupSyncCounts


def read_roster_files(path: Path, *, max_file_bytes: int) -> dict[str, str]:
    """The text of each file of a roster: a zip, or a directory holding ``manifest.csv``.

    :param max_file_bytes: the largest file read (``LRS_MAX_ROSTER_FILE_BYTES``); in a
        zip, as inflated.
    :raises BadRequest: no such file, no manifest, a file is not UTF-8 or is larger than
        ``max_file_bytes``, a zip that cannot be read.
    """
    if path.is_dir():
        files = {}
        for file in path.iterdir():
            if file.name in ROSTER_FILES:
                with file.open("rb") as stream:
                    files[file.name] = _read_within(stream, file.name, max_file_bytes)
    elif zipfile.is_zipfile(path):
        files = _read_zip(path, max_file_bytes)
    else:
        raise BadRequest(f"{path}: neither a zip file nor a directory")
    if "manifest.csv" not in files:
        raise BadRequest(f"{path}: no manifest.csv (a OneRoster CSV roster starts with one)")
    texts = {}
    for name, data in files.items():
        try:
            texts[name] = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = data[:exc.start].count(b"\n") + 1
            raise BadRequest(f"{name}: line {line} is not UTF-8 (save the file as UTF-8)"
                             ) from None
    return texts


def _read_zip(path: Path, max_file_bytes: int) -> dict[str, bytes]:
    """The roster's files in the zip at ``path``, each inflated to at most ``max_file_bytes``.

    A zip states each file's size, and a few KB of it can inflate to gigabytes: a file
    stated larger than the limit is refused before it is inflated, and inflating any
    file stops one byte past the limit whatever its size was said to be. A file named
    twice is refused: each would be inflated, and only the last one kept.
    """
    files: dict[str, bytes] = {}
    try:
        with zipfile.ZipFile(path) as archive:
            members = [m for m in archive.infolist()
                       if not m.is_dir() and m.filename.endswith(".csv")]
            # The files, at the zip's root or in the one folder holding them all.
            if len({PurePosixPath(m.filename).parent for m in members}) > 1:
                raise BadRequest(f"{path}: the roster's files are in several folders")
            for member in members:
                name = PurePosixPath(member.filename).name
                if name not in ROSTER_FILES:
                    continue
                if name in files:
                    raise BadRequest(f"{path}: {member.filename} is in the zip twice")
                if member.file_size > max_file_bytes:
                    raise BadRequest(_too_large(member.filename, max_file_bytes))
                with archive.open(member) as stream:
                    files[name] = _read_within(stream, member.filename, max_file_bytes)
    except _UNREADABLE_ZIP as exc:
        raise BadRequest(f"{path}: not a zip that can be read ({exc})") from None
    return files


def _read_within(stream: IO[bytes], name: str, limit: int) -> bytes:
    """All of ``stream``, read no further than one byte past ``limit``.

    :raises BadRequest: there was more than ``limit``, naming ``name`` and the setting.
    """
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise BadRequest(_too_large(name, limit))
    return data


def _too_large(name: str, limit: int) -> str:
    return (f"{name}: larger than the {limit} byte limit of a roster file "
            "(LRS_MAX_ROSTER_FILE_BYTES)")


def parse_roster(files: dict[str, str], *, key: str = "sourcedId",
                 home_page: str | None = None) -> tuple[Roster, list[RowError]]:
    """The roster ``files`` (name to text) state, and every problem with them.

    :param key: the users' column that is the person's key in the directory
        (``employee_id``): ``sourcedId`` or ``identifier``.
    :param home_page: the ``homePage`` of the accounts ``username`` names (the LMS
        the students sign in to); without it, no account identity.
    """
    errors: list[RowError] = []
    tables = {name: _table(name, files, errors) for name in _present(files, errors)}
    if errors:
        return Roster(), errors
    ids = {name: _ids(table, errors) for name, table in tables.items()}
    for table in tables.values():
        for column, target in (("orgSourcedId", "orgs"), ("schoolSourcedId", "orgs"),
                               ("courseSourcedId", "courses"), ("primaryOrgSourcedId", "orgs"),
                               ("userSourcedId", "users"), ("classSourcedId", "classes")):
            if column in table.header and target in ids:
                _references(table, column, ids[target], f"{target}.csv", errors)
    orgs = {row["sourcedId"]: row["name"] for _, row in tables.get("orgs", _EMPTY).rows}
    roles = _roles(tables.get("roles", _EMPTY), orgs)
    people = _people(tables["users"], key, home_page, orgs, roles, errors)
    classes = _classes(tables.get("classes", _EMPTY), tables.get("enrollments", _EMPTY),
                       {row["sourcedId"]: record.employee_id for (_, row), record in people},
                       errors)
    return Roster([record for _, record in people], classes), errors


def import_roster(core: Core, roster: Roster, *, actor: str,
                  tenant_id: int = DEFAULT_TENANT_ID, dry_run: bool = False,
                  source: dict[str, str] | None = None,
                  progress: Callable[[int], object] = lambda _: None) -> RosterCounts:
    """Write ``roster`` in one transaction (people, then classes and their members);
    announce ``people.oneroster_imported`` with the counts.

    :raises BadRequest: an identity belongs to another person (nothing is written).
    """
    groups = GroupSyncCounts()

    def write_classes(session: Session) -> dict[str, int]:
        nonlocal groups
        groups = sync_sourced_groups(session, tenant_id, roster.classes,
                                     time.time_ns() // 1000)
        progress(roster.enrollments)
        return groups.as_dict()

    people = import_people(core, roster.people, actor=actor, tenant_id=tenant_id,
                           dry_run=dry_run, source=source, progress=progress,
                           action="people.oneroster_imported", then=write_classes)
    return RosterCounts(people, groups)


_EMPTY = CsvTable(None, [])


def _present(files: dict[str, str], errors: list[RowError]) -> list[str]:
    """The files to read, as the manifest lists them (``bulk``; ``absent`` are ignored)."""
    manifest = read_csv(files["manifest.csv"], errors, "manifest.csv")
    if manifest.header[:2] != ["propertyName", "value"]:
        errors.append(RowError(1, "propertyName", "the header is not propertyName,value",
                               "manifest.csv"))
        return []
    properties = {row["propertyName"]: (line, row["value"]) for line, row in manifest.rows}
    line, version = properties.get("oneroster.version", (0, ""))
    if version != "1.2":
        errors.append(RowError(line or 1, "oneroster.version",
                               f"{version!r} is not 1.2 (only OneRoster 1.2 is read)",
                               "manifest.csv"))
    present = []
    for name in COLUMNS:
        line, mode = properties.get(f"file.{name}", (0, "absent"))
        if mode == "bulk" and f"{name}.csv" not in files:
            errors.append(RowError(line, f"file.{name}", f"says bulk, but there is no "
                                   f"{name}.csv", "manifest.csv"))
        elif mode == "bulk":
            present.append(name)
        elif mode == "delta":
            errors.append(RowError(line, f"file.{name}", "delta files are not read: "
                                   "export the roster in bulk", "manifest.csv"))
        elif mode != "absent":
            errors.append(RowError(line, f"file.{name}", f"{mode!r} is not bulk, delta or "
                                   "absent", "manifest.csv"))
    if "users" not in present:
        errors.append(RowError(properties.get("file.users", (1, ""))[0] or 1, "file.users",
                               "a roster to import has users (bulk)", "manifest.csv"))
    if "enrollments" in present and "classes" not in present:
        errors.append(RowError(properties["file.enrollments"][0], "file.classes",
                               "enrollments need their classes (bulk)", "manifest.csv"))
    return present


def _table(name: str, files: dict[str, str], errors: list[RowError]) -> CsvTable:
    """One file, its header checked against the specification's columns and each row's
    required fields against their values."""
    file = f"{name}.csv"
    table = read_csv(files[file], errors, file)
    for column in COLUMNS[name]:
        if column not in table.header:
            errors.append(RowError(1, column, "the header has no such column "
                                   f"(OneRoster 1.2 {file})", file))
    for column in table.header:
        if column not in COLUMNS[name] and not column.startswith("metadata."):
            hint = " (a OneRoster 1.1 column: export OneRoster 1.2)" if (
                name == "users" and column in _OLDER) else ""
            errors.append(RowError(1, column, f"not a OneRoster 1.2 {file} column{hint}", file))
    for line, row in table.rows:
        for column in REQUIRED[name]:
            if column in table.header and not row[column]:
                errors.append(RowError(line, column, "is empty (required)", file))
        if row.get("status", "") not in ("", "active", "tobedeleted"):
            errors.append(RowError(line, "status", f"{row['status']!r} is not active or "
                                   "tobedeleted", file))
    return table


def _ids(table: CsvTable, errors: list[RowError]) -> set[str]:
    seen: dict[str, int] = {}
    for line, row in table.rows:
        if row["sourcedId"] and (first := first_seen(seen, row["sourcedId"], line)):
            errors.append(RowError(line, "sourcedId", f"{row['sourcedId']!r} is also on "
                                   f"line {first}", table.file))
    return set(seen)


def _references(table: CsvTable, column: str, known: set[str], target: str,
                errors: list[RowError]) -> None:
    for line, row in table.rows:
        if row[column] and row[column] not in known:
            errors.append(RowError(line, column, f"{row[column]!r} is not in {target}",
                                   table.file))


def _roles(table: CsvTable, orgs: dict[str, str]) -> dict[str, tuple[str, str]]:
    """Each user's role and org: their primary role's (roles.csv), else their first."""
    found: dict[str, tuple[str, str]] = {}
    for _, row in sorted(table.rows, key=lambda item: item[1]["roleType"] != "primary"):
        found.setdefault(row["userSourcedId"],
                         (row["role"], orgs.get(row["orgSourcedId"], row["orgSourcedId"])))
    return found


def _people(table: CsvTable, key: str, home_page: str | None, orgs: dict[str, str],
            roles: dict[str, tuple[str, str]],
            errors: list[RowError]) -> list[tuple[tuple[int, dict[str, str]],
                                                  directory.PersonRecord]]:
    """Each user row with the person it states (rows in error are left out)."""
    people, seen, file = [], {}, table.file

    def fail(line: int, column: str, message: str) -> None:
        errors.append(RowError(line, column, message, file))

    for line, row in table.rows:
        count = len(errors)
        employee_id = row[key]
        if not employee_id:
            fail(line, key, "is empty (the people's key: --key)")
        elif first := first_seen(seen, employee_id, line):
            fail(line, key, f"{employee_id!r} is also on line {first}")
        if row["enabledUser"] not in ("true", "false", ""):
            fail(line, "enabledUser", f"{row['enabledUser']!r} is not true or false")
        identities: set[str] = set()
        if row["email"] and not is_email(row["email"]):
            fail(line, "email", f"{row['email']!r} is not an email address")
        elif row["email"]:
            identities |= email_identities(row["email"])
        if home_page and row["username"]:
            identities.add(agent_ifi_key({"account": {"homePage": home_page,
                                                      "name": row["username"]}}))
        if len(errors) > count:
            continue
        role, org = roles.get(row["sourcedId"], ("", ""))
        org = orgs.get(row["primaryOrgSourcedId"], row["primaryOrgSourcedId"]) or org
        given = row["preferredGivenName"] or row["givenName"]
        family = row["preferredFamilyName"] or row["familyName"]
        attributes = {"sourcedId": row["sourcedId"], "identifier": row["identifier"],
                      "username": row["username"], "grades": row["grades"], "org": org,
                      "role": role, **{k: v for k, v in row.items()
                                       if k.startswith("metadata.")}}
        people.append(((line, row), directory.PersonRecord(
            employee_id=employee_id, display_name=f"{given} {family}".strip() or None,
            email=row["email"].lower() or None,
            active=row["enabledUser"] != "false" and row["status"] != "tobedeleted",
            attributes={k: v for k, v in attributes.items() if v},
            identities=frozenset(identities))))
    return people


def _classes(classes: CsvTable, enrollments: CsvTable, people: dict[str, str],
             errors: list[RowError]) -> list[SourcedGroup]:
    """Each class as a group, its members the users its enrollments name (by their key)."""
    groups: dict[str, SourcedGroup] = {}
    for line, row in classes.rows:
        if row["status"] == "tobedeleted":
            continue
        title, sourced_id = row["title"], row["sourcedId"]
        distinct = f"{title} ({sourced_id})"
        if len(distinct) > 200:
            errors.append(RowError(line, "title", "with the sourcedId, longer than 200 "
                                   "characters (a group's name)", classes.file))
        groups[sourced_id] = SourcedGroup(f"oneroster:class:{sourced_id}", title, distinct)
    enrolled: dict[str, int] = {}
    for line, row in enrollments.rows:
        if not _enrollment_ok(line, row, enrollments.file, errors):
            continue
        pair = f"{row['classSourcedId']}\x00{row['userSourcedId']}"
        if first := first_seen(enrolled, pair, line):
            errors.append(RowError(line, "userSourcedId", f"{row['userSourcedId']!r} is "
                                   f"enrolled in this class on line {first} too",
                                   enrollments.file))
        elif row["status"] != "tobedeleted" and row["userSourcedId"] in people \
                and row["classSourcedId"] in groups:
            groups[row["classSourcedId"]].members[people[row["userSourcedId"]]] = row["role"]
    return list(groups.values())


def _enrollment_ok(line: int, row: dict[str, str], file: str | None,
                   errors: list[RowError]) -> bool:
    count = len(errors)
    if row["role"] and row["role"] not in ENROLLMENT_ROLES and not row["role"].startswith(
            "ext:"):
        errors.append(RowError(line, "role", f"{row['role']!r} is not one of "
                               f"{', '.join(ENROLLMENT_ROLES)} (or ext:...)", file))
    if row["primary"] not in ("", "true", "false"):
        errors.append(RowError(line, "primary", f"{row['primary']!r} is not true or false",
                               file))
    for column in ("beginDate", "endDate"):
        try:
            if row[column]:
                date.fromisoformat(row[column])
        except ValueError:
            errors.append(RowError(line, column, f"{row[column]!r} is not a date "
                                   "(YYYY-MM-DD)", file))
    return len(errors) == count
