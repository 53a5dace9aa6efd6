"""CORS: browser content on other origins can call the LRS (preflight without credentials)."""

from __future__ import annotations

from collections.abc import Callable

from flask.testing import FlaskClient

from lrs.app import create_app
from lrs.settings import Settings

ORIGIN = "https://content.example.com"
PREFLIGHT = {"Origin": ORIGIN, "Access-Control-Request-Method": "PUT",
             "Access-Control-Request-Headers": "authorization, x-experience-api-version, "
                                               "if-match, content-type"}


def _names(value: str) -> set[str]:
    return {name.strip().lower() for name in value.split(",")}


def test_cors_preflight_needs_no_credentials_and_allows_the_xapi_headers(
    client: FlaskClient,
) -> None:
    response = client.options("/xapi/activities/state", headers=PREFLIGHT)

    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] in {"*", ORIGIN}
    assert {"authorization", "x-experience-api-version", "if-match", "content-type"} <= _names(
        response.headers["Access-Control-Allow-Headers"])
    assert "PUT" in response.headers["Access-Control-Allow-Methods"]


def test_cors_exposes_etag_and_version_headers_to_scripts(
    client: FlaskClient, headers: dict[str, str]
) -> None:
    response = client.get("/xapi/about", headers={**headers, "Origin": ORIGIN})

    exposed = _names(response.headers["Access-Control-Expose-Headers"])
    assert {"etag", "last-modified", "x-experience-api-version",
            "x-experience-api-consistent-through"} <= exposed


def test_cors_origins_setting_limits_who_may_call(
    make_settings: Callable[..., Settings],
) -> None:
    app = create_app(make_settings(cors_origins=f"{ORIGIN}, https://other.example.com"))
    client = app.test_client()
    try:
        allowed = client.options("/xapi/statements", headers=PREFLIGHT)
        stranger = client.options("/xapi/statements",
                                  headers={**PREFLIGHT, "Origin": "https://evil.example.com"})
    finally:
        app.extensions["lrs"].db.engine.dispose()

    assert allowed.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert "Access-Control-Allow-Origin" not in stranger.headers


def test_requests_without_an_origin_get_no_cors_headers(
    client: FlaskClient, headers: dict[str, str]
) -> None:
    """Servers posting statements send no ``Origin``; browsers always do."""
    from_a_server = client.get("/xapi/about", headers=headers)
    from_a_page = client.get("/xapi/about", headers={**headers, "Origin": ORIGIN})

    assert from_a_server.status_code == from_a_page.status_code == 200
    assert not [name for name, _ in from_a_server.headers
                if name.lower().startswith("access-control-")]
    assert from_a_page.headers["Access-Control-Allow-Origin"] in {"*", ORIGIN}


def test_a_page_can_read_why_its_request_was_refused(client: FlaskClient) -> None:
    """Errors carry the CORS headers too (a script must see the 401 and its reason)."""
    refused = client.post("/xapi/statements", json=[],
                          headers={"X-Experience-API-Version": "1.0.3", "Origin": ORIGIN})

    assert refused.status_code == 401
    assert refused.headers["Access-Control-Allow-Origin"] in {"*", ORIGIN}
