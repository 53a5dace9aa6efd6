"""The Notifications page: what plugins raised, per store, escaped, for admins and analysts."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from lrs.store.notifications import recent
from lrs.store.tenants import create_tenant
from tests.notifications.conftest import notify
from tests.notifications.smtp import MailServer, mail_server
from tests.oidc import OidcProvider, csrf_token, sign_in
from tests.plugins.conftest import RecordingPlugin
from tests.web.conftest import admin_actions

assert mail_server  # a fixture, used by name

PAGE = "/ui/notifications"


def test_an_analyst_sees_the_store_s_notifications_with_plugin_text_escaped(
    web_app: Flask,
    browser: FlaskClient,
    oidc_provider: OidcProvider,
) -> None:
    notify(web_app, subject="<script>alert(1)</script> at risk", text="<b>72%</b>")
    notify(web_app, topic="kpi.learner_at_risk", subject="Ada is at risk")
    with web_app.extensions["lrs"].db.write() as session:
        other = create_tenant(session, "other").id
    with web_app.app_context():
        web_app.extensions["lrs"].host.notify(
            other, "kpi.status_changed", subject="Secret of another store", text=""
        )
    sign_in(browser, oidc_provider, "ann", email="ann@example.com", groups=["weft-analysts"])
    assert ">Notifications</a>" in browser.get("/ui/").get_data(as_text=True)
    page = browser.get(PAGE).get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt; at risk" in page
    assert "<script>alert" not in page and "&lt;b&gt;72%&lt;/b&gt;" in page
    assert "kpi.learner_at_risk" in page and "Ada is at risk" in page
    assert "Secret of another store" not in page
    assert page.index("Ada is at risk") < page.index("alert(1)")  # newest first
    only = browser.get(f"{PAGE}?topic=kpi.learner_at_risk").get_data(as_text=True)
    assert "Ada is at risk" in only and "alert(1)" not in only
    other_page = browser.get(f"{PAGE}?tenant=other").get_data(as_text=True)
    assert "Secret of another store" in other_page and "Ada is at risk" not in other_page
    assert browser.get(f"{PAGE}?tenant=nowhere").status_code == 404


def test_compliance_officers_and_strangers_are_kept_out(
    web_app: Flask,
    browser: FlaskClient,
    oidc_provider: OidcProvider,
) -> None:
    assert browser.get(PAGE).status_code == 302  # to the sign-in page
    sign_in(browser, oidc_provider, "carl", email="carl@example.com", groups=["weft-auditors"])
    assert browser.get(PAGE).status_code == 403


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"subject": "   "}, "subject"),
        ({"data": {"when": object()}}, "JSON"),
    ],
)
def test_malformed_notifications_are_refused_and_nothing_is_kept(
    web_app: Flask,
    fields: dict[str, object],
    message: str,
) -> None:
    with pytest.raises(ValueError, match=message):
        notify(web_app, **fields)
    with pytest.raises(ValueError, match="dotted lower-case"):
        notify(web_app, topic="KPI status")
    with web_app.extensions["lrs"].db.read() as session:
        assert recent(session, 1, limit=10) == []


def test_an_admin_manages_subscriptions_and_sends_a_test_from_the_page(
    make_web_app: Callable[..., Flask],
    oidc_provider: OidcProvider,
    recorder: RecordingPlugin,
    mail_server: MailServer,
) -> None:
    app = make_web_app(
        smtp_host="127.0.0.1",
        smtp_port=mail_server.port,
        smtp_tls="none",
        smtp_from="weft@example.com",
    )
    browser = app.test_client()
    sign_in(browser, oidc_provider, "ada", email="ada@example.com", groups=["weft-admins"])

    def submit(**form: str) -> str:
        response = browser.post(
            f"{PAGE}/subscriptions",
            data={"csrf_token": csrf_token(browser, PAGE), "tenant": "default", **form},
        )
        assert response.status_code == 302
        return browser.get(PAGE).get_data(as_text=True)

    page = submit(action="subscribe", topic="kpi.status_changed", email="Ops@Example.com")
    assert "Subscribed ops@example.com to kpi.status_changed." in page
    assert 'id="email-off"' not in page
    page = submit(action="subscribe", topic="<b>bad</b>", email="ops@example.com")
    assert "&#39;&lt;b&gt;bad&lt;/b&gt;&#39; is not a topic" in page and "<b>bad" not in page
    page = submit(action="test", email="ops@example.com")
    assert "Sent a test message to ops@example.com." in page
    assert [rcpt for rcpt, _ in mail_server.received] == [["ops@example.com"]]
    page = submit(action="unsubscribe", topic="kpi.status_changed", email="ops@example.com")
    assert "Unsubscribed ops@example.com from kpi.status_changed." in page
    assert "Nobody receives notifications of this store by email." in page
    actions = [
        (a.action, a.actor)
        for a in admin_actions(app, recorder)
        if a.action.startswith("notification.")
    ]
    assert actions == [
        ("notification.subscribed", "admin:ada@example.com"),
        ("notification.test_sent", "admin:ada@example.com"),
        ("notification.unsubscribed", "admin:ada@example.com"),
    ]


def test_analysts_read_but_cannot_change_subscriptions(
    web_app: Flask,
    browser: FlaskClient,
    oidc_provider: OidcProvider,
) -> None:
    sign_in(browser, oidc_provider, "ann", email="ann@example.com", groups=["weft-analysts"])
    page = browser.get(PAGE).get_data(as_text=True)
    assert 'id="subscription-form"' not in page and 'id="email-off"' in page
    response = browser.post(
        f"{PAGE}/subscriptions",
        data={
            "csrf_token": csrf_token(browser, PAGE),
            "action": "subscribe",
            "topic": "kpi.status_changed",
            "email": "ann@example.com",
        },
    )
    assert response.status_code == 403
