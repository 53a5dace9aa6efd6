"""The directory pages (People, a person, Groups, a group) through the Flask test client.

The directory is filled as an HR file and a roster fill it (the services the
``lrs people`` commands call), with values an attacker could have put there.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from lrs.services.directory import PAGE_SIZE
from lrs.services.groups import add_members, create_group
from lrs.services.identities import merge_people
from lrs.services.oneroster import import_roster, parse_roster, read_roster_files
from lrs.services.people import import_people, parse_people_csv
from lrs.store.tenants import create_tenant
from tests.oidc import OidcProvider, sign_in
from tests.people.test_oneroster_import import ROSTER

EVIL = '<script>alert("x")</script>'
QUOTED = '"' + EVIL.replace('"', '""') + '"'  # as a CSV cell
STAFF = ("employee_id,display_name,email,department,hire_date,active,badge\n"
         f"E1,Ada Lovelace,ada@example.com,Sales,2026-01-15,true,{QUOTED}\n"
         "E2,Grace Hopper,grace@example.com,Research,2020-03-01,true,\n"
         f"E3,{QUOTED},mallory@example.com,Sales,,false,\n"
         "E4,Ada Byron,byron@example.com,Ops,,true,\n")


def fill(app: Flask, text: str = STAFF, tenant_id: int = 1) -> None:
    runtime = app.extensions["lrs"]
    records, errors = parse_people_csv(text)
    assert not errors
    import_people(runtime, records, actor="test", tenant_id=tenant_id)


@pytest.fixture
def admin(web_app: Flask, browser: FlaskClient, oidc_provider: OidcProvider) -> FlaskClient:
    sign_in(browser, oidc_provider, "ada", email="ada@example.com", groups=["weft-admins"])
    return browser


def page(browser: FlaskClient, url: str, status: int = 200) -> str:
    response = browser.get(url)
    assert response.status_code == status, response.get_data(as_text=True)
    return response.get_data(as_text=True)


def employee_ids(html: str) -> list[str]:
    return re.findall(r'<a href="/ui/admin/person\?employee_id=[^"]*">([^<]+)</a>', html)


def test_search_finds_people_by_name_email_employee_id_and_department(
    web_app: Flask, admin: FlaskClient,
) -> None:
    fill(web_app)
    assert employee_ids(page(admin, "/ui/admin/people")) == ["E1", "E2", "E3", "E4"]
    for words, found in (("ada", ["E1", "E4"]), ("GRACE@EXAMPLE", ["E2"]), ("e3", ["E3"]),
                         ("sales", ["E1", "E3"]), ("nobody", []), ("%", []), ("_", [])):
        assert employee_ids(page(admin, f"/ui/admin/people?q={words}")) == found, words
    assert "Nobody matches “nobody”." in page(admin, "/ui/admin/people?q=nobody")


def test_the_people_list_pages_on_from_the_last_person_shown(
    web_app: Flask, admin: FlaskClient,
) -> None:
    count = 2 * PAGE_SIZE + 3
    fill(web_app, "employee_id,display_name\n" + "".join(
        f"P{n:04},Person {n}\n" for n in range(count)))
    seen: list[str] = []
    url: str | None = "/ui/admin/people?q=person"
    while url:
        html = page(admin, url)
        seen += employee_ids(html)
        found = re.search(r'<a rel="next" href="([^"]+)"', html)
        url = found.group(1).replace("&amp;", "&") if found else None
    assert seen == [f"P{n:04}" for n in range(count)]


def test_a_person_shows_attributes_identities_groups_and_history(
    web_app: Flask, admin: FlaskClient,
) -> None:
    fill(web_app)
    runtime = web_app.extensions["lrs"]
    create_group(runtime, actor="test", name="Wardens")
    add_members(runtime, actor="test", name="Wardens", employee_ids=["E1"])
    create_group(runtime, actor="test", name="Sales team", rule="department = Sales")
    merge_people(runtime, actor="admin:grace@example.com", keep="E1", absorb="E4")
    html = page(admin, "/ui/admin/person?employee_id=E1")
    assert '<h1 id="person-name">Ada Lovelace</h1>' in html
    assert "<th>department</th><td>Sales</td>" in html
    assert "<code>mbox:mailto:byron@example.com</code>" in html  # merged in from E4
    groups = html[html.index('id="groups"'):html.index("Identity history")]
    assert ">Wardens</a></td><td>static</td>" in groups
    assert ">Sales team</a></td><td>rule</td>" in groups
    assert "E4 merged into E1" in html and "admin:grace@example.com" in html
    page(admin, "/ui/admin/person?employee_id=E4", 404)


def test_groups_show_their_kind_rule_count_and_members_with_their_role(
    web_app: Flask, admin: FlaskClient,
) -> None:
    runtime = web_app.extensions["lrs"]
    files = read_roster_files(ROSTER, max_file_bytes=1 << 20)
    roster, errors = parse_roster(files)
    assert not errors
    import_roster(runtime, roster, actor="test")
    create_group(runtime, actor="test", name="Students", rule="role = student")
    html = page(admin, "/ui/admin/groups")
    rows = re.findall(r"<tr><td><a[^>]*>([^<]+)</a></td><td>(\w+)</td><td>(\d+)</td>", html)
    assert rows == [("Math 7 - Period 1", "static", "3"), ("Science 7 - Period 2", "static", "2"),
                    ("Students", "rule", "2")]
    assert "<code>role = student</code>" in html
    math = page(admin, "/ui/admin/group?name=Math+7+-+Period+1")
    assert employee_ids(math) == ["s1", "s2", "t1"]
    assert "</td><td>teacher</td></tr>" in math and "oneroster:class:class-math7-p1" in math
    students = page(admin, "/ui/admin/group?name=Students")
    assert employee_ids(students) == ["s1", "s2"]
    assert 'id="group-rule">role = student</code>' in students
    page(admin, "/ui/admin/group?name=Nope", 404)


def test_what_the_directory_holds_is_shown_escaped(web_app: Flask, admin: FlaskClient) -> None:
    fill(web_app)
    runtime = web_app.extensions["lrs"]
    create_group(runtime, actor="test", name=EVIL)
    add_members(runtime, actor="test", name=EVIL, employee_ids=["E3"])
    escaped = "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;"
    for url in ("/ui/admin/people", "/ui/admin/people?q=script",
                "/ui/admin/person?employee_id=E1", "/ui/admin/person?employee_id=E3",
                "/ui/admin/groups", f"/ui/admin/group?name={EVIL}"):
        html = page(admin, url)
        assert "<script>" not in html and escaped in html, url


def test_a_store_is_chosen_by_name_and_an_unknown_one_is_a_404(
    web_app: Flask, admin: FlaskClient,
) -> None:
    runtime = web_app.extensions["lrs"]
    with runtime.db.write() as session:
        acme = create_tenant(session, "acme").id
    fill(web_app, "employee_id,display_name\nA1,Acme Person\n", tenant_id=acme)
    fill(web_app)
    assert employee_ids(page(admin, "/ui/admin/people?store=acme")) == ["A1"]
    assert 'href="/ui/admin/person?employee_id=A1&amp;store=acme"' in page(
        admin, "/ui/admin/people?store=acme")
    assert "Acme Person" in page(admin, "/ui/admin/person?employee_id=A1&store=acme")
    page(admin, "/ui/admin/person?employee_id=A1", 404)
    page(admin, "/ui/admin/people?store=nope", 404)


@pytest.mark.parametrize("url", ["/ui/admin/people", "/ui/admin/person?employee_id=E1",
                                 "/ui/admin/groups", "/ui/admin/group?name=x"])
def test_only_admins_open_the_directory_pages(
    make_web_app: Any, oidc_provider: OidcProvider, url: str,
) -> None:
    app = make_web_app()
    fill(app)
    anonymous = app.test_client()
    assert anonymous.get(url).status_code == 302
    for sub, group in (("ann", "weft-analysts"), ("carl", "weft-auditors")):
        browser = app.test_client()
        sign_in(browser, oidc_provider, sub, email=f"{sub}@example.com", groups=[group])
        refused = browser.get(url)
        assert refused.status_code == 403
        assert "Ada Lovelace" not in refused.get_data(as_text=True)
        assert 'href="/ui/admin/people"' not in page(browser, "/ui/")


def test_the_navigation_leads_admins_to_people_and_groups(admin: FlaskClient) -> None:
    home = page(admin, "/ui/")
    assert '<a href="/ui/admin/people">People</a>' in home
    assert '<a href="/ui/admin/groups">Groups</a>' in home
