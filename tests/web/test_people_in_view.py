"""``host.people_in_view``: which people a person signed in to the web UI may see.

A plugin page shows what the host answers for whoever signs in through the real
identity provider of :mod:`tests.oidc`; the directory is imported through the host.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Blueprint, Flask, jsonify, request

from lrs.plugin.hookspecs import hookimpl
from lrs.plugin.host import Host, PeopleInView
from lrs.store.tenants import create_tenant
from tests.oidc import ROLE_MAPPING, OidcProvider, sign_in

MAPPING = ROLE_MAPPING + ",weft-managers=manager"


class ViewPlugin:
    """A page for every role showing ``host.people_in_view`` of the store asked for."""

    plugin_name = "view-demo"

    @hookimpl
    def register_blueprints(self, host: Host) -> list[Blueprint]:
        pages = Blueprint("view_demo", __name__, url_prefix="/ui/view-demo")

        def show() -> Any:
            view = host.people_in_view(int(request.args.get("tenant", "1")))
            again = host.people_in_view(int(request.args.get("tenant", "1")))
            assert again is view  # once per request
            return jsonify(everyone=view.everyone, people=sorted(view.employee_ids),
                           unknown=view.allows(None), e1=view.allows("E1"))

        guard = host.requires_role("admin", "analyst", "compliance_officer", "manager")
        pages.add_url_rule("/", "show", guard(show))
        return [pages]


def person(employee_id: str, manager: str = "", email: str = "", **more: str) -> dict[str, str]:
    return {"employee_id": employee_id, "manager": manager,
            "email": email or f"{employee_id.lower()}@example.com", **more}


@pytest.fixture
def app(make_web_app: Callable[..., Flask], oidc_provider: OidcProvider) -> Flask:
    app = make_web_app(ViewPlugin(), oidc_role_mapping=MAPPING)
    host: Host = app.extensions["lrs"].host
    with app.extensions["lrs"].db.write() as session:
        other = create_tenant(session, "other").id
    imported = host.import_people(1, [
        # Mia manages E1 and E2; E3 reports to E1; E4 to Max, who is found by his
        # OIDC account (issuer|subject), not by the email he signs in with.
        person("M1", email="Mia@Example.com"),
        person("E1", "M1"), person("E2", "M1"), person("E3", "E1"),
        person("M2", accounts=f"{oidc_provider.url}|sub-max"), person("E4", "M2"),
        # A circle: C1 -> C2 -> C3 -> C1 (each one's manager is the next on the left).
        person("C1", "C3"), person("C2", "C1"), person("C3", "C2"),
        # Sam is his own manager; Lea manages nobody.
        person("S1", "S1"), person("L1"),
    ], actor="test")
    assert imported.created == 11 and not imported.errors
    # Another store: Mia is there too, managing someone else; Zoe only there.
    host.import_people(other, [person("M1", email="mia@example.com"), person("Z1", "M1"),
                               person("Z9", email="zoe@example.com"), person("Z2", "Z9")],
                       actor="test")
    app.config["OTHER_STORE"] = other
    return app


def seen(app: Flask, provider: OidcProvider, sub: str, *, groups: list[str], tenant: int = 1,
         **claims: Any) -> dict[str, Any]:
    browser = app.test_client()
    sign_in(browser, provider, sub, groups=groups, **claims)
    response = browser.get(f"/ui/view-demo/?tenant={tenant}")
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


@pytest.mark.parametrize("group", ["weft-admins", "weft-analysts", "weft-auditors"])
def test_admins_analysts_and_compliance_officers_see_everyone(
    app: Flask, oidc_provider: OidcProvider, group: str,
) -> None:
    for groups in ([group], [group, "weft-managers"]):
        assert seen(app, oidc_provider, "ann", email="ann@example.com", groups=groups) == {
            "everyone": True, "people": [], "unknown": True, "e1": True}


def test_a_manager_sees_direct_and_indirect_reports_not_themselves(
    app: Flask, oidc_provider: OidcProvider,
) -> None:
    # The email is matched without regard to case.
    assert seen(app, oidc_provider, "sub-mia", email="MIA@example.COM",
                groups=["weft-managers"]) == {
        "everyone": False, "people": ["E1", "E2", "E3"], "unknown": False, "e1": True}
    # E1 manages E3 only.
    assert seen(app, oidc_provider, "sub-e1", email="e1@example.com",
                groups=["weft-managers"])["people"] == ["E3"]


def test_a_manager_is_found_by_their_oidc_account(app: Flask, oidc_provider: OidcProvider) -> None:
    view = seen(app, oidc_provider, "sub-max", email="max@elsewhere.example",
                groups=["weft-managers"])
    assert view == {"everyone": False, "people": ["E4"], "unknown": False, "e1": False}


def test_circles_in_manager_links_end_and_self_managers_see_themselves(
    app: Flask, oidc_provider: OidcProvider,
) -> None:
    assert seen(app, oidc_provider, "sub-c1", email="c1@example.com",
                groups=["weft-managers"])["people"] == ["C1", "C2", "C3"]
    assert seen(app, oidc_provider, "sub-s1", email="s1@example.com",
                groups=["weft-managers"])["people"] == ["S1"]
    assert seen(app, oidc_provider, "sub-l1", email="l1@example.com",
                groups=["weft-managers"])["people"] == []


def test_a_manager_the_directory_does_not_know_sees_nobody(
    app: Flask, oidc_provider: OidcProvider,
) -> None:
    assert seen(app, oidc_provider, "sub-new", email="new@example.com",
                groups=["weft-managers"]) == {
        "everyone": False, "people": [], "unknown": False, "e1": False}


def test_stores_are_kept_apart(app: Flask, oidc_provider: OidcProvider) -> None:
    # Zoe manages Z2 in the other store only: in the default one she is nobody.
    assert seen(app, oidc_provider, "sub-zoe", email="zoe@example.com",
                groups=["weft-managers"])["people"] == []
    assert seen(app, oidc_provider, "sub-zoe", email="zoe@example.com",
                groups=["weft-managers"], tenant=app.config["OTHER_STORE"])["people"] == ["Z2"]
    # Mia is in both, with other people in each.
    assert seen(app, oidc_provider, "sub-mia", email="mia@example.com",
                groups=["weft-managers"], tenant=app.config["OTHER_STORE"])["people"] == ["Z1"]


def test_outside_a_web_ui_request_it_is_refused(app: Flask) -> None:
    host: Host = app.extensions["lrs"].host
    with app.test_request_context("/api/anything"), pytest.raises(
            RuntimeError, match="needs a person signed in to the web UI"):
        host.people_in_view(1)
    with app.app_context(), pytest.raises(RuntimeError, match="signed in to the web UI"):
        host.people_in_view(1)


def test_allows() -> None:
    assert PeopleInView(everyone=True).allows(None)
    mine = PeopleInView(everyone=False, employee_ids=frozenset({"E1"}))
    assert mine.allows("E1") and not mine.allows("E2") and not mine.allows(None)
