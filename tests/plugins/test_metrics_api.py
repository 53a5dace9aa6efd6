"""``register_metrics`` and ``/api/metrics``: listed, computed per tenant and period,
behind ``metrics/read``, with JSON 400/404 errors."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

import pytest
from flask import Flask

from lrs.machinery.manager import PluginError
from lrs.plugin.hookspecs import hookimpl
from lrs.plugin.metrics import Metric, MetricError, Point, epoch_us, parse_moment
from lrs.plugin.testing import AUTHORITY, ApiCredential, statement
from tests.plugins.conftest import runtime

COMPLETED = "http://adlnet.gov/expapi/verbs/completed"


def completion_rate(host: Any, tenant_id: int, since: datetime | None, until: datetime | None,
                    filters: Mapping[str, str]) -> float | None:
    verbs = [s["verb"]["id"] for s in host.query_statements(
        tenant_id, since_us=epoch_us(since), until_us=epoch_us(until))]
    return round(100 * verbs.count(COMPLETED) / len(verbs), 1) if verbs else None


def per_learner(host: Any, tenant_id: int, since: datetime | None, until: datetime | None,
                filters: Mapping[str, str]) -> list[Point]:
    if filters.get("cohort") not in (None, "pilot"):
        raise MetricError("cohort must be 'pilot'")
    counts: dict[str, int] = {}
    for s in host.query_statements(tenant_id):
        counts[s["actor"]["mbox"]] = counts.get(s["actor"]["mbox"], 0) + 1
    return [Point(label, value) for label, value in counts.items()]


RATE = Metric(name="kpi.completion_rate", title="Completion rate", unit="%",
              description="Completed statements among all.", compute=completion_rate)
LEARNERS = Metric(name="kpi.per_learner", title="Statements per learner", unit="count",
                  description="Statements per learner.", kind="series", filters=("cohort",),
                  compute=per_learner)


class KpiPlugin:
    def __init__(self, *metrics: Any, name: str = "example") -> None:
        self.plugin_name = name
        self.metrics = list(metrics) or [RATE, LEARNERS]

    @hookimpl
    def register_metrics(self, host: Any) -> Any:
        return self.metrics


@pytest.fixture
def kpi_app(make_app: Callable[..., Flask]) -> Flask:
    app = make_app(KpiPlugin())
    runtime(app).host.ingest(1, [statement(COMPLETED), statement(),
                                 statement(COMPLETED, "mailto:bo@example.com")],
                             authority=AUTHORITY)
    return app


@pytest.fixture
def reader(kpi_app: Flask, lrs_make_credential: Callable[..., ApiCredential]) -> dict[str, str]:
    return lrs_make_credential("metrics/read", app=kpi_app).headers


def test_metrics_are_listed_with_what_a_dashboard_needs(
    kpi_app: Flask, reader: dict[str, str],
) -> None:
    response = kpi_app.test_client().get("/api/metrics", headers=reader)
    assert response.status_code == 200
    assert response.get_json()["metrics"] == [
        {"name": "kpi.completion_rate", "title": "Completion rate",
         "description": "Completed statements among all.", "unit": "%", "kind": "value",
         "filters": [], "from": "example"},
        {"name": "kpi.per_learner", "title": "Statements per learner",
         "description": "Statements per learner.", "unit": "count", "kind": "series",
         "filters": ["cohort"], "from": "example"},
    ]


def test_a_value_metric_is_computed_for_the_callers_tenant_and_period(
    kpi_app: Flask, reader: dict[str, str],
) -> None:
    client = kpi_app.test_client()
    body = client.get("/api/metrics/kpi.completion_rate", headers=reader).get_json()
    assert body == {"name": "kpi.completion_rate", "title": "Completion rate", "unit": "%",
                    "kind": "value", "since": None, "until": None, "filters": {},
                    "value": 66.7}
    empty = client.get("/api/metrics/kpi.completion_rate?until=2001-01-01T00:00:00Z",
                       headers=reader).get_json()
    assert (empty["value"], empty["until"]) == (None, "2001-01-01T00:00:00+00:00")


def test_a_series_metric_gets_its_filters(kpi_app: Flask, reader: dict[str, str]) -> None:
    body = kpi_app.test_client().get("/api/metrics/kpi.per_learner?cohort=pilot",
                                     headers=reader).get_json()
    assert body["series"] == [{"label": "mailto:learner@example.com", "value": 2},
                              {"label": "mailto:bo@example.com", "value": 1}]
    assert body["filters"] == {"cohort": "pilot"}


@pytest.mark.parametrize(("query", "message"), [
    ("kpi.completion_rate?since=yesterday",
     "since must be an ISO 8601 date or timestamp, got 'yesterday'"),
    ("kpi.completion_rate?since=2025-02-01&until=2025-01-01", "since must be before until"),
    ("kpi.completion_rate?cohort=pilot",
     "metric 'kpi.completion_rate' has no filter cohort (accepted: none)"),
    ("kpi.per_learner?cohort=control", "cohort must be 'pilot'"),
])
def test_bad_periods_and_filters_are_json_400s(
    kpi_app: Flask, reader: dict[str, str], query: str, message: str,
) -> None:
    response = kpi_app.test_client().get(f"/api/metrics/{query}", headers=reader)
    assert response.status_code == 400
    assert response.get_json() == {"error": "bad_request", "message": message}


def test_an_unknown_metric_is_a_json_404(kpi_app: Flask, reader: dict[str, str]) -> None:
    response = kpi_app.test_client().get("/api/metrics/kpi.nothing", headers=reader)
    assert response.status_code == 404
    assert response.get_json() == {"error": "not_found",
                                   "message": "no metric 'kpi.nothing'; GET /api/metrics "
                                              "lists them"}


@pytest.mark.parametrize("path", ["/api/metrics", "/api/metrics/kpi.completion_rate"])
def test_metrics_need_credentials_with_the_metrics_read_scope_which_all_lacks(
    kpi_app: Flask, lrs_make_credential: Callable[..., ApiCredential], path: str,
) -> None:
    client = kpi_app.test_client()
    assert client.get(path).status_code == 401
    everything = lrs_make_credential("all", app=kpi_app)
    response = client.get(path, headers=everything.headers)
    assert response.status_code == 403
    assert "metrics/read" in response.get_json()["message"]


@pytest.mark.parametrize(("metrics", "message"), [
    ([RATE, RATE],
     "plugin 'example': metric 'kpi.completion_rate' is already registered by example"),
    ([Metric(name="KPI rate", title="", description="", unit="", compute=completion_rate)],
     "plugin 'example': metric name 'KPI rate' must be lowercase"),
    ([Metric(name="kpi.x", title="", description="", unit="", kind="chart",  # type: ignore[arg-type]
             compute=completion_rate)], "has kind 'chart'; use 'value' or 'series'"),
    (["kpi.rate"], "register_metrics must return Metric objects"),
])
def test_bad_metrics_stop_start_up_naming_the_plugin(
    make_app: Callable[..., Flask], metrics: list[Any], message: str,
) -> None:
    with pytest.raises(PluginError, match=message.replace("(", r"\(")):
        make_app(KpiPlugin(*metrics))


def test_a_metric_returning_the_wrong_kind_of_result_is_a_bug_not_a_value(
    make_app: Callable[..., Flask],
) -> None:
    broken = Metric(name="kpi.broken", title="", description="", unit="",
                    compute=lambda **_: [Point("a", 1)])
    app = make_app(KpiPlugin(broken))
    with pytest.raises(TypeError, match="must return a number or None"):
        broken.evaluate(runtime(app).host, tenant_id=1)


@pytest.mark.parametrize(("text", "iso"), [
    ("2025-01-31", "2025-01-31T00:00:00+00:00"),
    ("2025-01-31T10:00:00", "2025-01-31T10:00:00+00:00"),
    ("2025-01-31T10:00:00+02:00", "2025-01-31T08:00:00+00:00"),
    ("2025-01-31T10:00:00Z", "2025-01-31T10:00:00+00:00"),
])
def test_periods_are_iso_dates_or_timestamps_in_utc(text: str, iso: str) -> None:
    assert parse_moment(text).isoformat() == iso
