"""The people directory: ``lrs people import`` from CSV, resolving agents, erasure.

The commands run against each test database (SQLite and PostgreSQL); what they
stored is then read through the plugins' host, as a plugin sees the directory.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import event

from lrs.app import create_app
from lrs.plugin.hookspecs import hookimpl
from lrs.plugin.host import Person
from lrs.services.people import parse_people_csv
from lrs.settings import Settings
from tests.test_cli import lrs

assert lrs  # the fixture, used by name

HEADER = ("employee_id,display_name,email,aliases,accounts,department,manager,location,"
          "job_title,hire_date,active,cost_center\n")
STAFF = HEADER + (
    "E1,Ada Lovelace,Ada@Example.com,ada.l@example.org,https://lms.example.com|u1,"
    "Sales,E2,Berlin,Rep,2026-01-15,true,4711\n"
    "E2,Grace Hopper,grace@example.com,,,Sales,,Paris,Manager,2020-03-01,,\n"
)


@pytest.fixture
def staff_csv(tmp_path: Path) -> Callable[[str], str]:
    def write(text: str) -> str:
        path = tmp_path / "staff.csv"
        path.write_text(text, encoding="utf-8")
        return str(path)

    return write


@pytest.fixture
def host_of(make_settings: Callable[..., Settings]) -> Callable[..., Any]:
    apps: list[Flask] = []

    def build(*plugins: object) -> Any:
        apps.append(create_app(make_settings(), plugins=plugins))
        return apps[-1].extensions["lrs"].host

    yield build
    for app in apps:
        app.extensions["lrs"].db.engine.dispose()


def test_import_creates_people_with_their_identities(lrs: Any, staff_csv: Any,
                                                     host_of: Any) -> None:
    result = lrs("people", "import", staff_csv(STAFF))
    assert result.exit_code == 0, result.output
    assert "Imported 2 people into store 'default': 2 new, 0 updated, 0 unchanged." in (
        result.stdout)
    host = host_of()
    ada = host.resolve_person(1, {"mbox": "mailto:ada@example.com"})
    assert ada.id == "E1" and ada.name == "Ada Lovelace"
    assert ada.attributes == {"email": "ada@example.com", "department": "Sales",
                              "manager": "E2", "location": "Berlin", "job_title": "Rep",
                              "hire_date": "2026-01-15", "active": "true",
                              "cost_center": "4711"}
    # Every identity resolves to her: an alias, the SHA-1 of an address, an LMS account,
    # and an address spelled in another case.
    sha1 = hashlib.sha1(b"mailto:ada.l@example.org").hexdigest()
    for agent in ({"mbox": "mailto:ada.l@example.org"}, {"mbox_sha1sum": sha1},
                  {"account": {"homePage": "https://lms.example.com", "name": "u1"}},
                  {"mbox": "mailto:ADA@example.com"}):
        assert host.resolve_person(1, agent).id == "E1", agent
    assert {"objectType": "Agent", "account": {"homePage": "https://lms.example.com",
                                               "name": "u1"}} in ada.agents
    assert host.resolve_person(1, {"mbox": "mailto:grace@example.com"}).attributes[
        "active"] == "true"


def test_reimport_changes_nothing_and_an_edit_updates_in_place(lrs: Any, staff_csv: Any,
                                                               host_of: Any) -> None:
    assert lrs("people", "import", staff_csv(STAFF)).exit_code == 0
    again = lrs("people", "import", staff_csv(STAFF))
    assert "2 people into store 'default': 0 new, 0 updated, 2 unchanged." in again.stdout
    moved = STAFF.replace("Sales,E2,Berlin", "Marketing,E2,Berlin").replace(
        "ada.l@example.org", "ada.new@example.org")
    edited = lrs("people", "import", staff_csv(moved))
    assert "0 new, 1 updated, 1 unchanged." in edited.stdout
    host = host_of()
    assert host.resolve_person(1, {"mbox": "mailto:ada.new@example.org"}).attributes[
        "department"] == "Marketing"
    # The alias she no longer has is no longer hers.
    assert host.resolve_person(1, {"mbox": "mailto:ada.l@example.org"}) is None


def test_dry_run_counts_and_stores_nothing(lrs: Any, staff_csv: Any, host_of: Any) -> None:
    result = lrs("people", "import", "--dry-run", staff_csv(STAFF))
    assert result.exit_code == 0, result.output
    assert "Would import 2 people into store 'default': 2 new" in result.stdout
    assert host_of().resolve_person(1, {"mbox": "mailto:ada@example.com"}) is None
    listed = lrs("people", "list", "--json")
    assert json.loads(listed.stdout) == []


def test_rows_in_error_are_named_and_nothing_is_imported(lrs: Any, staff_csv: Any,
                                                         host_of: Any) -> None:
    bad = STAFF + ("E3,Bad Date,bad@example.com,,,,,,,2026-13-01,,\n"
                   ",No Id,noid@example.com,,,,,,,,,\n"
                   "E4,Bad Mail,not-an-address,,,,,,,,maybe,\n"
                   "E1,Twice,twice@example.com,,,,,,,,,\n")
    result = lrs("people", "import", staff_csv(bad))
    assert result.exit_code == 1
    assert "line 4, hire_date: '2026-13-01' is not a date (YYYY-MM-DD)" in result.stderr
    assert "line 5, employee_id: is empty" in result.stderr
    assert "line 6, email: 'not-an-address' is not an email address" in result.stderr
    assert "line 6, active: 'maybe' is not true or false" in result.stderr
    assert "line 7, employee_id: 'E1' is also on line 2" in result.stderr
    assert "5 error(s): nothing imported" in result.stderr
    assert host_of().resolve_person(1, {"mbox": "mailto:ada@example.com"}) is None


def test_an_identity_of_someone_else_stops_the_import(lrs: Any, staff_csv: Any,
                                                      host_of: Any) -> None:
    assert lrs("people", "import", staff_csv(STAFF)).exit_code == 0
    thief = HEADER + "E9,Mallory,mallory@example.com,ada@example.com,,,,,,,,\n"
    result = lrs("people", "import", staff_csv(thief))
    assert result.exit_code == 1
    assert "mbox:mailto:ada@example.com belongs to E1" in result.output
    assert host_of().resolve_person(1, {"mbox": "mailto:mallory@example.com"}) is None


def test_a_file_without_employee_id_is_refused() -> None:
    records, errors = parse_people_csv("name,email\nAda,ada@example.com\n")
    assert records == [] and [str(e) for e in errors] == [
        "line 1, employee_id: the header has no employee_id column"]


class Hris:
    plugin_name = "hris-lookup"  # not "hris": the built-in connector's name

    @hookimpl
    def resolve_person(self, agent: dict[str, Any]) -> Person | None:
        return Person(id="FROM-HRIS") if agent.get("mbox") else None


def test_the_directory_answers_first_and_plugins_answer_the_rest(
    lrs: Any, staff_csv: Any, host_of: Any,
) -> None:
    assert lrs("people", "import", staff_csv(STAFF)).exit_code == 0
    host = host_of(Hris())
    assert host.resolve_person(1, {"mbox": "mailto:ada@example.com"}).id == "E1"
    assert host.resolve_person(1, {"mbox": "mailto:zoe@example.com"}).id == "FROM-HRIS"
    assert host.resolve_person(1, {"openid": "https://id.example.com/zoe"}) is None


def test_directories_of_stores_are_apart(lrs: Any, staff_csv: Any,
                                         make_settings: Callable[..., Settings]) -> None:
    assert lrs("tenants", "create", "acme").exit_code == 0
    assert lrs("people", "import", "--tenant", "acme", staff_csv(STAFF)).exit_code == 0
    runtime = create_app(make_settings()).extensions["lrs"]
    acme = runtime.tenant_id("acme")
    assert runtime.host.resolve_person(1, {"mbox": "mailto:ada@example.com"}) is None
    assert runtime.host.resolve_person(acme, {"mbox": "mailto:ada@example.com"}).id == "E1"
    runtime.db.engine.dispose()


def test_erasure_removes_the_person_from_the_directory(lrs: Any, staff_csv: Any,
                                                       host_of: Any) -> None:
    assert lrs("people", "import", staff_csv(STAFF)).exit_code == 0
    dry = lrs("people", "erase", "--agent", '{"mbox": "mailto:ada@example.com"}', "--dry-run")
    assert re.search(r"^people directory entries +1$", dry.stdout, re.M), dry.stdout
    erased = lrs("people", "erase", "--yes", "--agent", '{"mbox": "mailto:ada@example.com"}')
    assert erased.exit_code == 0, erased.output
    host = host_of()
    assert host.resolve_person(1, {"account": {"homePage": "https://lms.example.com",
                                               "name": "u1"}}) is None
    assert host.resolve_person(1, {"mbox": "mailto:grace@example.com"}).id == "E2"


def test_resolve_people_and_employee_ids_answer_many_in_order_with_few_queries(
    lrs: Any, staff_csv: Any, make_settings: Callable[..., Settings],
) -> None:
    many = HEADER + "".join(f"P{n},Person {n},p{n}@example.com,,,Ops,,,,,,\n"
                            for n in range(2500))
    assert lrs("people", "import", staff_csv(many)).exit_code == 0
    app = create_app(make_settings(), plugins=[Hris()])
    host, engine = app.extensions["lrs"].host, app.extensions["lrs"].db.engine
    agents = [{"mbox": f"mailto:p{n}@example.com"} for n in range(2500)]
    agents[7] = {"openid": "https://id.example.com/nobody"}
    agents[9] = {"mbox": "mailto:stranger@example.com"}
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    found = host.resolve_people(1, agents)
    assert [p.id if p else None for p in found[:10]] == [
        "P0", "P1", "P2", "P3", "P4", "P5", "P6", None, "P8", "FROM-HRIS"]
    assert found[2499].id == "P2499" and found[2499].attributes["department"] == "Ops"
    # 5,000 identity keys in five chunks, then 2,500 people and their identities in three
    # chunks each: a dozen statements, not one per agent.
    assert len([s for s in statements if s.startswith("SELECT")]) <= 11, statements
    statements.clear()
    ids = host.employee_ids(1, agents)
    assert ids == [p.id if p else None for p in found]
    # 5,000 identity keys joined to their people's employee ids in five chunks.
    assert len([s for s in statements if s.startswith("SELECT")]) == 5, statements
    engine.dispose()
