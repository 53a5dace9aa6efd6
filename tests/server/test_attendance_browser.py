"""The attendance review queue in a real headless Chromium, against a real gunicorn with the
attendance plugin and a real OIDC provider.

A report's unmatched row (whose name is markup) waits in the queue; an admin
settles it by clicking, and the session's attendance then lists the person.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page

from tests.browser import collect_csp, lrs_on_served_database, served_with, sign_in
from tests.oidc import OidcProvider
from tests.serving import Server

pytestmark = pytest.mark.server

HOSTILE = "<img src=x onerror=\"document.title='pwned'\">"


@pytest.fixture
def weft(tmp_path: Path, oidc_provider: OidcProvider) -> Iterator[Server]:
    with served_with(tmp_path, oidc_provider, "attendance") as server:
        yield server


def lrs(tmp_path: Path, *args: str) -> None:
    lrs_on_served_database(tmp_path, *args, enabled=("attendance",))


def test_admin_settles_a_row_of_the_review_queue(
    weft: Server,
    oidc_provider: OidcProvider,
    page: Page,
    tmp_path: Path,
) -> None:
    base = weft.url.removesuffix("/xapi")
    staff = tmp_path / "staff.csv"
    staff.write_text(
        "employee_id,display_name,email\nE1,Ada Lovelace,ada@example.com\n"
        "E2,Grace Hopper,grace@example.com\n"
    )
    lrs(tmp_path, "people", "import", str(staff))
    lrs(
        tmp_path,
        "attendance",
        "sessions",
        "create",
        "--key",
        "day-1",
        "--activity",
        "https://learn.example.com/day-1",
        "--title",
        "Day one",
        "--start",
        "2026-12-04T09:00:00Z",
        "--end",
        "2026-12-04T10:00:00Z",
        "--person",
        "E1",
    )
    report = tmp_path / "signin.csv"
    quoted = HOSTILE.replace('"', '""')
    report.write_text(
        "Name,Email,Time in,Time out\n"
        "Ada,ada@example.com,2026-12-04 09:00,2026-12-04 10:00\n"
        f'"{quoted}",,2026-12-04 09:05,2026-12-04 10:00\n'
    )
    lrs(tmp_path, "attendance", "import", str(report), "--session", "day-1")
    blocked: list[str] = []
    page.on("console", lambda message: collect_csp(message, blocked))
    oidc_provider.set_person(
        "ada", email="ada@example.com", name="Ada Lovelace", groups=["weft-admins"]
    )
    sign_in(page, f"{base}/ui/", "ada")

    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Attendance review"
    ).click()
    row = page.locator("#reviews tbody tr")
    assert row.count() == 1
    assert row.locator(".name").inner_text() == HOSTILE
    row.get_by_label("Employee id").fill("E2")
    row.get_by_role("button", name="This person").click()
    assert "settled; recorded again: day-1" in page.get_by_role("status").inner_text()
    assert page.locator("#reviews tbody").inner_text().strip() == "Nothing to review."

    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Attendance", exact=True
    ).click()
    page.get_by_role("link", name="day-1").click()
    table = page.locator("#attendance").inner_text()
    assert "Grace Hopper" in table and "review" in table and "Ada Lovelace" in table
    assert page.title() != "pwned" and blocked == []
