"""The audit views need the plugin's own scopes: ``audit/read`` or ``audit/export``."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from lrs.plugin.testing import create_api_credential
from tests.plugins.conftest import runtime

VERIFY, EXPORT, REPORT = "/audit/verify", "/audit/export?format=csv", "/audit/report"


def granted(app: Flask, *scopes: str) -> dict[str, str]:
    return create_api_credential(app, *scopes).headers


def test_audit_plugin_declares_its_scopes(audit_app: Flask) -> None:
    audit = {s.name: s.origin for s in runtime(audit_app).scopes if s.origin == "audit"}
    assert audit == {"audit/read": "audit", "audit/export": "audit"}


@pytest.mark.parametrize("path", [VERIFY, EXPORT, REPORT])
def test_audit_views_refuse_missing_credentials_and_xapi_scopes_even_all(
    audit_app: Flask, audit_client: FlaskClient, path: str,
) -> None:
    assert audit_client.get(path).status_code == 401
    for scope in ("statements/read", "all"):
        response = audit_client.get(path, headers=granted(audit_app, scope))
        assert response.status_code == 403
        assert "audit/" in response.get_json()["message"]


@pytest.mark.parametrize(("scope", "path", "allowed"), [
    ("audit/read", VERIFY, True), ("audit/read", REPORT, True), ("audit/read", EXPORT, False),
    ("audit/export", EXPORT, True), ("audit/export", VERIFY, False),
    ("audit/export", REPORT, False),
])
def test_audit_read_and_export_scopes_open_their_own_views_only(
    audit_app: Flask, audit_client: FlaskClient, scope: str, path: str, allowed: bool,
) -> None:
    status = audit_client.get(path, headers=granted(audit_app, scope)).status_code
    # An allowed report (on the assignments: none yet) is a 200: the scope check passed.
    assert (status != 403) is allowed and status != 401


def test_audit_verify_view_reports_an_intact_trail(
    audit_client: FlaskClient, auth: dict[str, str],
) -> None:
    response = audit_client.get("/audit/verify", headers=auth)
    assert response.status_code == 200
    assert response.get_json()["ok"] is True
