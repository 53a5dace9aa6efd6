"""The "At risk" page in a real headless Chromium, against a real gunicorn with the kpi
plugin and a real OIDC provider: an admin finds it through the menu, filters by
manager, records an action on a flag; a name from the directory written as markup
stays text."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Page

from lrs.plugin.testing import ApiCredential
from plugins.kpi.warning_flags import evaluate
from tests.browser import collect_csp, served_with, sign_in
from tests.kpi.warning_program import EVIL, seed, send_program
from tests.oidc import OidcProvider
from tests.serving import Server

pytestmark = pytest.mark.server


@pytest.fixture
def weft(tmp_path: Path, oidc_provider: OidcProvider) -> Iterator[Server]:
    evaluations = {"LRS_PLUGIN_KPI_WARNINGS_EVALUATE_SECONDS": "0"}  # the test evaluates
    with served_with(tmp_path, oidc_provider, "kpi", **evaluations) as server:
        yield server


def test_admin_filters_and_acts_on_a_flag(
    weft: Server,
    oidc_provider: OidcProvider,
    page: Page,
    tmp_path: Path,
    lrs_make_app: Callable[..., Flask],
    lrs_make_credential: Callable[..., ApiCredential],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The program, written to the server's database by an application of this process.
    monkeypatch.setenv("LRS_PLUGIN_KPI_WARNINGS_EVALUATE_SECONDS", "0")
    app = seed(
        lrs_make_app(installed=["kpi"], database_url=f"sqlite:///{tmp_path / 'weft.sqlite3'}")
    )
    send_program(app, lrs_make_credential("all", app=app))
    evaluate(app.extensions["lrs"].host, 1, date(2026, 3, 22))

    base = weft.url.removesuffix("/xapi")
    blocked: list[str] = []
    page.on("console", lambda message: collect_csp(message, blocked))
    oidc_provider.set_person(
        "ada", email="ada@example.com", name="Ada Lovelace", groups=["weft-admins"]
    )
    sign_in(page, f"{base}/ui/", "ada")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="At risk").click()
    assert page.get_by_role("heading", level=1).inner_text() == "At risk"
    assert page.locator("#flags tbody tr").count() == 6

    page.get_by_label("Manager (employee id)").fill("M2")
    page.get_by_label("Rule").select_option("inactive")
    page.get_by_role("button", name="Filter").click()
    rows = page.locator("#flags tbody tr")
    assert rows.count() == 2
    eve = rows.filter(has_text="L6")
    assert eve.locator(".name").inner_text() == f"{EVIL} L6"
    assert "No activity for 14 days (last on 2026-03-08)" in eve.locator(".reason").inner_text()

    eve.get_by_label("Action").select_option("contacted")
    eve.get_by_label("Note").fill("Phoned; back on track")
    eve.get_by_role("button", name="Record").click()
    assert "contacted recorded" in page.get_by_role("status").inner_text()
    assert page.locator("#flags tbody tr", has_text="L6").locator(".status").inner_text() == (
        "contacted"
    )
    assert page.locator("#rule-below_cohort_median").is_visible()
    assert page.title() == "At risk · Weft LRS" and blocked == []
