"""The "Audit trail" page: compliance officers and admins verify, export and report."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from lrs.plugin.testing import deliver
from tests.oidc import (
    CLIENT_ID,
    CLIENT_SECRET,
    ROLE_MAPPING,
    OidcProvider,
    csrf_token,
    sign_in,
)


@pytest.fixture
def audit_web_app(audit_key: object, lrs_make_app: Callable[..., Flask],
                  fresh_database_url: str, oidc_provider: OidcProvider) -> Flask:
    return lrs_make_app(installed=["audit"], database_url=fresh_database_url,
                        oidc_metadata_url=oidc_provider.metadata_url, oidc_client_id=CLIENT_ID,
                        oidc_client_secret=CLIENT_SECRET, oidc_role_mapping=ROLE_MAPPING)


def person(app: Flask, provider: OidcProvider, group: str) -> FlaskClient:
    browser = app.test_client()
    sign_in(browser, provider, group, email=f"{group}@example.com", groups=[group])
    deliver(app)
    return browser


@pytest.fixture
def auditor(audit_web_app: Flask, oidc_provider: OidcProvider) -> FlaskClient:
    """A browser signed in as a compliance officer."""
    return person(audit_web_app, oidc_provider, "weft-auditors")


def test_compliance_officer_sees_the_audit_trail_page_in_navigation(
    auditor: FlaskClient,
) -> None:
    home = auditor.get("/ui/").get_data(as_text=True)
    assert '>Audit trail</a>' in home and ">Credentials</a>" not in home
    page = auditor.get("/ui/audit/").get_data(as_text=True)
    assert "Intact: 2 entries" in page  # the configuration record and the sign-in
    assert 'name="csrf_token"' in page


def test_export_downloads_filtered_entries_and_records_who_exported(
    auditor: FlaskClient,
) -> None:
    response = auditor.get("/ui/audit/export?format=csv&person=&activity=&since=2020-01-01")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    assert "session.signed_in" in response.get_data(as_text=True)
    assert len(response.headers["Audit-Export-SHA256"]) == 64
    jsonl = auditor.get("/ui/audit/export?format=jsonl").get_data(as_text=True)
    assert '"actor":"admin:weft-auditors@example.com"' in jsonl
    assert '"action":"audit.exported"' in jsonl


def test_export_with_a_bad_filter_shows_the_page_with_the_error(
    audit_web_app: Flask, oidc_provider: OidcProvider,
) -> None:
    browser = person(audit_web_app, oidc_provider, "weft-admins")
    response = browser.get("/ui/audit/export?format=csv&since=yesterday")
    assert response.status_code == 400
    assert "is not an ISO 8601 date" in response.get_data(as_text=True)


def test_compliance_report_form_needs_csrf_and_returns_the_report(
    auditor: FlaskClient,
) -> None:
    browser = auditor
    required = '[{"activity": "https://example.com/courses/aml", "due": "2025-06-30", ' \
               '"people": ["alice@example.com"]}]'
    assert browser.post("/ui/audit/report", data={"required": required}).status_code == 400
    response = browser.post("/ui/audit/report", data={
        "csrf_token": csrf_token(browser, "/ui/audit/"), "required": required,
        "as_of": "2025-07-01"})
    assert response.status_code == 200
    assert response.get_json()["requirements"][0]["people"][0]["status"] == "overdue"


def test_analysts_may_not_open_the_audit_trail(
    audit_web_app: Flask, oidc_provider: OidcProvider,
) -> None:
    browser = person(audit_web_app, oidc_provider, "weft-analysts")
    assert ">Audit trail</a>" not in browser.get("/ui/").get_data(as_text=True)
    assert browser.get("/ui/audit/").status_code == 403
    assert browser.get("/ui/audit/export?format=csv").status_code == 403
