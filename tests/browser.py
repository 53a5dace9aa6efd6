"""Web pages in a real headless Chromium, against a real gunicorn and a real OIDC
provider: the ``chromium`` and ``page`` fixtures, and a Weft served with the plugins
a test names. Registered as a pytest plugin by ``tests/conftest.py``, so every test
module (core's and the plugins') asks for ``page`` by name.

Needs Debian's ``chromium`` (``apt-get install chromium``; path ``/usr/bin/chromium``
or ``LRS_TEST_CHROMIUM``) and the ``playwright`` package, which drives that binary:
Playwright's own browser download is not used.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner
from playwright.sync_api import Browser, ConsoleMessage, Page, sync_playwright

from lrs.cli import cli
from tests.conftest import INSTALLED_PLUGINS, TEST_SECRET_KEY
from tests.oidc import CLIENT_ID, CLIENT_SECRET, ROLE_MAPPING, OidcProvider
from tests.serving import ROOT, Server, clean_env, start

CHROMIUM = os.environ.get("LRS_TEST_CHROMIUM", "/usr/bin/chromium")
#: Running as root in a container: no sandbox; and nothing that calls home.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} not found: apt-get install chromium (or set LRS_TEST_CHROMIUM)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium: Browser) -> Iterator[Page]:
    context = chromium.new_context()
    yield context.new_page()
    context.close()


def web_environment(
    tmp_path: Path, oidc_provider: OidcProvider, *, enabled: tuple[str, ...] = (), **more: str
) -> dict[str, str]:
    """A Weft on a fresh SQLite database signing people in through ``oidc_provider``,
    with only the installed plugins named in ``enabled``; ``more`` adds or replaces
    variables."""
    disabled = ",".join(p for p in INSTALLED_PLUGINS.split(",") if p not in enabled)
    defaults = {
        "LRS_DATABASE_URL": f"sqlite:///{tmp_path / 'weft.sqlite3'}",
        "LRS_SECRET_KEY": TEST_SECRET_KEY,
        "LRS_BIND": "127.0.0.1:0",
        "LRS_LOG_FORMAT": "json",
        "LRS_DISABLED_PLUGINS": disabled,
        "LRS_OIDC_METADATA_URL": oidc_provider.metadata_url,
        "LRS_OIDC_CLIENT_ID": CLIENT_ID,
        "LRS_OIDC_CLIENT_SECRET": CLIENT_SECRET,
        "LRS_OIDC_ROLE_MAPPING": ROLE_MAPPING,
    }
    return clean_env(**{**defaults, **more})


@contextmanager
def served(env: dict[str, str], tmp_path: Path) -> Iterator[Server]:
    """``gunicorn -c gunicorn.conf.py wsgi:app`` with ``env``, stopped afterwards."""
    server = start(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"],
        ROOT,
        env,
        tmp_path,
    )
    try:
        yield server
    finally:
        if server.process.poll() is None:
            server.stop()


@contextmanager
def served_with(
    tmp_path: Path, oidc_provider: OidcProvider, *enabled: str, **more: str
) -> Iterator[Server]:
    """A Weft with only the plugins ``enabled``, their tables migrated at start."""
    env = web_environment(tmp_path, oidc_provider, enabled=enabled, LRS_AUTO_MIGRATE="true", **more)
    with served(env, tmp_path) as server:
        yield server


@pytest.fixture
def weft(tmp_path: Path, oidc_provider: OidcProvider) -> Iterator[Server]:
    """Weft with core alone (a module needing plugins overrides it, with
    :func:`served_with`); its log never shows the OIDC client secret."""
    with served(web_environment(tmp_path, oidc_provider), tmp_path) as server:
        yield server
    assert CLIENT_SECRET not in server.stderr.read_text()


def lrs_on_served_database(tmp_path: Path, *args: str, enabled: tuple[str, ...] = ()) -> str:
    """``lrs ARGS`` on the database a served Weft of ``tmp_path`` uses, with only the
    plugins ``enabled``; its output (it must succeed)."""
    disabled = ",".join(p for p in INSTALLED_PLUGINS.split(",") if p not in enabled)
    runner = CliRunner(env={"LRS_SECRET_KEY": TEST_SECRET_KEY, "LRS_DISABLED_PLUGINS": disabled})
    result = runner.invoke(cli, ["--database", f"sqlite:///{tmp_path / 'weft.sqlite3'}", *args])
    assert result.exit_code == 0, result.output
    return result.output


def sign_in(page: Page, url: str, subject: str) -> None:
    """Open ``url``, sign in at the provider as ``subject`` and come back to ``url``."""
    page.goto(url)
    page.get_by_role("link", name="Sign in with your company account").click()
    page.locator("input[name=sub]").first.fill(subject)
    page.get_by_role("button", name="Authorize").first.click()
    page.wait_for_url(url)


def collect_csp(message: ConsoleMessage, blocked: list[str]) -> None:
    """A ``page.on("console", ...)`` listener: keep what the Content-Security-Policy blocked."""
    if "Content Security Policy" in message.text:
        blocked.append(message.text)
