"""The audit views need Basic credentials with the ``all`` scope."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from lrs.store.credentials import create_credential
from tests.conftest import basic_auth
from tests.plugins.conftest import runtime


@pytest.mark.parametrize("path", ["/audit/verify", "/audit/export?format=csv", "/audit/report"])
def test_audit_views_refuse_missing_and_narrow_credentials(
    audit_app: Flask, audit_client: FlaskClient, path: str,
) -> None:
    assert audit_client.get(path).status_code == 401
    rt = runtime(audit_app)
    with rt.db.write() as session:
        reader = create_credential(session, rt.settings.secret_key, name="reader",
                                   scopes=["statements/read"])
    assert audit_client.get(path, headers={"Authorization": basic_auth(reader)}
                            ).status_code == 403


def test_audit_verify_view_reports_an_intact_trail(
    audit_client: FlaskClient, auth: dict[str, str],
) -> None:
    response = audit_client.get("/audit/verify", headers=auth)
    assert response.status_code == 200
    assert response.get_json()["ok"] is True
