"""The ``case`` connector type against a CASE server on 127.0.0.1 speaking
``/ims/case/v1p0/CFPackages/{id}``: a pull, a rerun, an update, and the failures."""

from __future__ import annotations

import json
from typing import Any

from flask import Flask

from lrs.services.connectors import RunView, create_connector
from tests.competency.conftest import package
from tests.competency.test_frameworks_http import imported
from tests.connectors.loopback import Remote, Reply, Request, serve
from tests.plugins.conftest import RecordingPlugin, runtime

TOKEN = "case-token-1"


def create(app: Flask, remote: Remote, package_id: str) -> None:
    rt = runtime(app)
    create_connector(
        rt,
        rt.connector_types,
        tenant_id=1,
        name="safety",
        type_name="case",
        config={"server_url": remote.url, "package_id": package_id, "token": TOKEN},
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
        create(comp_app, remote, identifier)
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
        create(comp_app, remote, "abc")
        runs = [run(comp_app) for _ in range(3)]
    assert [r.status for r in runs] == ["failed"] * 3
    assert "answered 503" in (runs[0].error or "")
    assert "no JSON" in (runs[1].error or "")
    assert "$.CFItems[3].uri: missing" in (runs[2].error or "")
    assert client.get("/api/competency/frameworks", headers=auth).get_json()["frameworks"] == []
