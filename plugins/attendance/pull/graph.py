"""The ``teams`` connector type: attendance reports of Microsoft Teams meetings from
Microsoft Graph, with an app's client credentials (docs/attendance.md).

Graph lists no "ended meetings" of an organiser, so a run starts from the planned
sessions of platform ``teams`` that ended since the cursor (or within
``lookback_days``): their meeting id is the online meeting's id, or its join URL,
resolved with ``GET /users/{userId}/onlineMeetings?$filter=JoinWebUrl eq '...'``.
For each meeting it lists ``/attendanceReports`` (one per occurrence), takes
the reports that ended after the cursor in order of end time, finds each one's
session (a window overlapping the report's), reads its records
(``/attendanceReports/{reportId}/attendanceRecords``, paged by ``@odata.nextLink``)
and imports them. A report no planned session covers (an occurrence not planned)
is skipped and named.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote, urlsplit

from marshmallow import fields, validate

from lrs.plugin.connectors import ConnectorType, SyncRun, SyncSummary
from lrs.plugin.host import Host
from lrs.plugin.remote import RemoteError, quoted, site
from plugins.attendance.pull.feeding import (
    Pending,
    Position,
    PullConfig,
    parse_time,
    planned_meetings,
    session_for,
    window,
    work_through,
)
from plugins.attendance.pull.remote import Api, TokenRequest
from plugins.attendance.sources import teams

SCOPE = "https://graph.microsoft.com/.default"


class GraphConfig(PullConfig):
    tenant = fields.String(
        required=True,
        validate=validate.Regexp(r"^[A-Za-z0-9.-]+$"),
        metadata={"description": "Microsoft Entra tenant id or domain"},
    )
    client_id = fields.String(required=True, validate=validate.Length(min=1))
    client_secret = fields.String(required=True, metadata={"secret": True})
    user_id = fields.String(
        required=True,
        validate=validate.Length(min=1),
        metadata={"description": "The organiser (user id or UPN) whose meetings are read"},
    )
    graph_url = fields.Url(load_default="https://graph.microsoft.com/v1.0", require_tld=False)
    login_url = fields.Url(load_default="https://login.microsoftonline.com", require_tld=False)


class GraphConnector:
    def __init__(self, host: Host, config: dict[str, Any]) -> None:
        self.host, self.config = host, config
        self.api = Api(
            "Microsoft Graph",
            TokenRequest(
                f"{config['login_url'].rstrip('/')}/{config['tenant']}/oauth2/v2.0/token",
                {
                    "grant_type": "client_credentials",
                    "client_id": config["client_id"],
                    "client_secret": config["client_secret"],
                    "scope": SCOPE,
                },
            ),
            timeout=config["timeout_seconds"],
            max_wait=config["max_wait_seconds"],
        )
        self.user = f"{config['graph_url'].rstrip('/')}/users/{quote(config['user_id'], safe='@')}"

    def sync(self, run: SyncRun) -> SyncSummary:
        position = Position.load(run.cursor)
        since, until = window(position, self.config)
        pending = []
        # A session that ended a little before the cursor may have a report published
        # late: look a day further back (the cursor keeps it from being imported twice).
        ended = planned_meetings(
            self.host, run.tenant_id, teams.SOURCE, since - timedelta(days=1), until
        )
        for configured in ended:
            meeting = self._meeting_id(configured)
            for end, start, report in self._reports(meeting):
                if end <= until and not position.is_done(end, report):
                    what = f"Teams meeting report {quoted(report)} ended {end:%Y-%m-%d %H:%M}Z"
                    pending.append(
                        Pending(
                            end,
                            report,
                            what,
                            self._session(run, configured, start, end),
                            self._fetch(meeting, report, what),
                        )
                    )
        return work_through(
            self.host, run, position, pending, teams.SOURCE, self.config["meetings_per_run"]
        )

    def _session(
        self, run: SyncRun, configured: str, start: datetime, end: datetime
    ) -> Callable[[], str | None]:
        return lambda: session_for(self.host, run.tenant_id, teams.SOURCE, {configured}, start, end)

    def _meeting_id(self, configured: str) -> str:
        """The online meeting's Graph id: ``configured`` itself, or the meeting whose
        join URL it is."""
        if not configured.startswith(("https://", "http://")):
            return configured
        what = f"Teams meeting with join URL {quoted(configured, 500)}"
        escaped = configured.replace("'", "''")
        answer = self.api.get(
            f"{self.user}/onlineMeetings",
            {"$filter": f"JoinWebUrl eq '{escaped}'"},
            what=what,
        )
        found = answer.get("value") if isinstance(answer, dict) else None
        if not isinstance(found, list) or not found or not isinstance(found[0], dict):
            raise RemoteError(f"{what}: Graph knows no such meeting of {self.config['user_id']}")
        return str(found[0].get("id"))

    def _reports(self, meeting: str) -> list[tuple[datetime, datetime, str]]:
        """(end, start, id) of each attendance report of ``meeting``."""
        what = f"attendance reports of Teams meeting {quoted(meeting)}"
        reports = []
        for page in self._pages(
            f"{self.user}/onlineMeetings/{quote(meeting, safe='')}/attendanceReports", what
        ):
            for index, report in enumerate(page["value"]):
                try:
                    reports.append(
                        (
                            parse_time(report["meetingEndDateTime"]),
                            parse_time(report["meetingStartDateTime"]),
                            str(report["id"]),
                        )
                    )
                except (KeyError, TypeError, ValueError):
                    raise RemoteError(
                        f"{what}: value[{index}] lacks an id, meetingStartDateTime or "
                        "meetingEndDateTime"
                    ) from None
        return reports

    def _fetch(self, meeting: str, report: str, what: str) -> Callable[[], list[Any]]:
        url = (
            f"{self.user}/onlineMeetings/{quote(meeting, safe='')}/attendanceReports/"
            f"{quote(report, safe='')}/attendanceRecords"
        )
        return lambda: [
            {"value": page["value"]} for page in self._pages(url, f"{what}: attendance records")
        ]

    def _pages(self, url: str, what: str) -> Any:
        """Each page of a Graph collection, following ``@odata.nextLink`` within
        ``graph_url``'s site: the link is the answer's text, and the access token goes
        with it (the rule :mod:`lrs.plugin.remote` applies to redirects)."""
        next_url: str | None = url
        while next_url:
            page = self.api.get(next_url, what=what)
            if not isinstance(page, dict) or not isinstance(page.get("value"), list):
                raise RemoteError(f"{what}: the answer has no value list")
            yield page
            link = page.get("@odata.nextLink")
            next_url = link if isinstance(link, str) and link else None
            if next_url and _origin(next_url) != _origin(self.config["graph_url"]):
                raise RemoteError(
                    f"{what}: the next page is on another site ({site(next_url)}) than "
                    f"graph_url ({site(self.config['graph_url'])}); the access token is "
                    "sent only there"
                )


def _origin(url: str) -> tuple[str, str, int | None]:
    """Scheme, host and port: what a link must share with ``graph_url`` to be followed."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port or {"http": 80, "https": 443}.get(scheme)
    except ValueError:  # not a number: no site of Graph's
        port = -1
    return scheme, parts.hostname or "", port


TEAMS = ConnectorType(
    name="teams",
    description="Attendance reports of Teams meetings (Microsoft Graph, app credentials).",
    config_schema=GraphConfig,
    create=GraphConnector,
)
