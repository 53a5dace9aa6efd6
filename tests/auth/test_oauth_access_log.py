"""Bearer requests are logged under their client_id, never with the token."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from lrs.app import create_app
from lrs.settings import Settings
from lrs.store.oauth_clients import create_client
from tests.auth.conftest import bearer, token


def test_bearer_request_is_logged_with_its_client_id(
    make_settings: Callable[..., Settings], capsys: pytest.CaptureFixture[str]
) -> None:
    app = create_app(make_settings(log_format="json"))
    runtime = app.extensions["lrs"]
    with runtime.db.write() as session:
        oauth_client = create_client(session, runtime.settings.secret_key, name="machine",
                                     scopes=["all"])
    client = app.test_client()
    access_token = token(client, oauth_client)
    capsys.readouterr()

    response = client.get("/xapi/statements", headers=bearer(access_token))

    err = capsys.readouterr().err
    runtime.db.engine.dispose()
    assert response.status_code == 200
    access = [e for e in map(json.loads, err.splitlines()) if e["logger"] == "lrs.access"]
    assert [e["credential"] for e in access] == [oauth_client.key]
    assert access_token not in err
