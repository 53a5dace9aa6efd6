"""Every route, with every role and every scope: who gets in and who is turned away.

The tables below are the access policy written out by hand, independently of
the decorators that enforce it (``requires``/``protect`` for API routes,
``requires_role``/``public`` for web pages). The test walks the real URL map of
an application with every installed plugin, so a new route without a row here
fails, and then asks each route as:

* a Basic credential holding exactly one scope, for every scope the app knows
  (xAPI, core and plugin scopes), and no credentials at all;
* a person signed in to the web UI with exactly one role, and nobody.

An API route a principal may call answers anything but 401/403 (the request is
deliberately incomplete, so 400 and 404 are common); one it may not call
answers 403 (a credential without the scope) or 401 (no credentials, or only a
web session: a browser cookie never opens the API). No request of all these,
however incomplete, gets a 5xx. A web page a role may open
answers anything but 403 and does not send it to sign in; other roles get 403,
and nobody signed in (even with API credentials) is sent to the sign-in page.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.routing import Rule
from werkzeug.test import TestResponse

from lrs.app import create_app
from lrs.auth.roles import ROLES
from lrs.auth.sso import WebUser
from lrs.settings import Settings
from lrs.store.credentials import create_credential
from tests.conftest import TEST_SECRET_KEY, basic_auth

PUBLIC = frozenset({"anyone"})
#: Only an OAuth client authenticating itself (RFC 7009): a plain credential gets 401.
OAUTH_CLIENT = frozenset({"an OAuth client"})
#: Scopes that read statements (``all/read`` and ``statements/read`` imply ``.../mine``).
READ_STATEMENTS = frozenset({"all", "all/read", "statements/read", "statements/read/mine"})
#: Scopes that may look up an Agent or an Activity (xAPI's "define" and document scopes too).
LOOK_UP = frozenset({"all", "all/read", "statements/read", "define", "profile", "state"})

#: (endpoint, method) → the single scopes that may call it; PUBLIC for no credentials.
API: dict[tuple[str, str], frozenset[str]] = {
    ("xapi.about.about", "GET"): PUBLIC,
    ("xapi.statements.get_statements", "GET"): READ_STATEMENTS,
    ("xapi.statements.put_statement", "PUT"): frozenset({"all", "statements/write"}),
    ("xapi.statements.post_statements", "POST"): frozenset({"all", "statements/write"}),
    ("xapi.activities.get_activity", "GET"): LOOK_UP,
    ("xapi.agents.get_agent", "GET"): LOOK_UP,
    ("xapi.documents.state_read", "GET"): frozenset({"all", "all/read", "state"}),
    **{("xapi.documents.state_write", method): frozenset({"all", "state"})
       for method in ("PUT", "POST", "DELETE")},
    ("xapi.documents.activity_profile_read", "GET"): frozenset({"all", "all/read", "profile"}),
    ("xapi.documents.agent_profile_read", "GET"): frozenset({"all", "all/read", "profile"}),
    **{(endpoint, method): frozenset({"all", "profile"})
       for endpoint in ("xapi.documents.activity_profile_write",
                        "xapi.documents.agent_profile_write")
       for method in ("PUT", "POST", "DELETE")},
    # Core and plugin scopes are never implied by "all": granted by name only.
    ("metrics.list", "GET"): frozenset({"metrics/read"}),
    ("metrics.show", "GET"): frozenset({"metrics/read"}),
    ("assignments.list", "GET"): frozenset({"assignments/read"}),
    ("assignments.status", "GET"): frozenset({"assignments/read"}),
    ("assignments.create", "POST"): frozenset({"assignments/write"}),
    ("assignments.import", "POST"): frozenset({"assignments/write"}),
    ("assignments.delete", "DELETE"): frozenset({"assignments/write"}),
    ("notifications.list", "GET"): frozenset({"notifications/read"}),
    ("notifications.subscriptions", "GET"): frozenset({"notifications/read"}),
    ("notifications.subscribe", "POST"): frozenset({"notifications/write"}),
    ("notifications.unsubscribe", "DELETE"): frozenset({"notifications/write"}),
    ("audit.verify", "GET"): frozenset({"audit/read"}),
    ("audit.report", "GET"): frozenset({"audit/read"}),
    ("audit.report", "POST"): frozenset({"audit/read"}),
    ("audit.export", "GET"): frozenset({"audit/export"}),
    **{("attendance." + endpoint, method): frozenset({"attendance/read"}) for endpoint, method in (
        ("list_sessions", "GET"), ("show_session", "GET"), ("show_attendance", "GET"),
        ("list_reviews", "GET"))},
    **{("attendance." + endpoint, method): frozenset({"attendance/write"})
       for endpoint, method in (
        ("create_session", "POST"), ("put_session", "PUT"), ("delete_session", "DELETE"),
        ("import_attendance", "POST"), ("settle_review", "POST"))},
    ("competency.list_", "GET"): frozenset({"competency/read"}),
    ("competency.show", "GET"): frozenset({"competency/read"}),
    ("competency.import_", "POST"): frozenset({"competency/write"}),
    ("competency.list_rules_", "GET"): frozenset({"competency/read"}),
    ("competency.time_to_competency_", "GET"): frozenset({"competency/read"}),
    ("competency.show_rule", "GET"): frozenset({"competency/read"}),
    ("competency.create_rule", "POST"): frozenset({"competency/write"}),
    ("competency.replace_rule", "PUT"): frozenset({"competency/write"}),
    ("competency.delete_rule_", "DELETE"): frozenset({"competency/write"}),
    **{("competency." + endpoint, "GET"): frozenset({"competency/read"}) for endpoint in (
        "profile", "profile_as_pdf", "heatmap", "gaps", "attainments")},
    ("competency.credentials", "GET"): frozenset({"competency/issue"}),
    ("competency.bundle", "GET"): frozenset({"competency/issue"}),
    **{("competency." + endpoint, "GET"): PUBLIC for endpoint in (
        "issuer_profile", "jwks", "key")},
    **{("kpi_warnings." + endpoint, method): frozenset({"kpi/risk"}) for endpoint, method in (
        ("list_warnings", "GET"), ("show_warning", "GET"), ("act_on_warning", "POST"),
        ("run_backtest", "GET"))},
    ("kpi_warnings.list_rules", "GET"): frozenset({"kpi/read", "kpi/write", "kpi/risk"}),
    ("kpi_warnings.put_rule", "PUT"): frozenset({"kpi/write"}),
    ("kpi_warnings.evaluate_now", "POST"): frozenset({"kpi/write"}),
    **{("kpi." + endpoint, "GET"): frozenset({"kpi/read"}) for endpoint in (
        "list_kpis", "show_kpi", "kpi_history", "alerts", "compare_populations",
        "dashboard_data")},
    **{("kpi." + endpoint, method): frozenset({"kpi/write"}) for endpoint, method in (
        ("create_kpi", "POST"), ("put_kpi", "PUT"), ("delete_kpi", "DELETE"),
        ("evaluate_kpis", "POST"), ("evaluate_kpi", "POST"))},
    # SCIM: its own scope for every method (those an endpoint does not serve get a 405).
    **{(f"scim.{endpoint}", method): frozenset({"scim"})
       for endpoint in ("users", "user", "groups", "group", "config", "resource_types",
                        "resource_type", "schemas", "schema", "unknown")
       for method in ("GET", "POST", "PUT", "PATCH", "DELETE")},
    # OAuth: clients authenticate in the request itself; keys are public.
    ("oauth.token", "POST"): PUBLIC,
    ("oauth.revoke", "POST"): OAUTH_CLIENT,
    ("oauth.jwks", "GET"): PUBLIC,
    ("oauth.well_known_jwks", "GET"): PUBLIC,
    ("static", "GET"): PUBLIC,
}

EVERY_ROLE = frozenset(ROLES)
ADMIN = frozenset({"admin"})
COMPLIANCE = frozenset({"compliance_officer", "admin"})

#: (endpoint, method) → the roles that may open it; PUBLIC for everyone.
WEB: dict[tuple[str, str], frozenset[str]] = {
    ("web.sign_in", "GET"): PUBLIC,
    ("web.oidc_start", "GET"): PUBLIC,
    ("web.oidc_callback", "GET"): PUBLIC,
    ("web.local_sign_in", "POST"): PUBLIC,
    ("web.sign_out", "POST"): PUBLIC,
    ("web.static", "GET"): PUBLIC,
    ("web.home", "GET"): EVERY_ROLE,
    ("web.dashboard", "GET"): frozenset({"analyst", "admin"}),
    ("web.configuration", "GET"): ADMIN,
    ("web.credentials", "GET"): ADMIN,
    ("web.credentials", "POST"): ADMIN,
    ("web.revoke_credential", "POST"): ADMIN,
    ("web.oauth_clients", "GET"): ADMIN,
    ("web.oauth_clients", "POST"): ADMIN,
    ("web.revoke_oauth_client", "POST"): ADMIN,
    ("web.plugins", "GET"): ADMIN,
    ("web.erasure", "GET"): ADMIN,
    ("web.erasure", "POST"): ADMIN,
    ("web.connectors", "GET"): ADMIN,
    ("web.new_connector", "GET"): ADMIN,
    ("web.new_connector", "POST"): ADMIN,
    ("web.connector", "GET"): ADMIN,
    ("web.connector", "POST"): ADMIN,
    ("web.connector_action", "POST"): ADMIN,
    ("web.people", "GET"): ADMIN,
    ("web.person", "GET"): ADMIN,
    ("web.people_groups", "GET"): ADMIN,
    ("web.people_group", "GET"): ADMIN,
    ("web.assignments", "GET"): ADMIN,
    ("web.assignments", "POST"): ADMIN,
    ("web.delete_assignment", "POST"): ADMIN,
    ("web.notifications", "GET"): frozenset({"analyst", "admin"}),
    ("web.notification_subscriptions", "POST"): ADMIN,
    ("audit_ui.index", "GET"): COMPLIANCE,
    ("audit_ui.export", "GET"): COMPLIANCE,
    ("audit_ui.report", "POST"): COMPLIANCE,
    ("audit_ui.compliance", "GET"): COMPLIANCE,
    **{("attendance_ui." + endpoint, method): ADMIN for endpoint, method in (
        ("index", "GET"), ("create", "POST"), ("session", "GET"), ("upload", "POST"),
        ("reviews", "GET"), ("resolve", "POST"))},
    ("competency_ui.index", "GET"): ADMIN,
    ("competency_ui.framework", "GET"): ADMIN,
    ("competency_ui.rules", "GET"): ADMIN,
    ("competency_ui.add_rule", "POST"): ADMIN,
    ("competency_ui.remove_rule", "POST"): ADMIN,
    # Managers see their own people there (tests/competency, tests/kpi: *_managers.py).
    **{("competency_ui." + endpoint, "GET"): frozenset({"analyst", "admin", "manager"})
       for endpoint in ("views", "stylesheet", "find_person", "profile", "profile_as_pdf",
                        "heatmap", "gaps", "statement")},
    ("kpi_warnings_ui.index", "GET"): frozenset({"analyst", "admin", "manager"}),
    ("kpi_warnings_ui.flag", "GET"): frozenset({"analyst", "admin", "manager"}),
    ("kpi_warnings_ui.record", "POST"): frozenset({"admin", "manager"}),
    ("kpi_ui.index", "GET"): frozenset({"analyst", "admin"}),
    **{("kpi_dashboard_ui." + endpoint, "GET"): frozenset({"analyst", "admin", "manager"})
       for endpoint in ("index", "stylesheet", "table_csv", "trend_csv", "report_pdf")},
}

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def full_app(fresh_database_url: str, tmp_path: Path,
             monkeypatch: pytest.MonkeyPatch) -> Iterator[Flask]:
    """Core with every installed plugin and its tables, local sign-in on (a form, so a
    CSRF token for every visitor)."""
    key = tmp_path / "audit.pem"
    key.write_bytes(Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    monkeypatch.setenv("LRS_PLUGIN_AUDIT_KEY_FILE", str(key))
    app = create_app(Settings.from_env(
        {}, database_url=fresh_database_url, secret_key=TEST_SECRET_KEY, auto_migrate=True,
        log_format="text", outbox_inline=False, local_login=True))
    yield app
    app.extensions["lrs"].db.engine.dispose()


def routes(app: Flask, prefix: str | None = None) -> dict[tuple[str, str], Rule]:
    """Every (endpoint, method) the app serves, with its rule (HEAD/OPTIONS aside)."""
    found = {}
    for rule in app.url_map.iter_rules():
        if prefix is not None and (prefix == "web") != rule.rule.startswith("/ui"):
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            found[(rule.endpoint, method)] = rule
    return found


def url_of(rule: Rule) -> str:
    """The rule's path with a placeholder in every variable part."""
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", lambda m: f"x-{m.group(1)}", rule.rule)


def test_every_route_has_a_row_in_the_policy(full_app: Flask) -> None:
    assert set(routes(full_app, "api")) == set(API)
    assert set(routes(full_app, "web")) == set(WEB)


def _call(client: FlaskClient, method: str, url: str, headers: dict[str, str],
          data: dict[str, str] | None = None) -> TestResponse:
    return client.open(url, method=method, headers=headers, data=data)


def test_api_routes_with_every_scope_and_without_credentials(full_app: Flask) -> None:
    runtime = full_app.extensions["lrs"]
    scopes = runtime.scopes.names()
    assert {"metrics/read", "audit/read", "audit/export"} <= set(scopes)
    with runtime.db.write() as session:
        holders = {scope: create_credential(session, runtime.settings.secret_key,
                                            name=f"only {scope}", scopes=[scope],
                                            known_scopes=runtime.scopes)
                   for scope in scopes}
    client = full_app.test_client()
    version = {"X-Experience-API-Version": "2.0.0"}
    wrong: list[str] = []
    for (endpoint, method), rule in routes(full_app, "api").items():
        allowed, url = API[(endpoint, method)], url_of(rule)
        anonymous = _call(client, method, url, version).status_code
        if anonymous >= 500 or (anonymous in (401, 403)) != (allowed != PUBLIC):
            wrong.append(f"{method} {url} without credentials: {anonymous}")
        for scope, holder in holders.items():
            status = _call(client, method, url,
                           {**version, "Authorization": basic_auth(holder)}).status_code
            if allowed == OAUTH_CLIENT:
                ok = status == 401
            elif allowed == PUBLIC or scope in allowed:
                ok = status not in (401, 403) and status < 500
            else:
                ok = status == 403
            if not ok:
                wrong.append(f"{method} {url} with only {scope!r}: {status}")
    assert not wrong, "\n".join(wrong)


def _sign_in_as(client: FlaskClient, role: str | None) -> str:
    """Sign ``client`` in with exactly ``role`` (or nobody); return a CSRF token for it."""
    with client.session_transaction() as session:
        session.clear()
        if role is not None:
            session.permanent = True
            # A local sign-in (the app has no identity provider) with a session id.
            session["web_user"] = WebUser(subject=f"sub-{role}", email=f"{role}@example.com",
                                          name=None, roles=frozenset({role}),
                                          method="local").to_session()
            session["web_session_id"] = f"session-of-{role}"
    page = client.get("/ui/" if role else "/ui/sign-in").get_data(as_text=True)
    match = _CSRF.search(page)
    assert match, f"no form with a CSRF token on the page for {role}"
    return match.group(1)


def _sent_to_sign_in(response: TestResponse) -> bool:
    return response.status_code == 302 and "/ui/sign-in" in response.headers["Location"]


def test_web_pages_with_every_role_and_nobody(full_app: Flask) -> None:
    wrong: list[str] = []
    public_answers: dict[str, set[int]] = {}
    for role in [*ROLES, None]:
        client = full_app.test_client()
        token = _sign_in_as(client, role)
        for (endpoint, method), rule in routes(full_app, "web").items():
            if endpoint == "web.sign_out":
                continue  # it would end the session; nobody needs a role for it
            allowed, url = WEB[(endpoint, method)], url_of(rule)
            response = _call(client, method, url, {},
                             {"csrf_token": token} if method == "POST" else None)
            if allowed == PUBLIC:
                # Sign-in pages may refuse an incomplete sign-in (401/403), but alike
                # for every role: no role changes their answer.
                if role is not None:
                    public_answers.setdefault(url, set()).add(response.status_code)
                ok = response.status_code < 500 and not _sent_to_sign_in(response)
            elif role is not None and role not in allowed:
                ok = response.status_code == 403
            elif role is None and allowed != PUBLIC:
                ok = _sent_to_sign_in(response)
            else:
                ok = response.status_code not in (401, 403) and response.status_code < 500 \
                    and not _sent_to_sign_in(response)
            if not ok:
                wrong.append(f"{method} {url} as {role or 'nobody'}: {response.status_code}")
    assert not wrong, "\n".join(wrong)
    assert {url: answers for url, answers in public_answers.items() if len(answers) > 1} == {}


def test_a_web_session_never_opens_the_api_and_credentials_never_open_a_page(
    full_app: Flask,
) -> None:
    runtime = full_app.extensions["lrs"]
    with runtime.db.write() as session:
        everything = create_credential(session, runtime.settings.secret_key, name="root",
                                       scopes=runtime.scopes.names(),
                                       known_scopes=runtime.scopes)
    admin = full_app.test_client()
    _sign_in_as(admin, "admin")
    version = {"X-Experience-API-Version": "2.0.0"}
    for (endpoint, method), rule in routes(full_app, "api").items():
        if API[(endpoint, method)] != PUBLIC:
            status = _call(admin, method, url_of(rule), version).status_code
            assert status == 401, f"{method} {rule.rule} with an admin's session: {status}"
    machine = full_app.test_client()
    for (endpoint, method), rule in routes(full_app, "web").items():
        if WEB[(endpoint, method)] != PUBLIC and method == "GET":
            response = machine.get(url_of(rule), headers={"Authorization": basic_auth(everything)})
            assert _sent_to_sign_in(response), f"GET {rule.rule} with API credentials"
