"""The KPI dashboard page, its CSV exports and its PDF report, signed in through a real
identity provider: tiles with statuses in words, SVG charts with their numbers,
what people typed shown as text (in HTML and SVG alike), formulas defused in CSV,
and a manager seeing only their own people."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader

from lrs.plugin.testing import ApiCredential
from lrs.services.groups import add_members, create_group
from plugins.kpi.definitions import save
from plugins.kpi.evaluation import evaluate_all
from plugins.kpi.warning_flags import evaluate as evaluate_warnings
from tests.kpi import warning_program
from tests.kpi.conftest import ingest, kpi, seed, week_41, week_42
from tests.oidc import CLIENT_ID, CLIENT_SECRET, ROLE_MAPPING, OidcProvider, sign_in

HOSTILE = '<script>alert("x")</script> "quoted"'
FORMULA = '=HYPERLINK("http://evil.example/","click")'
URL = "/ui/kpi/dashboard/"


@pytest.fixture
def make_web_app(
    lrs_make_app: Callable[..., Flask], fresh_database_url: str, oidc_provider: OidcProvider
) -> Callable[[], Flask]:
    def make() -> Flask:
        return lrs_make_app(
            installed=["kpi"],
            database_url=fresh_database_url,
            oidc_metadata_url=oidc_provider.metadata_url,
            oidc_client_id=CLIENT_ID,
            oidc_client_secret=CLIENT_SECRET,
            oidc_role_mapping=ROLE_MAPPING + ",weft-managers=manager",
        )

    return make


def browser(app: Flask, provider: OidcProvider, sub: str, group: str) -> FlaskClient:
    client = app.test_client()
    sign_in(client, provider, sub, email=f"{sub}@example.com", groups=[group])
    return client


@pytest.fixture
def pilot_program(make_web_app: Callable[[], Flask]) -> Flask:
    """The pilot/control program, a group with a hostile name, KPIs evaluated in W42."""
    app = seed(make_web_app())
    core = app.extensions["lrs"]
    create_group(core, actor="test", name=HOSTILE)
    add_members(core, actor="test", name=HOSTILE, employee_ids=["P1", "P2"])
    ingest(app, week_41())
    ingest(app, week_42())
    save(
        core.host,
        1,
        [
            (
                "$",
                kpi(
                    "pilot-pass",
                    "pass_rate",
                    title=f"Pilot {HOSTILE}",
                    params={"attempt": "first"},
                    population={"group": "Pilot"},
                ),
            ),
            ("$", kpi("formula", "average_score", title=FORMULA, owner="@owner")),
        ],
        actor="test",
    )
    evaluate_all(core.host, 1, as_of=date(2026, 10, 18), periods=2)
    return app


def part(html: str, start: str, end: str) -> str:
    """The markup from ``start`` to the next ``end``."""
    rest = html[html.index(start) :]
    return rest[: rest.index(end)]


def rows(response: Any) -> list[dict[str, str]]:
    assert response.status_code == 200 and response.mimetype == "text/csv"
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def test_tiles_and_charts_show_numbers_and_statuses_and_names_stay_text(
    pilot_program: Flask, oidc_provider: OidcProvider
) -> None:
    analyst = browser(pilot_program, oidc_provider, "ana", "weft-analysts")
    page = analyst.get(URL, query_string={"points": "2", "a": HOSTILE, "b": "Control"})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "<script>" not in html and "&lt;script&gt;" in html
    tile = part(html, 'id="tile-pilot-pass"', "</li>")
    assert re.search(r'<span class="value">100</span> <span class="unit">%</span>', tile)
    assert "on track" in tile and "target &gt;= 85" in tile and "up +50" in tile
    assert "2026-W42 (running)" in tile and "4 people" in tile
    # The trend: an SVG with a title and description, each value written with its status.
    chart = part(html, 'id="trend-pilot-pass"', "</figure>")
    assert '<title id="trend-2-title">Pilot &lt;script&gt;alert(&quot;x&quot;)' in chart
    assert "2026-W41: 50 (missed); 2026-W42: 100 (on track); target &gt;= 85" in chart
    assert ">50 ✗</text>" in chart and ">100 ✓</text>" in chart
    # The comparison, all time: P1, P2 (first attempts on M1 and M2: 3 of 4) vs Control.
    comparison = part(html, 'id="comparison"', "</figure>")
    assert "<desc" in comparison and "difference" in comparison
    assert '<title id="comparison-chart-title">&lt;script&gt;' in comparison
    assert "/ui/kpi/dashboard/report.pdf?" in html and "table=" not in html


def test_every_table_exports_as_csv_with_formulas_defused(
    pilot_program: Flask, oidc_provider: OidcProvider
) -> None:
    admin = browser(pilot_program, oidc_provider, "adm", "weft-admins")
    tiles = rows(admin.get(URL + "tiles.csv", query_string={"points": "2"}))
    by_key = {r["kpi"]: r for r in tiles}
    assert by_key["pilot-pass"]["title"] == f"Pilot {HOSTILE}"
    assert (by_key["pilot-pass"]["value"], by_key["pilot-pass"]["status"]) == ("100.0", "on track")
    assert by_key["formula"]["title"] == "'" + FORMULA and by_key["formula"]["owner"] == "'@owner"
    trend = rows(admin.get(URL + "trend/pilot-pass.csv", query_string={"points": "2"}))
    assert [(r["period"], r["value"], r["status"]) for r in trend] == [
        ("2026-W41", "50.0", "missed"),
        ("2026-W42", "100.0", "on track"),
    ]
    query = {"a": "Pilot", "b": "Control", "period": "week", "at": "2026-10-11"}
    compared = rows(admin.get(URL + "comparison.csv", query_string=query))
    assert [(r["group"], r["value"], r["units"]) for r in compared] == [
        ("Pilot", "50.0", "4"),
        ("Control", "33.33", "3"),
    ]
    assert compared[0]["difference"] == "16.67"
    assert float(compared[0]["ci_lower"]) < 16.67 < float(compared[0]["ci_upper"])
    assert rows(admin.get(URL + "at-risk.csv")) == []
    assert admin.get(URL + "nothing.csv").status_code == 404
    assert admin.get(URL + "trend/nothing.csv").status_code == 404
    refused = admin.get(URL + "tiles.csv", query_string={"period": "fortnight"})
    assert refused.status_code == 400 and "query.period" in refused.get_data(as_text=True)


def test_the_pdf_report_names_every_kpi(pilot_program: Flask, oidc_provider: OidcProvider) -> None:
    analyst = browser(pilot_program, oidc_provider, "ana", "weft-analysts")
    response = analyst.get(URL + "report.pdf", query_string={"a": "Pilot", "b": "Control"})
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF-")
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages)
    assert f"Pilot {HOSTILE}" in text and FORMULA in text
    assert "Comparison: Pilot - Control" in text and "At risk: 0 of 0" in text
    # The page's charts are drawn in the report: only they write a target's line label
    # and the comparison's "difference a - b".
    assert re.search(r"target (>=|<=|>|<|=) \d", text), text
    assert "difference a - b" in text
    verdict = "Too few people to conclude"
    assert text.count(verdict) == 1  # written by the chart, not again under the table


def test_without_a_unicode_font_the_report_keeps_its_tables(
    pilot_program: Flask, oidc_provider: OidcProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A machine without DejaVu Sans: the charts' status symbols are not Latin-1, so the
    charts are left out; every number is still in the tables, the verdict in words."""
    monkeypatch.setattr("plugins.kpi.dashboard_pdf.find_font", lambda: None)
    analyst = browser(pilot_program, oidc_provider, "ana", "weft-analysts")
    response = analyst.get(URL + "report.pdf", query_string={"a": "Pilot", "b": "Control"})
    assert response.status_code == 200
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages)
    assert "Comparison: Pilot - Control" in text and "Too few people to conclude" in text
    assert "difference a - b" not in text and not re.search(r"target (>=|<=|>|<|=) \d", text)


def test_filters_in_the_url_change_the_numbers(
    pilot_program: Flask, oidc_provider: OidcProvider
) -> None:
    analyst = browser(pilot_program, oidc_provider, "ana", "weft-analysts")
    query = {"group": HOSTILE, "period": "week", "at": "2026-10-11", "points": "1"}
    html = analyst.get(URL, query_string=query).get_data(as_text=True)
    tile = part(html, 'id="tile-pilot-pass"', "</li>")
    # P1 passed and P2 failed their first attempt in W41.
    assert '<span class="value">50</span>' in tile and "missed" in tile
    assert "2 people in scope" in html
    assert analyst.get(URL, query_string={"group": "Nobody"}).status_code == 404


@pytest.fixture
def warned(
    make_web_app: Callable[[], Flask], lrs_make_credential: Any, monkeypatch: pytest.MonkeyPatch
) -> Flask:
    """The early-warning program (managers M1 of L1-L3, M2 of L4-L7), flags as of 03-22."""
    monkeypatch.setenv("LRS_PLUGIN_KPI_WARNINGS_EVALUATE_SECONDS", "0")
    app = warning_program.seed(make_web_app())
    warning_program.send_program(app, lrs_make_credential("all", app=app))
    host = app.extensions["lrs"].host
    evaluate_warnings(host, 1, date(2026, 3, 22))
    save(host, 1, [("$", kpi("active", "active_learners", period="month"))], actor="test")
    return app


def test_a_manager_sees_only_their_own_people(
    warned: Flask, oidc_provider: OidcProvider, lrs_make_credential: Callable[..., ApiCredential]
) -> None:
    query = {"period": "month", "at": "2026-03-15", "points": "1"}
    everyone = browser(warned, oidc_provider, "ana", "weft-analysts")
    all_flags = rows(everyone.get(URL + "at-risk.csv"))
    assert {r["manager"] for r in all_flags} == {"M1", "M2"}
    assert rows(everyone.get(URL + "tiles.csv", query_string=query))[0]["value"] == "6.0"

    mia = browser(warned, oidc_provider, "m1", "weft-managers")
    page = mia.get(URL, query_string=query)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "3 people in scope" in html and "Learner 4" not in html
    tiles = rows(mia.get(URL + "tiles.csv", query_string=query))
    assert (tiles[0]["value"], tiles[0]["people"]) == ("3.0", "3")
    hers = rows(mia.get(URL + "at-risk.csv"))
    assert hers and {r["employee_id"] for r in hers} <= {"L1", "L2", "L3"}
    assert {r["employee_id"] for r in all_flags if r["manager"] == "M1"} == {
        r["employee_id"] for r in hers
    }
    # Unfiltered, a manager's tiles are computed for their people, never the recorded ones.
    plain = rows(mia.get(URL + "tiles.csv"))
    assert plain[0]["people"] == "3"
    pdf = mia.get(URL + "report.pdf", query_string=query)
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "People in scope: 3" in text and warning_program.EVIL not in text

    mo = browser(warned, oidc_provider, "m2", "weft-managers")
    theirs = rows(mo.get(URL + "tiles.csv", query_string=query))
    assert (theirs[0]["value"], theirs[0]["people"]) == ("3.0", "4")
    # The API is governed by its scope, not by a person: a kpi/read credential sees all.
    reader = lrs_make_credential("kpi/read", app=warned).headers
    api = warned.test_client().get("/api/kpis/dashboard", query_string=query, headers=reader)
    assert api.get_json()["tiles"][0]["current"]["value"] == 6.0


def test_auditors_and_strangers_are_turned_away(
    pilot_program: Flask, oidc_provider: OidcProvider
) -> None:
    auditor = browser(pilot_program, oidc_provider, "aud", "weft-auditors")
    for path in ("", "tiles.csv", "report.pdf", "style.css"):
        assert auditor.get(URL + path).status_code == 403
    assert pilot_program.test_client().get(URL).status_code in (302, 303)


def test_a_filtered_page_says_when_its_view_was_computed(
    pilot_program: Flask, oidc_provider: OidcProvider
) -> None:
    analyst = browser(pilot_program, oidc_provider, "ana", "weft-analysts")
    query = {"group": "Pilot", "period": "week", "at": "2026-10-11"}
    html = analyst.get(URL, query_string=query).get_data(as_text=True)
    said = re.search(r"As of 2026-10-11, 4 people in scope, computed (\S+ \S+) UTC\.", html)
    assert said is not None
    computed = datetime.strptime(said.group(1), "%Y-%m-%d %H:%M").replace(tzinfo=UTC)
    assert abs(datetime.now(UTC) - computed) < timedelta(minutes=2)
    plain = analyst.get(URL).get_data(as_text=True)
    assert "computed" not in part(plain, '<p class="exports">', "</p>")
