"""The durable outbox: isolation, retries with backoff, dead letters and replay."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable

import pytest
from flask import Flask
from sqlalchemy import func, select

from lrs.machinery import outbox as outbox_module
from lrs.machinery.outbox import LEASE_SECONDS, now_us
from lrs.models import OutboxDelivery, OutboxEvent, Statement
from lrs.plugin.events import AdminActionTaken, StatementsStored
from lrs.plugin.hookspecs import hookimpl
from lrs.store.text import MAX_RECORDED_CHARS
from tests.plugins.conftest import (
    AUTHORITY,
    CrashingPlugin,
    RecordingPlugin,
    deliver_start_up,
    runtime,
    statement,
    wait_for,
)

SECOND = 1_000_000


def outbox_rows(app: Flask) -> tuple[int, list[tuple[str, str, int, int | None]]]:
    """(events left, [(plugin, state, attempts, due_us)])."""
    with runtime(app).db.read() as session:
        events = session.scalar(select(func.count()).select_from(OutboxEvent))
        deliveries = session.execute(
            select(OutboxDelivery.plugin, OutboxDelivery.state, OutboxDelivery.attempts,
                   OutboxDelivery.due_us).order_by(OutboxDelivery.plugin)
        ).all()
    return events or 0, list(deliveries)


def ingest(app: Flask, *statements: dict[str, object]) -> list[str]:
    return runtime(app).host.ingest(1, list(statements), authority=AUTHORITY)


def test_statements_stored_is_delivered_after_commit_with_the_stored_statements(
    make_app: Callable[..., Flask],
) -> None:
    recording = RecordingPlugin()
    app = make_app(recording)
    deliver_start_up(app)
    first, second = statement(), statement(verb="http://adlnet.gov/expapi/verbs/completed")
    ids = ingest(app, first, second)
    assert recording.called("statements_stored") == []  # not inside the request
    assert runtime(app).outbox.process_pending() == 1
    [call] = recording.called("statements_stored")
    assert call["event"] == StatementsStored(tenant_id=1, statement_ids=tuple(ids))
    assert [s["id"] for s in call["statements"]] == ids
    assert call["statements"][1]["verb"]["id"] == "http://adlnet.gov/expapi/verbs/completed"
    assert call["statements"][0]["authority"] == AUTHORITY
    assert "stored" in call["statements"][0]
    assert [json.loads(s.json) for s in call["statements"]] == call["statements"]
    assert call["host"] is runtime(app).host
    assert outbox_rows(app) == (0, [])  # delivered everywhere: nothing left behind


class TextPlugin:
    """Takes the statements as stored JSON text only."""

    plugin_name = "texts"

    def __init__(self) -> None:
        self.texts: list[list[str]] = []

    @hookimpl
    def statements_stored(self, statements_json: list[str]) -> None:
        self.texts.append(statements_json)


def test_statements_stored_gives_the_json_text_as_stored_to_who_asks_for_it(
    make_app: Callable[..., Flask],
) -> None:
    texts, recording = TextPlugin(), RecordingPlugin()
    app = make_app(texts, recording)
    deliver_start_up(app)
    ids = ingest(app, statement(), statement(), statement())
    runtime(app).outbox.process_pending()
    with runtime(app).db.read() as session:
        stored = dict(session.execute(select(Statement.statement_id, Statement.payload)).all())
    assert texts.texts == [[stored[i] for i in ids]]  # the database's text, request order
    [call] = recording.called("statements_stored")
    assert [s.json for s in call["statements"]] == texts.texts[0]


def test_no_event_is_written_when_no_plugin_listens(make_app: Callable[..., Flask]) -> None:
    app = make_app()
    ingest(app, statement())
    assert outbox_rows(app) == (0, [])


def test_crashing_plugin_loses_no_statement_and_does_not_stop_the_others(
    make_app: Callable[..., Flask],
) -> None:
    recording, crashing = RecordingPlugin(), CrashingPlugin()
    app = make_app(recording, crashing, outbox_backoff_seconds=10)
    ids = ingest(app, statement())
    now = now_us()
    runtime(app).outbox.process_pending(now=now)
    assert len(recording.called("statements_stored")) == 1
    assert crashing.attempts == 1
    assert [s["id"] for s in runtime(app).host.get_statements(1, ids)] == ids
    events, deliveries = outbox_rows(app)
    assert events == 1
    assert deliveries == [("crashing", "retry", 1, now + 10 * SECOND),
                          ("recording", "done", 0, None)]


def test_failed_delivery_is_retried_with_exponential_backoff_for_that_plugin_only(
    make_app: Callable[..., Flask],
) -> None:
    recording, crashing = RecordingPlugin(), CrashingPlugin()
    app = make_app(recording, crashing, outbox_backoff_seconds=10, outbox_max_attempts=5)
    outbox = runtime(app).outbox
    ingest(app, statement())
    start = now_us()
    outbox.process_pending(now=start)
    assert outbox.process_pending(now=start + 9 * SECOND) == 0  # not due yet
    assert crashing.attempts == 1
    outbox.process_pending(now=start + 10 * SECOND)
    assert crashing.attempts == 2
    assert outbox_rows(app)[1][0] == ("crashing", "retry", 2, start + 30 * SECOND)  # +20 s
    outbox.process_pending(now=start + 30 * SECOND)
    assert outbox_rows(app)[1][0] == ("crashing", "retry", 3, start + 70 * SECOND)  # +40 s
    assert len(recording.called("statements_stored")) == 1  # never redelivered


def test_a_failure_whose_text_no_database_keeps_is_recorded_readable(
    make_app: Callable[..., Flask],
) -> None:
    """A remote system's answer in an error (NUL, a lone surrogate, megabytes) made
    recording the failure fail in turn on PostgreSQL."""
    crashing = CrashingPlugin()
    crashing.message = "LMS said \x00 and \ud800 " + "x" * 10_000
    app = make_app(crashing, outbox_backoff_seconds=1, outbox_max_attempts=1)
    ingest(app, statement())
    runtime(app).outbox.process_pending(now=now_us())

    [dead] = runtime(app).outbox.dead_letters()
    assert dead.last_error.startswith("ConnectionError: LMS said \ufffd and \ufffd")
    assert dead.last_error.endswith("x…")
    assert len(dead.last_error) <= MAX_RECORDED_CHARS


def test_delivery_is_dead_lettered_after_max_attempts_and_replay_redelivers_it(
    make_app: Callable[..., Flask],
) -> None:
    recording, crashing = RecordingPlugin(), CrashingPlugin()
    app = make_app(recording, crashing, outbox_backoff_seconds=1, outbox_max_attempts=2)
    outbox = runtime(app).outbox
    ingest(app, statement())
    start = now_us()
    outbox.process_pending(now=start)
    outbox.process_pending(now=start + SECOND)
    assert outbox_rows(app) == (1, [("crashing", "dead", 2, None),
                                    ("recording", "done", 0, None)])
    assert outbox.process_pending(now=start + 3600 * SECOND) == 0  # parked
    [dead] = outbox.dead_letters()
    assert (dead.plugin, dead.last_error) == ("crashing", "ConnectionError: LMS unreachable")

    assert outbox.replay(plugin="crashing", actor="cli:ops", now=start + 2 * SECOND) == 1
    crashing.failing = False  # the LMS is back
    # The replay's own event is due when it was written, by the clock: on a slow
    # machine more than the 2 s simulated here may have passed since ``start``.
    outbox.process_pending(now=max(start + 2 * SECOND, now_us()))
    assert crashing.attempts == 3
    assert len(recording.called("statements_stored")) == 1
    [started, action] = recording.called("admin_action_taken")
    assert started["event"].action == "configuration.recorded"
    assert action["event"] == AdminActionTaken(
        tenant_id=1, actor="cli:ops", action="outbox.replayed", target="plugin:crashing",
        occurred_us=start + 2 * SECOND, details={"deliveries": 1})
    assert outbox_rows(app) == (0, [])


def test_replay_of_another_plugin_leaves_dead_letters_alone(
    make_app: Callable[..., Flask],
) -> None:
    app = make_app(CrashingPlugin(), outbox_max_attempts=1)
    ingest(app, statement())
    runtime(app).outbox.process_pending()
    assert runtime(app).outbox.replay(plugin="recording") == 0
    assert outbox_rows(app)[1] == [("crashing", "dead", 1, None)]


def test_claimed_event_is_not_taken_by_a_second_processor_during_its_lease(
    make_app: Callable[..., Flask],
) -> None:
    seen: list[int] = []

    class SecondWorker:
        plugin_name = "second-worker"

        @hookimpl
        def statements_stored(self) -> None:
            # Another processor runs while this delivery is under way.
            seen.append(runtime(app).outbox.process_pending())

    app = make_app(SecondWorker())
    ingest(app, statement())
    now = now_us()
    assert runtime(app).outbox.process_pending(now=now) == 1
    assert seen == [0]


def test_event_of_a_processor_that_died_is_taken_again_after_the_lease(
    make_app: Callable[..., Flask],
) -> None:
    recording = RecordingPlugin()
    app = make_app(recording)
    deliver_start_up(app)
    ingest(app, statement())
    now = now_us()
    outbox = runtime(app).outbox
    outbox._claim(10, now)  # a processor claims the event, then dies
    assert outbox.process_pending(now=now + SECOND) == 0
    assert outbox.process_pending(now=now + LEASE_SECONDS * SECOND) == 1
    assert len(recording.called("statements_stored")) == 1


def test_inline_thread_delivers_soon_after_the_commit(make_app: Callable[..., Flask]) -> None:
    recording = RecordingPlugin()
    app = make_app(recording, outbox_inline=True, outbox_poll_seconds=60)
    ingest(app, statement())
    wait_for(lambda: recording.called("statements_stored"))
    assert len(recording.called("statements_stored")) == 1  # woken, not polled (60 s)


def test_inline_thread_of_a_restarted_server_delivers_what_was_left_on_first_request(
    make_app: Callable[..., Flask],
) -> None:
    ingest(make_app(RecordingPlugin()), statement())  # then the server stops
    recording = RecordingPlugin()
    app = make_app(recording, outbox_inline=True)
    assert recording.called("statements_stored") == []  # no thread before serving
    app.test_client().get("/xapi/about")
    wait_for(lambda: recording.called("statements_stored"))
    assert len(recording.called("statements_stored")) == 1


def test_events_survive_the_json_round_trip() -> None:
    from lrs.plugin.events import DocumentsChanged, Event, event_from_json

    events: list[Event] = [
        StatementsStored(tenant_id=2, statement_ids=("a", "b"), credential_id=7),
        DocumentsChanged(tenant_id=1, kind="state", action="deleted", document_ids=("x", "y"),
                         activity_id="http://example.com/a", agent_key="mbox:mailto:a@b.c",
                         registration=None, changed_us=5),
        AdminActionTaken(tenant_id=1, actor="cli:ops", action="credential.revoked",
                         target="credential:abc", occurred_us=9, details={"name": "lms"}),
    ]
    for event in events:
        assert event_from_json(event.hook, event.to_json()) == event


class BatchingPlugin:
    """Buffers the ids of each batch's events and writes them once, through host.defer."""

    plugin_name = "batching"

    def __init__(self, *, fail: bool = False) -> None:
        self.fail = fail
        self.buffer: list[tuple[str, ...]] = []
        self.written: list[list[tuple[str, ...]]] = []

    @hookimpl
    def statements_stored(self, host, event) -> None:  # type: ignore[no-untyped-def]
        self.buffer.append(event.statement_ids)
        host.defer(self.write)

    def write(self) -> None:
        batch, self.buffer = self.buffer, []
        if self.fail:
            raise RuntimeError("the store is down")
        self.written.append(batch)


def test_deferred_work_runs_once_per_delivery_batch_after_every_event(
    make_app: Callable[..., Flask],
) -> None:
    batching, recording = BatchingPlugin(), RecordingPlugin()
    app = make_app(batching, recording)
    deliver_start_up(app)
    first, second = ingest(app, statement()), ingest(app, statement())
    assert runtime(app).outbox.process_pending() == 2
    assert batching.written == [[tuple(first), tuple(second)]]
    assert outbox_rows(app) == (0, [])


def test_failing_deferred_work_fails_every_event_of_the_batch_for_that_plugin_alone(
    make_app: Callable[..., Flask],
) -> None:
    batching, recording = BatchingPlugin(fail=True), RecordingPlugin()
    app = make_app(batching, recording, outbox_backoff_seconds=10)
    deliver_start_up(app)
    ingest(app, statement())
    ingest(app, statement())
    now = now_us()
    assert runtime(app).outbox.process_pending(now=now) == 2
    assert len(recording.called("statements_stored")) == 2
    events, deliveries = outbox_rows(app)
    assert events == 2
    assert deliveries == [("batching", "retry", 1, now + 10 * SECOND)] * 2 + [
        ("recording", "done", 0, None)] * 2
    batching.fail = False
    assert runtime(app).outbox.process_pending(now=now + 10 * SECOND) == 2
    assert len(batching.written) == 1 and len(batching.written[0]) == 2
    assert len(recording.called("statements_stored")) == 2  # not redelivered to the others
    assert outbox_rows(app) == (0, [])


def test_defer_outside_a_post_commit_hook_is_refused(make_app: Callable[..., Flask]) -> None:
    app = make_app()
    with pytest.raises(RuntimeError, match="post-commit hook"):
        runtime(app).host.defer(lambda: None)


class CountedRun:
    """``Outbox.run`` in a thread of its own, recording the size of every claim."""

    def __init__(self, app: Flask, wakeup: threading.Event | None = None) -> None:
        self.claims: list[int] = []
        self.stopping = threading.Event()
        outbox = runtime(app).outbox
        process = outbox._process

        def counted(limit: int, now: int | None) -> tuple[int, bool]:
            claimed, full = process(limit, now)
            if claimed:
                self.claims.append(claimed)
            return claimed, full

        outbox._process = counted  # type: ignore[method-assign]
        self.thread = threading.Thread(target=outbox.run, args=(self.stopping,),
                                       kwargs={"wakeup": wakeup})

    def __enter__(self) -> CountedRun:
        self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stopping.set()
        self.thread.join(10)


def claims_after_a_partial_batch(app: Flask, more: int) -> tuple[list[int], float]:
    """Run the worker loop on one due event, then store ``more`` while it gathers.

    :returns: the loop's claims, and the seconds from the first of ``more`` to
        the claim that took the last of them.
    """
    deliver_start_up(app)
    ingest(app, statement())
    with CountedRun(app) as run:
        wait_for(lambda: run.claims == [1])
        started = time.monotonic()
        for _ in range(more):  # while the loop gathers after its batch of one
            ingest(app, statement())
        wait_for(lambda: sum(run.claims) == 1 + more)
        waited = time.monotonic() - started
    return run.claims, waited


def test_worker_loop_lets_events_gather_after_a_partial_batch(
    make_app: Callable[..., Flask],
) -> None:
    # No poll within the test: only gathering can bring the next three in.
    app = make_app(RecordingPlugin(), outbox_gather_ms=1500, outbox_poll_seconds=600)
    claims, _ = claims_after_a_partial_batch(app, 3)
    assert claims == [1, 3]  # one claim for the three, not three


def test_gathering_ends_once_events_stop_coming_not_at_its_longest(
    make_app: Callable[..., Flask],
) -> None:
    # Looks every second for at most five: the two events came before the first
    # look, none before the second, which claims them.
    app = make_app(RecordingPlugin(), outbox_gather_ms=5000, outbox_poll_seconds=600)
    claims, waited = claims_after_a_partial_batch(app, 2)
    assert claims == [1, 2]
    assert 1 <= waited < 4


def test_a_delivery_batch_ends_with_the_event_that_reaches_its_statement_bound(
    make_app: Callable[..., Flask], monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(outbox_module, "BATCH_STATEMENTS", 3)
    recording = RecordingPlugin()
    app = make_app(recording)
    deliver_start_up(app)
    batches = [ingest(app, statement(), statement()) for _ in range(3)]
    assert runtime(app).outbox.process_pending() == 2  # 2 + 2 statements reach 3
    assert [c["event"].statement_ids for c in recording.called("statements_stored")] == [
        tuple(ids) for ids in batches[:2]]
    assert runtime(app).outbox.process_pending() == 1
    assert outbox_rows(app) == (0, [])


def test_worker_loop_claims_again_at_once_after_a_batch_full_of_statements(
    make_app: Callable[..., Flask], monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Two events of two statements, a bound of two: two full batches. A loop that
    # took the first for a partial one would gather (a minute) before the second.
    monkeypatch.setattr(outbox_module, "BATCH_STATEMENTS", 2)
    app = make_app(RecordingPlugin(), outbox_gather_ms=60_000, outbox_poll_seconds=600)
    deliver_start_up(app)
    for _ in range(2):
        ingest(app, statement(), statement())
    started = time.monotonic()
    with CountedRun(app) as run:
        wait_for(lambda: sum(run.claims) == 2)
    assert run.claims == [1, 1]
    assert time.monotonic() - started < 10


def test_woken_loop_lets_the_burst_gather_before_claiming(
    make_app: Callable[..., Flask],
) -> None:
    app = make_app(RecordingPlugin(), outbox_gather_ms=1500, outbox_poll_seconds=600)
    deliver_start_up(app)
    wakeup = threading.Event()
    with CountedRun(app, wakeup) as run:
        for _ in range(3):
            ingest(app, statement())
            wakeup.set()  # what each commit does for the inline thread
        wait_for(lambda: sum(run.claims) == 3)
    assert run.claims == [3]


def test_worker_loop_once_delivers_everything_due_without_gathering(
    make_app: Callable[..., Flask],
) -> None:
    app = make_app(RecordingPlugin(), outbox_gather_ms=60_000)
    deliver_start_up(app)
    for _ in range(3):
        ingest(app, statement())
    started = time.monotonic()
    assert runtime(app).outbox.run(threading.Event(), once=True) == 3
    assert time.monotonic() - started < 30  # never waited the minute
