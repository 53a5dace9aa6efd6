"""The KPIs page: analysts and admins see each KPI's period, value, target and status in
words, and the status changes; what a definition's author typed is shown as text."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from flask import Flask

from tests.kpi.conftest import ingest, kpi, seed, week_41
from tests.oidc import CLIENT_ID, CLIENT_SECRET, ROLE_MAPPING, OidcProvider, sign_in

HOSTILE = '<img src=x onerror="alert(1)">'


@pytest.fixture
def web_app(
    lrs_make_app: Callable[..., Flask], fresh_database_url: str, oidc_provider: OidcProvider
) -> Flask:
    return seed(
        lrs_make_app(
            installed=["kpi"],
            database_url=fresh_database_url,
            oidc_metadata_url=oidc_provider.metadata_url,
            oidc_client_id=CLIENT_ID,
            oidc_client_secret=CLIENT_SECRET,
            oidc_role_mapping=ROLE_MAPPING,
        )
    )


def test_analysts_see_statuses_in_words_and_markup_stays_text(
    web_app: Flask, oidc_provider: OidcProvider
) -> None:
    from plugins.kpi.definitions import save
    from plugins.kpi.evaluation import evaluate_all

    host = web_app.extensions["lrs"].host
    ingest(web_app, week_41())
    save(
        host,
        1,
        [
            (
                "$",
                kpi(
                    "pilot-pass",
                    "pass_rate",
                    title=f"Pilot {HOSTILE}",
                    population={"group": "Pilot"},
                ),
            )
        ],
        actor="test",
    )
    evaluate_all(host, 1, as_of=date(2026, 10, 11), periods=1)
    evaluate_all(host, 1, as_of=date(2026, 10, 12), periods=2)
    analyst = web_app.test_client()
    sign_in(
        analyst, oidc_provider, "weft-analysts", email="an@example.com", groups=["weft-analysts"]
    )
    page = analyst.get("/ui/kpi/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert HOSTILE not in html and "Pilot &lt;img" in html
    assert "2026-W42 (running)" in html and "no data" in html
    assert "at risk</td><td>missed" in html.replace("\n", "").replace("      ", "")
    auditor = web_app.test_client()
    sign_in(
        auditor, oidc_provider, "weft-auditors", email="au@example.com", groups=["weft-auditors"]
    )
    assert auditor.get("/ui/kpi/").status_code == 403
