"""Web UI sessions end server-side: at sign-out (a replayed cookie is refused), and
with the sign-in method that created them; password guessing is rate limited."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from lrs.services import admin
from tests.oidc import OidcProvider, csrf_token, sign_in
from tests.web.test_local_login import PASSWORD

COOKIE = "weft_session"
EMAIL = "root@example.com"


def local_app(make_web_app: Callable[..., Flask], **overrides: Any) -> Flask:
    app = make_web_app(local_login=True, **overrides)
    admin.create_local_admin(
        app.extensions["lrs"],
        actor="cli:root",
        email=EMAIL,
        password=PASSWORD,
        source={"cli": "root@host"},
    )
    return app


def password_sign_in(browser: FlaskClient, password: str, address: str = "127.0.0.1") -> Any:
    token = csrf_token(browser, "/ui/sign-in")
    return browser.post(
        "/ui/sign-in/local",
        environ_base={"REMOTE_ADDR": address},
        data={"csrf_token": token, "email": EMAIL, "password": password},
    )


def signed_in(browser: FlaskClient) -> bool:
    response = browser.get("/ui/")
    assert response.status_code in (200, 302)
    return response.status_code == 200


def replay(app: Flask, cookie: str) -> FlaskClient:
    """A fresh browser of ``app`` holding a copy of ``cookie``."""
    browser = app.test_client()
    browser.set_cookie(COOKIE, cookie, path="/ui")
    return browser


def test_a_local_session_cookie_replayed_after_sign_out_is_refused(
    make_web_app: Callable[..., Flask],
) -> None:
    app = local_app(make_web_app)
    browser = app.test_client()
    assert password_sign_in(browser, PASSWORD).status_code == 302
    stolen = browser.get_cookie(COOKIE, path="/ui").value
    assert signed_in(replay(app, stolen))
    browser.post("/ui/sign-out", data={"csrf_token": csrf_token(browser)})
    assert not signed_in(browser)
    assert not signed_in(replay(app, stolen))


def test_an_oidc_session_cookie_replayed_after_sign_out_is_refused(
    web_app: Flask,
    browser: FlaskClient,
    oidc_provider: OidcProvider,
) -> None:
    sign_in(browser, oidc_provider, "ada", email="ada@example.com", groups=["weft-admins"])
    stolen = browser.get_cookie(COOKIE, path="/ui").value
    browser.post("/ui/sign-out", data={"csrf_token": csrf_token(browser)})
    assert not signed_in(replay(web_app, stolen))


def test_local_sessions_end_when_local_login_is_turned_off(
    make_web_app: Callable[..., Flask],
) -> None:
    browser = local_app(make_web_app).test_client()
    assert password_sign_in(browser, PASSWORD).status_code == 302
    cookie = browser.get_cookie(COOKIE, path="/ui").value
    assert signed_in(replay(make_web_app(local_login=True), cookie))
    assert not signed_in(replay(make_web_app(local_login=False), cookie))


def test_oidc_sessions_end_when_oidc_is_no_longer_configured(
    make_web_app: Callable[..., Flask],
    browser: FlaskClient,
    oidc_provider: OidcProvider,
) -> None:
    sign_in(browser, oidc_provider, "ada", email="ada@example.com", groups=["weft-admins"])
    cookie = browser.get_cookie(COOKIE, path="/ui").value
    assert signed_in(replay(make_web_app(), cookie))
    assert not signed_in(replay(make_web_app(oidc_metadata_url="", local_login=True), cookie))


def test_password_guessing_is_limited_at_its_address_only(
    make_web_app: Callable[..., Flask],
) -> None:
    app = local_app(make_web_app, rate_limit_failures="3/minute")
    guesser, admin_browser = app.test_client(), app.test_client()
    statuses = [password_sign_in(guesser, "wrong guess", "10.4.4.4").status_code for _ in range(3)]
    assert statuses == [401, 401, 401]
    refused = password_sign_in(guesser, PASSWORD, "10.4.4.4")
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert "Too many attempts" in refused.get_data(as_text=True)
    assert not signed_in(guesser)
    # The admin, from elsewhere, signs in while the guesser waits.
    assert password_sign_in(admin_browser, PASSWORD, "10.4.4.5").status_code == 302
    assert signed_in(admin_browser)
