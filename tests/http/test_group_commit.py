"""Concurrent POSTs share commits, each keeping its own answer (lrs.services.group_commit).

Requests of one process run in threads, as gunicorn's gthread workers run them;
a slow first commit makes the others queue behind it, so that they are written
together in the next transaction.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from flask import Flask

from lrs.app import create_app
from lrs.settings import Settings
from lrs.store.credentials import IssuedCredential
from tests.conftest import basic_auth, listening
from tests.http.statement_helpers import orphan_link_rows
from tests.plugins.conftest import RecordingPlugin

VERB = {"id": "http://adlnet.gov/expapi/verbs/completed"}


def statement(statement_id: str | None = None, activity: str = "http://e.com/a") -> dict:
    return {"id": statement_id or str(uuid.uuid4()), "actor": {"mbox": "mailto:a@e.com"},
            "verb": VERB, "object": {"id": activity}}


@contextmanager
def commits(app: Flask, *, first_takes: float = 0.0,
            fail: Callable[[int], bool] = lambda n: False,
            until: Callable[[], bool] = lambda: False) -> Iterator[list[int]]:
    """Count the application's write commits; the first one lasts ``first_takes``
    seconds, or less once ``until()`` (others queue meanwhile), and commit ``n``
    fails when ``fail(n)``."""
    count: list[int] = []

    def on_commit(connection: Any) -> None:
        if not connection.get_execution_options().get("lrs_write"):
            return  # a read (authentication): nothing to make durable
        count.append(1)
        if len(count) == 1:
            deadline = time.monotonic() + first_takes
            while time.monotonic() < deadline and not until():
                time.sleep(0.01)
        if fail(len(count)):
            raise RuntimeError("the disk is full")

    with listening(app, "commit", on_commit):
        yield count


def post_together(app: Flask, credential: IssuedCredential, bodies: list[Any],
                  *, stagger: float = 0.05) -> list[Any]:
    """POST each body from its own thread, the first one ``stagger`` s ahead."""
    headers = {"Authorization": basic_auth(credential), "X-Experience-API-Version": "2.0.0"}
    answers: list[Any] = [None] * len(bodies)

    def post(index: int) -> None:
        response = app.test_client().post("/xapi/statements", json=bodies[index],
                                          headers=headers)
        answers[index] = (response.status_code, response.get_json())

    threads = [threading.Thread(target=post, args=(i,)) for i in range(len(bodies))]
    threads[0].start()
    time.sleep(stagger)
    for thread in threads[1:]:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


@pytest.fixture
def grouped(make_settings: Callable[..., Settings]) -> Iterator[Flask]:
    app = create_app(make_settings(group_commit_max=64))
    yield app
    app.extensions["lrs"].db.engine.dispose()


def queued(app: Flask, batches: int) -> Callable[[], bool]:
    """Whether ``batches`` batches wait behind the commit under way: the first commit
    then ends at once, not after a fixed time a loaded machine may overrun."""
    group_commit = app.extensions["lrs"].group_commit
    return lambda: len(group_commit._queue) >= batches


def stored_ids(app: Flask) -> set[str]:
    host = app.extensions["lrs"].host
    return {s["id"] for s in host.query_statements(1)}


def test_requests_queued_behind_a_commit_share_the_next_one(
    grouped: Flask, make_credential: Callable[..., IssuedCredential],
) -> None:
    credential = make_credential()
    bodies = [statement() for _ in range(8)]
    with commits(grouped, first_takes=10, until=queued(grouped, 7)) as count:
        answers = post_together(grouped, credential, bodies)
    assert answers == [(200, [b["id"]]) for b in bodies]
    assert stored_ids(grouped) == {b["id"] for b in bodies}
    assert len(count) == 2  # the first alone, the seven that queued behind it together


def test_a_refused_batch_in_a_group_leaves_the_others_stored(
    grouped: Flask, make_credential: Callable[..., IssuedCredential],
) -> None:
    credential = make_credential()
    taken = statement()
    post_together(grouped, credential, [taken])
    clash = {**taken, "object": {"id": "http://e.com/other"}}
    twice = statement()
    # The refused batch's first statement is new: written (PostgreSQL inserts first)
    # and deleted again, while the rest of the group stays.
    bodies = [statement(), statement(), [statement(), clash], [twice, twice], statement()]
    # All four queue behind the first: the repeated id is refused inside the group.
    with commits(grouped, first_takes=10, until=queued(grouped, 4)) as count:
        answers = post_together(grouped, credential, bodies)
    assert [status for status, _ in answers] == [200, 200, 409, 400, 200]
    assert answers[2][1]["errors"] == [{"path": "$[1].id",
                                        "message": "already stored with different content"}]
    assert len(count) == 2
    assert stored_ids(grouped) == {taken["id"], bodies[0]["id"], bodies[1]["id"],
                                   bodies[4]["id"]}
    with grouped.extensions["lrs"].db.read() as session:
        assert orphan_link_rows(session) == 0


def test_each_batch_stored_in_a_group_is_announced_once_and_a_refused_one_never(
    make_settings: Callable[..., Settings], make_credential: Callable[..., IssuedCredential],
) -> None:
    """On PostgreSQL a batch's event goes in with its rows unless one of its ids was
    stored already; either way each batch stored is announced exactly once."""
    recorder = RecordingPlugin()
    app = create_app(make_settings(group_commit_max=64, outbox_inline=False),
                     plugins=[recorder])
    try:
        credential = make_credential()
        taken, other = statement(), statement()
        post_together(app, credential, [[taken, other]])
        clash = {**other, "object": {"id": "http://e.com/other"}}
        twice = statement()
        # No id in two batches: the group goes in as one INSERT.
        bodies = [statement(), [taken, statement()], [statement(), clash], [twice, twice],
                  [statement(), statement()]]
        with sql_sent(app) as sent, commits(app, first_takes=10, until=queued(app, 4)) as count:
            answers = post_together(app, credential, bodies)
        outbox = app.extensions["lrs"].outbox
        while outbox.process_pending():
            pass
    finally:
        app.extensions["lrs"].db.engine.dispose()
    assert [status for status, _ in answers] == [200, 200, 409, 400, 200]
    assert len(count) == 2
    announced = sorted(tuple(call["event"].statement_ids)
                       for call in recorder.called("statements_stored"))
    assert announced == sorted([
        (taken["id"], other["id"]), (bodies[0]["id"],), (taken["id"], bodies[1][1]["id"]),
        (bodies[4][0]["id"], bodies[4][1]["id"]),
    ])
    if app.extensions["lrs"].db.engine.dialect.name == "postgresql":
        # Only the batch with an id stored already is announced apart from its rows.
        apart = [rows for sql, rows in sent if sql.startswith("INSERT INTO outbox_events")]
        assert len(apart) == 1 and isinstance(apart[0], dict)  # one row, not several
        assert taken["id"] in apart[0]["payload"]


def test_when_a_groups_commit_fails_each_batch_is_written_alone(
    grouped: Flask, make_credential: Callable[..., IssuedCredential],
) -> None:
    credential = make_credential()
    bodies = [statement() for _ in range(4)]
    with commits(grouped, first_takes=10, fail=lambda n: n == 2,
                 until=queued(grouped, 3)) as count:
        answers = post_together(grouped, credential, bodies)
    assert answers == [(200, [b["id"]]) for b in bodies]
    assert stored_ids(grouped) == {b["id"] for b in bodies}
    assert len(count) == 2 + 3  # the first, the failed group, then its three alone


def test_with_grouping_off_every_request_commits_alone(
    make_settings: Callable[..., Settings], make_credential: Callable[..., IssuedCredential],
) -> None:
    app = create_app(make_settings(group_commit_max=1))
    credential = make_credential()
    bodies = [statement() for _ in range(4)]
    with commits(app, first_takes=0.3) as count:
        answers = post_together(app, credential, bodies)
    assert [status for status, _ in answers] == [200] * 4
    assert len(count) == 4
    app.extensions["lrs"].db.engine.dispose()


@contextmanager
def sql_sent(app: Flask) -> Iterator[list[tuple[str, Any]]]:
    """The SQL and parameters of each statement the application sends."""
    sent: list[tuple[str, Any]] = []

    def on_execute(_conn: Any, _cursor: Any, statement: str, parameters: Any,
                   *_args: Any) -> None:
        sent.append((statement, parameters))

    with listening(app, "before_cursor_execute", on_execute):
        yield sent


def named(activity: str, language: str, name: str) -> dict:
    return {**statement(activity=activity),
            "object": {"id": activity, "definition": {"name": {language: name}}}}


def test_a_groups_batches_go_in_one_insert_and_their_definitions_merge_in_order(
    grouped: Flask, make_credential: Callable[..., IssuedCredential],
) -> None:
    """On PostgreSQL a group's batches are one INSERT statement; each batch's activity
    definition still counts, later ones winning, as when they were written one by one."""
    credential = make_credential()
    activity = "http://e.com/course"
    bodies = [named(activity, "en", "first"), named(activity, "de", "Kurs"),
              [named(activity, "fr", "cours"), statement()], named(activity, "en", "last")]
    with sql_sent(grouped) as sent, \
            commits(grouped, first_takes=10, until=queued(grouped, 3)) as count:
        answers = post_together(grouped, credential, bodies)
    assert [status for status, _ in answers] == [200] * 4
    assert len(count) == 2
    if grouped.extensions["lrs"].db.engine.dialect.name == "postgresql":
        inserts = [sql for sql, _ in sent if "INSERT INTO statements" in sql]
        assert len(inserts) == 2  # the first batch alone, then the three queued together
    headers = {"Authorization": basic_auth(credential), "X-Experience-API-Version": "2.0.0"}
    definition = grouped.test_client().get(
        "/xapi/activities", query_string={"activityId": activity}, headers=headers
    ).get_json()["definition"]
    assert definition["name"] == {"en": "last", "de": "Kurs", "fr": "cours"}


def test_batches_sharing_an_id_in_a_group_keep_their_answers(
    grouped: Flask, make_credential: Callable[..., IssuedCredential],
) -> None:
    """Two requests posting one id at once: the same statement is stored once and both
    succeed; of two different statements under one id, the one queued first is stored
    and the other refused (409), leaving nothing of its batch."""
    credential = make_credential()
    same, other = statement(), statement()
    clash = {**other, "object": {"id": "http://e.com/other"}}
    extra = statement()
    bodies = [statement(), same, dict(same), other, [extra, clash]]
    with commits(grouped, first_takes=10, until=queued(grouped, 4)) as count:
        answers = post_together(grouped, credential, bodies)
    statuses = [status for status, _ in answers]
    assert statuses[:3] == [200, 200, 200]
    assert sorted(statuses[3:]) == [200, 409]  # either may have queued first
    assert len(count) == 2
    assert answers[1][1] == answers[2][1] == [same["id"]]
    other_won = statuses[3] == 200
    assert stored_ids(grouped) == {bodies[0]["id"], same["id"], other["id"]} | (
        set() if other_won else {extra["id"]})
    statements = grouped.extensions["lrs"].host.query_statements(1)
    assert [s["object"]["id"] for s in statements if s["id"] == other["id"]] == [
        (other if other_won else clash)["object"]["id"]]


def test_a_group_of_several_credentials_stores_each_batch_under_its_own(
    grouped: Flask, make_credential: Callable[..., IssuedCredential],
) -> None:
    first, second = make_credential(name="lms"), make_credential(name="authoring tool")
    one, two = statement(), statement()
    answers: dict[str, Any] = {}

    def post(credential: IssuedCredential, body: dict) -> None:
        headers = {"Authorization": basic_auth(credential), "X-Experience-API-Version": "2.0.0"}
        answers[body["id"]] = grouped.test_client().post(
            "/xapi/statements", json=body, headers=headers).status_code

    with commits(grouped, first_takes=10, until=queued(grouped, 2)) as count:
        threads = [threading.Thread(target=post, args=(credential, body)) for
                   credential, body in ((first, statement()), (first, one), (second, two))]
        threads[0].start()
        time.sleep(0.05)
        for thread in threads[1:]:
            thread.start()
        for thread in threads:
            thread.join()
    assert list(answers.values()) == [200] * 3
    assert len(count) == 2
    authorities = {s["id"]: s["authority"]
                   for s in grouped.extensions["lrs"].host.query_statements(1)}
    assert authorities[one["id"]] != authorities[two["id"]]
    assert authorities[one["id"]]["account"]["name"] == first.key
    assert authorities[two["id"]]["account"]["name"] == second.key


def gathering(make_settings: Callable[..., Settings], gather_ms: float) -> Flask:
    return create_app(make_settings(group_commit_max=64, group_commit_gather_ms=gather_ms))


def overlap(app: Flask, credential: IssuedCredential) -> None:
    """Three requests at once: the first commits alone, the two queued behind it
    together, so the process has seen requests overlap."""
    with commits(app, first_takes=10, until=queued(app, 2)) as count:
        answers = post_together(app, credential, [statement() for _ in range(3)])
    assert [status for status, _ in answers] == [200] * 3
    assert len(count) == 2


def timed_post(app: Flask, credential: IssuedCredential) -> float:
    """Seconds one POST of a single statement took; it must succeed."""
    headers = {"Authorization": basic_auth(credential), "X-Experience-API-Version": "2.0.0"}
    began = time.monotonic()
    response = app.test_client().post("/xapi/statements", json=statement(), headers=headers)
    assert response.status_code == 200, response.get_json()
    return time.monotonic() - began


@pytest.mark.parametrize("gather_ms", [0, 20_000])
def test_while_requests_overlap_a_group_gathers_the_requests_being_handled(
    make_settings: Callable[..., Settings], make_credential: Callable[..., IssuedCredential],
    gather_ms: float,
) -> None:
    """After a group of two, the next leader waits (up to the gathering time) for a
    second batch: a request arriving 0.3 s after it shares its commit. Without
    gathering, each commits on its own."""
    app = gathering(make_settings, gather_ms)
    credential = make_credential()
    overlap(app, credential)
    bodies = [statement(), statement()]
    with commits(app) as count:
        answers = post_together(app, credential, bodies, stagger=0.3)
    assert answers == [(200, [b["id"]]) for b in bodies]
    assert stored_ids(app) >= {b["id"] for b in bodies}
    assert len(count) == (1 if gather_ms else 2)
    app.extensions["lrs"].db.engine.dispose()


def test_a_lone_client_never_waits_to_gather(
    make_settings: Callable[..., Settings], make_credential: Callable[..., IssuedCredential],
) -> None:
    app = gathering(make_settings, 20_000)
    credential = make_credential()
    assert sum(timed_post(app, credential) for _ in range(5)) < 10
    app.extensions["lrs"].db.engine.dispose()


def test_when_requests_stop_overlapping_one_request_waits_the_gathering_time(
    make_settings: Callable[..., Settings], make_credential: Callable[..., IssuedCredential],
) -> None:
    """The first lone request after a group of two waits for a second batch that does
    not come, at most the gathering time; the requests after it commit at once."""
    app = gathering(make_settings, 3_000)
    credential = make_credential()
    overlap(app, credential)
    assert 3 <= timed_post(app, credential) < 20
    assert timed_post(app, credential) < 3
    assert timed_post(app, credential) < 3
    app.extensions["lrs"].db.engine.dispose()
