"""GET /xapi/about: open to anyone, lists both versions Weft speaks."""

from __future__ import annotations

from flask.testing import FlaskClient


def test_about_get_needs_no_credentials_and_lists_versions(client: FlaskClient) -> None:
    response = client.get("/xapi/about")

    assert response.status_code == 200
    body = response.get_json()
    assert {"1.0.3", "2.0.0"} <= set(body["version"])
    assert body["extensions"] == {}


def test_about_answers_in_the_version_asked_for(client: FlaskClient, xapi_version: str) -> None:
    response = client.get("/xapi/about", headers={"X-Experience-API-Version": xapi_version})

    assert response.headers["X-Experience-API-Version"] == xapi_version


def test_about_head_has_no_body(client: FlaskClient) -> None:
    head = client.head("/xapi/about")

    assert head.status_code == 200
    assert head.get_data() == b""
    assert int(head.headers["Content-Length"]) > 0
