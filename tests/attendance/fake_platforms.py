"""Zoom's Reports API and Microsoft Graph's attendance reports as the connectors see
them, served by tests.connectors.loopback on 127.0.0.1: token endpoints checking the
client credentials, paging, and failures a test switches on (429, 500, slow or
malformed answers, a request held until released)."""

from __future__ import annotations

import base64
import json
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

from tests.connectors.loopback import Reply, Request

CLIENT_ID, CLIENT_SECRET, ACCOUNT = "zoom-client", "zoom-secret-value", "acct-1"
GRAPH_TENANT, GRAPH_USER = "contoso.onmicrosoft.com", "organiser@contoso.com"
TOKEN = "live-token"


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def json_reply(body: Any, status: int = 200, **headers: str) -> Reply:
    return Reply(status=status, body=json.dumps(body).encode(), headers=headers)


@dataclass
class Failure:
    """Answer the next ``times`` requests whose path contains ``where`` with ``reply``."""

    where: str
    reply: Reply
    times: int = 1


@dataclass
class FakePlatform:
    #: Zoom: meetings (uuid, id, start, end) and each one's participant pages.
    meetings: list[dict[str, Any]] = field(default_factory=list)
    participants: dict[str, list[list[dict[str, Any]]]] = field(default_factory=dict)
    #: Graph: meeting id -> join URL, reports per meeting, record pages per report.
    join_urls: dict[str, str] = field(default_factory=dict)
    reports: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    records: dict[str, list[list[dict[str, Any]]]] = field(default_factory=dict)
    failures: list[Failure] = field(default_factory=list)
    tokens_issued: int = 0
    url: str = ""
    hold: str | None = None
    held: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)

    def answer(self, request: Request) -> Reply:
        for failure in self.failures:
            if failure.where in request.path and failure.times > 0:
                failure.times -= 1
                return failure.reply
        if self.hold and self.hold in request.path:
            self.held.set()
            self.release.wait(60)
        if request.method == "POST":
            return self._token(request)
        if request.headers.get("authorization") != f"Bearer {TOKEN}":
            return json_reply({"code": 124, "message": "Invalid access token."}, 401)
        if request.path.startswith("/v2/"):
            return self._zoom(request)
        return self._graph(request)

    def _token(self, request: Request) -> Reply:
        if request.path == "/oauth/token":
            basic = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
            good = (
                request.headers.get("authorization") == f"Basic {basic}"
                and request.params.get("grant_type") == "account_credentials"
                and request.params.get("account_id") == ACCOUNT
            )
        else:
            good = (
                request.path == f"/{GRAPH_TENANT}/oauth2/v2.0/token"
                and request.params.get("grant_type") == "client_credentials"
                and request.params.get("client_id") == CLIENT_ID
                and request.params.get("client_secret") == CLIENT_SECRET
                and request.params.get("scope") == "https://graph.microsoft.com/.default"
            )
        if not good:
            return json_reply({"error": "invalid_client"}, 401)
        self.tokens_issued += 1
        return json_reply({"access_token": TOKEN, "token_type": "bearer", "expires_in": 3599})

    def _zoom(self, request: Request) -> Reply:
        page = int(request.params.get("next_page_token") or 0)
        if request.path.startswith("/v2/report/users/"):
            first, last = request.params["from"], request.params["to"]
            found = [m for m in self.meetings if first <= m["end_time"][:10] <= last]
            chunk = found[page : page + 1]  # one meeting a page: paging is exercised
            more = page + 1 < len(found)
            return json_reply(
                {
                    "from": first,
                    "to": last,
                    "page_size": 1,
                    "total_records": len(found),
                    "next_page_token": str(page + 1) if more else "",
                    "meetings": chunk,
                }
            )
        for meeting in self.meetings:
            if request.path == f"/v2/report/meetings/{zoom_path(meeting['uuid'])}/participants":
                pages = self.participants.get(meeting["uuid"], [[]])
                more = page + 1 < len(pages)
                return json_reply(
                    {
                        "page_count": len(pages),
                        "page_size": 300,
                        "total_records": sum(map(len, pages)),
                        "next_page_token": str(page + 1) if more else "",
                        "participants": pages[page],
                    }
                )
        return json_reply({"code": 3001, "message": "Meeting does not exist."}, 404)

    def _graph(self, request: Request) -> Reply:
        user = f"/v1.0/users/{quote(GRAPH_USER, safe='@')}/onlineMeetings"
        if request.path == user:
            wanted = request.params.get("$filter", "")
            found = [
                {"id": mid, "joinWebUrl": url}
                for mid, url in self.join_urls.items()
                if wanted == f"JoinWebUrl eq '{url}'"
            ]
            return json_reply({"value": found})
        for meeting, reports in self.reports.items():
            base = f"{user}/{quote(meeting, safe='')}/attendanceReports"
            if request.path == base:
                return json_reply({"value": reports})
            for report in reports:
                if request.path == f"{base}/{report['id']}/attendanceRecords":
                    pages = self.records[report["id"]]
                    page = int(request.params.get("page") or 0)
                    body: dict[str, Any] = {"value": pages[page]}
                    if page + 1 < len(pages):
                        body["@odata.nextLink"] = f"{self.url}{request.path}?page={page + 1}"
                    return json_reply(body)
        return json_reply({"error": {"code": "NotFound", "message": "not found"}}, 404)


def zoom_path(uuid: str) -> str:
    """How Zoom expects the UUID in a path (written out here, not taken from the code)."""
    once = quote(uuid, safe="")
    return quote(once, safe="") if uuid.startswith("/") or "//" in uuid else once


def participant(name: str, email: str | None, join: datetime, minutes: int, **more: Any) -> Any:
    return {
        "id": more.pop("id", ""),
        "user_id": "16778240",
        "name": name,
        "user_email": email or "",
        "join_time": iso(join),
        "leave_time": iso(join + timedelta(minutes=minutes)),
        "duration": minutes * 60,
        "status": "in_meeting",
        **more,
    }


def record(name: str, email: str, join: datetime, minutes: int) -> dict[str, Any]:
    return {
        "id": email,
        "emailAddress": email,
        "totalAttendanceInSeconds": minutes * 60,
        "role": "Attendee",
        "identity": {"id": f"aad-{email}", "displayName": name, "tenantId": None},
        "attendanceIntervals": [
            {
                "joinDateTime": iso(join),
                "leaveDateTime": iso(join + timedelta(minutes=minutes)),
                "durationInSeconds": minutes * 60,
            }
        ],
    }
