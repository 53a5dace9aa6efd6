"""The competency framework pages in a real headless Chromium, against a real gunicorn with
the competency plugin and a real OIDC provider: an admin finds an imported framework
through the menu and reads its tree; a statement written as markup stays text."""

from __future__ import annotations

import json
from collections.abc import Iterator
from importlib.metadata import entry_points
from pathlib import Path

import pytest
from click.testing import CliRunner
from playwright.sync_api import Page

from lrs.cli import cli
from tests.competency.conftest import package
from tests.conftest import TEST_SECRET_KEY
from tests.oidc import OidcProvider
from tests.server.test_gunicorn import Server
from tests.server.test_web_browser import (
    _collect_csp,
    chromium,
    page,
    served,
    sign_in,
    web_environment,
)

assert chromium and page  # fixtures, used by name

pytestmark = pytest.mark.server

HOSTILE = "<img src=x onerror=\"document.title='pwned'\">"
OTHERS = ",".join(
    sorted(ep.name for ep in entry_points(group="lrs.plugins") if ep.name != "competency")
)


@pytest.fixture
def weft(tmp_path: Path, oidc_provider: OidcProvider) -> Iterator[Server]:
    env = web_environment(tmp_path, oidc_provider, enabled=("competency",), LRS_AUTO_MIGRATE="true")
    with served(env, tmp_path) as server:
        yield server


def test_admin_reads_a_framework_tree(
    weft: Server, oidc_provider: OidcProvider, page: Page, tmp_path: Path
) -> None:
    base = weft.url.removesuffix("/xapi")
    data = package()
    data["CFItems"][1]["fullStatement"] = HOSTILE
    path = tmp_path / "safety.json"
    path.write_text(json.dumps(data))
    runner = CliRunner(env={"LRS_SECRET_KEY": TEST_SECRET_KEY, "LRS_DISABLED_PLUGINS": OTHERS})
    result = runner.invoke(
        cli,
        [
            "--database",
            f"sqlite:///{tmp_path / 'weft.sqlite3'}",
            "competency",
            "frameworks",
            "import",
            str(path),
        ],
    )
    assert result.exit_code == 0, result.output
    blocked: list[str] = []
    page.on("console", lambda message: _collect_csp(message, blocked))
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
    runner = CliRunner(env={"LRS_SECRET_KEY": TEST_SECRET_KEY, "LRS_DISABLED_PLUGINS": OTHERS})
    database = f"sqlite:///{tmp_path / 'weft.sqlite3'}"
    path = tmp_path / "safety.json"
    path.write_text(json.dumps(package()))
    imported = runner.invoke(
        cli, ["--database", database, "competency", "frameworks", "import", str(path)]
    )
    assert imported.exit_code == 0, imported.output
    competency = package()["CFItems"][6]["uri"]  # FA.1
    blocked: list[str] = []
    page.on("console", lambda message: _collect_csp(message, blocked))
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
    listed = runner.invoke(cli, ["--database", database, "competency", "rules", "list"])
    assert "1  program https://lms.example.com/programs/first-aid" in listed.output

    page.get_by_role("button", name="Delete").click()
    assert "No evidence rules yet." in page.locator("#rules").inner_text()
    assert blocked == []
