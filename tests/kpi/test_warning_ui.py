"""The "At risk" page: analysts read flags with their reasons and the rules, admins also
record actions (CSRF-protected, audited); names from the directory are shown as text."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

import pytest
from flask import Flask
from flask.testing import FlaskClient

from lrs.plugin.testing import ApiCredential
from plugins.kpi.warning_flags import evaluate
from tests.kpi.warning_program import EVIL, seed, send_program
from tests.oidc import CLIENT_ID, CLIENT_SECRET, ROLE_MAPPING, OidcProvider, csrf_token, sign_in
from tests.plugins.conftest import RecordingPlugin

PAGE = "/ui/kpi/warnings/"


@pytest.fixture
def recorder() -> RecordingPlugin:
    return RecordingPlugin()


@pytest.fixture
def web_app(
    lrs_make_app: Callable[..., Flask],
    fresh_database_url: str,
    oidc_provider: OidcProvider,
    monkeypatch: pytest.MonkeyPatch,
    lrs_make_credential: Callable[..., ApiCredential],
    recorder: RecordingPlugin,
) -> Flask:
    """The program, evaluated as of 2026-03-22 (L2, L4, L6, L7 flagged)."""
    monkeypatch.setenv("LRS_PLUGIN_KPI_WARNINGS_EVALUATE_SECONDS", "0")
    app = seed(
        lrs_make_app(
            recorder,
            installed=["kpi"],
            database_url=fresh_database_url,
            oidc_metadata_url=oidc_provider.metadata_url,
            oidc_client_id=CLIENT_ID,
            oidc_client_secret=CLIENT_SECRET,
            oidc_role_mapping=ROLE_MAPPING,
        )
    )
    send_program(app, lrs_make_credential("all", app=app))
    evaluate(app.extensions["lrs"].host, 1, date(2026, 3, 22))
    return app


def signed_in(app: Flask, provider: OidcProvider, group: str) -> FlaskClient:
    browser = app.test_client()
    sign_in(browser, provider, group, email=f"{group}@example.com", groups=[group])
    return browser


def rows(html: str) -> list[str]:
    return re.findall(r'<tr id="flag-\d+">', html)


def test_analysts_read_flags_and_rules_with_names_as_text(
    web_app: Flask, oidc_provider: OidcProvider
) -> None:
    analyst = signed_in(web_app, oidc_provider, "weft-analysts")
    assert ">At risk</a>" in analyst.get("/ui/").get_data(as_text=True)
    html = analyst.get(PAGE).get_data(as_text=True)
    assert len(rows(html)) == 6
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; Eve" in html
    assert EVIL not in html
    assert "No activity for 14 days (last on 2026-03-08)" in html
    assert 'id="rule-inactive"' in html and 'Days without any statement.">days</span> = 14' in html
    assert 'name="action"' not in html  # analysts read only
    manager = analyst.get(PAGE, query_string={"manager": "M1"}).get_data(as_text=True)
    assert len(rows(manager)) == 2 and "Learner 2" in manager and "Learner 7" not in manager
    bad = analyst.get(PAGE, query_string={"status": "bogus"})
    assert bad.status_code == 400 and "query.status" in bad.get_data(as_text=True)
    unknown = analyst.get(PAGE, query_string={"group": "Nobody"})
    assert unknown.status_code == 404 and "no group named" in unknown.get_data(as_text=True)
    token = csrf_token(analyst, PAGE)
    assert (
        analyst.post(
            f"{PAGE}1/actions", data={"csrf_token": token, "action": "contacted"}
        ).status_code
        == 403
    )


def test_admins_record_actions_audited(
    web_app: Flask, oidc_provider: OidcProvider, recorder: RecordingPlugin
) -> None:
    admin = signed_in(web_app, oidc_provider, "weft-admins")
    html = admin.get(PAGE, query_string={"rule": "inactive", "manager": "M2"}).get_data(
        as_text=True
    )
    flag_id = int(re.findall(r'<tr id="flag-(\d+)">', html)[0])
    token = csrf_token(admin, PAGE)
    assert (
        admin.post(f"{PAGE}{flag_id}/actions", data={"action": "contacted"}).status_code == 400
    )  # no CSRF token
    done = admin.post(
        f"{PAGE}{flag_id}/actions",
        data={"csrf_token": token, "action": "contacted", "note": "<b>phoned</b>"},
    )
    assert done.status_code == 200
    assert f"Flag {flag_id}: contacted recorded." in done.get_data(as_text=True)
    refused = admin.post(f"{PAGE}{flag_id}/actions", data={"csrf_token": token, "action": "hug"})
    assert refused.status_code == 400 and "$.action" in refused.get_data(as_text=True)
    web_app.extensions["lrs"].outbox.process_pending()
    [event] = [
        c["event"]
        for c in recorder.called("admin_action_taken")
        if c["event"].action == "kpi.warning.contacted"
    ]
    assert event.actor.startswith("admin:") and event.details["note"] == "<b>phoned</b>"


def test_other_roles_and_strangers_are_kept_out(
    web_app: Flask, oidc_provider: OidcProvider
) -> None:
    auditor = signed_in(web_app, oidc_provider, "weft-auditors")
    assert auditor.get(PAGE).status_code == 403
    assert web_app.test_client().get(PAGE).status_code == 302


def test_a_flag_page_shows_its_facts_and_history(
    web_app: Flask, oidc_provider: OidcProvider
) -> None:
    analyst = signed_in(web_app, oidc_provider, "weft-analysts")
    html = analyst.get(PAGE, query_string={"rule": "inactive", "manager": "M2"}).get_data(
        as_text=True
    )
    link = re.search(r'href="(/ui/kpi/warnings/\d+)">&lt;script&gt;', html)
    assert link is not None
    flag = analyst.get(link.group(1)).get_data(as_text=True)
    assert "<h1>&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; Eve" in flag
    assert EVIL not in flag
    assert '<th scope="row">last_active</th><td><pre>2026-03-08</pre>' in flag
    assert '<th scope="row">days_inactive</th><td><pre>14</pre>' in flag
    assert re.findall(r"<td>(opened|alerted)</td><td>system</td>", flag) == ["opened", "alerted"]
    missing = analyst.get("/ui/kpi/warnings/999")
    assert missing.status_code == 404 and "no early-warning flag 999" in missing.get_data(
        as_text=True
    )
