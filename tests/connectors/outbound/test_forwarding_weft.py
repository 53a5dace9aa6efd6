"""Statement forwarding to a second Weft served by gunicorn: every matching statement
arrives once, with its id, whatever is sent again."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from flask import Flask
from sqlalchemy import create_engine, text

from connectors.forwarding import OUTBOUND
from lrs.plugin.testing import ApiCredential, deliver, statement
from tests.connectors.outbound.conftest import create, ok
from tests.connectors.outbound.remotes import ReceivingWeft

pytestmark = pytest.mark.server

COMPLETED = "http://adlnet.gov/expapi/verbs/completed"
EXPERIENCED = "http://adlnet.gov/expapi/verbs/experienced"
VOIDED = "http://adlnet.gov/expapi/verbs/voided"


def with_id(
    verb: str = COMPLETED,
    mbox: str = "mailto:ada@example.com",
    activity: str = "https://example.com/courses/fire-safety",
) -> dict[str, Any]:
    return {**statement(verb, mbox, activity=activity), "id": str(uuid.uuid4())}


def basic(receiver: ReceivingWeft, **config: Any) -> dict[str, Any]:
    key, secret = receiver.basic
    return {"endpoint": receiver.endpoint, "username": key, "password": secret, **config}


def received(receiver: ReceivingWeft, ids: list[str]) -> list[str]:
    """Of ``ids``, those the receiver holds, as many times as it holds them."""
    wanted = set(ids)
    return sorted(s["id"] for s in receiver.statements() if s["id"] in wanted)


def test_forwarded_statements_arrive_once_with_their_ids(
    receiver: ReceivingWeft,
    lrs: Callable[..., Result],
    post: Callable[..., list[str]],
    queued: Callable[[], list[str]],
    tmp_path: Path,
) -> None:
    create(lrs, "copy", "forwarding", basic(receiver), tmp_path)
    first = post([with_id() for _ in range(3)])
    second = post([with_id(EXPERIENCED)])
    assert queued() == first + second

    output = ok(lrs("connectors", "run", "copy", "--until-done"))

    assert "succeeded: fetched 4, stored 0, skipped 0, sent 4" in output
    assert queued() == []
    assert received(receiver, first + second) == sorted(first + second)
    stored = {s["id"]: s for s in receiver.statements()}
    assert stored[first[0]]["verb"]["id"] == COMPLETED


def test_a_batch_sent_again_is_no_duplicate_at_the_receiver(
    receiver: ReceivingWeft,
    lrs: Callable[..., Result],
    post: Callable[..., list[str]],
    queued: Callable[[], list[str]],
    sender: Any,
    tmp_path: Path,
) -> None:
    """What a worker killed between the receiver's answer and the queue's deletion does."""
    create(lrs, "copy", "forwarding", basic(receiver), tmp_path)
    ids = post([with_id() for _ in range(5)])
    ok(lrs("connectors", "run", "copy"))
    runtime = sender.extensions["lrs"]
    texts = runtime.host.statement_texts(1, ids)
    OUTBOUND.enqueue(runtime.host, [(1, [texts[i] for i in ids])])
    assert queued() == ids

    assert "sent 5" in ok(lrs("connectors", "run", "copy"))
    assert queued() == []
    assert received(receiver, ids) == sorted(ids)


def test_only_statements_passing_the_filters_are_forwarded_and_voiding_follows(
    receiver: ReceivingWeft,
    lrs: Callable[..., Result],
    post: Callable[..., list[str]],
    tmp_path: Path,
) -> None:
    course = "https://example.com/courses/first-aid"
    create(
        lrs,
        "first-aid",
        "forwarding",
        basic(
            receiver,
            verbs=[COMPLETED],
            activities=[course],
            actors=[
                {"mbox": "mailto:Ada@Example.com"},
                {"account": {"homePage": "https://sso.example.com", "name": "bob"}},
            ],
        ),
        tmp_path,
    )
    bob = {"account": {"homePage": "https://sso.example.com", "name": "bob"}}
    wanted = [with_id(activity=course), {**with_id(activity=course), "actor": bob}]
    other = [
        with_id(EXPERIENCED, activity=course),
        with_id(),
        with_id(activity=course, mbox="mailto:eve@example.com"),
    ]
    ids = post(wanted + other)
    # Voided by someone outside the filter: the receiver must void it too.
    voiding = with_id(VOIDED, mbox="mailto:admin@example.com")
    voiding["object"] = {"objectType": "StatementRef", "id": ids[0]}
    unrelated = with_id(VOIDED, mbox="mailto:admin@example.com")
    unrelated["object"] = {"objectType": "StatementRef", "id": ids[2]}
    post([voiding, unrelated])

    ok(lrs("connectors", "run", "first-aid", "--until-done"))

    assert received(receiver, [*ids, voiding["id"], unrelated["id"]]) == sorted(
        [ids[1], voiding["id"]]
    )
    assert receiver.statement(ids[0], voided=True) == 200


def test_a_conflicting_statement_is_reported_and_does_not_block_the_others(
    receiver: ReceivingWeft,
    lrs: Callable[..., Result],
    post: Callable[..., list[str]],
    queued: Callable[[], list[str]],
    tmp_path: Path,
) -> None:
    clash = with_id()
    receiver_copy = {**clash, "verb": {"id": EXPERIENCED}}
    assert receiver.post([receiver_copy]) == 200
    create(lrs, "copy", "forwarding", basic(receiver), tmp_path)
    ids = post([with_id(), clash, with_id()])

    run = ok(lrs("connectors", "run", "copy"))

    assert "fetched 3, stored 0, skipped 1, sent 2" in run
    assert f"receiver refused statement {clash['id']} (409)" in run
    assert queued() == []
    assert received(receiver, [ids[0], ids[2]]) == sorted([ids[0], ids[2]])
    [kept] = [s for s in receiver.statements() if s["id"] == clash["id"]]
    assert kept["verb"]["id"] == EXPERIENCED


@pytest.mark.parametrize("version", ["1.0.3", "2.0.0"])
def test_oauth2_client_credentials_and_either_xapi_version(
    receiver: ReceivingWeft,
    lrs: Callable[..., Result],
    post: Callable[..., list[str]],
    tmp_path: Path,
    version: str,
) -> None:
    client_id, client_secret = receiver.oauth_client
    create(
        lrs,
        "oauth",
        "forwarding",
        {
            "endpoint": receiver.endpoint,
            "version": version,
            "auth": "oauth2",
            "token_url": receiver.token_url,
            "client_id": client_id,
            "client_secret": client_secret,
            "scope": "statements/write",
        },
        tmp_path,
    )
    ids = post([with_id() for _ in range(2)], version=version)

    assert "sent 2" in ok(lrs("connectors", "run", "oauth"))
    assert received(receiver, ids) == sorted(ids)
    assert client_secret not in ok(lrs("connectors", "show", "oauth"))


def test_backfill_sends_what_was_stored_before_the_instance_then_the_queue(
    receiver: ReceivingWeft,
    lrs: Callable[..., Result],
    post: Callable[..., list[str]],
    tmp_path: Path,
) -> None:
    before = [post([with_id() for _ in range(3)]) for _ in range(4)]
    create(lrs, "history", "forwarding", basic(receiver, backfill=True, batch_size=2), tmp_path)
    after = post([with_id()])

    ok(lrs("connectors", "run", "history", "--until-done"))

    everything = [i for batch in before for i in batch] + after
    assert received(receiver, everything) == sorted(everything)
    assert '"cursor": "queue:' in ok(lrs("connectors", "show", "history"))


def test_attachments_are_forwarded_with_their_statements(
    receiver: ReceivingWeft,
    lrs: Callable[..., Result],
    sender_credential: ApiCredential,
    sender: Flask,
    tmp_path: Path,
) -> None:
    content = b"%PDF-1.7 certificate of Ada"
    sha2 = hashlib.sha256(content).hexdigest()
    attached = with_id()
    attached["attachments"] = [
        {
            "usageType": "http://id.tincanapi.com/attachment/certificate-of-completion",
            "display": {"en-US": "Certificate"},
            "contentType": "application/pdf",
            "length": len(content),
            "sha2": sha2,
        }
    ]
    plain = with_id()
    boundary = "test-boundary"
    body = (
        (
            f"--{boundary}\r\nContent-Type: application/json\r\n\r\n"
            f"{json.dumps([attached, plain])}\r\n--{boundary}\r\n"
            f"Content-Type: application/pdf\r\nContent-Transfer-Encoding: binary\r\n"
            f"X-Experience-API-Hash: {sha2}\r\n\r\n"
        ).encode()
        + content
        + (f"\r\n--{boundary}--\r\n").encode()
    )
    create(lrs, "copy", "forwarding", basic(receiver), tmp_path)
    response = sender.test_client().post(
        "/xapi/statements",
        data=body,
        headers={
            **sender_credential.headers,
            "Content-Type": f'multipart/mixed; boundary="{boundary}"',
        },
    )
    assert response.status_code == 200, response.get_json()
    deliver(sender)

    assert "sent 2" in ok(lrs("connectors", "run", "copy"))

    assert received(receiver, [attached["id"], plain["id"]]) == sorted(
        [attached["id"], plain["id"]]
    )
    engine = create_engine(receiver.target.url)
    with engine.connect() as connection:
        stored = connection.execute(
            text("SELECT content FROM attachments WHERE sha2 = :sha2"), {"sha2": sha2}
        ).scalar()
    engine.dispose()
    assert bytes(stored) == content
