"""What the Zoom and Graph pull connectors share: the cursor, finding the planned
session a fetched meeting belongs to, and importing its rows as a file would be.

The cursor is the end time of the last meeting processed and the meetings that
ended at that very time (JSON ``{"ended": "...Z", "meetings": [...]}``): meetings
are processed in order of end time and a checkpoint follows each, so a run that
fails or is killed resumes after the last meeting done. Importing a meeting again
changes nothing anyway (an import replaces the session's rows from its source, and
statement ids are stable).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from marshmallow import Schema, fields, validate
from sqlalchemy import select

from lrs.plugin.connectors import SyncRun, SyncSummary
from lrs.plugin.host import Host
from lrs.plugin.remote import RemoteError
from plugins.attendance.errors import AttendanceError
from plugins.attendance.importing import ImportSummary, import_file
from plugins.attendance.models import PlannedSession
from plugins.attendance.sessions import us

#: Meetings without a planned session named in a run's messages (the count is complete).
NAMED_SKIPS = 20


class PullConfig(Schema):
    """The settings both connector types share (docs/attendance.md)."""

    lookback_days = fields.Integer(load_default=30, validate=validate.Range(1, 180))
    #: Meetings that ended less than this long ago wait for a later run: the platforms
    #: publish a meeting's report minutes after it ends, and the cursor moves past
    #: whatever ended earlier than the last meeting processed.
    settle_minutes = fields.Integer(load_default=15, validate=validate.Range(0, 1440))
    meetings_per_run = fields.Integer(load_default=50, validate=validate.Range(1, 1000))
    timeout_seconds = fields.Float(load_default=30.0, validate=validate.Range(1, 600))
    max_wait_seconds = fields.Float(load_default=10.0, validate=validate.Range(0, 300))


@dataclass(frozen=True)
class Position:
    """Where a connector stands: see the module docstring."""

    ended: datetime | None = None
    done: frozenset[str] = frozenset()

    @classmethod
    def load(cls, cursor: str | None) -> Position:
        if not cursor:
            return cls()
        try:
            data = json.loads(cursor)
            return cls(parse_time(data["ended"]), frozenset(map(str, data["meetings"])))
        except (ValueError, KeyError, TypeError):
            raise RemoteError(
                f"the cursor {cursor!r} is not this connector's; delete and create the "
                "instance again to start afresh"
            ) from None

    def is_done(self, ended: datetime, meeting: str) -> bool:
        return self.ended is not None and (
            ended < self.ended or (ended == self.ended and meeting in self.done)
        )

    def after(self, ended: datetime, meeting: str) -> Position:
        done = self.done if ended == self.ended else frozenset()
        return Position(ended, done | {meeting})

    def dump(self) -> str:
        assert self.ended is not None
        return json.dumps(
            {"ended": self.ended.strftime("%Y-%m-%dT%H:%M:%SZ"), "meetings": sorted(self.done)}
        )


def parse_time(text: Any) -> datetime:
    """An ISO 8601 time of the APIs (``2026-12-04T10:00:00Z``, Graph's 7 decimals)."""
    if not isinstance(text, str):
        raise ValueError(f"not a time: {text!r}")
    value = re.sub(r"(\.\d{6})\d+", r"\1", text.strip()).replace("Z", "+00:00")
    moment = datetime.fromisoformat(value)
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)


def _bare(text: str) -> str:
    return re.sub(r"[\s-]", "", text).lower()


def session_for(
    host: Host, tenant_id: int, platform: str, keys: set[str], start: datetime, end: datetime
) -> str | None:
    """The key of the planned session of ``platform`` (or of none named) whose meeting
    id is one of ``keys`` and whose window overlaps the meeting's; of several (a
    recurring meeting's occurrences), the one starting nearest the meeting."""
    wanted = {_bare(k) for k in keys if k}
    with host.read() as session:
        candidates = [
            (abs(row.start_us - us(start)), row.key)
            for row in session.execute(
                select(
                    PlannedSession.key,
                    PlannedSession.meeting_id,
                    PlannedSession.platform,
                    PlannedSession.start_us,
                    PlannedSession.end_us,
                ).where(
                    PlannedSession.tenant_id == tenant_id,
                    PlannedSession.meeting_id.is_not(None),
                    PlannedSession.start_us < us(end),
                    PlannedSession.end_us > us(start),
                )
            )
            if _bare(row.meeting_id) in wanted and row.platform in (None, "", platform)
        ]
    return min(candidates)[1] if candidates else None


def planned_meetings(
    host: Host, tenant_id: int, platform: str, since: datetime, until: datetime
) -> list[str]:
    """Meeting ids of the sessions of ``platform`` ending between ``since`` and ``until``."""
    with host.read() as session:
        ids = session.scalars(
            select(PlannedSession.meeting_id)
            .where(
                PlannedSession.tenant_id == tenant_id,
                PlannedSession.platform == platform,
                PlannedSession.meeting_id.is_not(None),
                PlannedSession.end_us > us(since),
                PlannedSession.end_us <= us(until),
            )
            .order_by(PlannedSession.end_us)
        )
        return list(dict.fromkeys(ids))


@dataclass
class Tally:
    """What a run did so far, for its :class:`~lrs.plugin.connectors.SyncSummary`."""

    fetched: int = 0
    stored: int = 0
    skipped: int = 0
    messages: list[str] = field(default_factory=list)

    def skip(self, what: str) -> None:
        self.skipped += 1
        if self.skipped <= NAMED_SKIPS:
            self.messages.append(f"{what}: no planned session has this meeting at that time")

    def finish(self) -> tuple[str, ...]:
        if self.skipped > NAMED_SKIPS:
            self.messages.append(f"... and {self.skipped - NAMED_SKIPS} more without a session")
        return tuple(self.messages)


def import_meeting(
    host: Host,
    run: SyncRun,
    key: str,
    source: str,
    pages: list[Any],
    *,
    what: str,
    tally: Tally,
) -> ImportSummary:
    """Import the fetched ``pages`` of one meeting into session ``key`` through the same
    path as an uploaded file (matching, review queue, statements)."""
    try:
        summary = import_file(
            host,
            run.tenant_id,
            key,
            json.dumps(pages).encode(),
            filename=what,
            source=source,
            actor=f"connector:{run.instance}",
            event_source={"plugin": "attendance", "connector": run.instance},
        )
    except AttendanceError as exc:
        raise RemoteError(f"{what}: {exc}") from None
    tally.fetched += summary.rows
    stored = summary.recorded.stored if summary.recorded else 0
    tally.stored += stored
    tally.messages.append(
        f"{what} -> session {key}: {summary.rows} rows, {stored} statements, "
        f"{summary.to_review} to review"
    )
    return summary


@dataclass(frozen=True, order=True)
class Pending:
    """A fetched meeting waiting to be processed, in order of end time."""

    ended: datetime
    #: Its id in the cursor (a Zoom meeting UUID, a Graph report id).
    meeting: str
    what: str = field(compare=False)
    #: The key of its planned session, or ``None``.
    session: Callable[[], str | None] = field(compare=False)
    #: Its report's pages, as the source's parser reads them.
    fetch: Callable[[], list[Any]] = field(compare=False)


def window(position: Position, config: dict[str, Any]) -> tuple[datetime, datetime]:
    """From when to when meetings are read: from the cursor (else ``lookback_days``
    ago) to ``settle_minutes`` ago."""
    now = datetime.now(UTC)
    since = position.ended or now - timedelta(days=config["lookback_days"])
    return since, now - timedelta(minutes=config["settle_minutes"])


def work_through(
    host: Host, run: SyncRun, position: Position, pending: list[Pending], source: str, limit: int
) -> SyncSummary:
    """Process the first ``limit`` of ``pending`` by end time, checkpointing each."""
    tally = Tally()
    done = 0
    for item in sorted(pending)[:limit]:
        if run.should_stop:
            break
        key = item.session()
        if key is None:
            tally.skip(item.what)
        else:
            import_meeting(host, run, key, source, item.fetch(), what=item.what, tally=tally)
        position = position.after(item.ended, item.meeting)
        run.checkpoint(position.dump())
        done += 1
    return SyncSummary(
        fetched=tally.fetched,
        stored=tally.stored,
        skipped=tally.skipped,
        cursor=position.dump() if position.ended else None,
        messages=tally.finish(),
        more=done < len(pending),
    )
