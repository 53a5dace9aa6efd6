"""The admin's "Evidence rules" page: list, add (errors by JSON path), delete; what a
client stored is shown as text; other roles are refused."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask

from tests.competency.conftest import LISTEN, seed
from tests.oidc import CLIENT_ID, CLIENT_SECRET, ROLE_MAPPING, OidcProvider, csrf_token, sign_in

HOSTILE = "https://lms.example.com/<img/src=x/onerror=alert(1)>"


@pytest.fixture
def web_app(
    lrs_make_app: Callable[..., Flask], fresh_database_url: str, oidc_provider: OidcProvider
) -> Flask:
    return seed(
        lrs_make_app(
            installed=["competency"],
            database_url=fresh_database_url,
            oidc_metadata_url=oidc_provider.metadata_url,
            oidc_client_id=CLIENT_ID,
            oidc_client_secret=CLIENT_SECRET,
            oidc_role_mapping=ROLE_MAPPING,
        )
    )


def test_admin_adds_and_deletes_rules(web_app: Flask, oidc_provider: OidcProvider) -> None:
    admin = web_app.test_client()
    sign_in(admin, oidc_provider, "weft-admins", email="a@example.com", groups=["weft-admins"])
    assert ">Evidence rules</a>" in admin.get("/ui/").get_data(as_text=True)
    assert "No evidence rules yet." in admin.get("/ui/competency/rules").get_data(as_text=True)
    token = csrf_token(admin, "/ui/competency/rules")
    form = {
        "csrf_token": token,
        "target_kind": "activity",
        "target": HOSTILE,
        "competencies": f"{LISTEN}\n",
        "min_scaled": "0.8",
        "valid_days": "365",
        "success_required": "on",
    }
    added = admin.post("/ui/competency/rules", data=form)
    assert added.status_code == 302
    page = admin.get("/ui/competency/rules").get_data(as_text=True)
    assert HOSTILE not in page and "&lt;img/src=x" in page
    assert "scaled score ≥ 0.8" in page and "success required" in page and "365 days" in page

    refused = admin.post(
        "/ui/competency/rules",
        data={
            **form,
            "target": "https://x.example/a",
            "min_scaled": "lots",
            "competencies": "urn:nope",
        },
    )
    assert refused.status_code == 400
    body = refused.get_data(as_text=True)
    assert "$.min_scaled: must be a number from 0 to 1" in body
    assert "$.competencies[0]: &#39;urn:nope&#39; is not a competency" in body

    deleted = admin.post("/ui/competency/rules/1/delete", data={"csrf_token": token})
    assert deleted.status_code == 302
    assert "No evidence rules yet." in admin.get("/ui/competency/rules").get_data(as_text=True)
    assert (
        admin.post("/ui/competency/rules/1/delete", data={"csrf_token": token}).status_code == 404
    )
    assert admin.post("/ui/competency/rules", data={**form, "csrf_token": ""}).status_code == 400

    auditor = web_app.test_client()
    sign_in(
        auditor, oidc_provider, "weft-auditors", email="b@example.com", groups=["weft-auditors"]
    )
    assert auditor.get("/ui/competency/rules").status_code == 403
