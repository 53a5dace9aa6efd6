"""The outgoing connector types set up from the web UI's form: filters typed as JSON,
secrets never shown again, and a run that forwards to the loopback receiver."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import INSTALLED_PLUGINS
from tests.connectors.loopback import Reply, serve
from tests.oidc import OidcProvider, csrf_token, sign_in

PAGE = "/ui/admin/connectors"
PASSWORD = "receiver-secret-0042"
SIGNING = "whsec-signing-secret-0042"
COMPLETED = "http://adlnet.gov/expapi/verbs/completed"


@pytest.fixture
def database_url(fresh_database_url: str) -> str:
    """A fresh database of each backend: the app migrates it with the plugins' branch."""
    return fresh_database_url


@pytest.fixture
def web_app(make_web_app: Any) -> Flask:
    """Only the outgoing types installed."""
    kept = {"forwarding", "webhook"}
    disabled = ",".join(name for name in INSTALLED_PLUGINS.split(",") if name not in kept)
    return make_web_app(disabled_plugins=disabled, auto_migrate=True)


@pytest.fixture
def admin(browser: FlaskClient, oidc_provider: OidcProvider) -> FlaskClient:
    sign_in(browser, oidc_provider, "ada", email="ada@example.com", groups=["weft-admins"])
    return browser


def create(admin: FlaskClient, type_name: str, fields: dict[str, str]) -> Any:
    page = f"{PAGE}/new/{type_name}"
    return admin.post(
        page,
        data={
            "csrf_token": csrf_token(admin, page),
            "tenant": "default",
            "schedule": "every 1h",
            "enabled": "yes",
            **fields,
        },
    )


def test_an_admin_sets_up_forwarding_with_filters_from_the_form(
    web_app: Flask,
    admin: FlaskClient,
) -> None:
    form = admin.get(f"{PAGE}/new/forwarding").get_data(as_text=True)
    assert 'name="password"' in form and 'name="client_secret"' in form
    with serve(lambda request: Reply(200, b"[]")) as remote:
        created = create(
            admin,
            "forwarding",
            {
                "name": "central",
                "endpoint": remote.url + "/xapi/",
                "username": "weft",
                "password": PASSWORD,
                "verbs": json.dumps([COMPLETED]),
                "batch_size": "100",
            },
        )
        assert created.status_code == 302, created.get_data(as_text=True)
        shown = admin.get(f"{PAGE}/default/central").get_data(as_text=True)
        assert PASSWORD not in shown and COMPLETED in shown
        done = web_app.extensions["lrs"].connectors.run_instance(1, "central").run
    assert done.status == "succeeded", done.error


def test_a_webhook_with_a_short_secret_is_refused_on_the_form(
    web_app: Flask,
    admin: FlaskClient,
) -> None:
    refused = create(
        admin,
        "webhook",
        {"name": "hook", "url": "https://hooks.example.com/w", "secret": "tiny-s3cret"},
    )
    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    assert "$.secret: Shorter than minimum length 16." in page and "tiny-s3cret" not in page
    created = create(
        admin, "webhook", {"name": "hook", "url": "https://hooks.example.com/w", "secret": SIGNING}
    )
    assert created.status_code == 302
    assert SIGNING not in admin.get(f"{PAGE}/default/hook").get_data(as_text=True)
