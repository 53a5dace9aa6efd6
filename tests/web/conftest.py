"""Weft apps whose web UI signs people in through the real provider of :mod:`tests.oidc`."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from lrs.app import create_app
from lrs.settings import Settings
from tests.oidc import CLIENT_ID, CLIENT_SECRET, ROLE_MAPPING, OidcProvider
from tests.plugins.conftest import RecordingPlugin


@pytest.fixture
def recorder() -> RecordingPlugin:
    return RecordingPlugin()


@pytest.fixture
def make_web_app(
    make_settings: Callable[..., Settings], oidc_provider: OidcProvider,
    recorder: RecordingPlugin,
) -> Iterator[Callable[..., Flask]]:
    """An app whose UI signs people in through the provider; events go to ``recorder``."""
    apps: list[Flask] = []

    def make(*plugins: object, **overrides: Any) -> Flask:
        values = {"outbox_inline": False, "oidc_metadata_url": oidc_provider.metadata_url,
                  "oidc_client_id": CLIENT_ID, "oidc_client_secret": CLIENT_SECRET,
                  "oidc_role_mapping": ROLE_MAPPING, **overrides}
        app = create_app(make_settings(**values), plugins=[recorder, *plugins])
        apps.append(app)
        return app

    yield make
    for app in apps:
        app.extensions["lrs"].db.engine.dispose()


@pytest.fixture
def web_app(make_web_app: Callable[..., Flask]) -> Flask:
    return make_web_app()


@pytest.fixture
def browser(web_app: Flask) -> FlaskClient:
    return web_app.test_client()


def deliver(app: Flask) -> None:
    outbox = app.extensions["lrs"].outbox
    while outbox.process_pending():
        pass


def admin_actions(app: Flask, recorder: RecordingPlugin) -> list[Any]:
    """The admin actions delivered so far, but the start-up ``configuration.*`` record
    (tests/test_configuration_record.py is about that one)."""
    deliver(app)
    return [call["event"] for call in recorder.called("admin_action_taken")
            if call["event"].target != "configuration"]
