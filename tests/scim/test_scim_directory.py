"""SCIM and the rest of the directory: merges, erasure, groups made by other means."""

from __future__ import annotations

import json
from typing import Any

from flask import Flask
from sqlalchemy import func, select

from lrs.models import ScimUser
from tests.people.test_people_import import HEADER, staff_csv
from tests.scim.conftest import ENTERPRISE, GROUP, Scim, scim_error
from tests.test_cli import lrs

assert lrs and staff_csv  # fixtures, used by name


def test_a_merge_keeps_the_providers_id_reaching_the_person(
    scim_app: Flask,
    scim: Scim,
    lrs: Any,
    staff_csv: Any,
) -> None:
    assert (
        lrs(
            "people", "import", staff_csv(HEADER + "E1,Ada,ada@example.com,,,Sales,,,,,,\n")
        ).exit_code
        == 0
    )
    provisioned = scim.create_user("ada.l@example.org", externalId="ada-entra")
    assert provisioned[ENTERPRISE]["employeeNumber"] == "ada-entra"  # a second person
    merged = lrs("people", "merge", "E1", "ada-entra")
    assert merged.exit_code == 0, merged.output
    after = scim("GET", f"/Users/{provisioned['id']}").get_json()
    assert after[ENTERPRISE]["employeeNumber"] == "E1"
    assert after[ENTERPRISE]["department"] == "Sales"
    patched = scim.patch(
        f"/Users/{provisioned['id']}", {"op": "replace", "path": "active", "value": False}
    )
    assert patched.status_code == 200
    person = scim_app.extensions["lrs"].host.resolve_person(1, {"mbox": "mailto:ada@example.com"})
    assert person.id == "E1" and person.attributes["active"] == "false"
    # SCIM keeps the identities a merge brought, as it keeps imported ones.
    assert {"objectType": "Agent", "mbox": "mailto:ada.l@example.org"} in person.agents


def test_erasure_removes_the_link_and_what_it_held(
    scim_app: Flask,
    scim: Scim,
    lrs: Any,
) -> None:
    user = scim.create_user(
        "ada@example.com", name={"givenName": "Ada"}, phoneNumbers=[{"value": "+44 1"}]
    )
    erased = lrs("people", "erase", "--agent", '{"mbox": "mailto:ada@example.com"}', input="y\n")
    assert erased.exit_code == 0, erased.output
    scim_error(scim("GET", f"/Users/{user['id']}"), 404)
    assert scim("GET", "/Users").get_json()["totalResults"] == 0
    with scim_app.extensions["lrs"].db.read() as session:
        assert session.scalar(select(func.count()).select_from(ScimUser)) == 0


def test_groups_made_elsewhere(scim: Scim, lrs: Any, staff_csv: Any) -> None:
    assert (
        lrs(
            "people",
            "import",
            staff_csv(
                HEADER
                + "E1,Ada,ada@example.com,,,Sales,,,,,,\nE2,Bob,bob@example.com,,,Ops,,,,,,\n"
            ),
        ).exit_code
        == 0
    )
    assert lrs("people", "groups", "create", "Sales", "--rule", "department = Sales").exit_code == 0
    assert "rule group" in scim_error(
        scim("POST", "/Groups", {"schemas": [GROUP], "displayName": "Sales"}), 409, "uniqueness"
    )
    assert lrs("people", "groups", "create", "Wardens").exit_code == 0
    assert lrs("people", "groups", "add", "Wardens", "E2").exit_code == 0
    ada = scim.create_user("ada@example.com")
    taken = scim(
        "POST",
        "/Groups",
        {"schemas": [GROUP], "displayName": "Wardens", "members": [{"value": ada["id"]}]},
    )
    assert taken.status_code == 201
    group = taken.get_json()
    assert [m["value"] for m in group["members"]] == [ada["id"]]  # Bob was not provisioned
    scim_error(
        scim("POST", "/Groups", {"schemas": [GROUP], "displayName": "Wardens"}), 409, "uniqueness"
    )
    emptied = scim.patch(
        f"/Groups/{group['id']}", {"op": "replace", "path": "members", "value": []}
    )
    assert emptied.get_json()["members"] == []
    members = lrs("people", "groups", "members", "Wardens", "--json")
    assert [m["employee_id"] for m in json.loads(members.stdout)] == ["E2"]  # left alone
    assert "Sales" in scim_error(
        scim.patch(
            f"/Groups/{group['id']}", {"op": "replace", "path": "displayName", "value": "Sales"}
        ),
        409,
        "uniqueness",
    )


def test_a_split_off_address_is_refused_to_its_former_owner(
    scim: Scim,
    lrs: Any,
) -> None:
    user = scim.create_user(
        "ada@example.com",
        emails=[{"value": "desk@example.com"}],
        **{ENTERPRISE: {"employeeNumber": "E1"}},
    )
    split = lrs(
        "people", "split", "E1", "--into", "DESK", "--identity", "mbox:mailto:desk@example.com"
    )
    assert split.exit_code == 0, split.output
    detail = scim_error(
        scim.patch(f"/Users/{user['id']}", {"op": "replace", "path": "title", "value": "Rep"}),
        409,
        "uniqueness",
    )
    assert "desk@example.com" in detail and "DESK" in detail
    dropped = scim.patch(f"/Users/{user['id']}", {"op": "remove", "path": "emails"})
    assert dropped.status_code == 200


def test_merging_two_provisioned_people_drops_the_absorbed_link(scim: Scim, lrs: Any) -> None:
    kept = scim.create_user("ada@example.com", **{ENTERPRISE: {"employeeNumber": "E1"}})
    gone = scim.create_user("ada2@example.com", **{ENTERPRISE: {"employeeNumber": "E2"}})
    assert lrs("people", "merge", "E1", "E2").exit_code == 0
    scim_error(scim("GET", f"/Users/{gone['id']}"), 404)
    assert scim("GET", f"/Users/{kept['id']}").status_code == 200
    listed = scim("GET", "/Users", query_string={"filter": 'emails eq "ADA2@example.com"'})
    assert [u["id"] for u in listed.get_json()["Resources"]] == [kept["id"]]
