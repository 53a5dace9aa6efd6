"""The analysts' dashboard computes every metric for a store and period and draws it."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from lrs.plugin.hookspecs import hookimpl
from lrs.plugin.metrics import Metric, MetricError, Point
from lrs.store.tenants import create_tenant
from tests.oidc import OidcProvider, sign_in


class KpiPlugin:
    """Three metrics: a series that records what it was asked, a value, one that crashes."""

    plugin_name = "kpi-board"

    def __init__(self) -> None:
        self.asked: list[dict[str, Any]] = []

    def per_course(self, *, host: Any, tenant_id: int, since: datetime | None,
                   until: datetime | None, filters: Mapping[str, str]) -> list[Point]:
        self.asked.append({"tenant_id": tenant_id, "since": since, "until": until})
        return [Point(f"course {n}", n * 10) for n in range(1, 26)]

    @hookimpl
    def register_metrics(self) -> list[Metric]:
        def broken(**_: Any) -> float:
            raise ZeroDivisionError("plugin bug")

        def picky(**_: Any) -> float:
            raise MetricError("needs a cohort")

        return [
            Metric(name="kpi.per_course", title="Completions per course", unit="count",
                   description="Completed statements per course.", kind="series",
                   compute=self.per_course),
            Metric(name="kpi.broken", title="Broken", unit="%", description="Crashes.",
                   compute=broken),
            Metric(name="kpi.picky", title="Picky", unit="%", description="Refuses.",
                   compute=picky),
        ]


@pytest.fixture
def kpi() -> KpiPlugin:
    return KpiPlugin()


@pytest.fixture
def analyst(make_web_app: Callable[..., Flask], oidc_provider: OidcProvider,
            kpi: KpiPlugin) -> tuple[Flask, FlaskClient]:
    app = make_web_app(kpi)
    client = app.test_client()
    sign_in(client, oidc_provider, "ann", email="ann@example.com", groups=["weft-analysts"])
    return app, client


def test_series_is_a_bar_chart_of_the_first_twenty_and_counts_the_rest(
    analyst: tuple[Flask, FlaskClient],
) -> None:
    _, client = analyst
    response = client.get("/ui/dashboard")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    card = html[html.index('id="metric-kpi.per_course"'):html.index('id="metric-kpi.broken"')]
    widths = [float(w) for w in re.findall(r'width="([\d.]+)" class="bar"', card)]
    assert len(widths) == 20
    assert widths[-1] == 320.0 and widths[0] == pytest.approx(16.0)  # 10 of 200, scaled
    assert "course 20" in card and "course 21" not in card and "and 5 more" in card


def test_a_failing_metric_is_reported_on_its_card_and_the_others_still_show(
    analyst: tuple[Flask, FlaskClient], caplog: pytest.LogCaptureFixture,
) -> None:
    _, client = analyst
    html = client.get("/ui/dashboard").get_data(as_text=True)
    assert "could not be computed (plugin kpi-board; see the server log)" in html
    assert "needs a cohort" in html and 'class="bar"' in html
    assert "plugin bug" not in html
    assert any("kpi.broken" in record.getMessage() for record in caplog.records)


def test_period_and_store_are_passed_to_the_metrics(
    analyst: tuple[Flask, FlaskClient], kpi: KpiPlugin,
) -> None:
    app, client = analyst
    with app.extensions["lrs"].db.write() as session:
        acme = create_tenant(session, "acme")
    html = client.get("/ui/dashboard", query_string={
        "store": "acme", "since": "2026-01-01", "until": "2026-02-01"}).get_data(as_text=True)
    assert kpi.asked[-1]["tenant_id"] == acme.id
    assert kpi.asked[-1]["since"].isoformat() == "2026-01-01T00:00:00+00:00"
    assert kpi.asked[-1]["until"].isoformat() == "2026-02-01T00:00:00+00:00"
    assert '<option value="acme" selected>acme</option>' in html


def test_default_period_is_the_last_thirty_days(
    analyst: tuple[Flask, FlaskClient], kpi: KpiPlugin,
) -> None:
    _, client = analyst
    client.get("/ui/dashboard")
    asked = kpi.asked[-1]
    assert asked["until"] is None and asked["tenant_id"] == 1
    assert (datetime.now(asked["since"].tzinfo) - asked["since"]).days in (30, 31)


@pytest.mark.parametrize(("query", "message"), [
    ({"since": "yesterday"}, "since must be an ISO 8601 date"),
    ({"store": "nowhere"}, "no store named &#39;nowhere&#39;"),
])
def test_a_bad_period_or_store_is_a_400_with_the_reason(
    analyst: tuple[Flask, FlaskClient], kpi: KpiPlugin, query: dict[str, str], message: str,
) -> None:
    _, client = analyst
    response = client.get("/ui/dashboard", query_string=query)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert kpi.asked == []
