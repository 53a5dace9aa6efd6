"""``X-Experience-API-Consistent-Through``: a client paging by ``since`` skips nothing.

A write takes its ``stored`` time before its commit makes it visible. Here the first
write's commit is held (as a slow disk or a busy group commit holds it) while another
request reads: the statement is not in that answer, so the header must not promise
its ``stored`` time.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from lrs.models.types import iso_milliseconds
from tests.conftest import listening
from tests.http.statement_helpers import make_statement, post

HEADER = "X-Experience-API-Consistent-Through"


def _parse(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _stored(client: FlaskClient, headers: dict[str, str], statement_id: str) -> datetime:
    response = client.get("/xapi/statements", query_string={"statementId": statement_id},
                          headers=headers)
    assert response.status_code == 200
    return _parse(response.get_json()["stored"])


@contextmanager
def held_commit(app: Flask, *, until: threading.Event) -> Iterator[threading.Event]:
    """Hold the application's next write commit until ``until`` is set (5 s at most);
    yields the event set once that commit is waiting."""
    waiting = threading.Event()

    def on_commit(connection: Any) -> None:
        if not connection.get_execution_options().get("lrs_write") or waiting.is_set():
            return  # a read, or a commit after the held one
        waiting.set()
        until.wait(5)

    with listening(app, "commit", on_commit):
        yield waiting


@contextmanager
def posting_with_commit_held(app: Flask, headers: dict[str, str], *,
                             until: threading.Event) -> Iterator[list[Any]]:
    """POST a statement from another thread; its commit waits for ``until``. Yields,
    once the commit waits, a list that holds the POST's answer after the block."""
    answer: list[Any] = []
    with held_commit(app, until=until) as waiting:
        thread = threading.Thread(target=lambda: answer.append(app.test_client().post(
            "/xapi/statements", json=make_statement(), headers=headers)))
        thread.start()
        try:
            assert waiting.wait(5), "the POST never reached its commit"
            yield answer
        finally:
            until.set()
            thread.join(10)
    (response,) = answer
    assert response.status_code == 200, response.get_data(as_text=True)
    answer[:] = response.get_json()


def test_a_statement_not_yet_visible_is_after_consistent_through(
    app: Flask, client: FlaskClient, headers: dict[str, str], caplog: pytest.LogCaptureFixture,
) -> None:
    post(client, headers, make_statement())  # the credential's first write is done
    read = threading.Event()
    with caplog.at_level(logging.WARNING, logger="lrs.ingest"), \
            posting_with_commit_held(app, headers, until=read) as answer:
        got = client.get("/xapi/statements", headers=headers)
        read.set()
    (statement_id,) = answer
    assert got.status_code == 200
    assert statement_id not in {s["id"] for s in got.get_json()["statements"]}
    stored = _stored(client, headers, statement_id)
    assert stored > _parse(got.headers[HEADER])
    assert not [r for r in caplog.records if r.name == "lrs.ingest"]  # within the lag


@pytest.mark.app_settings(consistent_through_lag_ms=0)
def test_without_a_lag_the_header_promises_what_a_reader_could_not_see(
    app: Flask, client: FlaskClient, headers: dict[str, str],
) -> None:
    """Why the lag exists: the time of the answer is past a pending write's ``stored``."""
    post(client, headers, make_statement())
    read = threading.Event()
    with posting_with_commit_held(app, headers, until=read) as answer:
        got = client.get("/xapi/statements", headers=headers)
        read.set()
    (statement_id,) = answer
    assert statement_id not in {s["id"] for s in got.get_json()["statements"]}
    stored = _stored(client, headers, statement_id)
    assert stored <= _parse(got.headers[HEADER])


@pytest.mark.app_settings(consistent_through_lag_ms=60_000)
def test_consistent_through_is_the_time_of_the_answer_less_the_lag(
    client: FlaskClient, headers: dict[str, str],
) -> None:
    lag = timedelta(milliseconds=60_000)
    before = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=1)
    answers = [client.get("/xapi/statements", headers=headers),
               client.post("/xapi/statements", json=make_statement(), headers=headers),
               client.get("/xapi/statements", query_string={"verb": "nonsense"},
                          headers=headers)]
    after = datetime.now(UTC)
    assert [r.status_code for r in answers] == [200, 200, 400]
    for response in answers:
        assert before - lag <= _parse(response.headers[HEADER]) <= after - lag


@pytest.mark.app_settings(consistent_through_lag_ms=50)
def test_a_write_slower_than_the_lag_is_logged(
    app: Flask, client: FlaskClient, headers: dict[str, str], caplog: pytest.LogCaptureFixture,
) -> None:
    post(client, headers, make_statement())
    slow = threading.Event()
    with caplog.at_level(logging.WARNING, logger="lrs.ingest"), \
            posting_with_commit_held(app, headers, until=slow) as answer:
        threading.Event().wait(0.3)  # the commit is held meanwhile
    (statement_id,) = answer
    stored = _stored(client, headers, statement_id)
    (record,) = [r for r in caplog.records if r.name == "lrs.ingest"]
    assert record.levelno == logging.WARNING
    message = record.getMessage()
    assert f"1 statement(s) stored at {iso_milliseconds(stored)} became visible" in message
    assert "more than LRS_CONSISTENT_THROUGH_LAG_MS (50)" in message
    took = int(message.split("became visible ")[1].split(" ms")[0])
    assert 300 <= took < 10_000
