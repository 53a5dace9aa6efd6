"""Planned sessions: created from JSON (the API, the web form) or a CSV, checked the same way.

A session is what attendance is measured against: its window clips the stays,
its roster restricts fuzzy name matching, its activity IRI and registration are
what its statements record.
"""

from __future__ import annotations

import csv
import io
import json
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from lrs.plugin.host import Host
from plugins.attendance.errors import AttendanceError, not_found
from plugins.attendance.models import ImportedRow, Outcome, PlannedSession, Review

#: Namespace of the sessions' registrations and their statements' ids.
NAMESPACE = uuid.UUID("6b0c8f0e-4d1a-5a5e-9f43-1f6a7c2d9e10")
#: CSV columns of ``lrs attendance sessions import`` (roster columns ``;``-separated).
CSV_COLUMNS = (
    "key",
    "activity_id",
    "title",
    "start",
    "end",
    "timezone",
    "location",
    "meeting_id",
    "platform",
    "instructor",
    "roster_people",
    "roster_groups",
)


def _zone(value: str) -> None:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:  # OSError: "Etc" is a folder
        raise ValidationError(f"{value!r} is not an IANA time zone (Europe/Berlin)") from exc


class RosterSchema(Schema):
    class Meta:
        unknown = RAISE

    people = fields.List(fields.String(validate=validate.Length(1, 200)), load_default=list)
    groups = fields.List(fields.String(validate=validate.Length(1, 200)), load_default=list)


class SessionSchema(Schema):
    """A session as clients state it; times are ISO 8601 with an offset."""

    class Meta:
        unknown = RAISE

    key = fields.String(
        required=True,
        validate=validate.Regexp(
            r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,199}$",
            error="letters, digits and . _ : - (up to 200), starting with a letter or digit",
        ),
    )
    activity_id = fields.Url(required=True, schemes={"http", "https", "urn"}, require_tld=False)
    title = fields.String(required=True, validate=validate.Length(1, 500))
    start = fields.AwareDateTime(required=True)
    end = fields.AwareDateTime(required=True)
    timezone = fields.String(load_default="UTC", validate=_zone)
    location = fields.String(load_default=None, allow_none=True)
    meeting_id = fields.String(
        load_default=None, allow_none=True, validate=validate.Length(max=200)
    )
    platform = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=40))
    #: An employee id or an e-mail address.
    instructor = fields.String(load_default=None, allow_none=True)
    roster = fields.Nested(RosterSchema, load_default=lambda: {"people": [], "groups": []})

    @validates_schema
    def _window(self, data: dict[str, Any], **_: Any) -> None:
        if "start" in data and "end" in data and data["end"] <= data["start"]:
            raise ValidationError("must be after start", "end")


SCHEMA = SessionSchema()


def _problems(messages: Any, path: str = "$") -> list[dict[str, str]]:
    """marshmallow's nested messages as ``[{path, message}]``."""
    if isinstance(messages, dict):
        found = []
        for key, value in messages.items():
            step = f"{path}[{key}]" if isinstance(key, int) else f"{path}.{key}"
            found += _problems(value, step if key != "_schema" else path)
        return found
    if isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        return [{"path": path, "message": m} for m in messages]
    return [{"path": path, "message": str(messages)}]


def load_session(data: Any) -> dict[str, Any]:
    """A session's fields, checked; raises :class:`AttendanceError` naming each bad field."""
    if not isinstance(data, Mapping):
        raise AttendanceError(
            "a session is a JSON object", [{"path": "$", "message": "not an object"}]
        )
    try:
        return SCHEMA.load(data)
    except ValidationError as exc:
        raise AttendanceError("the session is not valid", _problems(exc.messages)) from exc


def us(moment: datetime) -> int:
    return int(moment.timestamp() * 1_000_000)


def moment(micros: int) -> datetime:
    return datetime.fromtimestamp(micros / 1_000_000, UTC)


def instructor_agent(
    host: Host, tenant_id: int, instructor: str | None, path: str = "$.instructor"
) -> dict[str, Any] | None:
    """The instructor as an Agent: an e-mail as is, an employee id as the directory's person."""
    if not instructor:
        return None
    if "@" in instructor:
        return {"objectType": "Agent", "mbox": "mailto:" + instructor.lower()}
    person = host.people_by_employee_id(tenant_id, [instructor])[0]
    if person is None:
        raise AttendanceError(
            "the session is not valid",
            [{"path": path, "message": f"no person with employee id {instructor!r}"}],
        )
    agent = primary_agent(person.attributes.get("email"), person.agents)
    if agent is None:
        raise AttendanceError(
            "the session is not valid",
            [{"path": path, "message": f"{instructor!r} has no e-mail or identity"}],
        )
    return {**agent, "name": person.name} if person.name else agent


def primary_agent(email: str | None, agents: tuple[dict[str, Any], ...]) -> dict[str, Any] | None:
    """The identity statements about a person use: their e-mail, else their first identity
    that is not a hash."""
    if email:
        return {"objectType": "Agent", "mbox": "mailto:" + email.lower()}
    usable = [a for a in agents if "mbox_sha1sum" not in a]
    return dict(usable[0]) if usable else None


def _columns(host: Host, tenant_id: int, data: dict[str, Any]) -> dict[str, Any]:
    roster = data["roster"]
    unknown = [
        e
        for e, p in zip(
            roster["people"], host.people_by_employee_id(tenant_id, roster["people"]), strict=True
        )
        if p is None
    ]
    if unknown:
        raise AttendanceError(
            "the session is not valid",
            [
                {"path": "$.roster.people", "message": f"no person with employee id {e!r}"}
                for e in unknown
            ],
        )
    for index, group in enumerate(roster["groups"]):
        try:
            host.group_members(tenant_id, group)
        except Exception as exc:  # the host's NotFound, which plugins cannot import
            if getattr(exc, "status", None) != 404:
                raise
            raise AttendanceError(
                "the session is not valid",
                [{"path": f"$.roster.groups[{index}]", "message": f"no group named {group!r}"}],
            ) from exc
    agent = instructor_agent(host, tenant_id, data["instructor"])
    return {
        "activity_id": data["activity_id"],
        "title": data["title"],
        "start_us": us(data["start"]),
        "end_us": us(data["end"]),
        "timezone": data["timezone"],
        "location": data["location"],
        "meeting_id": data["meeting_id"],
        "platform": data["platform"],
        "instructor": json.dumps(agent) if agent else None,
        "roster_people": json.dumps(roster["people"]),
        "roster_groups": json.dumps(roster["groups"]),
    }


def registration_of(tenant_id: int, key: str) -> str:
    return str(uuid.uuid5(NAMESPACE, f"{tenant_id}/session/{key}"))


def save_session(
    host: Host, session: Session, tenant_id: int, data: dict[str, Any], *, create_only: bool = False
) -> tuple[PlannedSession, bool]:
    """Create the session ``data`` describes, or update the one with its key.

    :returns: the row and whether it was created.
    :raises AttendanceError: 409 when ``create_only`` and the key is taken.
    """
    columns = _columns(host, tenant_id, data)
    now = time.time_ns() // 1000
    row = find(session, tenant_id, data["key"])
    if row is not None and create_only:
        raise AttendanceError(
            f"a session {data['key']!r} already exists",
            [{"path": "$.key", "message": "is taken"}],
            status=409,
            code="conflict",
        )
    if row is None:
        row = PlannedSession(
            tenant_id=tenant_id,
            key=data["key"],
            created_us=now,
            registration=registration_of(tenant_id, data["key"]),
        )
        session.add(row)
    for name, value in columns.items():
        setattr(row, name, value)
    row.updated_us = now
    session.flush()
    return row, row.created_us == now


def find(session: Session, tenant_id: int, key: str) -> PlannedSession | None:
    return session.scalar(
        select(PlannedSession).where(
            PlannedSession.tenant_id == tenant_id, PlannedSession.key == key
        )
    )


def get(session: Session, tenant_id: int, key: str) -> PlannedSession:
    row = find(session, tenant_id, key)
    if row is None:
        raise not_found(f"no session {key!r} in this store")
    return row


def list_sessions(session: Session, tenant_id: int) -> list[PlannedSession]:
    return list(
        session.scalars(
            select(PlannedSession)
            .where(PlannedSession.tenant_id == tenant_id)
            .order_by(PlannedSession.start_us, PlannedSession.key)
        )
    )


def delete_session(session: Session, tenant_id: int, key: str) -> None:
    """Delete a session nothing was recorded for yet (its statements would be orphaned)."""
    row = get(session, tenant_id, key)
    recorded = session.scalar(
        select(func.count())
        .select_from(Outcome)
        .where(Outcome.session_id == row.id, Outcome.statement_id.is_not(None))
    )
    if recorded:
        raise AttendanceError(
            f"session {key!r} has {recorded} attendance statements; it cannot be deleted",
            status=409,
            code="conflict",
        )
    for table in (ImportedRow, Outcome, Review):
        session.execute(delete(table).where(table.session_id == row.id))
    session.delete(row)


def as_dict(row: PlannedSession) -> dict[str, Any]:
    """A session as the API shows it."""
    return {
        "key": row.key,
        "activity_id": row.activity_id,
        "title": row.title,
        "start": moment(row.start_us).isoformat(),
        "end": moment(row.end_us).isoformat(),
        "timezone": row.timezone,
        "location": row.location,
        "meeting_id": row.meeting_id,
        "platform": row.platform,
        "instructor": json.loads(row.instructor) if row.instructor else None,
        "roster": {
            "people": json.loads(row.roster_people),
            "groups": json.loads(row.roster_groups),
        },
        "registration": row.registration,
    }


@dataclass(frozen=True)
class CsvSession:
    line: int
    data: dict[str, Any]


def parse_sessions_csv(text: str) -> list[CsvSession]:
    """The sessions of a CSV (header row of :data:`CSV_COLUMNS`, any order; only ``key``,
    ``activity_id``, ``title``, ``start`` and ``end`` required).

    :raises AttendanceError: listing every problem by line and column; nothing is kept.
    """
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = reader.fieldnames or []
    unknown = [name for name in header if name not in CSV_COLUMNS]
    missing = [
        name for name in ("key", "activity_id", "title", "start", "end") if name not in header
    ]
    if unknown or missing:
        raise AttendanceError(
            "the sessions file's header is not valid",
            [{"path": "line 1", "message": f"unknown column {name!r}"} for name in unknown]
            + [{"path": "line 1", "message": f"no {name} column"} for name in missing],
        )
    sessions, problems, seen = [], [], {}
    for row in reader:
        line = reader.line_num
        data: dict[str, Any] = {
            k: v for k, v in row.items() if k in CSV_COLUMNS and v and not k.startswith("roster")
        }
        data["roster"] = {
            part: [v.strip() for v in (row.get(f"roster_{part}") or "").split(";") if v.strip()]
            for part in ("people", "groups")
        }
        try:
            sessions.append(CsvSession(line, SCHEMA.load(data)))
        except ValidationError as exc:
            problems += [
                {"path": f"line {line}, {p['path'].removeprefix('$.')}", "message": p["message"]}
                for p in _problems(exc.messages)
            ]
            continue
        if data["key"] in seen:
            problems.append(
                {
                    "path": f"line {line}, key",
                    "message": f"{data['key']!r} is also on line {seen[data['key']]}",
                }
            )
        seen.setdefault(data["key"], line)
    if problems:
        raise AttendanceError("the sessions file has errors; nothing was imported", problems)
    return sessions
