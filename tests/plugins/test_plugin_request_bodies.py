"""Plugins' JSON APIs read bodies as core does (``lrs.plugin.request.json_body``):
within ``LRS_MAX_BODY_BYTES`` and ``LRS_MAX_JSON_DEPTH``, refused with a JSON error
naming the problem, never a 500 (a deeply nested body once crashed their parser)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask

from lrs.plugin.testing import ApiCredential

#: (plugin, scope, method, URL) of a JSON-reading endpoint of each built-in plugin.
ENDPOINTS = [
    ("kpi", "kpi/write", "POST", "/api/kpis"),
    ("kpi", "kpi/write", "PUT", "/api/kpis/warnings/rules/inactive"),
    ("competency", "competency/write", "POST", "/api/competency/rules"),
    ("attendance", "attendance/write", "POST", "/api/attendance/sessions"),
]

@pytest.fixture(params=ENDPOINTS, ids=lambda e: f"{e[2]} {e[3]}")
def endpoint(
    request: pytest.FixtureRequest,
    lrs_make_app: Callable[..., Flask],
    lrs_make_credential: Callable[..., ApiCredential],
    fresh_database_url: str,
) -> tuple[Flask, dict[str, str], str, str]:
    plugin, scope, method, url = request.param
    app = lrs_make_app(
        installed=[plugin], database_url=fresh_database_url, max_body_bytes=4096, max_json_depth=8
    )
    return app, lrs_make_credential(scope, app=app).headers, method, url


def send(endpoint: tuple[Flask, dict[str, str], str, str], body: str | bytes):
    app, headers, method, url = endpoint
    return app.test_client().open(
        url, method=method, data=body, headers={**headers, "Content-Type": "application/json"}
    )


def test_a_deeply_nested_body_is_a_400_naming_the_limit(endpoint) -> None:
    response = send(endpoint, "[" * 2000 + "]" * 2000)
    assert response.status_code == 400, response.get_data(as_text=True)
    body = response.get_json()
    assert "deeper than 8" in body["message"] or "depth" in body["message"], body
    assert body["error"] == "bad_request", body


def test_a_body_past_the_size_limit_is_a_413(endpoint) -> None:
    response = send(endpoint, '{"key": "' + "x" * 5000 + '"}')
    assert response.status_code == 413
    assert "4096 byte limit" in response.get_json()["message"]


@pytest.mark.parametrize(
    ("text", "where"),
    [('{"key": ', "line 1 column 9"), ('{"key": NaN}', "$.key"), (b"\xff{}", "UTF-8")],
)
def test_broken_json_is_a_400_saying_where(endpoint, text: str | bytes, where: str) -> None:
    response = send(endpoint, text)
    assert response.status_code == 400
    assert where in response.get_data(as_text=True)


def test_an_optional_body_may_be_empty_and_a_required_one_may_not(
    lrs_make_app: Callable[..., Flask],
    lrs_make_credential: Callable[..., ApiCredential],
    fresh_database_url: str,
) -> None:
    app = lrs_make_app(installed=["kpi"], database_url=fresh_database_url)
    headers = lrs_make_credential("kpi/write", "kpi/risk", app=app).headers
    client = app.test_client()
    assert client.post("/api/kpis/warnings/evaluate", headers=headers).status_code == 200
    refused = client.post("/api/kpis", headers={**headers, "Content-Type": "application/json"})
    assert refused.status_code == 400
    assert "not valid JSON" in refused.get_json()["message"]
