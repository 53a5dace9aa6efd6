"""The 1.0.3 alternate-syntax form is bounded before it is parsed, and needs credentials.

A form is parsed outside Flask (the middleware turns it back into a request), so
its size and number of fields are refused first: a 52 MB form of millions of
fields once cost over a gigabyte per request, credentials or not.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from flask.testing import FlaskClient

from lrs.app import create_app
from lrs.settings import Settings
from tests.conftest import basic_auth

FORM = "application/x-www-form-urlencoded"
GET = "/xapi/statements?method=GET"


def test_alternate_form_with_too_many_fields_is_413(client: FlaskClient, credential) -> None:
    fields = [("Authorization", basic_auth(credential)), ("X-Experience-API-Version", "1.0.3")]
    fields += [(f"f{n}", "1") for n in range(500)]

    response = client.post(GET, data=urlencode(fields), content_type=FORM)

    assert response.status_code == 413
    assert "at most 100 fields" in response.get_json()["message"]


def test_alternate_huge_unauthenticated_form_is_refused_by_size_not_parsed(
    client: FlaskClient,
) -> None:
    huge = b"&".join(b"f=%d" % n for n in range(400_000))  # ~3.7 MB, 400,000 fields

    response = client.post(GET, data=huge, content_type=FORM)

    assert response.status_code == 413
    assert "1048576 byte limit" in response.get_json()["message"]


def test_alternate_form_declaring_a_huge_length_is_413_before_it_is_read(
    client: FlaskClient,
) -> None:
    response = client.post(
        GET,
        data=b"limit=1",
        content_type=FORM,
        environ_overrides={"CONTENT_LENGTH": str(50 * 1024 * 1024)},
    )

    assert response.status_code == 413


def test_alternate_form_without_credentials_is_401_before_it_is_parsed(
    client: FlaskClient,
) -> None:
    form = {"X-Experience-API-Version": "1.0.3", "limit": "1"}

    response = client.post(GET, data=urlencode(form), content_type=FORM)

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Basic")
    assert response.get_json()["error"] == "unauthorized"


def test_alternate_form_limits_are_settings(
    make_settings: Callable[..., Settings], credential
) -> None:
    app = create_app(make_settings(max_form_fields=4, max_form_bytes=200))
    client = app.test_client()
    try:
        fields = {
            "Authorization": basic_auth(credential),
            "X-Experience-API-Version": "1.0.3",
            "limit": "1",
        }
        assert client.post(GET, data=urlencode(fields), content_type=FORM).status_code == 200
        too_many = urlencode({**fields, "ascending": "true", "format": "ids"})
        assert client.post(GET, data=too_many, content_type=FORM).status_code == 413
        too_big = urlencode({**fields, "since": "2024-01-01T00:00:00Z" + " " * 200})
        assert client.post(GET, data=too_big, content_type=FORM).status_code == 413
    finally:
        app.extensions["lrs"].outbox.stop()
        app.extensions["lrs"].db.engine.dispose()
