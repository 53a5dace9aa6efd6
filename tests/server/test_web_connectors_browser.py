"""Connectors in a real headless Chromium, against a real gunicorn, ``lrs worker`` and a
Workday-shaped report served on loopback.

An admin creates an HRIS connector from its form, asks for a run, and the worker
imports the report into the directory; the password typed in is never sent back.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser import collect_csp, served, sign_in, web_environment
from tests.connectors.loopback import Reply, Request, serve
from tests.oidc import OidcProvider
from tests.serving import ROOT, Server

pytestmark = pytest.mark.server

PASSWORD = "raas-pass-8d1f"
MAPPING = {"Employee_ID": "employee_id", "Worker": "display_name", "Email": "email"}
REPORT = {"Report_Entry": [
    {"Employee_ID": "E1", "Worker": "Ada Lovelace", "Email": "ada@example.com"},
    {"Employee_ID": "E2", "Worker": "<b>Grace</b>", "Email": "grace@example.com"},
]}


@pytest.fixture
def environment(tmp_path: Path, oidc_provider: OidcProvider) -> dict[str, str]:
    return web_environment(tmp_path, oidc_provider, enabled=("hris",), LRS_OUTBOX_INLINE="false",
                           LRS_CONNECTOR_POLL_SECONDS="1", LRS_WORKER_NICE="0")


@pytest.fixture
def weft(environment: dict[str, str], tmp_path: Path) -> Iterator[Server]:
    with served(environment, tmp_path) as server:
        yield server
    assert PASSWORD not in server.stderr.read_text()


@pytest.fixture
def worker(weft: Server, environment: dict[str, str], tmp_path: Path) -> Iterator[Path]:
    log = tmp_path / "worker.log"
    with log.open("wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "lrs.cli", "worker"], cwd=ROOT,
                                   env=environment, stdout=out, stderr=subprocess.STDOUT)
    yield log
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=30)
    assert PASSWORD not in log.read_text()


def test_admin_creates_an_hris_connector_and_the_worker_fills_the_directory(
    weft: Server, worker: Path, oidc_provider: OidcProvider, page: Page,
) -> None:
    base = weft.url.removesuffix("/xapi")
    asked: list[Request] = []

    def report(request: Request) -> Reply:
        asked.append(request)
        return Reply(body=json.dumps(REPORT).encode())

    blocked: list[str] = []
    page.on("console", lambda message: collect_csp(message, blocked))
    oidc_provider.set_person("ada", email="ada@example.com", name="Ada Lovelace",
                             groups=["weft-admins"])
    with serve(report) as remote:
        sign_in(page, f"{base}/ui/", "ada")
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Connectors").click()
        page.get_by_role("link", name="hris").click()
        form = page.locator("form.create")
        form.locator("input[name=name]").fill("workday")
        form.locator("input[name=url]").fill(f"{remote.url}/report")
        form.locator("select[name=auth]").select_option("basic")
        form.locator("input[name=username]").fill("isu_weft")
        form.locator("input[name=password]").fill(PASSWORD)
        form.locator("input[name=mapping]").fill(json.dumps(MAPPING))
        form.locator("input[name=schedule]").fill("every 1d")
        page.get_by_role("button", name="Create").click()
        page.wait_for_url(f"{base}/ui/admin/connectors/default/workday")
        assert PASSWORD not in page.content()
        deadline = time.monotonic() + 60  # created enabled: due at once for the worker
        while "succeeded" not in page.locator("#runs").inner_text():
            assert time.monotonic() < deadline, worker.read_text()
            time.sleep(0.5)
            page.reload()
        assert asked[0].headers["authorization"].startswith("Basic ")
        row = page.locator("#runs tbody tr").first.inner_text()
        assert "schedule" in row and "succeeded" in row

        page.get_by_role("button", name="Run now").click()
        expect(page.get_by_text("Due now: a worker runs it within seconds.")).to_be_visible()
        while page.locator("#runs tbody tr").count() < 2:
            assert time.monotonic() < deadline + 60, worker.read_text()
            time.sleep(0.5)
            page.reload()

    page.get_by_role("navigation", name="Main").get_by_role("link", name="People").click()
    people = page.locator("#people").inner_text()
    assert "Ada Lovelace" in people and "<b>Grace</b>" in people

    # The mapping (JSON, quotes and all) shows whole and saves back unchanged; then
    # the connector is deleted after a second click, which no script has to confirm.
    page.goto(f"{base}/ui/admin/connectors/default/workday")
    mapping = page.locator("form.create input[name=mapping]")
    assert json.loads(mapping.input_value()) == MAPPING
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Saved.")).to_be_visible()
    assert json.loads(mapping.input_value()) == MAPPING
    expect(page.get_by_role("button", name="Delete connector")).to_be_hidden()
    page.get_by_text("Delete…").click()
    page.get_by_role("button", name="Delete connector").click()
    expect(page.get_by_text("Deleted connector 'workday'.")).to_be_visible()
    assert blocked == [], f"Content-Security-Policy blocked: {blocked}"
    assert os.path.exists(worker)
