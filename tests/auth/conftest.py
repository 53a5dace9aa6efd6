"""Helpers for the OAuth2 tests: registered clients and the tokens they obtain."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from lrs.app import create_app
from lrs.settings import Settings
from lrs.store.credentials import IssuedCredential
from lrs.store.oauth_clients import create_client
from lrs.store.oauth_clients import revoke_client as revoke_oauth_client

STATEMENT = {
    "actor": {"mbox": "mailto:learner@example.com"},
    "verb": {"id": "http://adlnet.gov/expapi/verbs/completed"},
    "object": {"id": "http://example.com/activities/1"},
}


@pytest.fixture
def make_client(app: Flask) -> Callable[..., IssuedCredential]:
    """Register an OAuth client allowed the given scopes (``all`` by default)."""

    def make(*scopes: str, name: str = "machine client") -> IssuedCredential:
        runtime = app.extensions["lrs"]
        with runtime.db.write() as session:
            return create_client(
                session, runtime.settings.secret_key, name=name, scopes=list(scopes or ["all"])
            )

    return make


def request_token(
    client: FlaskClient, oauth_client: IssuedCredential, scope: str | None = None
) -> Any:
    """POST /oauth/token with client_secret_basic; the response."""
    data = {"grant_type": "client_credentials"}
    if scope is not None:
        data["scope"] = scope
    return client.post("/oauth/token", data=data, auth=(oauth_client.key, oauth_client.secret))


def token(client: FlaskClient, oauth_client: IssuedCredential, scope: str | None = None) -> str:
    response = request_token(client, oauth_client, scope)
    assert response.status_code == 200, response.json
    return response.json["access_token"]


def bearer(access_token: str, version: str = "2.0.0") -> dict[str, str]:
    return {"Authorization": f"Bearer {access_token}", "X-Experience-API-Version": version}


@pytest.fixture
def revoke_client(app: Flask) -> Callable[[str], None]:
    """Revoke an OAuth client by its client_id."""

    def revoke(client_id: str) -> None:
        with app.extensions["lrs"].db.write() as session:
            revoke_oauth_client(session, client_id)

    return revoke


@pytest.fixture
def make_client_for() -> Iterator[Callable[[Settings], tuple[FlaskClient, IssuedCredential]]]:
    """An app built from other settings, its test client and an ``all`` OAuth client."""
    apps: list[Flask] = []

    def make(settings: Settings) -> tuple[FlaskClient, IssuedCredential]:
        app = create_app(settings)
        apps.append(app)
        with app.extensions["lrs"].db.write() as session:
            issued = create_client(session, settings.secret_key, name="c", scopes=["all"])
        return app.test_client(), issued

    yield make
    for app in apps:
        app.extensions["lrs"].outbox.stop()
        app.extensions["lrs"].db.engine.dispose()
