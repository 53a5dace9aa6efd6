"""The competency views in a real headless Chromium, against a real gunicorn with the
competency plugin and a real OIDC provider: an analyst finds a person's profile through
the menu, sees states in colour and in words, follows an evidence link to its
statement, and reads a group's heat map; names written as markup stay text and the
strict CSP blocks nothing the pages need."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Dialog, Page, expect

from tests.browser import collect_csp, served_with, sign_in
from tests.competency.situations import GROUP, HOSTILE, Situation, seed
from tests.oidc import OidcProvider
from tests.serving import Server

pytestmark = pytest.mark.server


@pytest.fixture
def situation(tmp_path: Path, lrs_make_app: Callable[..., Flask]) -> Situation:
    app = lrs_make_app(
        installed=["competency"], database_url=f"sqlite:///{tmp_path / 'weft.sqlite3'}"
    )
    found = seed(app, hostile_statement=True)
    app.extensions["lrs"].db.engine.dispose()
    return found


@pytest.fixture
def weft(tmp_path: Path, oidc_provider: OidcProvider, situation: Situation) -> Iterator[Server]:
    with served_with(tmp_path, oidc_provider, "competency") as server:
        yield server


def test_analyst_reads_a_profile_and_a_heat_map(
    weft: Server, oidc_provider: OidcProvider, page: Page, situation: Situation
) -> None:
    base = weft.url.removesuffix("/xapi")
    blocked: list[str] = []
    dialogs: list[str] = []
    page.on("console", lambda message: collect_csp(message, blocked))

    def dismiss(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", dismiss)
    oidc_provider.set_person(
        "lin", email="lin@example.com", name="Lin Analyst", groups=["weft-analysts"]
    )
    sign_in(page, f"{base}/ui/", "lin")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Competency views").click()
    page.get_by_label("Employee id").fill("E1")
    page.get_by_role("button", name="Show profile").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Ada Lovelace"
    hs2 = page.locator(f'tr[data-uri="{situation.uris["HS.2"]}"]')
    lapsed = hs2.locator("td.state")
    assert lapsed.inner_text() == "↻ lapsed"
    colour = lapsed.evaluate("cell => getComputedStyle(cell).backgroundColor")
    assert colour not in ("rgba(0, 0, 0, 0)", "transparent")  # the stylesheet applies
    unknown = page.locator(f'tr[data-uri="{situation.uris["FA.3"]}"] td.state')
    assert unknown.evaluate("cell => getComputedStyle(cell).backgroundColor") != colour
    # HS.1's statement was written as markup: shown as text
    hs1 = page.locator(f'tr[data-uri="{situation.uris["HS.1"]}"]')
    assert HOSTILE in hs1.locator("td.name").inner_text()
    newest, _ = situation.statements[("E1", "HS.1")]
    hs1.get_by_role("link", name=newest[:8]).click()
    assert page.get_by_role("heading", level=1).inner_text() == f"Statement {newest}"
    assert "http://adlnet.gov/expapi/verbs/passed" in page.locator("#statement").inner_text()

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Competency views").click()
    page.get_by_label("Group or cohort").fill(GROUP)
    page.get_by_role("button", name="Heat map").click()
    heat = page.locator("#heatmap")
    expect(heat.get_by_role("link", name=HOSTILE)).to_be_visible()  # E2's name, as text
    row = heat.locator("tbody tr", has=page.get_by_role("link", name="Ada Lovelace"))
    cells = row.locator("td")
    assert cells.count() == 18
    # the engine's sweep re-evaluated the lapsed row from its (expired) evidence
    assert cells.nth(2).get_attribute("title") == "HS.2: lapsed (0.00)"
    assert cells.nth(2).inner_text().startswith("↻")
    page.get_by_role("link", name="Gaps").click()
    assert page.get_by_role("heading", level=1).inner_text().startswith(f"Gaps of {GROUP}")
    assert page.locator("#gaps meter").count() > 0
    assert blocked == [] and dialogs == []
