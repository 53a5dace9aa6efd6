"""The competency framework pages in a real headless Chromium, against a real gunicorn with
the competency plugin and a real OIDC provider: an admin finds an imported framework
through the menu and reads its tree; a statement written as markup stays text."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from importlib.metadata import entry_points
from pathlib import Path

import pytest
from click.testing import CliRunner
from playwright.sync_api import Page

from lrs.cli import cli
from tests.competency.conftest import package
from tests.conftest import TEST_SECRET_KEY
from tests.oidc import CLIENT_ID, CLIENT_SECRET, ROLE_MAPPING, OidcProvider
from tests.server.test_gunicorn import ROOT, Server, clean_env, start
from tests.server.test_web_browser import _collect_csp, chromium, page, sign_in

assert chromium and page  # fixtures, used by name

pytestmark = pytest.mark.server

HOSTILE = "<img src=x onerror=\"document.title='pwned'\">"
OTHERS = ",".join(
    sorted(ep.name for ep in entry_points(group="lrs.plugins") if ep.name != "competency")
)


@pytest.fixture
def weft(tmp_path: Path, oidc_provider: OidcProvider) -> Iterator[Server]:
    env = clean_env(
        LRS_DATABASE_URL=f"sqlite:///{tmp_path / 'weft.sqlite3'}",
        LRS_SECRET_KEY=TEST_SECRET_KEY,
        LRS_BIND="127.0.0.1:0",
        LRS_LOG_FORMAT="json",
        LRS_DISABLED_PLUGINS=OTHERS,
        LRS_AUTO_MIGRATE="true",
        LRS_OIDC_METADATA_URL=oidc_provider.metadata_url,
        LRS_OIDC_CLIENT_ID=CLIENT_ID,
        LRS_OIDC_CLIENT_SECRET=CLIENT_SECRET,
        LRS_OIDC_ROLE_MAPPING=ROLE_MAPPING,
    )
    server = start(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"],
        ROOT,
        env,
        tmp_path,
    )
    yield server
    if server.process.poll() is None:
        server.stop()


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
