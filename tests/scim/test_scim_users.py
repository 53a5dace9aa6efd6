"""``/scim/v2/Users`` over the people directory: what a provisioned person is, and becomes."""

from __future__ import annotations

from typing import Any

from flask import Flask

from lrs.plugin.host import Person
from tests.people.test_people_import import HEADER, staff_csv
from tests.plugins.conftest import RecordingPlugin
from tests.scim.conftest import ENTERPRISE, USER, Scim, actions, scim_error
from tests.test_cli import lrs
from tests.web.conftest import admin_actions

assert lrs and staff_csv  # fixtures, used by name


def person(app: Flask, email: str) -> Person | None:
    runtime = app.extensions["lrs"]
    return runtime.host.resolve_person(1, {"mbox": f"mailto:{email}"})


ADA = {
    "externalId": "ada-ext",
    "name": {"givenName": "Ada", "familyName": "Lovelace"},
    "emails": [
        {"value": "Ada@Example.com", "type": "work", "primary": True},
        {"value": "ada@home.example", "type": "home"},
    ],
    "title": "Analyst",
    "active": True,
    "phoneNumbers": [{"value": "+44 1", "type": "work"}],
    ENTERPRISE: {
        "employeeNumber": "E1",
        "department": "Sales",
        "costCenter": "4711",
        "division": "North",
    },
}


def test_a_created_user_is_a_directory_person_with_identities(
    scim_app: Flask,
    scim: Scim,
    recorder: RecordingPlugin,
) -> None:
    created = scim.create_user("ada@example.com", password="never stored", **ADA)
    assert created["userName"] == "ada@example.com"
    assert created["displayName"] == "Ada Lovelace"
    assert created[ENTERPRISE] == {
        "employeeNumber": "E1",
        "department": "Sales",
        "costCenter": "4711",
        "division": "North",
    }
    assert created["meta"]["location"].endswith(f"/scim/v2/Users/{created['id']}")
    assert "password" not in created
    found = person(scim_app, "ada@home.example")
    assert found is not None and found.id == "E1" and found.name == "Ada Lovelace"
    assert found.attributes["email"] == "ada@example.com"
    assert found.attributes["job_title"] == "Analyst"
    assert found.attributes["cost_center"] == "4711"
    again = scim("GET", f"/Users/{created['id']}")
    assert again.status_code == 200 and again.mimetype == "application/scim+json"
    assert again.get_json() == created
    assert actions(scim_app, recorder) == [("person.provisioned", f"scim_user:{created['id']}")]


def test_put_replaces_what_scim_owns_and_keeps_what_it_does_not(
    scim_app: Flask,
    scim: Scim,
    lrs: Any,
    staff_csv: Any,
) -> None:
    assert (
        lrs(
            "people",
            "import",
            staff_csv(
                HEADER + "E1,Ada,ada@example.com,,https://lms.example.com|u1,Ops,,Berlin,Rep,"
                "2026-01-15,true,1000\n"
            ),
        ).exit_code
        == 0
    )
    created = scim.create_user("ada@example.com", **ADA)  # takes over E1
    found = person(scim_app, "ada@example.com")
    assert found is not None and found.id == "E1"
    assert found.attributes["location"] == "Berlin"  # not SCIM's: kept
    assert found.attributes["hire_date"] == "2026-01-15"
    assert {
        "objectType": "Agent",
        "account": {"homePage": "https://lms.example.com", "name": "u1"},
    } in found.agents
    replaced = scim(
        "PUT",
        f"/Users/{created['id']}",
        {
            "schemas": [USER],
            "userName": "ada@example.com",
            "displayName": "Ada King",
            "emails": [{"value": "ada.king@example.com", "type": "work"}],
        },
    )
    assert replaced.status_code == 200, replaced.get_json()
    body = replaced.get_json()
    assert body["displayName"] == "Ada King" and "title" not in body
    assert body[ENTERPRISE] == {"employeeNumber": "E1"}  # the key stays
    assert person(scim_app, "ada@home.example") is None  # an address SCIM dropped
    kept = person(scim_app, "ada.king@example.com")
    assert kept is not None and kept.id == "E1"
    assert kept.attributes["location"] == "Berlin"
    assert "department" not in kept.attributes
    assert any("account" in agent for agent in kept.agents)


def test_user_name_and_identities_are_unique(scim: Scim) -> None:
    first = scim.create_user("ada@example.com", **ADA)
    detail = scim_error(
        scim("POST", "/Users", {"schemas": [USER], "userName": "ADA@example.com"}),
        409,
        "uniqueness",
    )
    assert "userName" in detail and first["id"] in detail
    detail = scim_error(
        scim(
            "POST",
            "/Users",
            {
                "schemas": [USER],
                "userName": "bob",
                "emails": [{"value": "ada@home.example"}],
                ENTERPRISE: {"employeeNumber": "E2"},
            },
        ),
        409,
        "uniqueness",
    )
    assert "E1" in detail
    bob = scim.create_user("bob@example.com", **{ENTERPRISE: {"employeeNumber": "E2"}})
    detail = scim_error(
        scim(
            "PUT",
            f"/Users/{bob['id']}",
            {
                "schemas": [USER],
                "userName": "bob@example.com",
                "emails": [{"value": "ada@example.com"}],
            },
        ),
        409,
        "uniqueness",
    )
    assert "emails" in detail and "ada@example.com" in detail


def test_employee_id_without_employee_number_and_a_later_one_renames(
    scim_app: Flask,
    scim: Scim,
) -> None:
    by_external = scim.create_user("carl@example.com", externalId="00u1")
    assert by_external[ENTERPRISE]["employeeNumber"] == "00u1"
    by_name = scim.create_user("dora@example.com")
    assert by_name[ENTERPRISE]["employeeNumber"] == "dora@example.com"
    manager = scim.create_user("erin@example.com", **{ENTERPRISE: {"employeeNumber": "M1"}})
    managed = scim.patch(
        f"/Users/{by_name['id']}",
        {"op": "add", "path": f"{ENTERPRISE}:manager", "value": manager["id"]},
    )
    assert managed.get_json()[ENTERPRISE]["manager"]["value"] == manager["id"]
    renamed = scim.patch(
        f"/Users/{manager['id']}",
        {"op": "replace", "path": f"{ENTERPRISE}:employeeNumber", "value": "M2"},
    )
    assert renamed.get_json()[ENTERPRISE]["employeeNumber"] == "M2"
    dora = person(scim_app, "dora@example.com")
    assert dora is not None and dora.attributes["manager"] == "M2"  # followed the rename


def test_deprovisioning_keeps_the_person_inactive(
    scim_app: Flask,
    scim: Scim,
    recorder: RecordingPlugin,
) -> None:
    created = scim.create_user("ada@example.com", **ADA)
    assert scim("DELETE", f"/Users/{created['id']}").status_code == 204
    scim_error(scim("GET", f"/Users/{created['id']}"), 404)
    gone = person(scim_app, "ada@example.com")
    assert gone is not None and gone.attributes["active"] == "false"
    again = scim.create_user("ada@example.com", **ADA)  # re-provisioned: the same person
    assert again["id"] != created["id"] and again["active"] is True
    assert [action for action, _ in actions(scim_app, recorder)] == [
        "person.provisioned",
        "person.deprovisioned",
        "person.provisioned",
    ]


def test_the_audit_trail_names_what_changed_never_values(
    scim_app: Flask,
    scim: Scim,
    recorder: RecordingPlugin,
) -> None:
    user = scim.create_user("ada@example.com", **ADA)
    scim.patch(
        f"/Users/{user['id']}",
        {"op": "replace", "path": "active", "value": False},
        {"op": "replace", "path": "name.givenName", "value": "Augusta"},
        {"op": "remove", "path": f"{ENTERPRISE}:costCenter"},
    )
    scim.patch(f"/Users/{user['id']}", {"op": "replace", "path": "title", "value": "Analyst"})
    events = [
        event for event in admin_actions(scim_app, recorder) if event.action == "person.updated"
    ]
    assert [event.details for event in events] == [
        {"changed": ["active", "costCenter", "name"]}
    ]  # the no-op is not
    assert events[0].actor == f"credential:{scim.credential.key}"
    assert events[0].source["user_agent"]


def test_path_less_values_with_dotted_and_urn_keys(scim_app: Flask, scim: Scim) -> None:
    boss = scim.create_user("boss@example.com", **{ENTERPRISE: {"employeeNumber": "B"}})
    user = scim.create_user("ada@example.com", **ADA)
    patched = scim.patch(
        f"/Users/{user['id']}",
        {
            "op": "Replace",
            "value": {
                "name.givenName": "Augusta",
                "displayName": "Augusta King",
                f"{ENTERPRISE}:department": "R&D",
                f"{ENTERPRISE}:manager": {"value": boss["id"]},
                'emails[type eq "work"].value': "augusta@example.com",
            },
        },
    )
    body = patched.get_json()
    assert patched.status_code == 200, body
    assert body["name"] == {"givenName": "Augusta", "familyName": "Lovelace"}
    assert body["displayName"] == "Augusta King"
    assert body[ENTERPRISE]["department"] == "R&D"
    assert body[ENTERPRISE]["manager"]["value"] == boss["id"]
    assert body["emails"][0] == {"value": "augusta@example.com", "type": "work", "primary": True}
    removed = scim.patch(
        f"/Users/{user['id']}",
        {"op": "Remove", "path": f"{ENTERPRISE}:manager", "value": [{"value": boss["id"]}]},
    )
    assert "manager" not in removed.get_json()[ENTERPRISE]
    by_member = scim("GET", "/Users", query_string={"filter": 'emails.value sw "ADA@"'})
    assert [u["id"] for u in by_member.get_json()["Resources"]] == [user["id"]]


def test_a_put_that_changes_nothing_records_nothing(
    scim_app: Flask,
    scim: Scim,
    recorder: RecordingPlugin,
) -> None:
    user = scim.create_user("carl@example.com", externalId="00u1", displayName="Carl")
    same = scim(
        "PUT",
        f"/Users/{user['id']}",
        {
            "schemas": [USER],
            "userName": "carl@example.com",
            "externalId": "00u1",
            "displayName": "Carl",
        },
    )
    assert same.get_json() == user  # the employee id stays; lastModified too
    assert [action for action, _ in actions(scim_app, recorder)] == ["person.provisioned"]
