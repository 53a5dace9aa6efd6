"""Webhook out: notifications of the instance's topics POSTed signed, with an idempotency
key, at least once, each delivery's state recorded for the Notifications page."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from click.testing import Result
from flask import Flask

from connectors.webhook.signing import verify
from lrs.plugin.testing import deliver
from lrs.store.notifications import recent
from tests.connectors.outbound.conftest import create, ok
from tests.connectors.outbound.remotes import Answer, ScriptedServer
from tests.connectors.outbound.test_webhook import SECRET, hook


def notify(sender: Flask, topic: str, subject: str) -> int:
    with sender.app_context():
        notification_id = sender.extensions["lrs"].host.notify(
            1, topic, subject=subject, text="72% < 80%", data={"kpi": "completion"}, plugin="kpi"
        )
    deliver(sender)  # notification_raised reaches the webhook type: queued
    return notification_id


def deliveries(sender: Flask) -> dict[str, list[tuple[str, str, int, str | None]]]:
    """Each notification's subject with its ``(channel, state, attempts, error)``."""
    with sender.extensions["lrs"].db.read() as session:
        return {
            row.subject: [(d.channel, d.state, d.attempts, d.last_error) for d in found]
            for row, found in recent(session, 1, limit=20)
        }


def test_notifications_of_the_instance_s_topics_are_posted_signed(
    remote: ScriptedServer,
    sender: Flask,
    lrs: Callable[..., Result],
    tmp_path: Path,
) -> None:
    create(lrs, "alerts", "webhook", hook(remote, topics=["kpi.status_changed"]), tmp_path)
    create(lrs, "everything", "webhook", hook(remote, topics=["*"]), tmp_path)
    create(lrs, "completions", "webhook", hook(remote), tmp_path)
    notify(sender, "kpi.status_changed", "Completion at risk")
    notify(sender, "kpi.learner_at_risk", "Ada is at risk")
    assert deliveries(sender) == {
        "Ada is at risk": [("webhook:2", "pending", 0, None)],
        "Completion at risk": [
            ("webhook:1", "pending", 0, None),
            ("webhook:2", "pending", 0, None),
        ],
    }

    assert "sent 1" in ok(lrs("connectors", "run", "alerts"))
    [request] = remote.requests
    assert request.headers["weft-event"] == "notification"
    assert verify(SECRET, request.body, request.headers["weft-signature"])
    body = request.json()
    assert body["type"] == "notification" and body["topic"] == "kpi.status_changed"
    assert (body["subject"], body["text"], body["data"], body["plugin"]) == (
        "Completion at risk",
        "72% < 80%",
        {"kpi": "completion"},
        "kpi",
    )
    assert request.headers["idempotency-key"] == body["id"] and len(body["id"]) == 32

    assert "sent 2" in ok(lrs("connectors", "run", "everything"))
    assert [r.json()["subject"] for r in remote.requests[1:]] == [
        "Completion at risk",
        "Ada is at risk",
    ]
    assert "sent 0" in ok(lrs("connectors", "run", "completions"))
    assert "sent 0" in ok(lrs("connectors", "run", "alerts"))  # nothing twice
    assert len(remote.requests) == 3
    assert {state for found in deliveries(sender).values() for _, state, _, _ in found} == {"sent"}


def test_a_refused_call_is_recorded_and_posted_again_with_the_same_key(
    remote: ScriptedServer,
    sender: Flask,
    lrs: Callable[..., Result],
    tmp_path: Path,
) -> None:
    create(lrs, "alerts", "webhook", hook(remote, topics=["kpi.status_changed"]), tmp_path)
    notify(sender, "kpi.status_changed", "Completion at risk")
    deliver(sender)  # a redelivered event queues nothing twice
    remote.answer(Answer(503, "down for maintenance"))
    result = lrs("connectors", "run", "alerts")
    assert result.exit_code == 1 and "answered HTTP 503" in result.output
    [(channel, state, attempts, error)] = deliveries(sender)["Completion at risk"]
    assert (channel, state, attempts) == ("webhook:1", "retry", 1)
    assert "answered HTTP 503: down for maintenance" in (error or "")

    assert "sent 1" in ok(lrs("connectors", "run", "alerts"))
    first, second = remote.requests
    assert first.headers["idempotency-key"] == second.headers["idempotency-key"]
    assert first.body == second.body
    assert deliveries(sender)["Completion at risk"] == [("webhook:1", "sent", 2, None)]


def test_a_malformed_topic_is_refused_with_its_path(
    lrs: Callable[..., Result],
    tmp_path: Path,
    remote: ScriptedServer,
) -> None:
    path = tmp_path / "hook.json"
    config: dict[str, Any] = hook(remote, topics=["KPI status"])
    path.write_text(json.dumps(config))
    result = lrs("connectors", "create", "hook", "--type", "webhook", "--config", str(path))
    assert result.exit_code == 1 and "$.topics[0]" in result.output
