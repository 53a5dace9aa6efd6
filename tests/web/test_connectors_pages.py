"""Connector pages: create from a type's form, settings, actions and runs, secrets hidden."""

from __future__ import annotations

import html as html_module
import json
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from marshmallow import Schema, fields

from lrs.plugin.connectors import ConnectorType, SyncRun, SyncSummary
from lrs.plugin.hookspecs import hookimpl
from lrs.services.connectors import connector_named, full_config
from lrs.store import connectors as store
from tests.oidc import OidcProvider, csrf_token, sign_in
from tests.plugins.conftest import RecordingPlugin
from tests.web.conftest import admin_actions

TOKEN = "tok-7f3a9c-secret"
PAGE = "/ui/admin/connectors"


class LmsConfig(Schema):
    base_url = fields.Url(required=True, metadata={"description": "The LMS's address."})
    token = fields.String(required=True, metadata={"secret": True})
    page_size = fields.Integer(load_default=100)
    include_guests = fields.Boolean(load_default=False)
    course = fields.String()
    roles = fields.List(fields.String(), load_default=list)


class Failing:
    def __init__(self, host: Any, config: dict[str, Any]) -> None:
        self.config = config

    def sync(self, run: SyncRun) -> SyncSummary:
        raise RuntimeError(f"<script>alert(1)</script> rejected {self.config['token']}")


class LmsPlugin:
    plugin_name = "lms-plugin"

    @hookimpl
    def register_connector_types(self, host: Any) -> list[ConnectorType]:
        return [ConnectorType(name="lms", description="An LMS for tests.",
                              config_schema=LmsConfig, create=Failing)]


@pytest.fixture
def web_app(make_web_app: Any) -> Flask:
    return make_web_app(LmsPlugin())


@pytest.fixture
def admin(browser: FlaskClient, oidc_provider: OidcProvider) -> FlaskClient:
    sign_in(browser, oidc_provider, "ada", email="ada@example.com", groups=["weft-admins"])
    return browser


def create(admin: FlaskClient, **form: str) -> Any:
    page = f"{PAGE}/new/lms"
    return admin.post(page, data={"csrf_token": csrf_token(admin, page), "name": "moodle",
                                  "tenant": "default", "base_url": "https://lms.example.com",
                                  "token": TOKEN, "schedule": "every 15m", "enabled": "yes",
                                  **form})


def test_an_admin_creates_a_connector_from_its_types_form_and_never_sees_the_secret_again(
    web_app: Flask, admin: FlaskClient, recorder: RecordingPlugin,
) -> None:
    listing = admin.get(PAGE).get_data(as_text=True)
    assert 'href="/ui/admin/connectors/new/lms">lms</a>: An LMS for tests.' in listing
    form = admin.get(f"{PAGE}/new/lms").get_data(as_text=True)
    assert '<input type="password" name="token" autocomplete="new-password" required' in form
    assert "The LMS&#39;s address." in form
    created = create(admin, page_size="250", include_guests="yes")
    assert created.status_code == 302
    assert created.headers["Location"] == f"{PAGE}/default/moodle"
    page = admin.get(f"{PAGE}/default/moodle").get_data(as_text=True)
    assert TOKEN not in page and "set: leave empty to keep" in page
    assert 'id="state" class="state state-enabled">enabled<' in page
    runtime = web_app.extensions["lrs"]
    view = connector_named(runtime, 1, "moodle")
    assert view.config == {"base_url": "https://lms.example.com", "page_size": 250,
                           "include_guests": True}
    [event] = [e for e in admin_actions(web_app, recorder) if e.target == "connector:moodle"]
    assert (event.action, event.actor) == ("connector.created", "admin:ada@example.com")
    assert TOKEN not in event.to_json()


def test_a_bad_field_is_refused_naming_it_and_the_form_keeps_what_was_typed(
    admin: FlaskClient,
) -> None:
    refused = create(admin, base_url="not a url", page_size="many")
    assert refused.status_code == 400
    html = refused.get_data(as_text=True)
    assert "$.base_url: Not a valid URL." in html and "$.page_size: Not a valid integer." in html
    assert 'value="not a url"' in html and TOKEN not in html
    assert "None yet." in admin.get(PAGE).get_data(as_text=True)


def test_a_list_field_shows_as_json_that_saves_back_unchanged_whatever_it_holds(
    web_app: Flask, admin: FlaskClient,
) -> None:
    """A stored value is the attacker's if another admin typed it: JSON with quotes in
    it stays inside the ``value`` attribute, and saving the page keeps it as it was."""
    roles = ['" autofocus onfocus="alert(1)', "<b>tutor</b>"]
    create(admin, roles=json.dumps(roles))
    page = f"{PAGE}/default/moodle"
    html = admin.get(page).get_data(as_text=True)
    shown = re.search(r'<input type="text" name="roles" value="([^"]*)"', html)
    assert shown is not None, html
    assert html_module.unescape(shown.group(1)) == json.dumps(roles)
    assert 'placeholder="[]"' in html and "&lt;class" not in html
    saved = admin.post(page, data={"csrf_token": csrf_token(admin, page), "token": "",
                                   "base_url": "https://lms.example.com", "page_size": "100",
                                   "roles": html_module.unescape(shown.group(1)),
                                   "schedule": "every 15m"})
    assert saved.status_code == 302
    assert connector_named(web_app.extensions["lrs"], 1, "moodle").config["roles"] == roles


def test_a_refused_save_shows_what_was_typed_again(admin: FlaskClient) -> None:
    create(admin)
    page = f"{PAGE}/default/moodle"
    refused = admin.post(page, data={"csrf_token": csrf_token(admin, page), "token": "",
                                     "base_url": "https://lms.example.com",
                                     "page_size": "lots", "roles": '["a", ',
                                     "schedule": "every 15m"})
    assert refused.status_code == 400
    html = refused.get_data(as_text=True)
    assert "$.page_size: Not a valid integer." in html
    assert 'name="page_size" value="lots"' in html
    assert 'name="roles" value="[&#34;a&#34;, "' in html and TOKEN not in html


def test_saving_settings_keeps_an_empty_secret_and_unsets_emptied_fields(
    web_app: Flask, admin: FlaskClient,
) -> None:
    create(admin, course="c-101")
    page = f"{PAGE}/default/moodle"
    saved = admin.post(page, data={"csrf_token": csrf_token(admin, page), "token": "",
                                   "base_url": "https://lms2.example.com", "course": "",
                                   "page_size": "100", "schedule": "0 3 * * *"})
    assert saved.status_code == 302
    runtime = web_app.extensions["lrs"]
    with runtime.db.read() as session:
        instance = store.instance_named(session, 1, "moodle")
        config = full_config(instance, runtime.settings.secret_key)
        assert instance.schedule == "0 3 * * *"
    assert config == {"base_url": "https://lms2.example.com", "token": TOKEN,
                      "page_size": 100, "include_guests": False}


def test_run_now_disable_enable_and_delete(web_app: Flask, admin: FlaskClient) -> None:
    create(admin)
    page = f"{PAGE}/default/moodle"

    def act(action: str) -> str:
        done = admin.post(f"{page}/{action}", data={"csrf_token": csrf_token(admin, page)},
                          follow_redirects=True)
        assert done.status_code == 200
        return done.get_data(as_text=True)

    assert "Due now: a worker runs it within seconds." in act("run")
    assert "Connector &#39;moodle&#39; is disabled." in act("disable")
    assert "is disabled: enable it first" in act("run")
    assert "Connector &#39;moodle&#39; is enabled." in act("enable")
    assert "Deleted connector &#39;moodle&#39;." in act("delete")
    assert admin.get(page).status_code == 404


def test_a_failed_run_shows_its_error_escaped_with_the_secret_masked(
    web_app: Flask, admin: FlaskClient,
) -> None:
    create(admin)
    runtime = web_app.extensions["lrs"]
    assert runtime.connectors.run_instance(1, "moodle").run.status == "failed"
    html = admin.get(f"{PAGE}/default/moodle").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt; rejected ***" in html
    assert "<script>" not in html and TOKEN not in html
    assert ">failed<" in html and "1 failed run(s) in a row" in html


def test_only_admins_open_connector_pages_and_forms_need_the_csrf_token(
    browser: FlaskClient, oidc_provider: OidcProvider,
) -> None:
    sign_in(browser, oidc_provider, "ann", email="ann@example.com", groups=["weft-analysts"])
    assert browser.get(PAGE).status_code == 403
    assert browser.get(f"{PAGE}/new/lms").status_code == 403
    sign_in(browser, oidc_provider, "ada", email="ada@example.com", groups=["weft-admins"])
    forged = browser.post(f"{PAGE}/new/lms", data={"name": "x", "schedule": "every 1h"})
    assert forged.status_code == 400
    assert "None yet." in browser.get(PAGE).get_data(as_text=True)
