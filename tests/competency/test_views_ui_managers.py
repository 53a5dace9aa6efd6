"""The competency views for managers (Flask test client, both backends): the heat map
and gaps of a group cover only their own people (direct and indirect reports), and
someone else's profile, PDF or evidence statement is a 404 like a person who does not
exist; the admins' framework and rule pages stay closed to them."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from markupsafe import escape

from tests.competency.situations import FOREIGN, GROUP, HOSTILE, PEOPLE, Situation, seed
from tests.oidc import CLIENT_ID, CLIENT_SECRET, ROLE_MAPPING, OidcProvider, sign_in


@pytest.fixture
def web_app(
    lrs_make_app: Callable[..., Flask], fresh_database_url: str, oidc_provider: OidcProvider
) -> Flask:
    return lrs_make_app(
        installed=["competency"],
        database_url=fresh_database_url,
        oidc_metadata_url=oidc_provider.metadata_url,
        oidc_client_id=CLIENT_ID,
        oidc_client_secret=CLIENT_SECRET,
        oidc_role_mapping=ROLE_MAPPING + ",weft-managers=manager",
    )


@pytest.fixture
def situation(web_app: Flask) -> Situation:
    """The views' situation, with Bea (B1) managing E1, who manages E2; E3 and E4 are
    someone else's."""
    situation = seed(web_app)
    people = {p["employee_id"]: p for p in PEOPLE}
    result = web_app.extensions["lrs"].host.import_people(
        1,
        [
            {"employee_id": "B1", "display_name": "Bea Boss", "email": "bea@example.com"},
            {**people["E1"], "manager": "B1"},
            {**people["E2"], "manager": "E1"},
        ],
        actor="test",
    )
    assert not result.errors
    return situation


def manager(app: Flask, provider: OidcProvider, email: str) -> FlaskClient:
    client = app.test_client()
    sign_in(client, provider, f"sub-{email}", email=email, groups=["weft-managers"])
    return client


def test_a_manager_sees_their_people_in_the_heat_map_and_gaps(
    web_app: Flask, oidc_provider: OidcProvider, situation: Situation
) -> None:
    bea = manager(web_app, oidc_provider, "bea@example.com")
    assert ">Competency views</a>" in bea.get("/ui/").get_data(as_text=True)
    assert bea.get("/ui/competency/views/").status_code == 200
    query = {"framework": situation.framework, "group": GROUP}
    page = bea.get("/ui/competency/groups/heatmap", query_string=query).get_data(as_text=True)
    assert "2 people by 18 competencies" in page and "Only your own people" in page
    assert "Ada Lovelace" in page and str(escape(HOSTILE)) in page  # E1, E2 (indirect)
    assert FOREIGN not in page  # E3, in the group but not Bea's
    gaps = bea.get("/ui/competency/groups/gaps", query_string=query).get_data(as_text=True)
    assert "Gaps of Wardens" in gaps and "2 people" in gaps and " of 3" not in gaps
    # E1 manages E2 only.
    ada = manager(web_app, oidc_provider, "ada@example.com")
    page = ada.get("/ui/competency/groups/heatmap", query_string=query).get_data(as_text=True)
    assert "1 people by 18 competencies" in page and "Ada Lovelace" not in page
    # A manager the directory does not know sees nobody of the group.
    stranger = manager(web_app, oidc_provider, "new@example.com")
    page = stranger.get("/ui/competency/groups/heatmap", query_string=query)
    assert page.status_code == 200 and "None of your people is in this group." in page.get_data(
        as_text=True
    )


def test_someone_elses_profile_pdf_and_statements_are_not_found(
    web_app: Flask, oidc_provider: OidcProvider, situation: Situation
) -> None:
    bea = manager(web_app, oidc_provider, "bea@example.com")
    assert "Ada Lovelace" in bea.get("/ui/competency/people/E1").get_data(as_text=True)
    assert bea.get("/ui/competency/people/E2").status_code == 200
    assert bea.get("/ui/competency/people/E1/profile.pdf").mimetype == "application/pdf"
    theirs, missing = bea.get("/ui/competency/people/E3"), bea.get("/ui/competency/people/E9")
    assert theirs.status_code == missing.status_code == 404
    assert "no person with employee id &#39;E3&#39;" in theirs.get_data(as_text=True)
    assert FOREIGN not in theirs.get_data(as_text=True)
    assert bea.get("/ui/competency/people/E4/profile.pdf").status_code == 404
    assert bea.get("/ui/competency/people/B1").status_code == 404  # not herself
    [mine] = situation.statements[("E2", "HS.1")]
    [other] = situation.statements[("E4", "HS.1")]
    assert bea.get(f"/ui/competency/statements/{mine}").status_code == 200
    refused = bea.get(f"/ui/competency/statements/{other}")
    assert refused.status_code == 404 and "e4@example.com" not in refused.get_data(as_text=True)


def test_managers_stay_out_of_the_admins_pages(
    web_app: Flask, oidc_provider: OidcProvider, situation: Situation
) -> None:
    bea = manager(web_app, oidc_provider, "bea@example.com")
    for url in (
        "/ui/competency/",
        f"/ui/competency/{situation.framework}",
        "/ui/competency/rules",
        "/ui/admin/people",
    ):
        assert bea.get(url).status_code == 403, url
