"""Statement forwarding to a receiver that fails: slow, erroring, rate limiting, answering
nonsense. Nothing acknowledged is lost, runs fail with a readable error and back off,
repeated failures pause the instance, and resuming it delivers the backlog."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

from tests.connectors.outbound.conftest import create, ok
from tests.connectors.outbound.remotes import Answer, ScriptedServer
from tests.connectors.outbound.test_forwarding_weft import with_id

PASSWORD = "receiver-password-42"


def config(remote: ScriptedServer, **extra: Any) -> dict[str, Any]:
    return {"endpoint": remote.url + "xapi", "username": "weft", "password": PASSWORD, **extra}


def failed(result: Result) -> str:
    assert result.exit_code == 1, result.output
    return result.output


def show(lrs: Callable[..., Result], name: str) -> dict[str, Any]:
    return json.loads(ok(lrs("connectors", "show", name)))


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        (Answer(500, "database is down"), "answered HTTP 500: database is down"),
        (Answer(503, "", {"Retry-After": "120"}), "answered HTTP 503 (Retry-After: 120)"),
        (
            Answer(429, "slow down", {"Retry-After": "30"}),
            "answered HTTP 429 (Retry-After: 30): slow down",
        ),
        (Answer(200, "<html>proxy</html>"), "answered HTTP 200 with a body that is not the list"),
        (Answer(200, {"ids": []}), "answered HTTP 200 with a body that is not the list"),
        (Answer(200, "[" * 100_000), "answered HTTP 200 with a body that is not the list"),
        (Answer(delay=2.5), "the receiving LRS: no answer from http://127.0.0.1:"),
        (Answer(401, "bad credentials"), "answered HTTP 401: bad credentials"),
    ],
)
def test_a_failed_delivery_fails_the_run_and_keeps_the_queue(
    remote: ScriptedServer,
    lrs: Callable[..., Result],
    post: Callable[..., list[str]],
    queued: Callable[[], list[str]],
    tmp_path: Path,
    answer: Answer,
    error: str,
) -> None:
    create(lrs, "copy", "forwarding", config(remote, timeout_seconds=1), tmp_path)
    ids = post([with_id(), with_id()])
    remote.answer(answer)

    output = failed(lrs("connectors", "run", "copy"))

    assert error in output
    assert PASSWORD not in output
    assert queued() == ids
    assert show(lrs, "copy")["failures"] == 1
    [request] = remote.requests
    assert request.method == "POST" and request.path == "/xapi/statements"
    assert request.headers["x-experience-api-version"] == "2.0.0"
    assert [s["id"] for s in request.json()] == ids

    assert "sent 2" in ok(lrs("connectors", "run", "copy"))  # the receiver is back
    assert queued() == []
    assert [s["id"] for s in remote.requests[-1].json()] == ids


def test_repeated_failures_pause_the_instance_until_resumed_and_nothing_is_lost(
    remote: ScriptedServer,
    lrs: Callable[..., Result],
    post: Callable[..., list[str]],
    queued: Callable[[], list[str]],
    tmp_path: Path,
) -> None:
    create(lrs, "copy", "forwarding", config(remote), tmp_path)
    remote.default = Answer(500, "down")
    ids = post([with_id()])
    for _ in range(3):  # LRS_CONNECTOR_MAX_FAILURES in the fixture
        failed(lrs("connectors", "run", "copy"))
    assert show(lrs, "copy")["state"] == "paused"
    ids += post([with_id()])  # still queued while paused
    calls = len(remote.requests)
    ok(lrs("worker", "--once"))
    assert len(remote.requests) == calls  # a paused instance does not run

    remote.default = Answer(200, [])
    assert "is enabled" in ok(lrs("connectors", "resume", "copy"))
    ok(lrs("worker", "--once"))

    assert queued() == []
    assert [s["id"] for s in remote.requests[-1].json()] == ids
    runs = json.loads(ok(lrs("connectors", "runs", "copy", "--json")))
    assert [r["status"] for r in runs] == ["succeeded", "failed", "failed", "failed"]
    assert runs[0]["sent"] == 2 and [r["trigger"] for r in runs] == ["schedule", *["manual"] * 3]


def test_a_failure_between_single_puts_keeps_only_the_unsent_ones(
    remote: ScriptedServer,
    lrs: Callable[..., Result],
    post: Callable[..., list[str]],
    queued: Callable[[], list[str]],
    tmp_path: Path,
) -> None:
    """After a 409 for the batch, statements go one by one; a 500 halfway keeps the rest."""
    create(lrs, "copy", "forwarding", config(remote), tmp_path)
    ids = post([with_id() for _ in range(3)])
    remote.answer(Answer(409, "conflict"), Answer(204), Answer(500, "down"))

    failed(lrs("connectors", "run", "copy"))

    assert queued() == ids[1:]
    puts = [r for r in remote.requests if r.method == "PUT"]
    assert [(r.path, r.query) for r in puts] == [
        ("/xapi/statements", f"statementId={i}") for i in ids[:2]
    ]


def test_a_bad_configuration_is_refused_naming_each_field(
    lrs: Callable[..., Result], tmp_path: Path
) -> None:
    path = tmp_path / "bad.json"
    path.write_text(
        json.dumps(
            {
                "endpoint": "ftp://lrs",
                "auth": "oauth2",
                "version": "1.0",
                "actors": [{"name": "no identifier"}],
            }
        )
    )
    result = lrs("connectors", "create", "bad", "--type", "forwarding", "--config", str(path))
    assert result.exit_code != 0
    for part in (
        "$.endpoint",
        "$.version",
        "$.token_url: required with auth=oauth2",
        "$.client_secret",
        "$.actors[0]: give an Agent with exactly one of",
    ):
        assert part in result.output


def test_batches_in_flight_are_acknowledged_in_queue_order_only(
    remote: ScriptedServer,
    lrs: Callable[..., Result],
    post: Callable[..., list[str]],
    queued: Callable[[], list[str]],
    tmp_path: Path,
) -> None:
    """Two batches on the wire: the later one landing first is not acknowledged when the
    earlier one fails, so both are owed (sent again) and nothing is skipped."""
    create(lrs, "copy", "forwarding", config(remote, batch_size=1, concurrency=2), tmp_path)
    ids = post([with_id(), with_id()])
    remote.decide = lambda request: (
        Answer(500, "slow and down", delay=0.5)
        if request.json()[0]["id"] == ids[0]
        else Answer(200, [])
    )

    failed(lrs("connectors", "run", "copy"))
    remote.decide = None

    assert sorted(r.json()[0]["id"] for r in remote.requests) == sorted(ids)
    assert queued() == ids
    assert "sent 2" in ok(lrs("connectors", "run", "copy"))
    assert queued() == []


@pytest.mark.parametrize(
    "token",
    [
        {"access_token": "abc\r\nX-Injected: 1", "expires_in": 300},
        {"access_token": {"value": "abc"}, "expires_in": 300},
        '{"access_token": "abc", "expires_in": NaN}',
    ],
    ids=["line-break", "object", "nan-lifetime"],
)
def test_a_token_that_cannot_be_sent_as_a_bearer_fails_the_run_saying_so(
    remote: ScriptedServer,
    lrs: Callable[..., Result],
    post: Callable[..., list[str]],
    queued: Callable[[], list[str]],
    tmp_path: Path,
    token: Any,
) -> None:
    """A line break went into the Authorization header ("cannot reach (InvalidHeader)"),
    an object was sent as its text, a NaN lifetime was kept."""
    settings = {"endpoint": remote.url + "xapi", "auth": "oauth2", "timeout_seconds": 5,
                "token_url": remote.url + "oauth/token", "client_id": "weft",
                "client_secret": PASSWORD}
    create(lrs, "copy", "forwarding", settings, tmp_path)
    ids = post([with_id()])
    remote.answer(Answer(200, token))

    output = failed(lrs("connectors", "run", "copy"))

    assert "token endpoint" in output and "without a usable access_token" in output
    assert [r.path for r in remote.requests] == ["/oauth/token"]
    assert queued() == ids
