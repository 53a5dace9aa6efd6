"""The ``hris`` connector type set up from the web UI's form: its mapping typed as JSON,
its password never shown again, and the directory filled by its run."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from lrs.services.people import list_people
from tests.conftest import INSTALLED_PLUGINS
from tests.connectors.test_hris import (
    PASSWORD,
    REPORT_PATH,
    USER,
    WORKDAY,
    WORKDAY_MAPPING,
    report_server,
)
from tests.oidc import OidcProvider, csrf_token, sign_in

PAGE = "/ui/admin/connectors"


@pytest.fixture
def web_app(make_web_app: Any) -> Flask:
    return make_web_app(
        disabled_plugins=",".join(name for name in INSTALLED_PLUGINS.split(",") if name != "hris")
    )


@pytest.fixture
def admin(browser: FlaskClient, oidc_provider: OidcProvider) -> FlaskClient:
    sign_in(browser, oidc_provider, "ada", email="ada@example.com", groups=["weft-admins"])
    return browser


def test_an_admin_sets_up_an_hris_report_from_the_form(
    web_app: Flask,
    admin: FlaskClient,
) -> None:
    form = admin.get(f"{PAGE}/new/hris").get_data(as_text=True)
    assert 'name="password"' in form and "Report field -&gt; directory field" in form
    with report_server(json.dumps(WORKDAY).encode()) as remote:
        page = f"{PAGE}/new/hris"
        created = admin.post(
            page,
            data={
                "csrf_token": csrf_token(admin, page),
                "name": "workday",
                "tenant": "default",
                "url": remote.url + REPORT_PATH,
                "auth": "basic",
                "username": USER,
                "password": PASSWORD,
                "mapping": json.dumps(WORKDAY_MAPPING),
                "deactivate_missing": "yes",
                "schedule": "0 2 * * *",
                "enabled": "yes",
            },
        )
        assert created.status_code == 302, created.get_data(as_text=True)
        shown = admin.get(f"{PAGE}/default/workday").get_data(as_text=True)
        assert PASSWORD not in shown and "Employee_ID" in shown
        done = web_app.extensions["lrs"].connectors.run_instance(1, "workday").run
    assert (done.status, done.stored) == ("succeeded", 2), done.error
    assert [p.id for p in list_people(web_app.extensions["lrs"], tenant_id=1)] == ["21001", "21002"]


def test_a_mapping_that_is_not_json_is_refused_on_the_form(
    web_app: Flask,
    admin: FlaskClient,
) -> None:
    page = f"{PAGE}/new/hris"
    refused = admin.post(
        page,
        data={
            "csrf_token": csrf_token(admin, page),
            "name": "workday",
            "tenant": "default",
            "url": "https://hr.example.com/report",
            "mapping": "Employee_ID=employee_id",
            "schedule": "every 1h",
            "enabled": "yes",
        },
    )
    assert refused.status_code == 400
    assert "$.mapping: Not a valid mapping type." in refused.get_data(as_text=True)
