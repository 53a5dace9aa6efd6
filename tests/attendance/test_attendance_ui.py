"""The admin's Attendance pages: plan a session, upload a report, settle the review queue;
what a report file stored is shown as text."""

from __future__ import annotations

from collections.abc import Callable
from io import BytesIO

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.attendance.conftest import ACTIVITY, SESSION, seeded, sheet
from tests.oidc import CLIENT_ID, CLIENT_SECRET, ROLE_MAPPING, OidcProvider, csrf_token, sign_in

HOSTILE = '<img src=x onerror="alert(1)">'


@pytest.fixture
def att_web_app(
    lrs_make_app: Callable[..., Flask], fresh_database_url: str, oidc_provider: OidcProvider
) -> Flask:
    return seeded(
        lrs_make_app(
            installed=["attendance"],
            database_url=fresh_database_url,
            oidc_metadata_url=oidc_provider.metadata_url,
            oidc_client_id=CLIENT_ID,
            oidc_client_secret=CLIENT_SECRET,
            oidc_role_mapping=ROLE_MAPPING,
        )
    )


def signed_in(app: Flask, provider: OidcProvider, group: str) -> FlaskClient:
    browser = app.test_client()
    sign_in(browser, provider, group, email=f"{group}@example.com", groups=[group])
    return browser


def test_admin_plans_a_session_imports_a_report_and_settles_the_queue(
    att_web_app: Flask,
    oidc_provider: OidcProvider,
) -> None:
    admin = signed_in(att_web_app, oidc_provider, "weft-admins")
    assert ">Attendance</a>" in admin.get("/ui/").get_data(as_text=True)
    token = csrf_token(admin, "/ui/attendance/")
    refused = admin.post(
        "/ui/attendance/",
        data={
            "csrf_token": token,
            "key": SESSION,
            "activity_id": ACTIVITY,
            "title": "Day one",
            "start": "2026-12-04T09:00:00Z",
            "end": "yesterday",
        },
    )
    assert refused.status_code == 400 and "$.end" in refused.get_data(as_text=True)
    planned = admin.post(
        "/ui/attendance/",
        data={
            "csrf_token": token,
            "key": SESSION,
            "activity_id": ACTIVITY,
            "title": "Day one",
            "start": "2026-12-04T09:00:00Z",
            "end": "2026-12-04T10:00:00Z",
            "instructor": "E7",
            "groups": "New hires\r\n",
        },
    )
    assert planned.status_code == 302
    report = sheet(
        "Ada,ada@example.com,,2026-12-04 09:00,2026-12-04 10:00",
        f"{HOSTILE},,,2026-12-04 09:00,2026-12-04 10:00",
    )
    page = admin.post(
        f"/ui/attendance/session?key={SESSION}",
        data={"csrf_token": token, "source": "", "file": (BytesIO(report), "signin.csv")},
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    assert "Imported 2 sheet rows; 1 to review" in page
    assert "Ada Lovelace" in page and "email" in page and "no record" in page
    queue = admin.get("/ui/attendance/reviews").get_data(as_text=True)
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in queue and HOSTILE not in queue
    review_id = queue.split('id="review-')[1].split('"')[0]
    missing = admin.post(
        f"/ui/attendance/reviews/{review_id}",
        data={"csrf_token": token, "decision": "person", "employee_id": ""},
    )
    assert missing.status_code == 400
    done = admin.post(
        f"/ui/attendance/reviews/{review_id}",
        data={"csrf_token": token, "decision": "person", "employee_id": "E2"},
    )
    assert done.status_code == 200
    assert f"settled; recorded again: {SESSION}" in done.get_data(as_text=True)
    session_page = admin.get(f"/ui/attendance/session?key={SESSION}").get_data(as_text=True)
    assert "Grace Hopper" in session_page and "review" in session_page
    no_csrf = admin.post(f"/ui/attendance/reviews/{review_id}", data={"decision": "ignore"})
    assert no_csrf.status_code in (400, 403)
    assert admin.get("/ui/attendance/session?key=nope").status_code == 404


def test_other_roles_cannot_open_the_pages(
    att_web_app: Flask,
    oidc_provider: OidcProvider,
) -> None:
    auditor = signed_in(att_web_app, oidc_provider, "weft-auditors")
    assert ">Attendance</a>" not in auditor.get("/ui/").get_data(as_text=True)
    for url in ("/ui/attendance/", "/ui/attendance/reviews"):
        assert auditor.get(url).status_code == 403
    assert att_web_app.test_client().get("/ui/attendance/").status_code in (302, 303)
