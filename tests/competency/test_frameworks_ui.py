"""The admin's "Competency frameworks" pages: the list, a framework's tree with retired
items and history; what a package stored is shown as text; other roles are refused."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask

from lrs.plugin.testing import ApiCredential
from tests.competency.conftest import package
from tests.oidc import CLIENT_ID, CLIENT_SECRET, ROLE_MAPPING, OidcProvider, sign_in

HOSTILE = '<img src=x onerror="alert(1)">'


@pytest.fixture
def web_app(
    lrs_make_app: Callable[..., Flask], fresh_database_url: str, oidc_provider: OidcProvider
) -> Flask:
    return lrs_make_app(
        installed=["competency"],
        database_url=fresh_database_url,
        oidc_metadata_url=oidc_provider.metadata_url,
        oidc_client_id=CLIENT_ID,
        oidc_client_secret=CLIENT_SECRET,
        oidc_role_mapping=ROLE_MAPPING,
    )


def test_admin_sees_frameworks_trees_and_history_as_text(
    web_app: Flask,
    oidc_provider: OidcProvider,
    lrs_make_credential: Callable[..., ApiCredential],
) -> None:
    api = web_app.test_client()
    auth = lrs_make_credential("competency/write", app=web_app).headers
    data = package()
    identifier = data["CFDocument"]["identifier"]
    assert api.post("/api/competency/frameworks", json=data, headers=auth).status_code == 201
    changed = package()
    changed["CFItems"][1]["fullStatement"] = HOSTILE
    changed["CFItems"][1]["lastChangeDateTime"] = "2026-09-01T00:00:00Z"
    del changed["CFItems"][2]
    assert api.post("/api/competency/frameworks", json=changed, headers=auth).status_code == 200

    admin = web_app.test_client()
    sign_in(admin, oidc_provider, "weft-admins", email="a@example.com", groups=["weft-admins"])
    assert ">Competency frameworks</a>" in admin.get("/ui/").get_data(as_text=True)
    listing = admin.get("/ui/competency/").get_data(as_text=True)
    assert f'href="/ui/competency/{identifier}"' in listing
    page = admin.get(f"/ui/competency/{identifier}").get_data(as_text=True)
    assert HOSTILE not in page
    assert "&lt;img src=x" in page
    assert "updated from version 1: full_statement" in page
    assert "retired from version 1: retired" in page
    assert "  HS.1 &lt;img" in page  # the tree shows the current statement
    assert admin.get("/ui/competency/nope").status_code == 404

    auditor = web_app.test_client()
    sign_in(
        auditor, oidc_provider, "weft-auditors", email="b@example.com", groups=["weft-auditors"]
    )
    assert auditor.get("/ui/competency/").status_code == 403
