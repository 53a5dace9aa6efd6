"""The competency framework pages in a real headless Chromium, against a real gunicorn with
the competency plugin and a real OIDC provider: an admin finds an imported framework
through the menu and reads its tree; a statement written as markup stays text."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page

from tests.browser import collect_csp, lrs_on_served_database, served_with, sign_in
from tests.competency.conftest import package
from tests.oidc import OidcProvider
from tests.serving import Server

pytestmark = pytest.mark.server

HOSTILE = "<img src=x onerror=\"document.title='pwned'\">"


@pytest.fixture
def weft(tmp_path: Path, oidc_provider: OidcProvider) -> Iterator[Server]:
    with served_with(tmp_path, oidc_provider, "competency") as server:
        yield server


def test_admin_reads_a_framework_tree(
    weft: Server, oidc_provider: OidcProvider, page: Page, tmp_path: Path
) -> None:
    base = weft.url.removesuffix("/xapi")
    data = package()
    data["CFItems"][1]["fullStatement"] = HOSTILE
    path = tmp_path / "safety.json"
    path.write_text(json.dumps(data))
    lrs_on_served_database(
        tmp_path, "competency", "frameworks", "import", str(path), enabled=("competency",)
    )
    blocked: list[str] = []
    page.on("console", lambda message: collect_csp(message, blocked))
    oidc_provider.set_person(
        "ada", email="ada@example.com", name="Ada Lovelace", groups=["weft-admins"]
    )
    sign_in(page, f"{base}/ui/", "ada")

    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Competency frameworks"
    ).click()
    page.get_by_role("link", name=data["CFDocument"]["identifier"]).click()
    assert page.get_by_role("heading", level=1).inner_text() == "Workplace Safety Competencies"
    tree = page.locator("#tree").inner_text()
    assert f"  HS.1 {HOSTILE}\n" in tree
    assert "  FA.3 Use an AED  [after FA.2]" in tree
    assert page.title() != "pwned" and blocked == []


def test_admin_adds_and_deletes_an_evidence_rule(
    weft: Server, oidc_provider: OidcProvider, page: Page, tmp_path: Path
) -> None:
    base = weft.url.removesuffix("/xapi")
    path = tmp_path / "safety.json"
    path.write_text(json.dumps(package()))
    lrs_on_served_database(
        tmp_path, "competency", "frameworks", "import", str(path), enabled=("competency",)
    )
    competency = package()["CFItems"][6]["uri"]  # FA.1
    blocked: list[str] = []
    page.on("console", lambda message: collect_csp(message, blocked))
    oidc_provider.set_person(
        "ada", email="ada@example.com", name="Ada Lovelace", groups=["weft-admins"]
    )
    sign_in(page, f"{base}/ui/", "ada")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Evidence rules").click()
    assert page.locator("#rules").inner_text().count("No evidence rules yet.") == 1

    page.get_by_label("Target kind").select_option("program")
    page.get_by_label("Target IRI").fill("https://lms.example.com/programs/first-aid")
    page.get_by_label("Competency URIs (one per line)").fill(competency)
    page.get_by_label("Minimum scaled score (0 to 1)").fill("2")
    page.get_by_role("button", name="Add rule").click()
    assert "$.min_scaled: must be a number from 0 to 1" in page.get_by_role("alert").inner_text()

    page.get_by_label("Minimum scaled score (0 to 1)").fill("0.8")
    page.get_by_role("button", name="Add rule").click()
    table = page.locator("#rules").inner_text()
    assert "program: https://lms.example.com/programs/first-aid" in table
    assert competency in table and "scaled score ≥ 0.8" in table
    listed = lrs_on_served_database(
        tmp_path, "competency", "rules", "list", enabled=("competency",)
    )
    assert "1  program https://lms.example.com/programs/first-aid" in listed

    page.get_by_role("button", name="Delete").click()
    assert "No evidence rules yet." in page.locator("#rules").inner_text()
    assert blocked == []
