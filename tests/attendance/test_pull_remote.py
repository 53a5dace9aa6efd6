"""The ``zoom`` pull held to the rules of :mod:`lrs.plugin.remote`, as every connector's
calls are: a Zoom API that misbehaves on purpose, served by a raw socket loop on
127.0.0.1 (:func:`tests.connectors.loopback.raw_server`), since what is tested is how
an answer arrives (a byte at a time, without end, nested without end, with an escape
sequence, redirected to another site). Each run goes through the connectors runtime,
on both backends; its error is what an administrator reads."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask

from lrs.services.connectors import RunView
from plugins.attendance.pull.remote import _lifetime
from tests.attendance.test_pull import NINE, create, meeting, plan, run
from tests.connectors.loopback import Answer, http, raw_server, sends

UUID = "uuid-1=="


def read_body(connection: socket.socket, head: bytes) -> None:
    """Read the rest of a request's body: a socket closed with data unread resets the
    connection, and the client might lose the answer."""
    length = next((int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                   if line.lower().startswith(b"content-length:")), 0)
    left = length - len(head.split(b"\r\n\r\n", 1)[1])
    while left > 0:
        left -= len(connection.recv(left) or b"x" * left)


def zoom(participants: Answer) -> Answer:
    """Zoom's token endpoint and the list of ended meetings (one, which a session
    plans) answered as documented; the meeting's participants by ``participants``."""
    def answer(connection: socket.socket, head: bytes) -> None:
        path = head.split(b" ", 2)[1].decode()
        read_body(connection, head)
        if path.startswith("/oauth/token"):
            token = {"access_token": "live-token", "token_type": "bearer", "expires_in": 3599}
            connection.sendall(http("200 OK", json.dumps(token).encode()))
        elif path.startswith("/v2/report/users/"):
            listed = {"next_page_token": "", "meetings": [meeting(85746065432, UUID, NINE)]}
            connection.sendall(http("200 OK", json.dumps(listed).encode()))
        else:
            participants(connection, head)
    return answer


@pytest.fixture
def pull(att_app: Flask) -> Iterator[Callable[[Answer], tuple[RunView, float]]]:
    """Run a ``zoom`` connector whose meeting's participants are answered by the
    given function: the run, and how long it took."""
    plan(att_app, "onboarding", NINE, meeting_id="857 4606 5432", platform="zoom")

    def pulled(participants: Answer) -> tuple[RunView, float]:
        with raw_server(zoom(participants)) as url:
            create(att_app, "zoom", config(url))
            started = time.monotonic()
            done = run(att_app)
            return done, time.monotonic() - started

    yield pulled


def config(url: str, **more: Any) -> dict[str, Any]:
    return {"account_id": "acct-1", "client_id": "zoom-client",
            "client_secret": "zoom-secret-value", "users": ["host@example.com"],
            "api_url": f"{url}/v2", "token_url": f"{url}/oauth/token",
            "timeout_seconds": 1, **more}


def test_participants_dripping_in_fail_the_run_at_the_timeout(pull: Any) -> None:
    """A byte every tenth of a second used to hold the run 30 s here (and for good
    with a body without end): ``timeout_seconds`` is the whole call's."""
    body = b'{"participants": [' + b" " * 282
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 300\r\n\r\n"
    done, took = pull(sends(head, *(bytes([byte]) for byte in body), pause=0.1))

    assert done.status == "failed"
    assert took < 5, took
    assert "participants: " in done.error
    assert "did not send its whole answer within 1 s" in done.error


@pytest.mark.parametrize(
    ("answer", "shown"),
    [
        (http("500 Internal Server Error", b"bad \x1b[2J\r\nRemoteError: forged\x00 \xe2\x80\xae"),
         "answered HTTP 500: bad \\x1b[2J RemoteError: forged\\x00 \\u202e"),
        (http("429 Too Many Requests", b"{}", "Retry-After: 3600",
              "X-RateLimit-Type: Daily\x1b[31m-limit"),
         "(HTTP 429, retry after 3600 s, Daily\\x1b[31m-limit)"),
    ],
    ids=["error-body", "rate-limit-type"],
)
def test_the_platforms_text_in_the_runs_error_is_quoted_escaped(
    pull: Any, answer: bytes, shown: str
) -> None:
    """An escape sequence Zoom sends must not act in ``lrs connectors runs``' terminal,
    nor a NUL or a bidirectional override pass into the page or the log."""
    done, _ = pull(sends(answer))

    assert done.status == "failed"
    assert shown in done.error, done.error
    assert not any(char in done.error for char in "\x1b\x00\u202e\r\n")


def test_an_answer_past_the_size_limit_fails_the_run(
    pull: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An answer without end fails at the limit, not once it has filled the memory (the
    server here gives up after 16 MiB, for the old code's sake)."""
    monkeypatch.setattr("plugins.attendance.pull.remote.MAX_ANSWER_BYTES", 1024 * 1024,
                        raising=False)
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n"
    done, _ = pull(sends(head, b'{"participants": [', *[b" " * 65536] * 256))

    assert done.status == "failed"
    assert "sent an answer larger than 1048576 bytes" in done.error, done.error


def test_json_nested_too_deep_fails_the_run_as_not_json(pull: Any) -> None:
    """It raised ``RecursionError``, which named no call."""
    done, _ = pull(sends(http("200 OK", b"[" * 200_000)))

    assert done.status == "failed"
    assert "participants: the answer of " in done.error
    assert "is not valid JSON (nested too deep to read)" in done.error, done.error


def test_a_redirect_to_another_site_is_refused(pull: Any) -> None:
    """The bearer token goes only to the configured API: ``requests`` strips the
    ``Authorization`` header on such a redirect, but the run then read whatever the
    other site said as Zoom's participants."""
    asked: list[bytes] = []

    def elsewhere(connection: socket.socket, head: bytes) -> None:
        asked.append(head)
        connection.sendall(http("200 OK", b'{"participants": [], "next_page_token": ""}'))

    with raw_server(elsewhere) as other:
        done, _ = pull(sends(http("302 Found", b"", f"Location: {other}/participants")))

    assert done.status == "failed"
    assert f"redirected to another site ({other}/participants)" in done.error, done.error
    assert asked == []


@pytest.mark.parametrize(
    ("expires_in", "seconds"),
    [(3599, 3599.0), (1e400, 3600.0), (10**400, 3600.0), ("3599", 3600.0), (None, 3600.0)],
)
def test_a_token_lifetime_that_is_no_finite_number_counts_as_an_hour(
    expires_in: object, seconds: float
) -> None:
    """JSON reads ``1e400`` as infinity: such a token was kept for good, and a whole
    number too large for a float raised ``OverflowError``."""
    assert _lifetime(expires_in) == seconds
