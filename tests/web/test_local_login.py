"""The local bootstrap admin: created by ``lrs users create-local-admin``, signs in with
a password, only while ``LRS_LOCAL_LOGIN`` is on."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from click.testing import CliRunner, Result
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from lrs.cli import cli
from lrs.models import LocalAdmin
from lrs.services import admin
from tests.conftest import INSTALLED_PLUGINS, TEST_SECRET_KEY
from tests.oidc import OidcProvider, csrf_token, sign_in
from tests.plugins.conftest import RecordingPlugin
from tests.web.conftest import admin_actions

PASSWORD = "correct horse battery staple"


@pytest.fixture
def users_cli(database_url: str) -> Callable[..., Result]:
    def run(*args: str, local_login: bool = True, input: str | None = None) -> Result:
        runner = CliRunner(env={"LRS_SECRET_KEY": TEST_SECRET_KEY, "LRS_AUTO_MIGRATE": "false",
                                "LRS_DISABLED_PLUGINS": INSTALLED_PLUGINS,
                                "LRS_LOCAL_LOGIN": str(local_login).lower()})
        return runner.invoke(cli, ["--database", database_url, "users", *args], input=input)

    return run


@pytest.fixture
def local_app(make_web_app: Callable[..., Flask]) -> Flask:
    app = make_web_app(local_login=True)
    admin.create_local_admin(app.extensions["lrs"], actor="cli:root", email="root@example.com",
                             password=PASSWORD, source={"cli": "root@host"})
    return app


def password_sign_in(browser: FlaskClient, email: str, password: str) -> object:
    token = csrf_token(browser, "/ui/sign-in")
    return browser.post("/ui/sign-in/local", data={
        "csrf_token": token, "email": email, "password": password, "next": ""})


def test_command_refuses_unless_local_login_is_on(users_cli: Callable[..., Result]) -> None:
    result = users_cli("create-local-admin", "root@example.com", local_login=False,
                       input=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 1 and "LRS_LOCAL_LOGIN=true" in result.output


def test_command_refuses_a_short_password(users_cli: Callable[..., Result]) -> None:
    result = users_cli("create-local-admin", "root@example.com", input="short\nshort\n")
    assert result.exit_code == 2 and "at least 12 characters" in result.output


def test_command_creates_a_local_admin_with_a_slow_password_hash_only(
    app: Flask, users_cli: Callable[..., Result],
) -> None:
    result = users_cli("create-local-admin", "root@example.com",
                       input=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert "Created local admin root@example.com" in result.output
    with app.extensions["lrs"].db.read() as session:
        [row] = session.scalars(select(LocalAdmin)).all()
    assert row.email == "root@example.com"
    assert row.password_hash.startswith("scrypt$32768$8$1$")
    assert PASSWORD not in row.password_hash


def test_local_admin_signs_in_with_the_password_as_admin(
    local_app: Flask, recorder: RecordingPlugin,
) -> None:
    browser = local_app.test_client()
    response = password_sign_in(browser, "ROOT@example.com", PASSWORD)
    assert response.status_code == 302 and response.headers["Location"] == "/ui/"
    assert browser.get("/ui/admin/credentials").status_code == 200
    created, signed_in = admin_actions(local_app, recorder)
    assert (created.action, created.target) == ("local_admin.created",
                                                "local_admin:root@example.com")
    assert created.source == {"cli": "root@host"}
    assert (signed_in.action, signed_in.actor, signed_in.details["method"]) == (
        "session.signed_in", "admin:root@example.com", "local")


@pytest.mark.parametrize(("email", "actor", "reason"), [
    ("root@example.com", "admin:root@example.com", "wrong password"),
    ("nobody@example.com", "admin:unknown", "unknown local admin"),
])
def test_wrong_password_or_unknown_admin_is_refused_and_recorded(
    local_app: Flask, recorder: RecordingPlugin, email: str, actor: str, reason: str,
) -> None:
    browser = local_app.test_client()
    response = password_sign_in(browser, email, "not the password")
    assert response.status_code == 401
    assert "wrong password" in response.get_data(as_text=True).lower()
    assert browser.get("/ui/").status_code == 302
    failed = admin_actions(local_app, recorder)[-1]
    assert (failed.action, failed.actor, failed.details["reason"]) == (
        "session.sign_in_failed", actor, reason)
    assert "not the password" not in failed.to_json()


def test_password_sign_in_is_off_by_default(
    web_app: Flask, browser: FlaskClient, oidc_provider: OidcProvider,
) -> None:
    assert 'name="password"' not in browser.get("/ui/sign-in").get_data(as_text=True)
    sign_in(browser, oidc_provider, "ada", email="ada@example.com", groups=["weft-admins"])
    token = csrf_token(browser)
    response = browser.post("/ui/sign-in/local", data={
        "csrf_token": token, "email": "root@example.com", "password": PASSWORD})
    assert response.status_code == 404


def test_the_session_cookie_reaches_only_ui_pages(local_app: Flask) -> None:
    """Scoped to /ui, the cookie never goes with an xAPI request (the alternate
    syntax's cross-site forms included); SameSite keeps it off cross-site POSTs and
    HttpOnly away from scripts."""
    browser = local_app.test_client()
    response = password_sign_in(browser, "root@example.com", PASSWORD)
    cookie = next(value for value in response.headers.getlist("Set-Cookie")
                  if value.startswith("weft_session="))
    attributes = {part.strip().split("=")[0].lower(): part.strip()
                  for part in cookie.split(";")[1:]}
    assert attributes["path"] == "Path=/ui"
    assert attributes["samesite"] == "SameSite=Lax" and "httponly" in attributes
    assert browser.get_cookie("weft_session", path="/ui") is not None
