"""The assignments page in a real headless Chromium, against a real gunicorn: an admin
assigns a course to a group and deletes it again by clicking, under the page's
Content-Security-Policy."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from playwright.sync_api import Page, expect

from lrs.cli import cli
from tests.assignments.conftest import AML, STAFF
from tests.browser import collect_csp, sign_in
from tests.conftest import INSTALLED_PLUGINS, TEST_SECRET_KEY
from tests.oidc import OidcProvider
from tests.serving import Server


def test_admin_assigns_a_course_to_a_group_and_deletes_it(
    weft: Server, oidc_provider: OidcProvider, page: Page, tmp_path: Path,
) -> None:
    runner = CliRunner(env={"LRS_SECRET_KEY": TEST_SECRET_KEY,
                            "LRS_DISABLED_PLUGINS": INSTALLED_PLUGINS})
    database = ["--database", f"sqlite:///{tmp_path / 'weft.sqlite3'}"]
    (tmp_path / "staff.csv").write_text(STAFF)
    for args in (["people", "import", str(tmp_path / "staff.csv")],
                 ["people", "groups", "create", "Sales", "--rule", "department = Sales"]):
        result = runner.invoke(cli, [*database, *args])
        assert result.exit_code == 0, result.output
    base = weft.url.removesuffix("/xapi")
    oidc_provider.set_person("ada", email="ada@example.com", groups=["weft-admins"])
    blocked: list[str] = []
    page.on("console", lambda message: collect_csp(message, blocked))
    sign_in(page, f"{base}/ui/", "ada")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Assignments").click()
    expect(page.get_by_text("No assignments in this store yet.")).to_be_visible()
    page.locator("select[name=target_kind]").select_option("group")
    page.get_by_label("Group name or employee id").fill("Nobody")
    page.get_by_label("Activity IRIs").fill(AML)
    page.get_by_label("Due (YYYY-MM-DD)").fill("2026-06-30")
    page.get_by_label("Again every").fill("12")
    page.get_by_role("button", name="Create assignment").click()
    assert page.get_by_role("alert").inner_text() == (
        "$.group: no group named 'Nobody' (lrs people groups list)")
    page.get_by_label("Group name or employee id").fill("Sales")
    page.get_by_role("button", name="Create assignment").click()
    expect(page.get_by_text("Created assignment 1.")).to_be_visible()
    row = page.locator("#assignments tbody tr").first
    assert "group Sales" in row.inner_text() and "12 months" in row.inner_text()
    assert "by admin:ada@example.com" in row.inner_text()

    row.get_by_role("button", name="Delete").click()
    expect(page.get_by_text("Deleted assignment 1.")).to_be_visible()
    expect(page.get_by_text("No assignments in this store yet.")).to_be_visible()
    assert blocked == [], f"Content-Security-Policy blocked: {blocked}"
