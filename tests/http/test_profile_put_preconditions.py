"""Profile PUT without If-Match / If-None-Match (xAPI 1.0.3 Communication 3.1, issue 15 item 13).

1.0.3 demands 409 when the profile exists; its conformance suite (XAPI-00273)
also expects 400 when it does not, which is the default. ``LRS_PROFILE_PUT_MAY_CREATE``
lets clients that cannot send the headers create profiles, as xAPI 2.0 does.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask.testing import FlaskClient

from lrs.app import create_app
from lrs.settings import Settings
from lrs.store.credentials import create_credential
from tests.conftest import basic_auth
from tests.http.document_helpers import (
    ACTIVITY_PROFILE,
    AGENT_PROFILE,
    activity_profile_params,
    agent_profile_params,
    send,
)

PROFILES = [(ACTIVITY_PROFILE, activity_profile_params), (AGENT_PROFILE, agent_profile_params)]


@pytest.fixture
def lenient_headers(
    make_settings: Callable[..., Settings], xapi_version: str
) -> Iterator[tuple[FlaskClient, dict[str, str]]]:
    """A client of an LRS with ``LRS_PROFILE_PUT_MAY_CREATE=true``, and its headers."""
    app = create_app(make_settings(profile_put_may_create=True))
    runtime = app.extensions["lrs"]
    with runtime.db.write() as session:
        credential = create_credential(
            session, runtime.settings.secret_key, name="tincan", scopes=["all"]
        )
    yield (
        app.test_client(),
        {"Authorization": basic_auth(credential), "X-Experience-API-Version": xapi_version},
    )
    runtime.outbox.stop()
    runtime.db.engine.dispose()


@pytest.mark.parametrize(("path", "params"), PROFILES)
def test_profile_put_without_preconditions_creates_when_allowed_then_conflicts(
    lenient_headers: tuple[FlaskClient, dict[str, str]], path: str, params: Callable[[], Any]
) -> None:
    client, headers = lenient_headers
    scope = params()

    created = send(client, "PUT", path, scope, headers, {"v": 1})
    again = send(client, "PUT", path, scope, headers, {"v": 2})

    assert created.status_code == 204, created.get_data(as_text=True)
    assert again.status_code == 409
    assert send(client, "GET", path, scope, headers).get_json() == {"v": 1}


@pytest.mark.parametrize(("path", "params"), PROFILES)
def test_profile_put_without_preconditions_by_default(
    client: FlaskClient,
    headers: dict[str, str],
    xapi_version: str,
    path: str,
    params: Callable[[], Any],
) -> None:
    scope = params()

    first = send(client, "PUT", path, scope, headers, {"v": 1})

    # 1.0.3 conformance (XAPI-00273) wants 400; xAPI 2.0 creates the document.
    assert first.status_code == (400 if xapi_version == "1.0.3" else 204)
    if xapi_version == "1.0.3":
        assert "If-None-Match" in first.get_json()["message"]
        assert send(client, "POST", path, scope, headers, {"v": 1}).status_code == 204
    assert send(client, "PUT", path, scope, headers, {"v": 2}).status_code == 409
    assert send(client, "GET", path, scope, headers).get_json() == {"v": 1}
