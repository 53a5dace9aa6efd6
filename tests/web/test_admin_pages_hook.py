"""``register_admin_pages``: plugins add navigation entries for the roles they name."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Blueprint, Flask, render_template_string

from lrs.http.headers import CONTENT_SECURITY_POLICY
from lrs.machinery.manager import PluginError
from lrs.plugin.hookspecs import hookimpl
from lrs.plugin.host import AdminPage
from lrs.plugin.metrics import Metric
from lrs.web.security import PAGE_HEADERS
from tests.oidc import OidcProvider, free_port, sign_in
from tests.plugins.conftest import RecordingPlugin
from tests.web.conftest import admin_actions


def completion_page() -> str:
    return render_template_string(
        '{% extends "web/base.html" %}{% block content %}42%{% endblock %}')


class KpiPlugin:
    """A plugin page for analysts, as a KPI plugin would add one."""

    plugin_name = "kpi-demo"

    @hookimpl
    def register_blueprints(self, host: Any) -> list[Blueprint]:
        pages = Blueprint("kpi_demo", __name__, url_prefix="/ui/kpi-demo")
        pages.add_url_rule("/", "index", host.requires_role("analyst")(completion_page))
        api = Blueprint("kpi_demo_api", __name__, url_prefix="/plugins/kpi-demo")
        api.add_url_rule("/completion", "completion", lambda: {"rate": 42.0})
        return [pages, api]

    @hookimpl
    def register_metrics(self) -> list[Metric]:
        return [Metric(name="kpi.completion", title="Completion rate", unit="%",
                       description="Share of enrolled learners who completed.",
                       compute=lambda **_: 42.0)]

    @hookimpl
    def register_admin_pages(self) -> list[AdminPage]:
        return [AdminPage("Completion", endpoint="kpi_demo.index", roles=("analyst",)),
                AdminPage("Handbook", url="https://example.com/handbook", roles=("admin",))]


def test_a_plugins_api_answers_as_data_and_its_pages_as_pages(
    make_web_app: Callable[..., Flask], oidc_provider: OidcProvider,
) -> None:
    """A plugin never registers the security headers itself: its API gets the API's
    (no sniffing, sandboxed), its pages the UI's."""
    analyst = make_web_app(KpiPlugin()).test_client()
    sign_in(analyst, oidc_provider, "ann", email="ann@example.com", groups=["weft-analysts"])
    api = analyst.get("/plugins/kpi-demo/completion")
    assert api.status_code == 200 and api.get_json() == {"rate": 42.0}
    assert api.headers["X-Content-Type-Options"] == "nosniff"
    assert api.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    page = analyst.get("/ui/kpi-demo/")
    assert page.headers["Content-Security-Policy"] == PAGE_HEADERS["Content-Security-Policy"]
    assert "sandbox" not in page.headers["Content-Security-Policy"]


def test_plugin_pages_appear_for_their_roles_only(
    make_web_app: Callable[..., Flask], oidc_provider: OidcProvider, recorder: RecordingPlugin,
) -> None:
    app = make_web_app(KpiPlugin())
    analyst = app.test_client()
    sign_in(analyst, oidc_provider, "ann", email="ann@example.com", groups=["weft-analysts"])
    home = analyst.get("/ui/").get_data(as_text=True)
    assert '<a href="/ui/kpi-demo/">Completion</a>' in home and "Handbook" not in home
    page = analyst.get("/ui/kpi-demo/")
    assert page.status_code == 200 and "42%" in page.get_data(as_text=True)
    assert page.headers["X-Frame-Options"] == "DENY"
    dashboard = analyst.get("/ui/dashboard").get_data(as_text=True)
    assert '<a href="/ui/kpi-demo/">Completion</a>' in dashboard
    assert 'id="metric-kpi.completion"' in dashboard
    assert '<p class="figure">42.0 <small>%</small></p>' in dashboard

    admin = app.test_client()
    sign_in(admin, oidc_provider, "ada", email="ada@example.com", groups=["weft-admins"])
    home = admin.get("/ui/").get_data(as_text=True)
    assert 'href="https://example.com/handbook">Handbook</a>' in home
    assert "Completion" not in home and admin.get("/ui/kpi-demo/").status_code == 403
    assert [call["host"] for call in recorder.called("register_admin_pages")] == [
        app.extensions["lrs"].host]


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"endpoint": "x.y", "roles": ("superuser",)}, "unknown or no roles"),
    ({"endpoint": "x.y", "roles": ()}, "unknown or no roles"),
    ({"roles": ("admin",)}, "give an endpoint or a url"),
    ({"endpoint": "x.y", "url": "/z"}, "give an endpoint or a url"),
])
def test_admin_page_refuses_unknown_roles_and_ambiguous_targets(
    kwargs: dict[str, Any], message: str,
) -> None:
    with pytest.raises(ValueError, match=message):
        AdminPage("Broken", **kwargs)


def test_identity_provider_down_gives_a_clear_page(
    make_web_app: Callable[..., Flask], recorder: RecordingPlugin,
) -> None:
    app = make_web_app(
        oidc_metadata_url=f"http://127.0.0.1:{free_port()}/.well-known/openid-configuration")
    response = app.test_client().get("/ui/sign-in/oidc")
    assert response.status_code == 403
    assert "cannot be reached" in response.get_data(as_text=True)
    [event] = admin_actions(app, recorder)
    assert event.action == "session.sign_in_failed"
    assert event.details["reason"].startswith("identity provider unreachable")


class SloppyPlugin:
    plugin_name = "sloppy"

    @hookimpl
    def register_admin_pages(self) -> list[dict[str, str]]:
        return [{"title": "Oops", "url": "/oops"}]


def test_a_plugin_returning_something_else_stops_start_up(
    make_web_app: Callable[..., Flask],
) -> None:
    with pytest.raises(PluginError, match=r"'sloppy': register_admin_pages must return lrs"):
        make_web_app(SloppyPlugin())
