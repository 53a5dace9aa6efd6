"""Sign-in through a real OpenID Connect provider: roles from groups, refusals, sign-out.

Every test drives the authorization code flow end to end: Weft's redirect (state,
nonce, PKCE), the provider's authorization step, the code exchange and ID token
check on Weft's callback.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient

from lrs.auth.roles import parse_role_mapping
from tests.oidc import CLIENT_SECRET, OidcProvider, csrf_token, sign_in
from tests.plugins.conftest import RecordingPlugin
from tests.web.conftest import admin_actions


def test_admin_group_signs_in_as_admin_and_sees_admin_navigation(
    browser: FlaskClient, oidc_provider: OidcProvider,
) -> None:
    response = sign_in(browser, oidc_provider, "ada", email="ada@example.com",
                       groups=["weft-admins"])
    assert response.status_code == 302 and response.headers["Location"] == "/ui/"
    home = browser.get("/ui/").get_data(as_text=True)
    assert "ada@example.com" in home
    for entry in ("Credentials", "OAuth clients", "Plugins", "Configuration", "Dashboard"):
        assert f">{entry}</a>" in home
    assert browser.get("/ui/admin/credentials").status_code == 200


def test_groups_map_to_several_roles_and_each_page_checks_its_role(
    browser: FlaskClient, oidc_provider: OidcProvider,
) -> None:
    sign_in(browser, oidc_provider, "carol", email="carol@example.com",
            groups=["weft-auditors", "weft-analysts", "unrelated"])
    home = browser.get("/ui/").get_data(as_text=True)
    assert "Compliance officer" in home and "Analyst" in home
    assert ">Credentials</a>" not in home
    assert browser.get("/ui/dashboard").status_code == 200
    for page in ("/ui/admin/credentials", "/ui/admin/oauth-clients", "/ui/admin/plugins",
                 "/ui/admin/configuration"):
        refused = browser.get(page)
        assert refused.status_code == 403
        assert "Not for your role" in refused.get_data(as_text=True)


def test_analyst_may_not_post_to_admin_forms(
    browser: FlaskClient, oidc_provider: OidcProvider,
) -> None:
    sign_in(browser, oidc_provider, "ann", email="ann@example.com", groups=["weft-analysts"])
    response = browser.post("/ui/admin/credentials", data={
        "csrf_token": csrf_token(browser), "name": "sneaky", "scope": "all"})
    assert response.status_code == 403


def test_person_without_mapped_group_is_refused_with_a_clear_page(
    web_app: Flask, browser: FlaskClient, oidc_provider: OidcProvider,
    recorder: RecordingPlugin,
) -> None:
    response = sign_in(browser, oidc_provider, "sam", email="sam@example.com",
                       groups=["sales"])
    assert response.status_code == 403
    page = response.get_data(as_text=True)
    assert "none of your groups gives a role" in page and "sam@example.com" in page
    assert browser.get("/ui/").status_code == 302  # not signed in
    [event] = admin_actions(web_app, recorder)
    assert (event.action, event.actor, event.target) == (
        "session.sign_in_failed", "admin:sam@example.com", "person:sam")
    assert event.details["reason"] == "no mapped role"


def test_tampered_state_is_refused(
    web_app: Flask, browser: FlaskClient, oidc_provider: OidcProvider,
    recorder: RecordingPlugin,
) -> None:
    oidc_provider.set_person("eve", email="eve@example.com", groups=["weft-admins"])
    started = browser.get("/ui/sign-in/oidc")
    back = urlsplit(oidc_provider.authorize(started.headers["Location"], "eve"))
    query = {k: v[0] for k, v in parse_qs(back.query).items()}
    query["state"] = query["state"][::-1]
    response = browser.get(f"{back.path}?{urlencode(query)}")
    assert response.status_code == 403
    assert "Sign-in refused" in response.get_data(as_text=True)
    assert browser.get("/ui/").status_code == 302
    [event] = admin_actions(web_app, recorder)
    assert event.action == "session.sign_in_failed"
    assert event.actor == "admin:unknown" and "mismatching_state" in event.details["reason"]


def test_callback_cannot_be_replayed_after_sign_in(
    browser: FlaskClient, oidc_provider: OidcProvider,
) -> None:
    oidc_provider.set_person("ada", email="ada@example.com", groups=["weft-admins"])
    started = browser.get("/ui/sign-in/oidc")
    back = urlsplit(oidc_provider.authorize(started.headers["Location"], "ada"))
    assert browser.get(f"{back.path}?{back.query}").status_code == 302
    assert browser.get(f"{back.path}?{back.query}").status_code == 403


def test_id_token_nonce_must_match_the_session(
    browser: FlaskClient, oidc_provider: OidcProvider,
) -> None:
    oidc_provider.set_person("ada", email="ada@example.com", groups=["weft-admins"])
    started = browser.get("/ui/sign-in/oidc")
    with browser.session_transaction("/ui/") as session:  # the cookie's path
        [key] = [k for k in session if k.startswith("_state_oidc_")]
        stored = session[key]
        session[key] = {**stored, "data": {**stored["data"], "nonce": "another-nonce"}}
    back = urlsplit(oidc_provider.authorize(started.headers["Location"], "ada"))
    response = browser.get(f"{back.path}?{back.query}")
    assert response.status_code == 403


def test_authorization_request_uses_pkce_s256_state_and_nonce(browser: FlaskClient) -> None:
    location = browser.get("/ui/sign-in/oidc").headers["Location"]
    query = parse_qs(urlsplit(location).query)
    assert query["code_challenge_method"] == ["S256"]
    assert len(query["code_challenge"][0]) == 43
    assert query["state"][0] and query["nonce"][0]
    assert query["scope"] == ["openid email profile"]


def test_sign_in_events_are_announced_with_their_source(
    web_app: Flask, browser: FlaskClient, oidc_provider: OidcProvider,
    recorder: RecordingPlugin,
) -> None:
    sign_in(browser, oidc_provider, "ada", email="ada@example.com", groups=["weft-admins"])
    browser.post("/ui/sign-out", data={"csrf_token": csrf_token(browser)})
    signed_in, signed_out = admin_actions(web_app, recorder)
    assert (signed_in.action, signed_in.actor, signed_in.target) == (
        "session.signed_in", "admin:ada@example.com", "person:ada")
    assert signed_in.details == {"method": "oidc", "email": "ada@example.com",
                                 "roles": ["admin"]}
    assert signed_in.source["ip"] == "127.0.0.1" and signed_in.source["request_id"]
    assert (signed_out.action, signed_out.actor) == ("session.signed_out",
                                                      "admin:ada@example.com")


def test_sign_out_ends_the_session(browser: FlaskClient, oidc_provider: OidcProvider) -> None:
    sign_in(browser, oidc_provider, "ada", email="ada@example.com", groups=["weft-admins"])
    response = browser.post("/ui/sign-out", data={"csrf_token": csrf_token(browser)})
    assert response.status_code == 302 and "signed_out=1" in response.headers["Location"]
    assert "You are signed out" in browser.get(response.headers["Location"]).get_data(
        as_text=True)
    assert browser.get("/ui/admin/credentials").status_code == 302


def test_not_signed_in_goes_to_sign_in_and_comes_back(
    browser: FlaskClient, oidc_provider: OidcProvider,
) -> None:
    response = browser.get("/ui/admin/plugins")
    assert response.status_code == 302
    assert response.headers["Location"] == "/ui/sign-in?next=/ui/admin/plugins"
    oidc_provider.set_person("ada", email="ada@example.com", groups=["weft-admins"])
    started = browser.get("/ui/sign-in/oidc?next=/ui/admin/plugins")
    back = urlsplit(oidc_provider.authorize(started.headers["Location"], "ada"))
    assert browser.get(f"{back.path}?{back.query}").headers["Location"] == "/ui/admin/plugins"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\evil"])
def test_next_never_leaves_the_site(
    browser: FlaskClient, oidc_provider: OidcProvider, target: str,
) -> None:
    oidc_provider.set_person("ada", email="ada@example.com", groups=["weft-admins"])
    started = browser.get("/ui/sign-in/oidc", query_string={"next": target})
    back = urlsplit(oidc_provider.authorize(started.headers["Location"], "ada"))
    assert browser.get(f"{back.path}?{back.query}").headers["Location"] == "/ui/"


def test_nested_roles_claim_is_read(
    make_web_app: Callable[..., Flask], oidc_provider: OidcProvider,
) -> None:
    browser = make_web_app(oidc_roles_claim="realm_access.roles").test_client()
    response = sign_in(browser, oidc_provider, "kim", email="kim@example.com",
                       realm_access={"roles": ["weft-analysts"]})
    assert response.status_code == 302
    assert browser.get("/ui/dashboard").status_code == 200


def test_session_cookie_is_httponly_lax_and_secure_over_https(browser: FlaskClient) -> None:
    plain = browser.get("/ui/sign-in/oidc").headers["Set-Cookie"]
    assert "HttpOnly" in plain and "SameSite=Lax" in plain and "Secure" not in plain
    secure = browser.get("/ui/sign-in/oidc", base_url="https://localhost").headers["Set-Cookie"]
    assert "Secure" in secure


def test_sign_in_page_explains_how_to_configure_sso_when_it_is_not(
    make_web_app: Callable[..., Flask],
) -> None:
    browser = make_web_app(oidc_metadata_url="", oidc_client_id="").test_client()
    page = browser.get("/ui/sign-in").get_data(as_text=True)
    assert "Single sign-on is not configured" in page
    assert "LRS_OIDC_METADATA_URL" in page and "/ui/sign-in/callback" in page
    assert browser.get("/ui/sign-in/oidc").status_code == 403


def test_client_secret_is_never_logged(
    web_app: Flask, browser: FlaskClient, oidc_provider: OidcProvider,
    capsys: pytest.CaptureFixture[str],
) -> None:
    sign_in(browser, oidc_provider, "ada", email="ada@example.com", groups=["weft-admins"])
    web_app.logger.warning("settings: %r", web_app.extensions["lrs"].settings)
    captured = capsys.readouterr()
    assert CLIENT_SECRET not in captured.err + captured.out
    assert CLIENT_SECRET not in repr(web_app.extensions["lrs"].settings)


def test_role_mapping_accepts_several_roles_per_group() -> None:
    assert parse_role_mapping(" a = admin , a=analyst,/b=analyst") == {
        "a": frozenset({"admin", "analyst"}), "/b": frozenset({"analyst"})}
