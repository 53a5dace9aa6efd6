"""Admin pages: credentials and OAuth clients through forms, plugins; CSRF and headers."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from lrs.http.headers import CONTENT_SECURITY_POLICY
from lrs.store.credentials import IssuedCredential, list_credentials
from lrs.store.tenants import create_tenant
from tests.conftest import basic_auth
from tests.oidc import OidcProvider, csrf_token, sign_in
from tests.plugins.conftest import RecordingPlugin
from tests.web.conftest import admin_actions


@pytest.fixture
def admin_browser(browser: FlaskClient, oidc_provider: OidcProvider) -> FlaskClient:
    sign_in(browser, oidc_provider, "ada", email="ada@example.com", groups=["weft-admins"])
    return browser


def shown(html: str, element_id: str) -> str:
    match = re.search(rf'id="{element_id}">([^<]+)<', html)
    assert match, html
    return match.group(1)


def create(browser: FlaskClient, page: str, name: str, *scopes: str,
           tenant: str = "") -> tuple[str, str]:
    response = browser.post(page, data={"csrf_token": csrf_token(browser, page), "name": name,
                                        "scope": list(scopes), "tenant": tenant})
    assert response.status_code == 200, response.get_data(as_text=True)
    html = response.get_data(as_text=True)
    assert "shown only this once" in html
    return shown(html, "issued-key"), shown(html, "issued-secret")


def xapi_status(client: FlaskClient, key: str, secret: str) -> int:
    credential = IssuedCredential(key, secret, "", [], {})
    return client.get("/xapi/statements", headers={
        "Authorization": basic_auth(credential), "X-Experience-API-Version": "2.0.0"}).status_code


def test_credential_created_in_the_form_works_and_its_secret_is_shown_once(
    web_app: Flask, admin_browser: FlaskClient, recorder: RecordingPlugin,
) -> None:
    key, secret = create(admin_browser, "/ui/admin/credentials", "quiz", "statements/write",
                         "statements/read")
    listing = admin_browser.get("/ui/admin/credentials").get_data(as_text=True)
    assert key in listing and "quiz" in listing and secret not in listing
    assert xapi_status(web_app.test_client(), key, secret) == 200
    event = admin_actions(web_app, recorder)[-1]
    assert (event.action, event.actor, event.target) == (
        "credential.created", "admin:ada@example.com", f"credential:{key}")
    assert event.details["scopes"] == ["statements/write", "statements/read"]
    assert event.source["ip"] == "127.0.0.1" and secret not in event.to_json()


def test_a_scim_credential_shows_the_url_and_secret_token_to_give_the_provider(
    web_app: Flask, admin_browser: FlaskClient,
) -> None:
    page = "/ui/admin/credentials"
    response = admin_browser.post(page, data={"csrf_token": csrf_token(admin_browser, page),
                                              "name": "entra", "scope": ["scim"]})
    html = response.get_data(as_text=True)
    token = shown(html, "issued-scim-token")
    assert shown(html, "issued-scim-url") == "http://localhost/scim/v2"
    users = web_app.test_client().get("/scim/v2/Users",
                                      headers={"Authorization": f"Bearer {token}"})
    assert users.status_code == 200
    plain = admin_browser.post(page, data={"csrf_token": csrf_token(admin_browser, page),
                                           "name": "lms", "scope": ["all"]})
    assert "issued-secret" in plain.get_data(as_text=True)
    assert "issued-scim-token" not in plain.get_data(as_text=True)


def test_credential_created_in_the_form_belongs_to_the_chosen_store(
    web_app: Flask, admin_browser: FlaskClient,
) -> None:
    runtime = web_app.extensions["lrs"]
    with runtime.db.write() as session:
        acme = create_tenant(session, "acme")
    page = admin_browser.get("/ui/admin/credentials").get_data(as_text=True)
    assert '<option value="acme">acme</option>' in page
    key, _ = create(admin_browser, "/ui/admin/credentials", "acme lms", "all", tenant="acme")
    with runtime.db.read() as session:
        [row] = [c for c in list_credentials(session, acme.id) if c.key == key]
    assert row.name == "acme lms"
    listing = admin_browser.get("/ui/admin/credentials").get_data(as_text=True)
    assert re.search(rf"{key}</code></td><td>acme lms</td><td>acme</td>", listing)
    refused = admin_browser.post("/ui/admin/credentials", data={
        "csrf_token": csrf_token(admin_browser), "name": "x", "scope": ["all"],
        "tenant": "nowhere"})
    assert refused.status_code == 400
    assert "no store named &#39;nowhere&#39;" in refused.get_data(as_text=True)


def test_credential_revoked_in_the_form_stops_working(
    web_app: Flask, admin_browser: FlaskClient, recorder: RecordingPlugin,
) -> None:
    key, secret = create(admin_browser, "/ui/admin/credentials", "lms", "all")
    response = admin_browser.post(f"/ui/admin/credentials/{key}/revoke",
                                  data={"csrf_token": csrf_token(admin_browser)})
    assert response.status_code == 302
    assert f"Revoked {key}" in admin_browser.get(response.headers["Location"]).get_data(
        as_text=True)
    assert xapi_status(web_app.test_client(), key, secret) == 401
    event = admin_actions(web_app, recorder)[-1]
    assert (event.action, event.actor) == ("credential.revoked", "admin:ada@example.com")


def test_credential_without_scope_is_refused_with_a_message(admin_browser: FlaskClient) -> None:
    response = admin_browser.post("/ui/admin/credentials", data={
        "csrf_token": csrf_token(admin_browser), "name": "nothing"})
    assert response.status_code == 400
    assert "unknown scope(s) (none given)" in response.get_data(as_text=True)


def test_oauth_client_created_in_the_form_gets_tokens_until_revoked(
    web_app: Flask, admin_browser: FlaskClient, recorder: RecordingPlugin,
) -> None:
    client_id, secret = create(admin_browser, "/ui/admin/oauth-clients", "reports", "all/read")
    machine = web_app.test_client()
    token = machine.post("/oauth/token", data={"grant_type": "client_credentials"},
                         auth=(client_id, secret))
    assert token.status_code == 200  # the token endpoint needs no CSRF token
    admin_browser.post(f"/ui/admin/oauth-clients/{client_id}/revoke",
                       data={"csrf_token": csrf_token(admin_browser)})
    assert machine.post("/oauth/token", data={"grant_type": "client_credentials"},
                        auth=(client_id, secret)).status_code == 401
    actions = [event.action for event in admin_actions(web_app, recorder)]
    assert actions[-2:] == ["oauth_client.created", "oauth_client.revoked"]


def test_plugins_page_lists_plugins_and_their_hooks(admin_browser: FlaskClient) -> None:
    html = admin_browser.get("/ui/admin/plugins").get_data(as_text=True)
    assert "recording" in html and "admin_action_taken" in html


def test_form_post_without_csrf_token_gets_a_400_page(
    web_app: Flask, admin_browser: FlaskClient, recorder: RecordingPlugin,
) -> None:
    response = admin_browser.post("/ui/admin/credentials", data={"name": "x", "scope": "all"})
    assert response.status_code == 400
    assert "Form expired or forged" in response.get_data(as_text=True)
    forged = admin_browser.post("/ui/sign-out", data={"csrf_token": "forged"})
    assert forged.status_code == 400
    assert admin_browser.get("/ui/").status_code == 200  # still signed in
    assert [e.action for e in admin_actions(web_app, recorder)] == ["session.signed_in"]


def test_xapi_posts_need_no_csrf_token(
    client: FlaskClient, credential: IssuedCredential,
) -> None:
    response = client.post("/xapi/statements", json={
        "actor": {"mbox": "mailto:a@example.com"},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/completed"},
        "object": {"id": "http://example.com/a"}},
        headers={"Authorization": basic_auth(credential), "X-Experience-API-Version": "2.0.0"})
    assert response.status_code == 200
    # An API answer gets the API's sandbox (lrs.http.headers), not the UI pages' policy.
    assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert "X-Frame-Options" not in response.headers


def test_ui_pages_carry_security_headers(admin_browser: FlaskClient) -> None:
    response = admin_browser.get("/ui/admin/credentials")
    headers = response.headers
    assert headers["Content-Security-Policy"].startswith(
        "default-src 'self'; frame-ancestors 'none'")
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Cache-Control"] == "no-store"
    assert "Strict-Transport-Security" not in headers
    secure = admin_browser.get("/ui/sign-in", base_url="https://localhost").headers
    assert secure["Strict-Transport-Security"].startswith("max-age=31536000")
    assert "style=" not in response.get_data(as_text=True)
    assert "<script" not in response.get_data(as_text=True)


def test_sign_in_page_is_not_marked_no_store_for_strangers(browser: FlaskClient) -> None:
    response = browser.get("/ui/sign-in")
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers.get("Cache-Control") != "no-store"


def test_configuration_page_shows_settings_with_secrets_masked(
    web_app: Flask, admin_browser: FlaskClient,
) -> None:
    html = admin_browser.get("/ui/admin/configuration").get_data(as_text=True)
    settings = web_app.extensions["lrs"].settings
    assert "LRS_PAGE_SIZE" in html and "LRS_OIDC_ROLE_MAPPING" in html
    assert "*** (set, fingerprint " in html
    assert settings.secret_key not in html and settings.oidc_client_secret not in html
