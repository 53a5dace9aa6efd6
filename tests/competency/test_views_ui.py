"""The competency views in the web UI (Flask test client, both backends): admins and
analysts read a profile, a heat map and gaps; names and statements written as markup
stay text; other roles are refused."""

from __future__ import annotations

import html
import io

from flask import Flask
from flask.testing import FlaskClient
from markupsafe import escape
from pypdf import PdfReader

from tests.competency.situations import FOREIGN, GROUP, HOSTILE, seed
from tests.competency.test_frameworks_ui import web_app
from tests.oidc import OidcProvider, sign_in

assert web_app  # a fixture, used by name


def signed_in(app: Flask, provider: OidcProvider, group: str) -> FlaskClient:
    client = app.test_client()
    sign_in(client, provider, group, email=f"{group}@example.com", groups=[group])
    return client


def test_analyst_reads_a_profile_with_escaped_markup_and_linked_statements(
    web_app: Flask, oidc_provider: OidcProvider
) -> None:
    situation = seed(web_app, hostile_statement=True)
    analyst = signed_in(web_app, oidc_provider, "weft-analysts")
    assert ">Competency views</a>" in analyst.get("/ui/").get_data(as_text=True)
    assert ">Competency frameworks</a>" not in analyst.get("/ui/").get_data(as_text=True)
    found = analyst.get("/ui/competency/people/?employee_id=E1")
    assert found.status_code == 302 and found.location.endswith("/ui/competency/people/E1")
    page = analyst.get("/ui/competency/people/E1").get_data(as_text=True)
    # HS.1's statement, in rows written by html.escape (quotes as &quot;)
    assert HOSTILE not in page and html.escape(HOSTILE) in page
    assert 'class="state s-lapsed"><span aria-hidden="true">↻</span> lapsed' in page
    assert "conflicting evidence" in page and "/ui/competency/people/E1/profile.pdf" in page
    newest, oldest = situation.statements[("E1", "HS.1")]
    assert f'href="/ui/competency/statements/{newest}"' in page
    assert f">{oldest[:8]}</a> 2026-02-01 (against)" in page
    statement = analyst.get(f"/ui/competency/statements/{newest}").get_data(as_text=True)
    assert newest in statement and "http://adlnet.gov/expapi/verbs/passed" in statement
    assert analyst.get("/ui/competency/statements/0000").status_code == 404
    pdf = analyst.get("/ui/competency/people/E3/profile.pdf")
    assert pdf.mimetype == "application/pdf"
    assert FOREIGN in PdfReader(io.BytesIO(pdf.data)).pages[0].extract_text()
    css = analyst.get("/ui/competency/views/style.css")
    assert css.mimetype == "text/css" and ".s-lapsed" in css.get_data(as_text=True)
    missing = analyst.get("/ui/competency/people/E9")
    assert missing.status_code == 404 and "no person with employee id" in missing.get_data(
        as_text=True
    )


def test_admin_reads_the_heat_map_and_gaps_of_a_group(
    web_app: Flask, oidc_provider: OidcProvider
) -> None:
    situation = seed(web_app)
    admin = signed_in(web_app, oidc_provider, "weft-admins")
    query = {"framework": situation.framework, "group": GROUP}
    page = admin.get("/ui/competency/groups/heatmap", query_string=query).get_data(as_text=True)
    assert HOSTILE not in page and str(escape(HOSTILE)) in page  # E2's name
    assert "3 people by 18 competencies" in page
    assert (
        'title="HS.2: lapsed (0.60)"><span aria-hidden="true">↻</span><span class="sr">lapsed'
        in page
    )
    assert 'title="HS.1: attained (0.75)"' in page
    gaps = admin.get("/ui/competency/groups/gaps", query_string=query).get_data(as_text=True)
    assert "Gaps of Wardens" in gaps and "1 of 3" in gaps and '<meter min="0" max="1"' in gaps
    refused = admin.get("/ui/competency/groups/heatmap", query_string={"group": GROUP})
    assert refused.status_code == 400 and "give the framework" in refused.get_data(as_text=True)
    unknown = admin.get(
        "/ui/competency/groups/gaps", query_string={**query, "group": "<b>Nobody</b>"}
    )
    assert unknown.status_code == 404 and "&lt;b&gt;Nobody" in unknown.get_data(as_text=True)


def test_other_roles_are_refused(web_app: Flask, oidc_provider: OidcProvider) -> None:
    seed(web_app)
    auditor = signed_in(web_app, oidc_provider, "weft-auditors")
    for url in (
        "/ui/competency/views/",
        "/ui/competency/people/E1",
        "/ui/competency/groups/heatmap",
        "/ui/competency/views/style.css",
    ):
        assert auditor.get(url).status_code == 403, url
    assert web_app.test_client().get("/ui/competency/people/E1").status_code == 302
