"""The ``zoom`` connector type: the participants of ended Zoom meetings, from the
Reports API with a Server-to-Server OAuth app (docs/attendance.md).

Each run lists the ended meetings of the configured users
(``GET /report/users/{userId}/meetings``, at most 30 days a call, paged by
``next_page_token``), takes those that ended after the cursor in order of end
time, finds each one's planned session (its meeting id, platform ``zoom``, a
window overlapping the meeting), reads its participants
(``GET /report/meetings/{meetingUUID}/participants``, paged) and imports them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

from marshmallow import fields, validate

from lrs.plugin.connectors import ConnectorType, SyncRun, SyncSummary
from lrs.plugin.host import Host
from lrs.plugin.remote import RemoteError, quoted
from plugins.attendance.pull.feeding import (
    Pending,
    Position,
    PullConfig,
    parse_time,
    session_for,
    window,
    work_through,
)
from plugins.attendance.pull.remote import Api, TokenRequest
from plugins.attendance.service import create_or_update
from plugins.attendance.sources import zoom

#: The Reports API answers for at most a month per call.
REPORT_DAYS = 30


class ZoomConfig(PullConfig):
    account_id = fields.String(
        required=True, validate=validate.Length(min=1), metadata={"description": "Account ID"}
    )
    client_id = fields.String(required=True, validate=validate.Length(min=1))
    client_secret = fields.String(required=True, metadata={"secret": True})
    users = fields.List(
        fields.String(validate=validate.Length(min=1)),
        required=True,
        validate=validate.Length(min=1),
        metadata={"description": "Hosts whose meetings are read: user ids or e-mail addresses"},
    )
    api_url = fields.Url(load_default="https://api.zoom.us/v2", require_tld=False)
    token_url = fields.Url(load_default="https://zoom.us/oauth/token", require_tld=False)
    page_size = fields.Integer(load_default=300, validate=validate.Range(1, 300))
    discover_sessions = fields.Boolean(
        load_default=False,
        metadata={"description": "Plan a session for an ended meeting no session plans "
                  "(its topic, times and meeting id), instead of skipping it"},
    )
    activity_prefix = fields.String(
        load_default="https://zoom.us/j/", validate=validate.Length(min=1, max=300),
        metadata={"description": "A discovered session's activity IRI: this, then the "
                  "meeting id"},
    )


def meeting_path(uuid: str) -> str:
    """A meeting UUID as a path segment: encoded twice when it starts with ``/`` or
    contains ``//``, as Zoom documents, else once (UUIDs hold ``+``, ``/``, ``=``)."""
    once = quote(uuid, safe="")
    return quote(once, safe="") if uuid.startswith("/") or "//" in uuid else once


class ZoomConnector:
    def __init__(self, host: Host, config: dict[str, Any]) -> None:
        self.host, self.config = host, config
        self.api = Api(
            "Zoom",
            TokenRequest(
                config["token_url"],
                {"grant_type": "account_credentials", "account_id": config["account_id"]},
                basic=(config["client_id"], config["client_secret"]),
            ),
            timeout=config["timeout_seconds"],
            max_wait=config["max_wait_seconds"],
        )
        self.base = config["api_url"].rstrip("/")

    def sync(self, run: SyncRun) -> SyncSummary:
        position = Position.load(run.cursor)
        since, until = window(position, self.config)
        pending = []
        for uuid, (end, meeting) in self._ended(since, until).items():
            if not position.is_done(end, uuid):
                # The id and UUID are Zoom's text: quoted, as in every message.
                number, name = quoted(str(meeting.get("id", "")), 40), quoted(uuid, 100)
                what = f"Zoom meeting {number} ({name}) ended {end:%Y-%m-%d %H:%M}Z"
                session = self._session(run, meeting, end)
                pending.append(Pending(end, uuid, what, session, self._fetch(uuid, what)))
        return work_through(
            self.host, run, position, pending, zoom.SOURCE, self.config["meetings_per_run"]
        )

    def _session(
        self, run: SyncRun, meeting: dict[str, Any], end: datetime
    ) -> Callable[[], str | None]:
        keys = {str(meeting.get("id") or ""), str(meeting["uuid"])}
        start = parse_time(meeting["start_time"])

        def planned() -> str | None:
            key = session_for(self.host, run.tenant_id, zoom.SOURCE, keys, start, end)
            if key is None and self.config["discover_sessions"] and meeting.get("id"):
                key = self._discover(run, meeting, start, end)
            return key

        return planned

    def _discover(self, run: SyncRun, meeting: dict[str, Any], start: datetime,
                  end: datetime) -> str:
        """Plan a session for ``meeting`` (recorded in the audit trail as the connector's)."""
        meeting_id = str(meeting["id"])
        body, _ = create_or_update(self.host, run.tenant_id, {
            "key": f"zoom-{meeting_id}-{start:%Y%m%dT%H%M}Z",
            "activity_id": f"{self.config['activity_prefix']}{meeting_id}",
            "title": str(meeting.get("topic") or f"Zoom meeting {meeting_id}")[:500],
            "start": start.isoformat(), "end": end.isoformat(),
            "meeting_id": meeting_id, "platform": zoom.SOURCE,
        }, actor=f"connector:{run.instance}",
            source={"plugin": "attendance", "connector": run.instance})
        return str(body["key"])

    def _fetch(self, uuid: str, what: str) -> Callable[[], list[Any]]:
        path = f"/report/meetings/{meeting_path(uuid)}/participants"
        return lambda: list(self._pages(path, {}, f"{what}: participants", "participants"))

    def _ended(
        self, since: datetime, until: datetime
    ) -> dict[str, tuple[datetime, dict[str, Any]]]:
        """The meetings of every user that ended between ``since`` and ``until``, by UUID."""
        found: dict[str, tuple[datetime, dict[str, Any]]] = {}
        for user in self.config["users"]:
            day = since.date()
            while day <= until.date():
                last = min(day + timedelta(days=REPORT_DAYS - 1), until.date())
                what = f"Zoom meetings of {user} from {day} to {last}"
                params = {"from": str(day), "to": str(last), "type": "past"}
                for page in self._pages(
                    f"/report/users/{quote(user, safe='@')}/meetings", params, what, "meetings"
                ):
                    for index, meeting in enumerate(page["meetings"]):
                        try:
                            uuid = meeting["uuid"]
                            end = parse_time(meeting["end_time"])
                            parse_time(meeting["start_time"])
                        except (KeyError, TypeError, ValueError):
                            raise RemoteError(
                                f"{what}: meetings[{index}] lacks a uuid, start_time or "
                                "end_time the Reports API documents"
                            ) from None
                        if since <= end <= until:
                            found[str(uuid)] = (end, meeting)
                day = last + timedelta(days=1)
        return found

    def _pages(self, path: str, params: dict[str, Any], what: str, items: str) -> Any:
        """Each page of a Reports API list, following ``next_page_token``."""
        token = ""
        while True:
            page = self.api.get(
                self.base + path,
                {**params, "page_size": self.config["page_size"], "next_page_token": token},
                what=what,
            )
            if not isinstance(page, dict) or not isinstance(page.get(items), list):
                raise RemoteError(f"{what}: the answer has no {items} list")
            yield page
            token = page.get("next_page_token") or ""
            if not token:
                return


ZOOM = ConnectorType(
    name="zoom",
    description="Attendance of ended Zoom meetings (Reports API, Server-to-Server OAuth).",
    config_schema=ZoomConfig,
    create=ZoomConnector,
)
