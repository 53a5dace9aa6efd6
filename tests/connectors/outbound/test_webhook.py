"""Webhook out: completions POSTed to a loopback endpoint, signed, with an idempotency
key, at least once across failures."""

from __future__ import annotations

import json
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

from click.testing import Result

from connectors.webhook.signing import verify
from lrs.plugin.testing import deliver
from tests.connectors.loopback import raw_server
from tests.connectors.outbound.conftest import create, ok
from tests.connectors.outbound.remotes import Answer, ScriptedServer
from tests.connectors.outbound.test_forwarding_weft import COMPLETED, EXPERIENCED, with_id

SECRET = "whsec-0123456789abcdef"
PASSED = "http://adlnet.gov/expapi/verbs/passed"
COURSE = "https://example.com/courses/fire-safety"


def hook(remote: ScriptedServer, **extra: Any) -> dict[str, Any]:
    return {"url": remote.url + "hooks/weft", "secret": SECRET, **extra}


def test_completions_are_posted_signed_with_an_idempotency_key(
    remote: ScriptedServer,
    lrs: Callable[..., Result],
    post: Callable[..., list[str]],
    queued: Callable[[], list[str]],
    tmp_path: Path,
) -> None:
    create(lrs, "hr-hook", "webhook", hook(remote, activities=[COURSE]), tmp_path)
    finished = {**with_id(EXPERIENCED), "result": {"completion": True}}
    other_course = with_id(activity="https://example.com/courses/other")
    ids = post([with_id(), with_id(EXPERIENCED), with_id(PASSED), finished, other_course])
    assert queued() == [ids[0], ids[2], ids[3]]

    assert "sent 3" in ok(lrs("connectors", "run", "hr-hook"))

    assert [r.path for r in remote.requests] == ["/hooks/weft"] * 3
    for request, statement_id in zip(remote.requests, [ids[0], ids[2], ids[3]], strict=True):
        assert request.headers["idempotency-key"] == statement_id
        assert request.headers["weft-event"] == "statement.completed"
        assert verify(SECRET, request.body, request.headers["weft-signature"])
        assert not verify(SECRET, request.body + b" ", request.headers["weft-signature"])
        assert not verify("another-secret-value", request.body, request.headers["weft-signature"])
        sent = request.json()
        assert (sent["type"], sent["id"], sent["statement"]["id"]) == (
            "statement.completed",
            statement_id,
            statement_id,
        )
    assert queued() == []
    shown = ok(lrs("connectors", "show", "hr-hook"))
    assert SECRET not in shown and json.loads(shown)["secrets_set"] == ["secret"]


def test_a_failed_call_is_retried_and_those_acknowledged_are_not_sent_again(
    remote: ScriptedServer,
    lrs: Callable[..., Result],
    post: Callable[..., list[str]],
    queued: Callable[[], list[str]],
    tmp_path: Path,
) -> None:
    create(lrs, "hook", "webhook", hook(remote, timeout_seconds=1), tmp_path)
    ids = post([with_id(COMPLETED) for _ in range(3)])
    remote.answer(Answer(200), Answer(502, "bad gateway"))

    result = lrs("connectors", "run", "hook")
    assert (
        result.exit_code == 1
        and "the webhook: " + remote.url + "hooks/weft answered HTTP 502: bad gateway"
        in result.output
    )
    assert queued() == ids[1:]

    remote.answer(Answer(delay=2))  # a timeout: still owed
    assert "within 1 s" in lrs("connectors", "run", "hook").output
    assert queued() == ids[1:]

    assert "sent 2" in ok(lrs("connectors", "run", "hook"))
    keys = [r.headers["idempotency-key"] for r in remote.requests]
    assert keys == [ids[0], ids[1], ids[1], ids[1], ids[2]]
    assert queued() == []


def test_an_acknowledgement_with_a_body_without_end_is_not_read_past_its_start(
    lrs: Callable[..., Result],
    post: Callable[..., list[str]],
    queued: Callable[[], list[str]],
    tmp_path: Path,
) -> None:
    """The body of a 2xx is not used: it was read up to the 256 MiB limit of every
    answer, then the call failed, so an endpoint answering 200 and then bytes without
    end cost 256 MiB of reading per call and acknowledged nothing."""
    sent = {"bytes": 0}

    def endless(connection: socket.socket, _: bytes) -> None:
        connection.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
        chunk = b"10000\r\n" + b"x" * 65536 + b"\r\n"
        while True:
            connection.sendall(chunk)
            sent["bytes"] += len(chunk)

    with raw_server(endless) as url:
        create(lrs, "hook", "webhook", {"url": f"{url}/hooks/weft", "secret": SECRET},
               tmp_path)
        ids = post([with_id(COMPLETED) for _ in range(2)])
        assert "sent 2" in ok(lrs("connectors", "run", "hook"))

    assert queued() == [] and len(ids) == 2
    # What the sockets' buffers took in before the connection was closed, at most.
    assert sent["bytes"] < 2 * 16 * 1024 * 1024


def test_deleting_an_instance_drops_its_backlog_only(
    remote: ScriptedServer,
    lrs: Callable[..., Result],
    post: Callable[..., list[str]],
    queued: Callable[[], list[str]],
    tmp_path: Path,
    sender: Any,
) -> None:
    create(lrs, "one", "webhook", hook(remote), tmp_path)
    create(lrs, "two", "webhook", hook(remote), tmp_path)
    [statement_id] = post([with_id()])
    assert queued() == [statement_id, statement_id]

    ok(lrs("connectors", "delete", "one", "--yes"))
    deliver(sender)  # the connector.deleted action reaches the plugin

    assert queued() == [statement_id]
    assert "sent 1" in ok(lrs("connectors", "run", "two"))


def test_a_short_signing_secret_is_refused(lrs: Callable[..., Result], tmp_path: Path) -> None:
    path = tmp_path / "hook.json"
    path.write_text(json.dumps({"url": "https://hooks.example.com/x", "secret": "short"}))
    result = lrs("connectors", "create", "hook", "--type", "webhook", "--config", str(path))
    assert result.exit_code == 1
    assert "$.secret: Shorter than minimum length 16." in result.output


def test_compliance_status_changes_are_posted_once_each_after_a_silent_baseline(
    remote: ScriptedServer,
    sender: Any,
    lrs: Callable[..., Result],
    post: Callable[..., list[str]],
    lrs_database_url: str,
    tmp_path: Path,
) -> None:
    from sqlalchemy import create_engine, text

    host = sender.extensions["lrs"].host
    people = [{"employee_id": "E1", "email": "ada@example.com"},
              {"employee_id": "E2", "email": "bo@example.com"}]
    assert not host.import_people(1, people, actor="test").errors
    assignment = host.create_assignment(
        1, {"person": "E1", "activity": COURSE, "due": "2030-06-30"}, actor="test")
    second = host.create_assignment(
        1, {"person": "E2", "activity": COURSE, "due": "2030-06-30"}, actor="test")
    create(lrs, "hr-hook", "webhook", hook(remote, statuses=True, activities=[COURSE]),
           tmp_path)

    def later() -> None:  # as if status_check_minutes had passed
        engine = create_engine(lrs_database_url)
        with engine.begin() as connection:
            connection.execute(text("UPDATE webhook_status_checks SET checked_us = 0"))
        engine.dispose()

    ok(lrs("connectors", "run", "hr-hook"))
    assert remote.requests == []  # the baseline: statuses as they are, nothing posted
    [done] = post([with_id()])  # ada completes the course
    later()
    assert "sent 2" in ok(lrs("connectors", "run", "hr-hook"))
    completion, change = remote.requests
    assert completion.headers["idempotency-key"] == done
    assert change.headers["weft-event"] == "compliance.status_changed"
    assert change.headers["idempotency-key"] == f"{assignment.id}:E1:compliant:2030-06-30"
    assert verify(SECRET, change.body, change.headers["weft-signature"])
    sent = change.json()
    assert {k: sent[k] for k in ("type", "assignment", "employee_id", "previous", "status",
                                 "due", "activities")} == {
        "type": "compliance.status_changed", "assignment": assignment.id, "employee_id": "E1",
        "previous": "not_started", "status": "compliant", "due": "2030-06-30",
        "activities": [COURSE]}
    assert [e["statement"] for e in sent["evidence"]] == [done]

    later()
    ok(lrs("connectors", "run", "hr-hook"))
    assert len(remote.requests) == 2  # nothing changed since: nothing posted

    post([with_id(mbox="mailto:bo@example.com")])
    remote.answer(Answer(200), Answer(503, "busy"))
    later()
    assert lrs("connectors", "run", "hr-hook").exit_code == 1  # not acknowledged: owed
    later()
    ok(lrs("connectors", "run", "hr-hook"))
    keys = [r.headers["idempotency-key"] for r in remote.requests[2:]]
    assert keys[1:] == [f"{second.id}:E2:compliant:2030-06-30"] * 2
