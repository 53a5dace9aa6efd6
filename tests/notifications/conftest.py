"""Fixtures of the notification tests: the web UI's apps (signed in through the
provider of :mod:`tests.oidc`) and a plugin that raises notifications."""

from __future__ import annotations

from flask import Flask

from tests.web.conftest import browser, deliver, make_web_app, recorder, web_app

assert browser and make_web_app and recorder and web_app  # fixtures, used by name


def notify(app: Flask, topic: str = "kpi.status_changed", **fields: object) -> int:
    """Raise a notification as a plugin would (``host.notify``)."""
    values = {
        "subject": "Completion rate is at risk",
        "text": "72% against a target of 80%",
        "data": {"kpi": "completion", "status": "at_risk"},
        **fields,
    }
    with app.app_context():
        return app.extensions["lrs"].host.notify(1, topic, plugin="kpi", **values)


__all__ = ["deliver", "notify"]
