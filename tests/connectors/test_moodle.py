"""The ``moodle`` connector type against a real HTTP server on 127.0.0.1 speaking Moodle's
REST web services (tests/connectors/fake_moodle.py), failures included.

Instances are created and run through the runtime (``create_connector``,
``run_instance``), on SQLite and PostgreSQL; what they stored is read back as
statements. One test kills a process running the connector with SIGKILL.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from connectors.moodle.statements import NAMESPACE
from lrs.services.connectors import (
    RunView,
    connector_named,
    connector_runs,
    create_connector,
    update_connector,
)
from lrs.xapi.errors import BadRequest
from tests.connectors.fake_moodle import (
    COURSES,
    T1,
    T2,
    T3,
    TOKEN,
    USERS,
    FakeMoodle,
    exception,
)
from tests.connectors.loopback import Remote, Reply, serve
from tests.plugins.conftest import runtime

ROOT = Path(__file__).resolve().parents[2]
ENROLLED = "core_enrol_get_enrolled_users"
COURSE_STATUS = "core_completion_get_course_completion_status"
ACTIVITY_STATUS = "core_completion_get_activities_completion_status"


@pytest.fixture
def moodle_app(make_app: Callable[..., Flask]) -> Flask:
    return make_app(installed=("moodle",), connector_lease_seconds=1)


@pytest.fixture
def moodle() -> Iterator[tuple[FakeMoodle, Remote]]:
    fake = FakeMoodle()
    with serve(fake.answer) as remote:
        yield fake, remote
        fake.release.set()


def create(app: Flask, remote: Remote, **config: Any) -> None:
    rt = runtime(app)
    create_connector(
        rt,
        rt.connector_types,
        tenant_id=1,
        name="lms",
        type_name="moodle",
        config={"base_url": remote.url, "token": TOKEN, **config},
        schedule="every 1h",
        actor="cli:test",
    )


def run(app: Flask) -> RunView:
    return runtime(app).connectors.run_instance(1, "lms").run


def stored(app: Flask) -> dict[str, dict[str, Any]]:
    return {s["id"]: s for s in runtime(app).host.query_statements(1)}


def sid(site: str, user: int, what: str, when: int) -> str:
    return str(uuid.uuid5(NAMESPACE, f"{site}|{user}|{what}|{when}"))


def options(params: dict[str, str]) -> dict[str, str]:
    """The ``options[n][name]`` / ``options[n][value]`` pairs of a call."""
    return {
        params[f"options[{n}][name]"]: params[f"options[{n}][value]"]
        for n in range(20)
        if f"options[{n}][name]" in params
    }


def expected_ids(site: str) -> set[str]:
    return {
        sid(site, 10, "course:2", T2),
        sid(site, 10, "cm:21", T1),
        sid(site, 10, "cm:23", T2),
        sid(site, 11, "course:2", T3),
        sid(site, 11, "cm:31", 0),
    }


def test_completions_become_statements_and_a_rerun_stores_nothing_twice(
    moodle_app: Flask,
    moodle: tuple[FakeMoodle, Remote],
) -> None:
    fake, remote = moodle
    site = remote.url
    create(moodle_app, remote)
    first = run(moodle_app)
    assert (first.status, first.fetched, first.stored, first.skipped) == ("succeeded", 5, 5, 0), (
        first.error
    )
    assert first.messages == ("pass complete: every course read",)
    found = stored(moodle_app)
    assert set(found) == expected_ids(site)
    ada_course = found[sid(site, 10, "course:2", T2)]
    assert {k: ada_course[k] for k in ("actor", "verb", "object", "result", "timestamp")} == {
        "actor": {"objectType": "Agent", "name": "Ada Lovelace", "mbox": "mailto:ada@example.com"},
        "verb": {
            "id": "http://adlnet.gov/expapi/verbs/completed",
            "display": {"en-US": "completed"},
        },
        "object": {
            "objectType": "Activity",
            "id": f"{site}/course/view.php?id=2",
            "definition": {
                "type": "http://adlnet.gov/expapi/activities/course",
                "name": {"und": "Safety at work"},
            },
        },
        "result": {"completion": True},
        "timestamp": "2026-01-02T00:00:00Z",  # the later of its two criteria (all needed)
    }
    grace_course = found[sid(site, 11, "course:2", T3)]
    assert grace_course["actor"] == {
        "objectType": "Agent",
        "name": "Grace Hopper",
        "account": {"homePage": site, "name": "grace"},
    }
    assert grace_course["timestamp"] == "2026-01-03T00:00:00Z"  # the first (any will do)
    quiz, assignment = found[sid(site, 10, "cm:21", T1)], found[sid(site, 10, "cm:23", T2)]
    assert quiz["object"]["id"] == f"{site}/mod/quiz/view.php?id=21"
    assert quiz["context"]["contextActivities"]["parent"] == [
        {"objectType": "Activity", "id": f"{site}/course/view.php?id=2"}
    ]
    assert (quiz["result"], assignment["result"]) == (
        {"completion": True, "success": True},
        {"completion": True, "success": False},
    )
    no_time = found[sid(site, 11, "cm:31", 0)]  # Moodle gave no time: the LRS's own
    assert no_time["timestamp"] == no_time["stored"]
    assert found[sid(site, 11, "cm:31", 0)]["authority"]["name"] == "Moodle connector lms"
    # Only tracked learners of courses with completion on are asked about.
    assert {p["courseid"] for p in fake.called(ENROLLED)} == {"2", "3"}
    assert {p["userid"] for p in fake.called(COURSE_STATUS)} == {"10", "11", "13"}
    assert (
        options(fake.called(ENROLLED)[0])["withcapability"] == "moodle/course:isincompletionreports"
    )
    assert all(TOKEN not in request.path for request in remote.requests)
    again = run(moodle_app)
    assert (again.status, again.fetched, again.stored, again.skipped) == ("succeeded", 5, 0, 5)
    assert len(stored(moodle_app)) == 5


def test_the_account_name_can_be_the_moodle_id_and_courses_chosen(
    moodle_app: Flask,
    moodle: tuple[FakeMoodle, Remote],
) -> None:
    fake, remote = moodle
    create(
        moodle_app,
        remote,
        identify_by="account",
        account_name="id",
        course_ids=[3],
        activities=False,
    )
    done = run(moodle_app)
    assert (done.status, done.stored) == ("succeeded", 0)
    assert fake.called("core_course_get_courses")[0]["options[ids][0]"] == "3"
    assert fake.called(ACTIVITY_STATUS) == []
    rt = runtime(moodle_app)
    update_connector(
        rt,
        rt.connector_types,
        tenant_id=1,
        name="lms",
        changes={"course_ids": [], "activities": True},
        actor="cli:test",
    )
    run(moodle_app)
    actors = [s["actor"] for s in stored(moodle_app).values()]
    assert {
        "objectType": "Agent",
        "name": "Ada Lovelace",
        "account": {"homePage": remote.url, "name": "10"},
    } in actors


@pytest.mark.parametrize(
    ("failure", "error"),
    [
        (
            Reply(503, b"<html><h1>503 Service Unavailable</h1></html>", "text/html"),
            "RemoteError: Moodle {function}: {rest} answered HTTP 503: <html><h1>503 Service "
            "Unavailable</h1></html>",
        ),
        (
            Reply(200, b"[]", delay=2.5),
            "RemoteError: Moodle {function}: no answer from {rest} within 1 s",
        ),
        (
            Reply(200, b'{"statuses": [{"cmid": 21, "state"', cut_at=20),
            "RemoteError: Moodle {function}: {rest} closed the connection before sending the "
            "whole answer",
        ),
        (
            Reply(200, b'{"statuses": [{"cmid": 21, "state"'),
            "MoodleError: Moodle {function}: the answer is not valid JSON "
            "(Expecting ':' delimiter: line 1 column 35 (char 34)); is the site URL right and "
            "the REST protocol enabled?",
        ),
        (
            exception("accessexception", "Access control exception", "webservice_access_exception"),
            "MoodleError: Moodle {function} refused: Access control exception "
            "(webservice_access_exception, errorcode accessexception)",
        ),
        (  # Moodle's text quoted: control characters escaped, its length bounded
            exception("x\x07", "Invalid\x1b[2J\r\nRemoteError: forged " + "!" * 300, "e\x00"),
            "MoodleError: Moodle {function} refused: Invalid\\x1b[2J\\r\\nRemoteError: forged "
            + "!" * 161 + "… (e\\x00, errorcode x\\x07)",
        ),
        (
            Reply(200, b'{"statuses": [{"state": 1}], "warnings": []}'),
            "MoodleError: Moodle {function}: expected a list of objects with cmid, state "
            '(ids as whole numbers), got [{{"state": 1}}]',
        ),
        (
            Reply(200, b'{"statuses": [{"cmid": "21", "state": 1}], "warnings": []}'),
            "MoodleError: Moodle {function}: expected a list of objects with cmid, state "
            '(ids as whole numbers), got [{{"cmid": "21", "state": 1}}]',
        ),
        (
            Reply(200, b"[" * 100_000),
            "MoodleError: Moodle {function}: the answer is not valid JSON (maximum recursion "
            "depth exceeded while decoding a JSON array from a unicode string); is the site "
            "URL right and the REST protocol enabled?",
        ),
    ],
)
def test_a_failure_mid_pass_fails_the_run_and_the_retry_resumes_at_the_checkpoint(
    moodle_app: Flask,
    moodle: tuple[FakeMoodle, Remote],
    failure: Reply,
    error: str,
) -> None:
    fake, remote = moodle
    create(moodle_app, remote, page_size=1, timeout_seconds=1)
    # Ada's and Grace's pages of course 2 are stored; the call about Alan fails.
    served = {"count": 0}
    answer = fake.answer

    def counting(request: Any) -> Reply:
        if request.params.get("wsfunction") == ACTIVITY_STATUS:
            served["count"] += 1
            if served["count"] == 3:
                return failure
        return answer(request)

    remote.answer = counting
    failed = run(moodle_app)
    rest = remote.url + "/webservice/rest/server.php"
    assert (failed.status, failed.error) == (
        "failed",
        error.format(function=ACTIVITY_STATUS, rest=rest),
    )
    site = remote.url
    assert set(stored(moodle_app)) == {
        sid(site, 10, "course:2", T2),
        sid(site, 10, "cm:21", T1),
        sid(site, 10, "cm:23", T2),
        sid(site, 11, "course:2", T3),
    }
    assert connector_named(runtime(moodle_app), 1, "lms").cursor == '{"course": 2, "done": 2}'
    before = len(fake.called(ENROLLED))
    retried = run(moodle_app)
    assert (retried.status, retried.stored) == ("succeeded", 1), retried.error
    assert options(fake.called(ENROLLED)[before])["limitfrom"] == "2"
    assert set(stored(moodle_app)) == expected_ids(site)


def test_a_page_longer_than_asked_for_fails_the_run_before_any_completion_is_read(
    moodle_app: Flask,
    moodle: tuple[FakeMoodle, Remote],
) -> None:
    """A site ignoring ``limitnumber`` (a million learners for a page of 2) had the run
    read every learner's completions in one page, stored and checkpointed whole."""
    fake, remote = moodle
    create(moodle_app, remote, page_size=2)
    answer = fake.answer
    learners = [{"id": n, "username": f"u{n}", "fullname": "L", "email": f"u{n}@example.com"}
                for n in range(10, 13)]

    def too_long(request: Any) -> Reply:
        if request.params.get("wsfunction") == ENROLLED:
            return Reply(200, json.dumps(learners).encode())
        return answer(request)

    remote.answer = too_long
    failed = run(moodle_app)

    assert (failed.status, failed.error) == (
        "failed", "MoodleError: Moodle core_enrol_get_enrolled_users: answered 3 learners "
        "for a page of 2 (limitnumber)")
    assert fake.called(ACTIVITY_STATUS) == [] and stored(moodle_app) == {}


def test_an_invalid_token_fails_the_run_with_moodles_message(
    moodle_app: Flask,
    moodle: tuple[FakeMoodle, Remote],
) -> None:
    fake, remote = moodle
    fake.token = "another-token-entirely"
    create(moodle_app, remote)
    failed = run(moodle_app)
    assert failed.error == (
        "MoodleError: Moodle core_course_get_courses refused: Invalid token "
        "- token not found (moodle_exception, errorcode invalidtoken)"
    )
    assert connector_named(runtime(moodle_app), 1, "lms").failures == 1


def test_a_run_stops_after_its_pages_and_the_next_continues(
    moodle_app: Flask,
    moodle: tuple[FakeMoodle, Remote],
) -> None:
    _, remote = moodle
    create(moodle_app, remote, page_size=2, pages_per_run=2)
    runs = [run(moodle_app) for _ in range(3)]
    # Run 1: course 2 (learners 1-2, then 3: its end); run 2: course 3, and the pass is
    # complete; run 3 starts the next pass, which finds nothing new.
    assert [(r.stored, r.messages) for r in runs] == [
        (4, ()),
        (1, ("pass complete: every course read",)),
        (0, ()),
    ]
    instance = connector_named(runtime(moodle_app), 1, "lms")
    assert instance.cursor == '{"course": 3, "done": 0}'
    assert set(stored(moodle_app)) == expected_ids(remote.url)


_RUN_IN_A_WORKER = """
import sys
from lrs.app import create_app
from lrs.settings import Settings

url, key, disabled = sys.argv[1:]
app = create_app(Settings.from_env({}, database_url=url, secret_key=key, auto_migrate=False,
                                   log_format="text", outbox_inline=False,
                                   disabled_plugins=disabled, connector_lease_seconds=1))
app.extensions["lrs"].connectors.run_instance(1, "lms")
"""


def test_a_worker_killed_mid_run_loses_and_doubles_nothing(
    moodle_app: Flask,
    moodle: tuple[FakeMoodle, Remote],
    database_url: str,
) -> None:
    fake, remote = moodle
    create(moodle_app, remote, page_size=1)
    fake.hold_function, fake.hold_after = ENROLLED, 2  # course 2's third page hangs
    settings = runtime(moodle_app).settings
    worker = subprocess.Popen(
        [
            sys.executable,
            "-c",
            _RUN_IN_A_WORKER,
            database_url,
            settings.secret_key,
            ",".join(sorted(settings.disabled_plugins)),
        ],
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
    assert held and worker.returncode == -signal.SIGKILL, output
    fake.hold_function = None
    fake.release.set()
    site = remote.url
    assert len(stored(moodle_app)) == 4
    assert connector_named(runtime(moodle_app), 1, "lms").cursor == '{"course": 2, "done": 2}'
    time.sleep(1.1)  # the dead worker's claim (LRS_CONNECTOR_LEASE_SECONDS=1) expires
    resumed = run(moodle_app)
    assert (resumed.status, resumed.stored) == ("succeeded", 1)
    assert set(stored(moodle_app)) == expected_ids(site)
    history = connector_runs(runtime(moodle_app), 1, "lms")
    assert [r.status for r in history] == ["succeeded", "interrupted"]


@pytest.mark.parametrize(
    ("config", "errors"),
    [
        ({"token": None}, [("$.token", "Missing data for required field.")]),
        (
            {"page_size": 0, "identify_by": "name"},
            [
                ("$.identify_by", "Must be one of: email, account."),
                (
                    "$.page_size",
                    "Must be greater than or equal to 1 and less than or equal to 1000.",
                ),
            ],
        ),
        ({"course_ids": ["2"]}, [("$.course_ids[0]", "Not a valid integer.")]),
    ],
)
def test_a_bad_configuration_is_refused_field_by_field(
    moodle_app: Flask,
    config: dict[str, Any],
    errors: list[tuple[str, str]],
) -> None:
    rt = runtime(moodle_app)
    settings = {"base_url": "https://moodle.example.edu", "token": TOKEN, **config}
    with pytest.raises(BadRequest) as refused:
        create_connector(
            rt,
            rt.connector_types,
            tenant_id=1,
            name="lms",
            type_name="moodle",
            config={k: v for k, v in settings.items() if v is not None},
            schedule="every 1h",
            actor="cli:test",
        )
    assert sorted((e.path, e.message) for e in refused.value.errors) == sorted(errors)
    assert rt.connector_types.get("moodle").secret_fields() == ["token"]


def _learner_10(**fields: Any) -> Callable[[Any], Reply | None]:
    """Moodle's learners, Ada (user 10) with ``fields`` changed."""
    def answer(request: Any) -> Reply | None:
        if request.params.get("wsfunction") != ENROLLED:
            return None
        learners = [{**USERS[i], **(fields if i == 10 else {})}
                    for i in (10, 11, 13)]
        return Reply(200, json.dumps(learners).encode())
    return answer


def _reply(function: str, answer: Any) -> Callable[[Any], Reply | None]:
    """``answer`` to the calls of ``function`` (about Ada in course 2, if about someone)."""
    def reply(request: Any) -> Reply | None:
        params = request.params
        if params.get("wsfunction") != function or params.get("userid", "10") != "10" or (
                params.get("courseid", "2") != "2"):
            return None
        return Reply(200, json.dumps(answer).encode())
    return reply


def _criterion(timecompleted: Any) -> dict[str, Any]:
    return {"completionstatus": {"completed": True, "aggregation": 1, "completions": [
        {"type": 4, "complete": True, "timecompleted": timecompleted}]}}


def _activity(**fields: Any) -> dict[str, Any]:
    return {"statuses": [{"cmid": 21, "modname": "quiz", "state": 1, "timecompleted": T1,
                          **fields}], "warnings": []}


ADA = "user 10 in course 2"


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        (_learner_10(email=5), f"{ENROLLED}: email of {ADA} is not text (got 5)"),
        (_learner_10(fullname=["Ada"]),
         f'{ENROLLED}: fullname of {ADA} is not text (got ["Ada"])'),
        (_learner_10(username=None), f"{ENROLLED}: username of {ADA} is null"),
        (_reply(COURSE_STATUS, [1, 2]),
         f"{COURSE_STATUS}: the answer of {ADA} is not an object (got [1, 2])"),
        (_reply(COURSE_STATUS, {"completionstatus": "complete"}),
         f'{COURSE_STATUS}: completionstatus of {ADA} is not an object (got "complete")'),
        (_reply(COURSE_STATUS, {"completionstatus": {"completed": True, "completions": [1]}}),
         f"{COURSE_STATUS}: completionstatus.completions of {ADA} is not a list of objects "
         "(got [1])"),
        (_reply(COURSE_STATUS, _criterion(10**20)),
         f"{COURSE_STATUS}: timecompleted of {ADA} is not a time between the years 1 and "
         "9999 (got 100000000000000000000)"),
        (_reply(COURSE_STATUS, _criterion(253402300800)),
         f"{COURSE_STATUS}: timecompleted of {ADA} is not a time between the years 1 and "
         "9999 (got 253402300800)"),
        (_reply(COURSE_STATUS, _criterion("2026-01-01")),
         f"{COURSE_STATUS}: timecompleted of {ADA} is not a whole number of seconds since "
         '1970 (got "2026-01-01")'),
        (_reply(ACTIVITY_STATUS, _activity(timecompleted=1.5e9)),
         f"{ACTIVITY_STATUS}: timecompleted of activity 21 of {ADA} is not a whole number of "
         "seconds since 1970 (got 1500000000.0)"),
        (_reply(ACTIVITY_STATUS, _activity(timecompleted=-10**18)),
         f"{ACTIVITY_STATUS}: timecompleted of activity 21 of {ADA} is not a time between the "
         "years 1 and 9999 (got -1000000000000000000)"),
        (_reply(ACTIVITY_STATUS, _activity(state=[1])),
         f"{ACTIVITY_STATUS}: state of activity 21 of {ADA} is not a whole number (got [1])"),
        (_reply(ACTIVITY_STATUS, _activity(modname="../../x")),
         f"{ACTIVITY_STATUS}: modname of activity 21 of {ADA} is not a module name "
         '(lowercase letters, digits, _) (got "../../x")'),
        (_reply("core_course_get_courses", [{"id": 2, "fullname": 7, "enablecompletion": 1}]),
         "core_course_get_courses: fullname of course 2 is not text (got 7)"),
    ],
    ids=["email-number", "fullname-list", "username-null", "status-list", "status-text",
         "criteria-not-objects", "time-overflow", "time-year-10000", "time-text",
         "time-fraction", "time-before-year-1", "state-list", "modname", "course-name"],
)
def test_an_answer_field_of_the_wrong_type_fails_the_run_naming_it(
    moodle_app: Flask,
    moodle: tuple[FakeMoodle, Remote],
    answer: Callable[[Any], Reply | None],
    error: str,
) -> None:
    """These surfaced as AttributeError, TypeError, OverflowError or ValueError from
    deep in the statement builder, naming nothing Moodle said."""
    fake, remote = moodle
    create(moodle_app, remote)
    usual = fake.answer
    remote.answer = lambda request: answer(request) or usual(request)

    failed = run(moodle_app)

    assert (failed.status, failed.error) == ("failed", f"MoodleError: Moodle {error}")


@pytest.mark.parametrize(
    ("learner", "said", "left_out"),
    [
        ({"username": "gr\x00ace", "email": None}, "user 10 in course {course}: their username "
         "'gr\\x00ace' holds", {"course:2", "cm:21", "cm:23"}),
        ({"fullname": "Ada \ud800"}, "user 10 in course {course}: their fullname "
         "'Ada \\ud800' holds", {"course:2", "cm:21", "cm:23"}),
    ],
    ids=["nul-in-username", "surrogate-in-name"],
)
def test_a_learner_whose_values_no_database_stores_is_left_out_with_a_message(
    moodle_app: Flask,
    moodle: tuple[FakeMoodle, Remote],
    learner: dict[str, Any],
    said: str,
    left_out: set[str],
) -> None:
    """ingest refused the page holding them, and every later run at the same page:
    the pass never got past them."""
    fake, remote = moodle
    create(moodle_app, remote)
    usual, changed = fake.answer, _learner_10(**learner)
    remote.answer = lambda request: changed(request) or usual(request)

    done = run(moodle_app)

    assert done.status == "succeeded", done.error
    ending = (" holds a NUL character or a lone surrogate, which no database stores; "
              "their completions are left out")
    assert done.messages == (
        said.format(course=2) + ending.removeprefix(" holds"),
        said.format(course=3) + ending.removeprefix(" holds"),
        "pass complete: every course read",
    )
    site = remote.url
    assert set(stored(moodle_app)) == expected_ids(site) - {
        sid(site, 10, what, when) for what, when in
        (("course:2", T2), ("cm:21", T1), ("cm:23", T2)) if what in left_out}
    assert done.skipped == 2  # Ada, in each course


def test_a_learner_whose_statements_ingest_refuses_is_left_out_with_a_message(
    moodle_app: Flask,
    moodle: tuple[FakeMoodle, Remote],
) -> None:
    """An email Moodle kept that is no address (imported, edited in the database):
    ingest refused the page holding it on every run, and the pass never got past it."""
    fake, remote = moodle
    create(moodle_app, remote)
    usual, changed = fake.answer, _learner_10(email="ada at example.com")
    remote.answer = lambda request: changed(request) or usual(request)

    done = run(moodle_app)

    assert done.status == "succeeded", done.error
    assert done.messages == (
        'user 10 in course 2: their statements were refused (actor.mbox: must be "mailto:" '
        "followed by one email address); their completions are left out",
        "pass complete: every course read",  # Ada has no completion in course 3
    )
    site = remote.url
    ada = {sid(site, 10, what, when) for what, when in (("course:2", T2), ("cm:21", T1),
                                                        ("cm:23", T2))}
    assert set(stored(moodle_app)) == expected_ids(site) - ada
    assert done.fetched == done.stored + done.skipped


def test_a_course_whose_name_no_database_stores_is_left_out_with_a_message(
    moodle_app: Flask,
    moodle: tuple[FakeMoodle, Remote],
) -> None:
    fake, remote = moodle
    create(moodle_app, remote)
    courses = [{**c, "fullname": "Safety\x00"} if c["id"] == 2 else c for c in COURSES]
    usual, changed = fake.answer, _reply("core_course_get_courses", courses)
    remote.answer = lambda request: changed(request) or usual(request)

    done = run(moodle_app)

    assert (done.status, done.stored) == ("succeeded", 1), done.error
    assert done.messages == (
        "course 2: its fullname 'Safety\\x00' holds a NUL character or a lone surrogate, "
        "which no database stores; its completions are left out",
        "pass complete: every course read",
    )
    assert set(stored(moodle_app)) == {sid(remote.url, 11, "cm:31", 0)}
