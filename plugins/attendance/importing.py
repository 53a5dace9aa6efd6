"""Importing an attendance file for a planned session, and resolving the review queue.

An import reads the file (:func:`parse_file`, the one call into the parsers), keeps
the rows meant for the session, matches them (:mod:`plugins.attendance.matching`),
replaces the session's earlier rows from the same source with them, queues what
no rung matched, and records each person's outcome (:mod:`plugins.attendance.recording`).
Rows from other sources stay: a Zoom report and the instructor's sheet are merged.
"""

from __future__ import annotations

import json
import re
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select

from lrs.plugin.host import Host, Person, PluginError
from lrs.plugin.request import parse_whole_number
from plugins.attendance.errors import AttendanceError, not_found
from plugins.attendance.matching import (
    AMBIGUOUS,
    DEFAULT_SIMILARITY,
    UNMATCHED,
    Match,
    Matcher,
    identity_of,
)
from plugins.attendance.merge import DEFAULT_GRACE, DEFAULT_THRESHOLD
from plugins.attendance.models import Decision, ImportedRow, PlannedSession, Review
from plugins.attendance.recording import Recorded, record, row_of
from plugins.attendance.rows import AttendanceRow
from plugins.attendance.sessions import get, moment, us
from plugins.attendance.sources import SourceError, parse

PLUGIN = "attendance"


@dataclass(frozen=True)
class Config:
    """``LRS_PLUGIN_ATTENDANCE_*``: checked when the plugin's hooks are registered."""

    threshold: float = DEFAULT_THRESHOLD
    similarity: float = DEFAULT_SIMILARITY
    grace: timedelta = DEFAULT_GRACE
    sso_home_page: str | None = None


#: The longest grace: a week is more than any session, and a session's start plus the
#: grace stays a date (a grace of years would overflow it when attendance is recorded).
MAX_GRACE_MINUTES = 7 * 24 * 60


def config_of(host: Host) -> Config:
    """The plugin's settings; a bad value stops start-up naming its variable."""
    raw = host.plugin_config(PLUGIN)

    def share(name: str, default: float) -> float:
        try:
            value = float(raw.get(name, default))
        except ValueError:
            value = -1.0
        if not 0 < value <= 1:
            raise PluginError(
                f"LRS_PLUGIN_ATTENDANCE_{name.upper()} must be a number "
                f"above 0 and at most 1, not {raw.get(name)!r}"
            )
        return value

    minutes = host.plugin_whole_number(PLUGIN, "grace_minutes",
                                       int(DEFAULT_GRACE.total_seconds() // 60),
                                       high=MAX_GRACE_MINUTES, unit="minutes")
    return Config(
        threshold=share("threshold", DEFAULT_THRESHOLD),
        similarity=share("name_similarity", DEFAULT_SIMILARITY),
        grace=timedelta(minutes=minutes),
        sso_home_page=raw.get("sso_home_page") or None,
    )


@dataclass
class ImportSummary:
    """What an import found and did (or would do, in a dry run)."""

    source: str
    rows: int
    #: Rows of the file that were about another session (its key or meeting id).
    other_sessions: int = 0
    matched_by: dict[str, int] = field(default_factory=dict)
    #: Distinct identities sent to (or already waiting in) the review queue.
    to_review: int = 0
    recorded: Recorded | None = None

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "source": self.source,
            "rows": self.rows,
            "other_sessions": self.other_sessions,
            "matched_by": self.matched_by,
            "to_review": self.to_review,
        }
        if self.recorded is not None:
            r = self.recorded
            body.update(
                people=r.people,
                present=r.present,
                statements_stored=r.stored,
                statements_voided=r.voided,
                unchanged=r.unchanged,
                without_identity=list(r.without_identity),
            )
        return body


def parse_file(
    data: bytes,
    filename: str,
    *,
    source: str | None,
    plan: PlannedSession,
) -> tuple[str, list[AttendanceRow]]:
    """The seam to the parsers: the source and rows of ``data``, with times written
    without an offset read in the session's time zone and on its date."""
    zone = ZoneInfo(plan.timezone)
    day: date = moment(plan.start_us).astimezone(zone).date()
    try:
        return parse(data, filename=filename, source=source, tz=zone, day=day)
    except SourceError as exc:
        raise AttendanceError(
            str(exc),
            [{"path": p.where or filename or "$", "message": p.message} for p in exc.problems],
            code="invalid_attendance_file",
        ) from exc


def _same_key(a: str, b: str | None) -> bool:
    def bare(text: str) -> str:
        return re.sub(r"[\s-]", "", text).lower()

    return b is not None and bare(a) == bare(b)


def _for_session(
    rows: list[AttendanceRow], plan: PlannedSession, filename: str
) -> tuple[list[AttendanceRow], int]:
    """The rows about ``plan``: those naming no session, or its key or meeting id; all
    of a one-meeting report when the session has no meeting id to check it against.

    :raises AttendanceError: no row is about the session.
    """
    keys = {row.session_key for row in rows if row.session_key}
    if len(keys) == 1 and plan.meeting_id is None:
        return rows, 0
    mine = [
        r
        for r in rows
        if not r.session_key
        or _same_key(r.session_key, plan.key)
        or _same_key(r.session_key, plan.meeting_id)
    ]
    if rows and not mine:
        raise AttendanceError(
            f"{filename or 'the file'} is about session(s) {', '.join(sorted(keys))}, "
            f"not {plan.key!r} (meeting id {plan.meeting_id or 'not set'})",
            [{"path": filename or "$", "message": "no row is about this session"}],
        )
    return mine, len(rows) - len(mine)


def roster_of(host: Host, tenant_id: int, plan: PlannedSession) -> list[Person]:
    """The session's expected people now: those listed, and the members of its groups."""
    people = {
        p.id: p
        for p in host.people_by_employee_id(tenant_id, json.loads(plan.roster_people))
        if p is not None
    }
    for group in json.loads(plan.roster_groups):
        for person in host.group_members(tenant_id, group):
            people.setdefault(person.id, person)
    return list(people.values())


def import_file(
    host: Host,
    tenant_id: int,
    key: str,
    data: bytes,
    *,
    filename: str = "",
    source: str | None = None,
    dry_run: bool = False,
    actor: str,
    event_source: dict[str, str] | None = None,
    progress: Callable[[int, int], object] = lambda done, total: None,
) -> ImportSummary:
    """Import one attendance file for session ``key``; see the module docstring.

    :param progress: called with the rows done and the file's rows, after each step
        (read, matched, stored, recorded).
    :raises AttendanceError: unknown session (404), a file with problems (400).
    """
    config = config_of(host)
    with host.read() as session:
        plan = get(session, tenant_id, key)
        session.expunge(plan)
        decisions = {
            d.identity: d.employee_id
            for d in session.scalars(select(Decision).where(Decision.tenant_id == tenant_id))
        }
    name, rows = parse_file(data, filename, source=source, plan=plan)
    rows, other = _for_session(rows, plan, filename)
    total = len(rows)
    progress(0, total)
    matcher = Matcher(
        host,
        tenant_id,
        roster_of(host, tenant_id, plan),
        decisions,
        similarity=config.similarity,
        sso_home_page=config.sso_home_page,
    )
    matches = matcher.match(rows)
    progress(total // 3, total)
    counts = Counter(matches[identity_of(row)].matched_by for row in rows)
    review = {i: m for i, m in matches.items() if m.matched_by in (UNMATCHED, AMBIGUOUS)}
    summary = ImportSummary(
        source=name,
        rows=len(rows),
        other_sessions=other,
        matched_by=dict(sorted(counts.items())),
        to_review=len(review),
    )
    if dry_run:
        progress(total, total)
        return summary
    firsts = {identity_of(row): row for row in reversed(rows)}
    with host.write() as session:
        session.execute(
            delete(ImportedRow).where(ImportedRow.session_id == plan.id, ImportedRow.source == name)
        )
        host.insert_rows(
            session,
            ImportedRow.__table__,
            [_stored(plan.id, name, row, matches[identity_of(row)]) for row in rows],
        )
        _queue(session, tenant_id, plan.id, {i: (firsts[i], m) for i, m in review.items()})
        host.record_admin_action(
            session,
            tenant_id,
            actor=actor,
            action="attendance.imported",
            target=f"attendance_session:{key}",
            details={"source": name, **summary.as_dict()},
            source=event_source,
        )
    progress(2 * total // 3, total)
    summary.recorded = record(host, tenant_id, key, threshold=config.threshold, grace=config.grace)
    progress(total, total)
    return summary


def _stored(session_id: int, source: str, row: AttendanceRow, match: Match) -> dict[str, Any]:
    return {
        "session_id": session_id,
        "source": source,
        "raw_name": row.raw_name,
        "email": row.email,
        "external_id": row.external_id,
        "join_us": us(row.join) if row.join else None,
        "leave_us": us(row.leave) if row.leave else None,
        "present": row.present,
        "duration_s": int(row.duration.total_seconds()) if row.duration else None,
        "origin": row.origin,
        "employee_id": match.employee_id,
        "matched_by": match.matched_by,
    }


def _queue(
    session: Any, tenant_id: int, session_id: int, waiting: dict[str, tuple[AttendanceRow, Match]]
) -> None:
    """Open a review for each identity not already queued for this session."""
    queued = set(session.scalars(select(Review.identity).where(Review.session_id == session_id)))
    now = time.time_ns() // 1000
    for identity, (row, match) in waiting.items():
        if identity not in queued:
            session.add(
                Review(
                    tenant_id=tenant_id,
                    session_id=session_id,
                    identity=identity,
                    source=row.source,
                    raw_name=row.raw_name,
                    email=row.email,
                    external_id=row.external_id,
                    reason=match.matched_by,
                    candidates=json.dumps(list(match.candidates)),
                    status="open",
                    created_us=now,
                )
            )


def resolve_review(
    host: Host,
    tenant_id: int,
    review_id: int | str,
    *,
    employee_id: str | None,
    actor: str,
    event_source: dict[str, str] | None = None,
) -> list[str]:
    """Settle a review: the rows are ``employee_id``'s (or ignored, for ``None``).

    The decision is remembered for the identity, applied to its rows in every
    session of the store and to their open reviews, and each session touched is
    recorded again. Returns the keys of those sessions.

    :raises AttendanceError: unknown review (404), already settled (409), unknown person.
    """
    text = str(review_id)
    number = parse_whole_number(text, low=1)  # a URL's part: beyond any id is unknown
    if number is None:
        raise not_found(f"no review {text[:40]} in this store")
    review_id = number
    if employee_id is not None and host.people_by_employee_id(tenant_id, [employee_id])[0] is None:
        raise AttendanceError(
            "no such person",
            [{"path": "$.employee_id", "message": f"no person with employee id {employee_id!r}"}],
        )
    now = time.time_ns() // 1000
    with host.write() as session:
        review = session.get(Review, review_id)
        if review is None or review.tenant_id != tenant_id:
            raise not_found(f"no review {review_id} in this store")
        if review.status != "open":
            raise AttendanceError(
                f"review {review_id} is already {review.status}", status=409, code="conflict"
            )
        identity = review.identity
        decision = session.get(Decision, (tenant_id, identity))
        if decision is None:
            session.add(
                Decision(
                    tenant_id=tenant_id,
                    identity=identity,
                    employee_id=employee_id,
                    decided_by=actor,
                    decided_us=now,
                )
            )
        else:
            decision.employee_id, decision.decided_by = employee_id, actor
            decision.decided_us = now
        sessions = {
            s.id: s.key
            for s in session.scalars(
                select(PlannedSession).where(PlannedSession.tenant_id == tenant_id)
            )
        }
        touched: set[int] = set()
        for row in session.scalars(
            select(ImportedRow).where(
                ImportedRow.session_id.in_(sessions), ImportedRow.employee_id.is_(None)
            )
        ):
            if identity_of(row_of(row)) == identity:
                row.employee_id = employee_id
                row.matched_by = "review" if employee_id else "ignored"
                touched.add(row.session_id)
        for other in session.scalars(
            select(Review).where(
                Review.tenant_id == tenant_id, Review.identity == identity, Review.status == "open"
            )
        ):
            other.status = "resolved" if employee_id else "ignored"
            other.employee_id, other.resolved_by, other.resolved_us = employee_id, actor, now
        host.record_admin_action(
            session,
            tenant_id,
            actor=actor,
            action="attendance.review_resolved",
            target=f"attendance_review:{review_id}",
            details={"decision": "person" if employee_id else "ignore", "sessions": len(touched)},
            source=event_source,
        )
    config = config_of(host)
    keys = sorted(sessions[i] for i in touched)
    for key in keys:
        record(host, tenant_id, key, threshold=config.threshold, grace=config.grace)
    return keys
