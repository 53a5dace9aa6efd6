"""The admin assignments page: list, create and delete through forms, as the API does."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.assignments.conftest import AML, FIRE, directory
from tests.oidc import OidcProvider, csrf_token, sign_in
from tests.people.test_people_import import staff_csv
from tests.plugins.conftest import RecordingPlugin
from tests.test_cli import lrs
from tests.web.conftest import admin_actions

assert directory and lrs and staff_csv  # fixtures, used by name
PAGE = "/ui/admin/assignments"


@pytest.fixture
def admin_browser(browser: FlaskClient, oidc_provider: OidcProvider) -> FlaskClient:
    sign_in(browser, oidc_provider, "ada", email="ada@example.com", groups=["weft-admins"])
    return browser


def submit(browser: FlaskClient, **form: str) -> Any:
    return browser.post(PAGE, data={"csrf_token": csrf_token(browser, PAGE), **form})


def test_admin_creates_lists_and_deletes_assignments_recorded_under_their_name(
    directory: None, web_app: Flask, admin_browser: FlaskClient, recorder: RecordingPlugin,
) -> None:
    assert ">Assignments</a>" in admin_browser.get("/ui/").get_data(as_text=True)
    created = submit(admin_browser, target_kind="group", target="Sales", activities=AML,
                     due="2026-06-30", every_months="12", due_soon_days="")
    assert created.status_code == 302
    program = submit(admin_browser, target_kind="person", target="E1",
                     activities=f"{AML}\r\n{FIRE}\r\n", program="<b>Onboarding</b>",
                     due="2026-03-31", every_months="", due_soon_days="7")
    assert program.status_code == 302
    page = admin_browser.get(PAGE).get_data(as_text=True)
    assert "Created assignment 2." in page
    assert "group Sales" in page and "12 months" in page
    assert "&lt;b&gt;Onboarding&lt;/b&gt;" in page and "<b>Onboarding" not in page
    response = admin_browser.post(f"{PAGE}/1/delete", data={
        "csrf_token": csrf_token(admin_browser, PAGE), "tenant": "default"})
    assert response.status_code == 302
    page = admin_browser.get(PAGE).get_data(as_text=True)
    assert "Deleted assignment 1." in page and "group Sales" not in page
    actions = [(a.action, a.target, a.actor) for a in admin_actions(web_app, recorder)
               if a.action.startswith("assignment")]
    assert actions == [("assignment.created", "assignment:1", "admin:ada@example.com"),
                       ("assignment.created", "assignment:2", "admin:ada@example.com"),
                       ("assignment.deleted", "assignment:1", "admin:ada@example.com")]


def test_mistakes_are_shown_with_the_form_kept(
    directory: None, admin_browser: FlaskClient,
) -> None:
    refused = submit(admin_browser, target_kind="group", target="<Nobody>", activities=AML,
                     due="2026-06-30", every_months="", due_soon_days="")
    assert refused.status_code == 400
    html = refused.get_data(as_text=True)
    assert "$.group: no group named &#39;&lt;Nobody&gt;&#39;" in html
    assert 'value="&lt;Nobody&gt;"' in html
    bad = submit(admin_browser, target_kind="person", target="E1", activities="not an iri",
                 due="2026-06-30", every_months="twelve", due_soon_days="")
    assert bad.status_code == 400
    assert "$.activity: must be an IRI" in bad.get_data(as_text=True)
    gone = admin_browser.post(f"{PAGE}/x/delete", data={
        "csrf_token": csrf_token(admin_browser, PAGE)}, follow_redirects=True)
    assert "no assignment &#39;x&#39; in this store" in gone.get_data(as_text=True)
    assert "No assignments in this store yet." in gone.get_data(as_text=True)


def test_forms_need_the_csrf_token_and_the_admin_role(
    directory: None, web_app: Flask, browser: FlaskClient, oidc_provider: OidcProvider,
) -> None:
    sign_in(browser, oidc_provider, "ada", email="ada@example.com", groups=["weft-admins"])
    assert browser.post(PAGE, data={"target_kind": "group", "target": "Sales",
                                    "activities": AML, "due": "2026-06-30"}).status_code == 400
    officer = web_app.test_client()
    sign_in(officer, oidc_provider, "carol", email="carol@example.com",
            groups=["weft-auditors"])
    assert officer.get(PAGE).status_code == 403
    assert ">Assignments</a>" not in officer.get("/ui/").get_data(as_text=True)
