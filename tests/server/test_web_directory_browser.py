"""The directory pages in a real headless Chromium, against a real gunicorn and OIDC provider.

An admin signs in, searches the directory a roster filled and opens a person,
by clicking; a name an HR file stored as markup stays text.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser import collect_csp, lrs_on_served_database, sign_in
from tests.oidc import OidcProvider
from tests.people.test_oneroster_import import ROSTER
from tests.serving import Server

pytestmark = pytest.mark.server

HOSTILE_NAME = "<img src=x onerror=\"document.title='pwned'\">"


def lrs(tmp_path: Path, *args: str) -> None:
    lrs_on_served_database(tmp_path, *args)


def test_admin_searches_the_directory_and_opens_a_person(
    weft: Server, oidc_provider: OidcProvider, page: Page, tmp_path: Path,
) -> None:
    base = weft.url.removesuffix("/xapi")
    lrs(tmp_path, "people", "import-oneroster", str(ROSTER),
        "--home-page", "https://lms.example.edu")
    staff = tmp_path / "staff.csv"
    quoted = HOSTILE_NAME.replace('"', '""')
    staff.write_text(f'employee_id,display_name\nE666,"{quoted}"\n', encoding="utf-8")
    lrs(tmp_path, "people", "import", str(staff))
    blocked: list[str] = []
    page.on("console", lambda message: collect_csp(message, blocked))
    oidc_provider.set_person("ada", email="ada@example.com", name="Ada Lovelace",
                             groups=["weft-admins"])
    sign_in(page, f"{base}/ui/", "ada")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="People").click()
    page.get_by_label("Search").fill("avery")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url("**/ui/admin/people?q=avery*")
    assert page.locator("#people tbody tr").count() == 1
    page.get_by_role("link", name="s1").click()

    assert page.locator("#person-name").inner_text() == "Ave Smith"
    expect(page.get_by_text("account:https://lms.example.edu|asmith")).to_be_visible()
    math = page.locator("#groups tr", has_text="Math 7 - Period 1")
    assert "student" in math.inner_text()
    math.get_by_role("link").click()
    assert page.locator("#group-name").inner_text() == "Math 7 - Period 1"
    assert page.locator("#members tbody tr").count() == 3

    page.get_by_role("navigation", name="Main").get_by_role("link", name="People").click()
    page.get_by_label("Search").fill("E666")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name="E666").click()
    assert page.locator("#person-name").inner_text() == HOSTILE_NAME
    assert page.title() != "pwned"
    assert blocked == [], f"Content-Security-Policy blocked: {blocked}"
