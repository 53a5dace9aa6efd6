"""A manager in a real headless Chromium, against a real gunicorn with the kpi and
competency plugins and a real OIDC provider: they find "At risk" and "Competency
views" in the menu, see and act on their report's flag and profile, and get "not
found" for another manager's learner, whose name never reaches their screen."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from lrs.plugin.testing import ApiCredential
from plugins.kpi.warning_flags import evaluate, list_flags
from tests.browser import collect_csp, served_with, sign_in
from tests.kpi.warning_program import seed, send_program
from tests.oidc import ROLE_MAPPING, OidcProvider
from tests.serving import Server

pytestmark = pytest.mark.server


@pytest.fixture
def weft(tmp_path: Path, oidc_provider: OidcProvider) -> Iterator[Server]:
    more = {
        "LRS_PLUGIN_KPI_WARNINGS_EVALUATE_SECONDS": "0",
        "LRS_OIDC_ROLE_MAPPING": ROLE_MAPPING + ",weft-managers=manager",
    }
    with served_with(tmp_path, oidc_provider, "kpi", "competency", **more) as server:
        yield server


def test_a_manager_sees_their_report_and_not_another_managers(
    weft: Server,
    oidc_provider: OidcProvider,
    page: Page,
    tmp_path: Path,
    lrs_make_app: Callable[..., Flask],
    lrs_make_credential: Callable[..., ApiCredential],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The early-warning program (M1 manages L1-L3, M2 manages L4-L7), written to the
    # server's database by an application of this process: L2 of M1 is flagged, and
    # L4, L6 ("Eve", a name written as markup) and L7 of M2.
    monkeypatch.setenv("LRS_PLUGIN_KPI_WARNINGS_EVALUATE_SECONDS", "0")
    app = seed(
        lrs_make_app(
            installed=["kpi", "competency"],
            database_url=f"sqlite:///{tmp_path / 'weft.sqlite3'}",
        )
    )
    send_program(app, lrs_make_credential("all", app=app))
    host = app.extensions["lrs"].host
    evaluate(host, 1, date(2026, 3, 22))
    eves_flag = next(f["id"] for f in list_flags(host, 1) if f["employee_id"] == "L6")

    base = weft.url.removesuffix("/xapi")
    blocked: list[str] = []
    page.on("console", lambda message: collect_csp(message, blocked))
    oidc_provider.set_person(
        "maria", email="M1@example.com", name="Maria Manager", groups=["weft-managers"]
    )
    sign_in(page, f"{base}/ui/", "maria")
    navigation = page.get_by_role("navigation", name="Main")
    expect(navigation.get_by_role("link", name="Competency views")).to_be_visible()
    assert navigation.get_by_role("link", name="Credentials").count() == 0

    navigation.get_by_role("link", name="At risk").click()
    assert page.get_by_role("heading", level=1).inner_text() == "At risk"
    assert "your own people" in page.locator("#scope").inner_text()
    rows = page.locator("#flags tbody tr")
    assert rows.locator(".name").count() >= 1
    assert all("L2" in text for text in rows.locator(".name").all_inner_texts())
    assert "Eve" not in page.locator("#flags").inner_text()
    mine = rows.first
    mine.get_by_label("Action").select_option("acknowledged")
    mine.get_by_label("Note").fill("Talked at the stand-up")
    mine.get_by_role("button", name="Record").click()
    assert "acknowledged recorded" in page.get_by_role("status").inner_text()

    page.locator("#flags tbody tr .name a").first.click()
    assert page.get_by_role("heading", level=1).inner_text() == "Learner 2 L2"
    assert "Talked at the stand-up" in page.locator("#history").inner_text()

    other = page.goto(f"{base}/ui/kpi/warnings/{eves_flag}")
    assert other is not None and other.status == 404
    assert f"no early-warning flag {eves_flag}" in page.get_by_role("alert").inner_text()
    assert "Eve" not in page.content()

    page.goto(f"{base}/ui/competency/views/")
    page.get_by_label("Employee id").fill("L2")
    page.get_by_role("button", name="Show profile").click()
    assert page.url == f"{base}/ui/competency/people/L2"
    assert "Learner 2" in page.get_by_role("heading", level=1).inner_text()
    page.goto(f"{base}/ui/competency/views/")
    page.get_by_label("Employee id").fill("L6")
    page.get_by_role("button", name="Show profile").click()
    assert "no person with employee id 'L6'" in page.get_by_role("alert").inner_text()
    assert "Eve" not in page.content()

    refused = page.goto(f"{base}/ui/admin/people")
    assert refused is not None and refused.status == 403
    assert blocked == []
