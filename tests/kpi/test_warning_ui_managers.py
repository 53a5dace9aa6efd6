"""The "At risk" page for managers: only the flags of their own people (direct and
indirect reports in the directory), someone else's flag a 404 as if it did not exist,
actions on their people's flags recorded under their name."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

import pytest
from flask import Flask
from flask.testing import FlaskClient

from lrs.plugin.testing import ApiCredential
from plugins.kpi.warning_flags import evaluate, list_flags, show_flag
from tests.kpi.warning_program import EVIL, MANAGERS, seed, send_program
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
    """The program evaluated as of 2026-03-22: L2 (of M1), L4, L6 and L7 (of M2) flagged."""
    monkeypatch.setenv("LRS_PLUGIN_KPI_WARNINGS_EVALUATE_SECONDS", "0")
    app = seed(
        lrs_make_app(
            recorder,
            installed=["kpi"],
            database_url=fresh_database_url,
            oidc_metadata_url=oidc_provider.metadata_url,
            oidc_client_id=CLIENT_ID,
            oidc_client_secret=CLIENT_SECRET,
            oidc_role_mapping=ROLE_MAPPING + ",weft-managers=manager",
        )
    )
    send_program(app, lrs_make_credential("all", app=app))
    evaluate(app.extensions["lrs"].host, 1, date(2026, 3, 22))
    return app


def manager(app: Flask, provider: OidcProvider, email: str) -> FlaskClient:
    browser = app.test_client()
    sign_in(browser, provider, f"sub-{email}", email=email, groups=["weft-managers"])
    return browser


def flag_ids(app: Flask) -> dict[str, list[int]]:
    """Each flagged person's flag ids."""
    ids: dict[str, list[int]] = {}
    for flag in list_flags(app.extensions["lrs"].host, 1):
        ids.setdefault(flag["employee_id"], []).append(flag["id"])
    return ids


def shown(html: str) -> list[str]:
    return sorted(re.findall(r'<span class="muted">(L\d)</span></a>', html))


def test_a_manager_sees_and_acts_on_their_peoples_flags_only(
    web_app: Flask, oidc_provider: OidcProvider, recorder: RecordingPlugin
) -> None:
    ids = flag_ids(web_app)
    assert set(ids) == {"L2", "L4", "L6", "L7"}
    maria = manager(web_app, oidc_provider, "m1@example.com")
    home = maria.get("/ui/").get_data(as_text=True)
    assert ">At risk</a>" in home and "<strong>Manager</strong>: See dashboards" in home
    html = maria.get(PAGE).get_data(as_text=True)
    assert set(shown(html)) == {"L2"} and len(shown(html)) == len(ids["L2"])
    assert "You see the flags of your own people" in html and EVIL not in html
    assert 'name="action"' in html  # managers act on their people's flags
    # Filtering by another manager shows nothing of theirs.
    assert shown(maria.get(PAGE, query_string={"manager": "M2"}).get_data(as_text=True)) == []

    mine, theirs = ids["L2"][0], ids["L6"][0]
    assert maria.get(f"{PAGE}{mine}").status_code == 200
    other = maria.get(f"{PAGE}{theirs}")
    missing = maria.get(f"{PAGE}999999")
    assert other.status_code == missing.status_code == 404
    assert f"no early-warning flag {theirs}" in other.get_data(as_text=True)
    assert "Eve" not in other.get_data(as_text=True)

    token = csrf_token(maria, PAGE)
    refused = maria.post(
        f"{PAGE}{theirs}/actions", data={"csrf_token": token, "action": "dismissed"}
    )
    assert refused.status_code == 404
    assert show_flag(web_app.extensions["lrs"].host, 1, theirs)["status"] == "open"
    done = maria.post(f"{PAGE}{mine}/actions", data={"csrf_token": token, "action": "contacted"})
    assert done.status_code == 200 and f"Flag {mine}: contacted recorded." in done.get_data(
        as_text=True
    )
    web_app.extensions["lrs"].outbox.process_pending()
    [event] = [
        c["event"]
        for c in recorder.called("admin_action_taken")
        if c["event"].action.startswith("kpi.warning.")
    ]
    assert event.actor == "admin:m1@example.com" and event.target == f"kpi-warning:{mine}"


def test_indirect_reports_count_and_strangers_see_nothing(
    web_app: Flask, oidc_provider: OidcProvider
) -> None:
    # Mo (M2) now reports to Maria (M1): Maria sees his people's flags too.
    host = web_app.extensions["lrs"].host
    assert not host.import_people(1, [{**MANAGERS[1], "manager": "M1"}], actor="test").errors
    maria = manager(web_app, oidc_provider, "m1@example.com")
    assert set(shown(maria.get(PAGE).get_data(as_text=True))) == {"L2", "L4", "L6", "L7"}
    mo = manager(web_app, oidc_provider, "M2@Example.com")
    assert set(shown(mo.get(PAGE).get_data(as_text=True))) == {"L4", "L6", "L7"}
    # A manager the directory does not know sees an empty list.
    stranger = manager(web_app, oidc_provider, "new@example.com")
    page = stranger.get(PAGE)
    assert page.status_code == 200 and shown(page.get_data(as_text=True)) == []
    assert "No one is flagged" in page.get_data(as_text=True)


def test_managers_stay_out_of_other_pages(web_app: Flask, oidc_provider: OidcProvider) -> None:
    maria = manager(web_app, oidc_provider, "m1@example.com")
    for page in (
        "/ui/admin/people",
        "/ui/admin/plugins",
        "/ui/admin/configuration",
        "/ui/kpi/",
        "/ui/dashboard",
    ):
        assert maria.get(page).status_code == 403, page
