"""The ``case`` connector type against a CASE server on 127.0.0.1 speaking
``/ims/case/v1p0/CFPackages/{id}``: a pull, a rerun, an update, and the failures."""

from __future__ import annotations

import json
import socket
import time
from typing import Any

import pytest
from flask import Flask

from lrs.services.connectors import RunView, create_connector
from tests.competency.conftest import package
from tests.competency.test_frameworks_http import imported
from tests.connectors.loopback import Answer, Reply, Request, http, raw_server, sends, serve
from tests.plugins.conftest import RecordingPlugin, runtime

TOKEN = "case-token-1"


def create(app: Flask, url: str, package_id: str, **config: Any) -> None:
    rt = runtime(app)
    create_connector(
        rt,
        rt.connector_types,
        tenant_id=1,
        name="safety",
        type_name="case",
        config={"server_url": url, "package_id": package_id, "token": TOKEN, **config},
        schedule="every 1d",
        actor="cli:test",
    )


def run(app: Flask) -> RunView:
    return runtime(app).connectors.run_instance(1, "safety").run


def test_a_package_is_pulled_and_a_rerun_changes_and_records_nothing(
    comp_app: Flask, client: Any, auth: dict[str, str], recorder: RecordingPlugin
) -> None:
    served = [package()]
    identifier = served[0]["CFDocument"]["identifier"]

    def answer(request: Request) -> Reply:
        if request.path != f"/ims/case/v1p0/CFPackages/{identifier}":
            return Reply(404, b'{"imsx_codeMajor": "failure"}')
        if request.headers.get("authorization") != f"Bearer {TOKEN}":
            return Reply(401)
        return Reply(body=json.dumps(served[0]).encode())

    with serve(answer) as remote:
        create(comp_app, remote.url, identifier)
        first = run(comp_app)
        again = run(comp_app)
        served[0]["CFItems"][0]["fullStatement"] = "Spot hazards"
        served[0]["CFItems"][0]["lastChangeDateTime"] = "2026-08-01T00:00:00Z"
        third = run(comp_app)
    assert (first.status, first.fetched, first.stored, first.skipped) == ("succeeded", 18, 18, 0)
    assert (again.status, again.stored, again.skipped) == ("succeeded", 0, 18)
    assert (third.status, third.stored, third.skipped) == ("succeeded", 1, 17)
    body = client.get(f"/api/competency/frameworks/{identifier}", headers=auth).get_json()
    assert body["items"][0]["fullStatement"] == "Spot hazards"
    events = imported(comp_app, recorder)
    assert [(e.actor, e.details["items"]["updated"]) for e in events] == [
        ("connector:safety", 0),
        ("connector:safety", 1),
    ]


def test_failures_fail_the_run_with_a_message_and_write_nothing(
    comp_app: Flask, client: Any, auth: dict[str, str]
) -> None:
    broken = package()
    del broken["CFItems"][3]["uri"]
    replies = [Reply(503, b"busy"), Reply(body=b"<html>"), Reply(body=json.dumps(broken).encode())]
    with serve(lambda request: replies.pop(0)) as remote:
        create(comp_app, remote.url, "abc")
        runs = [run(comp_app) for _ in range(3)]
    assert [r.status for r in runs] == ["failed"] * 3
    assert runs[0].error == (f"RemoteError: the CASE package abc: {remote.url}/ims/case/v1p0/"
                             "CFPackages/abc answered HTTP 503: busy")
    assert runs[1].error == (f"RemoteError: the CASE package abc: the answer of {remote.url}/ims/"
                             "case/v1p0/CFPackages/abc is not valid JSON (Expecting value: line 1 "
                             "column 1 (char 0))")
    assert "$.CFItems[3].uri: missing" in (runs[2].error or "")
    assert client.get("/api/competency/frameworks", headers=auth).get_json()["frameworks"] == []


def pulled(comp_app: Flask, answer: Answer, **config: Any) -> tuple[RunView, float]:
    """A run against a raw-socket CASE server answering ``answer``, and its seconds."""
    with raw_server(answer) as url:
        create(comp_app, url, "abc", **config)
        started = time.monotonic()
        done = run(comp_app)
        return done, time.monotonic() - started


def test_a_package_dripping_in_fails_the_run_at_the_timeout(comp_app: Flask) -> None:
    """A byte every tenth of a second held the run 30 s here (and for good with a body
    without end): ``timeout_seconds`` is the whole call's."""
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 300\r\n\r\n"
    done, took = pulled(comp_app, sends(head, *(b" " for _ in range(300)), pause=0.1),
                        timeout_seconds=1)
    assert done.status == "failed"
    assert took < 5, took
    assert done.error.endswith("did not send its whole answer within 1 s"), done.error


@pytest.mark.parametrize(("answer", "said"), [
    (http("503 Service Unavailable", b"busy \x1b[2J\r\nRemoteError: forged\x00"),
     "answered HTTP 503: busy \\x1b[2J RemoteError: forged\\x00"),
    (http("200 OK", b"[" * 100_000), "is not valid JSON (nested too deep to read)"),
], ids=["escape-sequence", "nested-without-end"])
def test_what_the_server_sends_is_named_safely(comp_app: Flask, answer: bytes, said: str) -> None:
    """An escape sequence must not act in ``lrs connectors runs``' terminal, and JSON
    nested without end was a RecursionError."""
    done, _ = pulled(comp_app, sends(answer))
    assert done.status == "failed"
    assert done.error.endswith(said), done.error


def test_a_redirect_to_another_site_is_refused_and_the_token_stays(comp_app: Flask) -> None:
    asked: list[bytes] = []

    def elsewhere(connection: socket.socket, head: bytes) -> None:
        asked.append(head)
        connection.sendall(http("200 OK", b"{}"))

    with raw_server(elsewhere) as other:
        done, _ = pulled(comp_app, sends(http("302 Found", b"", f"Location: {other}/p")))
    assert done.status == "failed"
    assert f"redirected to another site ({other}/p)" in done.error, done.error
    assert asked == []
