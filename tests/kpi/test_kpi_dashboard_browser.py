"""The KPI dashboard in a real headless Chromium, against a real gunicorn with the kpi
plugin and a real OIDC provider: an analyst finds it in the menu, sees the tiles'
numbers and the server-drawn SVG charts rendered (non-empty boxes), filters by
group and week through the form (the filters land in the URL), compares two
groups; a screenshot is taken; the page's CSP blocks nothing."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Page

from plugins.kpi.definitions import save
from plugins.kpi.evaluation import evaluate_all
from tests.browser import collect_csp, served_with, sign_in
from tests.kpi.conftest import ingest, kpi, seed, week_41, week_42
from tests.oidc import OidcProvider
from tests.serving import Server

pytestmark = pytest.mark.server

HOSTILE = '<script>alert("x")</script>'


@pytest.fixture
def weft(tmp_path: Path, oidc_provider: OidcProvider) -> Iterator[Server]:
    with served_with(tmp_path, oidc_provider, "kpi") as server:
        yield server


def test_analyst_reads_filters_and_compares_on_the_dashboard(
    weft: Server,
    oidc_provider: OidcProvider,
    page: Page,
    tmp_path: Path,
    lrs_make_app: Callable[..., Flask],
) -> None:
    # The program, written to the server's database by an application of this process.
    app = seed(
        lrs_make_app(installed=["kpi"], database_url=f"sqlite:///{tmp_path / 'weft.sqlite3'}")
    )
    ingest(app, week_41())
    ingest(app, week_42())
    host = app.extensions["lrs"].host
    spec = kpi(
        "pilot-pass",
        "pass_rate",
        title=f"Pilot pass {HOSTILE}",
        params={"attempt": "first"},
        population={"group": "Pilot"},
    )
    save(host, 1, [("$", spec), ("$", kpi("score", "average_score"))], actor="test")
    evaluate_all(host, 1, as_of=date(2026, 10, 18), periods=2)

    base = weft.url.removesuffix("/xapi")
    blocked: list[str] = []
    page.on("console", lambda message: collect_csp(message, blocked))
    oidc_provider.set_person("ann", email="ann@example.com", groups=["weft-analysts"])
    sign_in(page, f"{base}/ui/", "ann")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="KPI dashboard").click()
    assert page.get_by_role("heading", level=1).inner_text() == "KPI dashboard"

    tile = page.locator("#tile-pilot-pass")
    assert tile.locator("h3").inner_text() == f"Pilot pass {HOSTILE}"
    assert tile.locator(".value").inner_text() == "100"
    assert "on track" in tile.locator(".status").inner_text()
    assert "2026-W42" in tile.locator(".period").inner_text()
    chart = page.locator("#trend-pilot-pass svg")
    box = chart.bounding_box()
    assert box is not None and box["width"] > 100 and box["height"] > 50
    values = chart.locator("text.value").all_text_contents()
    assert values == ["50 ✗", "100 ✓"]
    line = chart.locator("polyline.line").bounding_box()
    assert line is not None and line["width"] > 0
    assert page.locator("#trend-score svg circle.point").count() == 2

    page.get_by_label("Group", exact=True).fill("Pilot")
    page.locator("select[name=period]").select_option("week")
    page.get_by_label("Period holding").fill("2026-10-11")
    page.get_by_role("button", name="Apply").click()
    assert "group=Pilot" in page.url and "at=2026-10-11" in page.url
    assert tile.locator(".value").inner_text() == "50"
    assert "missed" in tile.locator(".status").inner_text()
    assert page.locator("#trend-score text.value").all_text_contents()[-1].startswith("66")

    page.get_by_label("Group", exact=True).fill("")
    page.get_by_label("Group a").fill("Pilot")
    page.get_by_label("Group b").fill("Control")
    page.get_by_role("button", name="Apply").click()
    comparison = page.locator("#comparison svg")
    box = comparison.bounding_box()
    assert box is not None and box["width"] > 100
    bars = comparison.locator("rect.bar")
    assert bars.count() == 3 and all(
        (b := bars.nth(i).bounding_box()) is not None and b["height"] > 0 for i in range(3)
    )
    texts = comparison.locator("text").all_text_contents()
    assert "50 % (4 people)" in texts and "33.33 % (4 people)" in texts and "16.67" in texts
    assert "Too few people" in comparison.locator("text.verdict").text_content()
    page.screenshot(path=str(tmp_path / "dashboard.png"), full_page=True)
    assert (tmp_path / "dashboard.png").stat().st_size > 10_000
    assert page.title() == "KPI dashboard · Weft LRS" and blocked == []
