"""``host.notify``: kept with the caller's transaction, announced to channels after it."""

from __future__ import annotations

import pytest
from flask import Flask

from lrs.store.notifications import recent
from tests.notifications.conftest import deliver, notify
from tests.plugins.conftest import RecordingPlugin


def test_a_notification_is_announced_to_channels_after_the_commit(
    web_app: Flask,
    recorder: RecordingPlugin,
) -> None:
    notification_id = notify(web_app, audience=["E1"])
    assert recorder.called("notification_raised") == []  # nothing before delivery
    deliver(web_app)
    [call] = recorder.called("notification_raised")
    event = call["event"]
    assert (event.notification_id, event.topic, event.audience, event.plugin) == (
        notification_id,
        "kpi.status_changed",
        ("E1",),
        "kpi",
    )
    assert event.data == {"kpi": "completion", "status": "at_risk"}
    assert len(event.uid) == 32 and event.source == {"plugin": "kpi"}


def test_a_notification_raised_in_a_failed_transaction_never_existed(
    web_app: Flask,
    recorder: RecordingPlugin,
) -> None:
    host = web_app.extensions["lrs"].host
    with pytest.raises(RuntimeError), host.write() as session:
        host.notify(1, "kpi.status_changed", subject="Gone", text="", session=session)
        raise RuntimeError("the caller's change failed")
    deliver(web_app)
    assert recorder.called("notification_raised") == []
    with host.read() as session:
        assert recent(session, 1, limit=5) == []
