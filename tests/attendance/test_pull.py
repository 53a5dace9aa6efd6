"""The ``zoom`` and ``teams`` pull connectors against a real HTTP server on 127.0.0.1
speaking Zoom's Reports API and Microsoft Graph (tests/attendance/fake_platforms.py),
run through the connectors runtime, the CLI and a real ``lrs worker``, both backends."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from flask import Flask

from lrs.plugin.connectors import SyncRun
from lrs.services.connectors import RunView, connector_named, connector_runs, create_connector
from lrs.xapi.errors import BadRequest
from plugins.attendance.pull.remote import retry_after
from plugins.attendance.pull.zoom import ZOOM
from plugins.attendance.service import create_or_update
from tests.attendance.conftest import seeded
from tests.attendance.fake_platforms import (
    ACCOUNT,
    CLIENT_ID,
    CLIENT_SECRET,
    GRAPH_TENANT,
    GRAPH_USER,
    Failure,
    FakePlatform,
    iso,
    json_reply,
    participant,
    record,
)
from tests.connectors.loopback import Remote, Reply, serve

ROOT = Path(__file__).resolve().parents[2]
ATTENDED = "http://adlnet.gov/expapi/verbs/attended"
DAY = (datetime.now(UTC) - timedelta(days=3)).replace(hour=0, minute=0, second=0, microsecond=0)
NINE, ELEVEN, ONE = DAY + timedelta(hours=9), DAY + timedelta(hours=11), DAY + timedelta(hours=13)
#: Zoom documents that a UUID starting with "/" or holding "//" is encoded twice.
ODD_UUID = "/ajXp112QmuoKj4854875=="
ODD_UUID_PATH = "%252FajXp112QmuoKj4854875%253D%253D"


@pytest.fixture
def pull_app(att_app: Flask) -> Flask:
    app = att_app
    plan(app, "onboarding", NINE, meeting_id="857 4606 5432", platform="zoom")
    plan(app, "afternoon", ONE, meeting_id="99988877766", platform="zoom")
    return app


def plan(app: Flask, key: str, start: datetime, **fields: Any) -> None:
    create_or_update(
        app.extensions["lrs"].host,
        1,
        {
            "key": key,
            "activity_id": f"https://learn.example.com/sessions/{key}",
            "title": key,
            "start": iso(start),
            "end": iso(start + timedelta(hours=1)),
            "roster": {"groups": ["New hires"]},
            **fields,
        },
        actor="test",
    )


@pytest.fixture
def zoom() -> Iterator[tuple[FakePlatform, Remote]]:
    fake = FakePlatform(
        meetings=[
            meeting(85746065432, ODD_UUID, NINE),
            meeting(11122233344, "plain+uuid==", ELEVEN),  # no planned session
            meeting(99988877766, "Q2//xyzAB==", ONE),
            # Ended 5 minutes ago: its report may not be complete yet (settle_minutes).
            meeting(55566677788, "recent==", datetime.now(UTC) - timedelta(minutes=65)),
        ],
        participants={
            ODD_UUID: [
                [
                    participant("Ada Lovelace", "ada@example.com", NINE, 60, id="zu-ada"),
                    participant("Grace Hopper", "grace@example.com", NINE, 20),
                ],
                [
                    participant(
                        "Grace Hopper", "grace@example.com", NINE + timedelta(minutes=25), 35
                    ),
                    participant("Mystery Guest", None, NINE, 60),
                ],
            ],
            "Q2//xyzAB==": [[participant("Alan Turing", "alan@example.com", ONE, 60)]],
        },
    )
    with serve(fake.answer) as remote:
        fake.url = remote.url
        yield fake, remote
        fake.release.set()


def meeting(number: int, uuid: str, start: datetime) -> dict[str, Any]:
    return {
        "uuid": uuid,
        "id": number,
        "host_id": "h1",
        "type": 2,
        "topic": f"Meeting {number}",
        "start_time": iso(start),
        "end_time": iso(start + timedelta(hours=1)),
        "duration": 60,
        "participants_count": 3,
    }


def zoom_config(remote: Remote, **more: Any) -> dict[str, Any]:
    return {
        "account_id": ACCOUNT,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "users": ["host@example.com"],
        "api_url": f"{remote.url}/v2",
        "token_url": f"{remote.url}/oauth/token",
        **more,
    }


def create(app: Flask, type_name: str, config: dict[str, Any]) -> None:
    rt = app.extensions["lrs"]
    create_connector(
        rt,
        rt.connector_types,
        tenant_id=1,
        name="live",
        type_name=type_name,
        config=config,
        schedule="every 1h",
        actor="cli:test",
    )


def run(app: Flask) -> RunView:
    return app.extensions["lrs"].connectors.run_instance(1, "live").run


def attended(app: Flask) -> dict[tuple[str, str], dict[str, Any]]:
    """Attended statements (not voided) by (learner e-mail, session activity)."""
    found = {}
    for s in app.extensions["lrs"].host.query_statements(1, verb=ATTENDED):
        key = (s["actor"].get("mbox", ""), s["object"]["id"].rsplit("/", 1)[1])
        assert key not in found, f"two statements for {key}"
        found[key] = s
    return found


def participants_asked(remote: Remote) -> list[str]:
    return [r.path for r in remote.requests if r.path.endswith("/participants")]


def test_zoom_meetings_are_imported_and_a_rerun_imports_nothing_twice(
    pull_app: Flask, zoom: tuple[FakePlatform, Remote]
) -> None:
    fake, remote = zoom
    create(pull_app, "zoom", zoom_config(remote))
    first = run(pull_app)
    assert (first.status, first.fetched, first.stored, first.skipped) == ("succeeded", 5, 3, 1), (
        first.error
    )
    assert any("11122233344" in m and "no planned session" in m for m in first.messages)
    statements = attended(pull_app)
    assert sorted(statements) == [
        ("mailto:ada@example.com", "onboarding"),
        ("mailto:alan@example.com", "afternoon"),
        ("mailto:grace@example.com", "onboarding"),
    ]
    assert statements["mailto:ada@example.com", "onboarding"]["result"]["completion"] is True
    grace = statements["mailto:grace@example.com", "onboarding"]["result"]
    assert (grace["completion"], grace["duration"]) == (True, "PT55M")  # rejoin merged
    # The UUID with a leading "/" went out encoded twice; "//" too; both pages read.
    assert (
        participants_asked(remote).count(f"/v2/report/meetings/{ODD_UUID_PATH}/participants") == 2
    )
    assert "/v2/report/meetings/Q2%252F%252FxyzAB%253D%253D/participants" in participants_asked(
        remote
    )
    assert fake.tokens_issued == 1
    cursor = json.loads(connector_named(pull_app.extensions["lrs"], 1, "live").cursor)
    assert cursor == {"ended": iso(ONE + timedelta(hours=1)), "meetings": ["Q2//xyzAB=="]}
    # The guest without an e-mail waits in the review queue, named.
    host = pull_app.extensions["lrs"].host
    from plugins.attendance.service import reviews

    assert [r["name"] for r in reviews(host, 1)] == ["Mystery Guest"]

    asked = len(participants_asked(remote))
    again = run(pull_app)
    assert (again.status, again.fetched, again.stored, again.skipped) == ("succeeded", 0, 0, 0)
    assert len(participants_asked(remote)) == asked
    assert not any("55566677788" in m for m in first.messages + again.messages)
    assert fake.tokens_issued == 1  # the token is kept until it expires
    assert len(attended(pull_app)) == 3


def test_a_short_rate_limit_is_waited_out_and_a_long_one_fails_the_run(
    pull_app: Flask, zoom: tuple[FakePlatform, Remote]
) -> None:
    fake, remote = zoom
    create(pull_app, "zoom", zoom_config(remote, max_wait_seconds=2))
    fake.failures = [
        Failure(ODD_UUID_PATH, json_reply({"code": 429}, 429, **{"Retry-After": "1"})),
        Failure(
            "Q2",
            json_reply(
                {"code": 429, "message": "daily limit"},
                429,
                **{"Retry-After": "3600", "X-RateLimit-Type": "Daily-limit"},
            ),
        ),
    ]
    started = time.monotonic()
    failed = run(pull_app)
    assert time.monotonic() - started >= 1
    assert failed.status == "failed"
    assert "rate limit reached (HTTP 429, retry after 3600 s, Daily-limit)" in failed.error
    assert len(attended(pull_app)) == 2  # the first meeting was waited for and imported
    retried = run(pull_app)
    assert (retried.status, retried.stored, retried.skipped) == ("succeeded", 1, 0)
    assert len(attended(pull_app)) == 3
    assert (
        participants_asked(remote).count(f"/v2/report/meetings/{ODD_UUID_PATH}/participants") == 3
    )


@pytest.mark.parametrize(
    ("reply", "error"),
    [
        (Reply(status=500, body=b"upstream exploded"), "answered HTTP 500: upstream exploded"),
        (Reply(body=b'{"participants": [', content_type="application/json"), "not valid JSON"),
        (Reply(body=b"{}", delay=2), "no answer from"),
        (Reply(body=b'{"page_size": 300}'), "has no participants list"),
    ],
    ids=["500", "malformed", "timeout", "wrong-shape"],
)
def test_remote_failures_fail_the_run_and_the_retry_resumes(
    pull_app: Flask, zoom: tuple[FakePlatform, Remote], reply: Reply, error: str
) -> None:
    fake, remote = zoom
    create(pull_app, "zoom", zoom_config(remote, timeout_seconds=1))
    fake.failures = [Failure("Q2", reply)]
    failed = run(pull_app)
    assert failed.status == "failed" and error in failed.error, failed.error
    assert CLIENT_SECRET not in failed.error
    assert len(attended(pull_app)) == 2
    resumed = run(pull_app)
    assert (resumed.status, resumed.stored) == ("succeeded", 1), resumed.error
    assert len(attended(pull_app)) == 3


def test_an_expired_token_is_renewed_once_and_runs_stop_after_meetings_per_run(
    pull_app: Flask, zoom: tuple[FakePlatform, Remote]
) -> None:
    fake, remote = zoom
    config = zoom_config(remote, meetings_per_run=2)
    connector = ZOOM.configure(pull_app.extensions["lrs"].host, config)
    fake.failures = [Failure("/participants", json_reply({"code": 124}, 401))]
    run = SyncRun(tenant_id=1, instance="direct")
    first = connector.sync(run)
    assert (first.fetched, first.stored, first.skipped, first.more) == (4, 2, 1, True)
    assert fake.tokens_issued == 2  # the 401 asked for a new token, once
    second = connector.sync(run)  # resumes from the in-memory checkpoint
    assert (second.fetched, second.stored, second.skipped, second.more) == (1, 1, 0, False)


def test_a_meeting_that_ended_moments_ago_waits_for_settle_minutes(
    pull_app: Flask, zoom: tuple[FakePlatform, Remote]
) -> None:
    _, remote = zoom
    connector = ZOOM.configure(
        pull_app.extensions["lrs"].host, zoom_config(remote, settle_minutes=0)
    )
    summary = connector.sync(SyncRun(tenant_id=1))
    assert summary.skipped == 2
    assert any("55566677788" in m for m in summary.messages)


def test_wrong_client_credentials_fail_the_run_saying_so(
    pull_app: Flask, zoom: tuple[FakePlatform, Remote]
) -> None:
    _, remote = zoom
    create(pull_app, "zoom", zoom_config(remote, client_secret="wrong"))
    failed = run(pull_app)
    assert failed.status == "failed"
    assert "Zoom token" in failed.error and "HTTP 401" in failed.error


def test_the_cli_creates_and_runs_a_zoom_connector(
    pull_app: Flask, zoom: tuple[FakePlatform, Remote], attendance_cli: Callable[..., Result]
) -> None:
    _, remote = zoom
    config = zoom_config(remote)
    args = ["connectors", "create", "zoom-main", "--type", "zoom"]
    for name, value in config.items():
        args += ["--set", f"{name}={json.dumps(value) if isinstance(value, list) else value}"]
    created = attendance_cli(*args)
    assert created.exit_code == 0, created.output
    shown = attendance_cli("connectors", "show", "zoom-main")
    assert CLIENT_SECRET not in shown.output and "client_secret" in shown.output
    ran = attendance_cli("connectors", "run", "zoom-main")
    assert ran.exit_code == 0, ran.output
    assert "succeeded: fetched 5, stored 3, skipped 1" in ran.output
    assert "11122233344 (plain+uuid==) ended" in ran.output
    assert len(attended(pull_app)) == 3
    types = attendance_cli("connectors", "types")
    assert "zoom" in types.output and "teams" in types.output


def test_a_worker_killed_mid_run_loses_and_doubles_nothing(
    pull_app: Flask, zoom: tuple[FakePlatform, Remote], fresh_database_url: str
) -> None:
    fake, remote = zoom
    create(pull_app, "zoom", zoom_config(remote))
    fake.hold = "Q2"  # the third meeting's participants hang
    others = ",".join(
        sorted(ep.name for ep in entry_points(group="lrs.plugins") if ep.name != "attendance")
    )
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("LRS_")},
        "LRS_DATABASE_URL": fresh_database_url,
        "LRS_SECRET_KEY": pull_app.extensions["lrs"].settings.secret_key,
        "LRS_DISABLED_PLUGINS": others,
        "LRS_CONNECTOR_LEASE_SECONDS": "1",
        "LRS_WORKER_NICE": "0",
    }
    worker = subprocess.Popen(
        [sys.executable, "-m", "lrs.cli", "worker"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        held = fake.held.wait(60)
    finally:
        if worker.poll() is None:
            os.kill(worker.pid, signal.SIGKILL)
        output = worker.communicate(timeout=30)[0]
    assert held and worker.returncode == -signal.SIGKILL, (
        output,
        connector_runs(pull_app.extensions["lrs"], 1, "live"),
    )
    fake.hold = None
    fake.release.set()
    assert len(attended(pull_app)) == 2
    cursor = json.loads(connector_named(pull_app.extensions["lrs"], 1, "live").cursor)
    assert cursor["meetings"] == ["plain+uuid=="]  # the skipped meeting was checkpointed
    time.sleep(1.1)  # the dead worker's claim (LRS_CONNECTOR_LEASE_SECONDS=1) expires
    resumed = run(pull_app)
    assert (resumed.status, resumed.fetched, resumed.stored) == ("succeeded", 1, 1), resumed.error
    assert len(attended(pull_app)) == 3
    assert (
        participants_asked(remote).count(f"/v2/report/meetings/{ODD_UUID_PATH}/participants") == 2
    )
    statuses = [r.status for r in connector_runs(pull_app.extensions["lrs"], 1, "live")]
    assert statuses == ["succeeded", "interrupted"]


# -- Microsoft Graph ---------------------------------------------------------------

JOIN_URL = "https://teams.microsoft.com/l/meetup-join/19%3ameeting_NjA1%40thread.v2/0"
MEETING = "MSpkYzE3Njc0Yy04MWQ5LTRhZGItYmZiMi04ZjY0MjVjYjkwYjIqMCoqMTk6bWVldGluZw=="


@pytest.fixture
def graph() -> Iterator[tuple[FakePlatform, Remote]]:
    tomorrow = NINE + timedelta(days=1)
    fake = FakePlatform(
        join_urls={MEETING: JOIN_URL},
        reports={
            MEETING: [
                {
                    "id": "rep-1",
                    "totalParticipantCount": 3,
                    # Graph writes seven decimals.
                    "meetingStartDateTime": iso(NINE - timedelta(minutes=2))[:-1] + ".1234567Z",
                    "meetingEndDateTime": iso(NINE + timedelta(hours=1)),
                },
                {  # an occurrence of the recurring meeting no session plans
                    "id": "rep-2",
                    "totalParticipantCount": 1,
                    "meetingStartDateTime": iso(tomorrow),
                    "meetingEndDateTime": iso(tomorrow + timedelta(hours=1)),
                },
            ]
        },
        records={
            "rep-1": [
                [record("Ada Lovelace", "ada@example.com", NINE, 60)],
                [record("Alan Turing (External)", "alan@example.com", NINE, 10)],
            ],
            "rep-2": [[record("Ada Lovelace", "ada@example.com", tomorrow, 60)]],
        },
    )
    with serve(fake.answer) as remote:
        fake.url = remote.url
        yield fake, remote
        fake.release.set()


#: ``teams_day(meeting_id, **config)``: see :func:`teams_day`.
TeamsDay = Callable[..., tuple[Flask, FakePlatform, Remote]]


@pytest.fixture
def teams_day(
    lrs_make_app: Callable[..., Flask],
    fresh_database_url: str,
    graph: tuple[FakePlatform, Remote],
) -> TeamsDay:
    """An app with the session "teams-day" planned for Teams meeting ``meeting_id`` and a
    ``teams`` connector pulling from the fake Graph (``config`` added to its settings)."""
    fake, remote = graph

    def make(meeting_id: str, **config: Any) -> tuple[Flask, FakePlatform, Remote]:
        app = seeded(lrs_make_app(installed=["attendance"], database_url=fresh_database_url))
        plan(app, "teams-day", NINE, meeting_id=meeting_id, platform="teams")
        create(app, "teams", {
            "tenant": GRAPH_TENANT,
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "user_id": GRAPH_USER,
            "graph_url": f"{remote.url}/v1.0",
            "login_url": remote.url,
            **config,
        })
        return app, fake, remote

    return make


def test_graph_attendance_reports_are_imported_by_join_url(
    teams_day: TeamsDay,
) -> None:
    app, fake, remote = teams_day(JOIN_URL, max_wait_seconds=2)
    fake.failures = [Failure("rep-1", json_reply({}, 429, **{"Retry-After": "1"}))]
    first = run(app)
    assert (first.status, first.fetched, first.stored, first.skipped) == ("succeeded", 2, 2, 1), (
        first.error
    )
    assert any("rep-2" in m and "no planned session" in m for m in first.messages)
    statements = attended(app)
    assert sorted(statements) == [
        ("mailto:ada@example.com", "teams-day"),
        ("mailto:alan@example.com", "teams-day"),
    ]
    assert statements["mailto:alan@example.com", "teams-day"]["result"]["completion"] is False
    record_pages = [r for r in remote.requests if r.path.endswith("/attendanceRecords")]
    assert [r.params.get("page") for r in record_pages] == [None, None, "1"]  # 429, then 2 pages
    assert fake.tokens_issued == 1
    again = run(app)
    assert (again.status, again.fetched, again.stored, again.skipped) == ("succeeded", 0, 0, 0)
    assert len(attended(app)) == 2


def test_graph_failures_fail_the_run_naming_the_call(
    teams_day: TeamsDay,
) -> None:
    app, fake, _ = teams_day(MEETING)  # the Graph id itself
    fake.failures = [Failure("/attendanceReports", Reply(status=503, body=b"try later"))]
    failed = run(app)
    assert failed.status == "failed"
    assert failed.error.startswith(f"RemoteError: attendance reports of Teams meeting {MEETING}: ")
    assert "answered HTTP 503: try later" in failed.error
    assert run(app).stored == 2


@pytest.mark.parametrize(
    ("type_name", "config", "errors"),
    [
        (
            "zoom",
            {"account_id": "a", "client_id": "c", "users": [], "page_size": 301},
            [
                ("$.client_secret", "Missing data for required field."),
                (
                    "$.page_size",
                    "Must be greater than or equal to 1 and less than or equal to 300.",
                ),
                ("$.users", "Shorter than minimum length 1."),
            ],
        ),
        (
            "teams",
            {"tenant": "a/b", "client_id": "c", "client_secret": "s", "settle_minutes": -1},
            [
                (
                    "$.settle_minutes",
                    "Must be greater than or equal to 0 and less than or equal to 1440.",
                ),
                ("$.tenant", "String does not match expected pattern."),
                ("$.user_id", "Missing data for required field."),
            ],
        ),
    ],
)
def test_a_bad_configuration_is_refused_field_by_field(
    pull_app: Flask, type_name: str, config: dict[str, Any], errors: list[tuple[str, str]]
) -> None:
    with pytest.raises(BadRequest) as refused:
        create(pull_app, type_name, config)
    assert sorted((e.path, e.message) for e in refused.value.errors) == errors
    assert pull_app.extensions["lrs"].connector_types.get(type_name).secret_fields() == [
        "client_secret"
    ]


def test_a_meeting_no_session_plans_is_planned_when_discovery_is_on(
    pull_app: Flask, zoom: tuple[FakePlatform, Remote]
) -> None:
    from plugins.attendance.service import sessions

    fake, remote = zoom
    fake.participants["plain+uuid=="] = [[participant("Ada Lovelace", "ada@example.com",
                                                      ELEVEN, 45)]]
    create(pull_app, "zoom", zoom_config(remote, discover_sessions=True))
    first = run(pull_app)
    assert (first.status, first.skipped) == ("succeeded", 0), first.error
    host = pull_app.extensions["lrs"].host
    [found] = [s for s in sessions(host, 1) if s["meeting_id"] == "11122233344"]
    assert (found["key"], found["title"], found["activity_id"], found["platform"]) == (
        f"zoom-11122233344-{ELEVEN:%Y%m%dT%H%M}Z", "Meeting 11122233344",
        "https://zoom.us/j/11122233344", "zoom")
    discovered = [s for s in host.query_statements(1, verb=ATTENDED)
                  if s["object"]["id"] == "https://zoom.us/j/11122233344"]
    assert [s["actor"]["mbox"] for s in discovered] == ["mailto:ada@example.com"]
    again = run(pull_app)  # the planned session is found again, not planned twice
    assert (again.status, again.stored) == ("succeeded", 0)
    assert len([s for s in sessions(host, 1) if s["meeting_id"] == "11122233344"]) == 1


@pytest.mark.parametrize(("value", "seconds"), [
    ("120", 120.0), ("1.5", 1.5), ("\u00b2", None), ("\u0663", None), ("soon", None), ("", None),
])
def test_retry_after_reads_seconds_in_ascii_digits_only(value: str, seconds: float | None) -> None:
    """``isdigit()`` took ``²``, which ``float()`` then refused: the run failed on it."""
    assert retry_after({"Retry-After": value}) == seconds


def test_a_graph_next_page_on_another_site_is_not_followed(
    teams_day: TeamsDay,
) -> None:
    """``@odata.nextLink`` is the answer's text, and the access token would go with it."""
    app, fake, _ = teams_day(MEETING)
    with serve(fake.answer) as elsewhere:
        fake.url = elsewhere.url  # where the next pages' links lead
        failed = run(app)

    assert failed.status == "failed"
    assert f"the next page is on another site ({elsewhere.url}/v1.0/users/" in failed.error
    assert elsewhere.requests == []
    assert attended(app) == {}
