"""The admin erasure page: preview, confirm, erase; the same core as ``lrs people erase``."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from lrs.plugin.hookspecs import hookimpl
from lrs.services import admin
from lrs.store.credentials import IssuedCredential
from tests.conftest import basic_auth
from tests.oidc import OidcProvider, csrf_token, sign_in
from tests.plugins.conftest import RecordingPlugin
from tests.web.conftest import admin_actions

LEARNER = json.dumps({"mbox": "mailto:learner@example.com"})
STATEMENT_ID = "00000000-0000-0000-0000-000000000001"
PAGE = "/ui/admin/erasure"


@pytest.fixture
def admin_browser(browser: FlaskClient, oidc_provider: OidcProvider) -> FlaskClient:
    sign_in(browser, oidc_provider, "ada", email="ada@example.com", groups=["weft-admins"])
    return browser


@pytest.fixture
def learner_statement(web_app: Flask, browser: FlaskClient,
                      credential: IssuedCredential) -> dict[str, str]:
    return post_learner_statement(browser, credential)


def post_learner_statement(browser: FlaskClient, credential: IssuedCredential) -> dict[str, str]:
    """Store the learner's statement; the xAPI headers to read it back with."""
    headers = {"Authorization": basic_auth(credential), "X-Experience-API-Version": "2.0.0"}
    response = browser.post("/xapi/statements", headers=headers, json={
        "id": STATEMENT_ID, "actor": json.loads(LEARNER),
        "verb": {"id": "http://adlnet.gov/expapi/verbs/completed"},
        "object": {"id": "http://example.com/activities/one"}})
    assert response.status_code == 200, response.get_json()
    return headers


def submit(browser: FlaskClient, **form: str) -> tuple[int, str]:
    response = browser.post(PAGE, data={"csrf_token": csrf_token(browser, PAGE), **form})
    return response.status_code, response.get_data(as_text=True)


def stored(browser: FlaskClient, headers: dict[str, str]) -> bool:
    """Whether the learner's statement is still there, for an xAPI client."""
    return browser.get("/xapi/statements", query_string={"statementId": STATEMENT_ID},
                       headers=headers).status_code == 200


def count(html: str, key: str) -> str:
    match = re.search(rf'id="count-{key}">(\d+)<', html)
    assert match, html
    return match.group(1)


def test_erasure_page_previews_then_erases_after_confirmation(
    web_app: Flask, admin_browser: FlaskClient, learner_statement: dict[str, str],
    recorder: RecordingPlugin,
) -> None:
    assert "Erase a person" in admin_browser.get(PAGE).get_data(as_text=True)
    status, html = submit(admin_browser, action="preview", agent=LEARNER, tenant="default")
    assert status == 200 and "Would erase from store default" in html
    assert count(html, "statements_deleted") == "1"
    assert stored(admin_browser, learner_statement)

    status, html = submit(admin_browser, action="erase", agent=LEARNER, tenant="default")
    assert status == 400 and "tick the box" in html
    assert not [e for e in admin_actions(web_app, recorder) if e.action == "person.erased"]

    status, html = submit(admin_browser, action="erase", agent=LEARNER, tenant="default",
                          confirm="yes")
    assert status == 200 and "Erased from store default" in html
    assert count(html, "statements_deleted") == "1"
    assert not stored(admin_browser, learner_statement)
    [event] = [e for e in admin_actions(web_app, recorder) if e.action == "person.erased"]
    assert event.actor == "admin:ada@example.com" and event.source["ip"] == "127.0.0.1"
    assert event.target == "person:sha256:" + hashlib.sha256(
        b"mbox:mailto:learner@example.com").hexdigest()
    assert "learner@example.com" not in event.to_json()


@pytest.mark.parametrize(("form", "message"), [
    ({"agent": "{not json"}, "must be JSON"),
    ({"agent": '{"name": "nobody"}'}, "mbox"),
    ({"agent": '{"objectType": "Group", "mbox": "mailto:t@example.com"}'}, "not a Group"),
    ({"agent": LEARNER, "tenant": "nope"}, "no store named"),
])
def test_erasure_page_refuses_bad_input_with_400(
    admin_browser: FlaskClient, form: dict[str, str], message: str,
) -> None:
    status, html = submit(admin_browser, action="preview", **form)
    assert status == 400
    assert message in html.replace("&#39;", "'").replace("&#34;", '"')


def test_erasure_page_is_for_admins_only(browser: FlaskClient,
                                         oidc_provider: OidcProvider) -> None:
    sign_in(browser, oidc_provider, "cleo", email="cleo@example.com",
            groups=["weft-auditors"])
    assert browser.get(PAGE).status_code == 403


def test_erasure_page_erases_in_the_chosen_store_only(
    web_app: Flask, admin_browser: FlaskClient, learner_statement: dict[str, str],
) -> None:
    admin.create_tenant(web_app.extensions["lrs"], actor="cli:test", name="acme")
    assert '<option value="acme">acme</option>' in admin_browser.get(PAGE).get_data(
        as_text=True)
    status, html = submit(admin_browser, action="erase", agent=LEARNER, tenant="acme",
                          confirm="yes")
    assert status == 200 and "Erased from store acme" in html
    assert count(html, "statements_deleted") == "0"
    assert stored(admin_browser, learner_statement)


class BadgePlugin:
    """Holds badges of people; a broken one cannot reach its badge store."""

    plugin_name = "badges"

    def __init__(self, *, broken: bool = False) -> None:
        self.broken = broken

    @hookimpl
    def erase_person(self, dry_run: bool) -> dict[str, int]:
        if self.broken:
            raise ConnectionError("badge store unreachable")
        return {"earned_badges": 3}


def test_erasure_page_lists_what_plugins_erase_beside_weft_s_counts(
    make_web_app: Callable[..., Flask], oidc_provider: OidcProvider,
) -> None:
    browser = make_web_app(BadgePlugin()).test_client()
    sign_in(browser, oidc_provider, "ada", email="ada@example.com", groups=["weft-admins"])
    status, html = submit(browser, action="preview", agent=LEARNER, tenant="default")
    assert status == 200
    assert "<td>badges: earned badges</td>" in html
    assert count(html, r"badges\.earned_badges") == "3"


def test_erasure_page_says_which_plugin_failed_and_that_nothing_was_erased(
    make_web_app: Callable[..., Flask], oidc_provider: OidcProvider,
    credential: IssuedCredential,
) -> None:
    browser = make_web_app(BadgePlugin(broken=True)).test_client()
    sign_in(browser, oidc_provider, "ada", email="ada@example.com", groups=["weft-admins"])
    headers = post_learner_statement(browser, credential)
    status, html = submit(browser, action="erase", agent=LEARNER, tenant="default",
                          confirm="yes")
    assert status == 500
    assert ("plugin &#39;badges&#39; failed to erase the person, so nothing was erased: "
            "badge store unreachable") in html
    assert stored(browser, headers)
