"""The request sequences Entra ID and Okta send when they provision, as they send them.

Bodies follow Microsoft's "Tutorial: Develop and plan provisioning for a SCIM
endpoint" (and its SCIM validator) and Okta's "SCIM 2.0 protocol reference":
capitalised ``op`` values, ``"active": "False"`` strings, filtered paths,
``members`` removed by value, path-less ``replace`` values, full-profile PUTs.
"""

from __future__ import annotations

from flask import Flask

from tests.plugins.conftest import RecordingPlugin
from tests.scim.conftest import ENTERPRISE, GROUP, PATCH_OP, USER, Scim, actions

LIST = "urn:ietf:params:scim:api:messages:2.0:ListResponse"


def resolves(app: Flask, email: str) -> dict[str, str] | None:
    found = app.extensions["lrs"].host.resolve_person(1, {"mbox": f"mailto:{email}"})
    return None if found is None else {"id": found.id, **found.attributes}


def test_entra_id_user_lifecycle(scim_app: Flask, scim: Scim, recorder: RecordingPlugin) -> None:
    user_name = "Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1@contoso.com"
    empty = scim("GET", f'/Users?filter=userName eq "{user_name}"').get_json()
    assert empty == {
        "schemas": [LIST],
        "totalResults": 0,
        "startIndex": 1,
        "itemsPerPage": 0,
        "Resources": [],
    }
    created = scim(
        "POST",
        "/Users",
        {
            "schemas": [USER, ENTERPRISE],
            "externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
            "userName": user_name,
            "active": True,
            "emails": [
                {"primary": True, "type": "work", "value": "Test_User_fd0ea19b@testuser.com"}
            ],
            "meta": {"resourceType": "User"},
            "name": {
                "formatted": "givenName familyName",
                "familyName": "familyName",
                "givenName": "givenName",
            },
            "roles": [],
            ENTERPRISE: {"department": "Sales", "employeeNumber": "100"},
        },
    )
    assert created.status_code == 201
    user = created.get_json()
    assert created.headers["Location"] == user["meta"]["location"]
    for query in (
        f'userName eq "{user_name.upper()}"',
        'externalId eq "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef"',
        'emails[type eq "work"].value eq "test_user_fd0ea19b@testuser.com"',
    ):
        found = scim("GET", f"/Users?filter={query}").get_json()
        assert found["totalResults"] == 1 and found["Resources"][0]["id"] == user["id"], query
    updated = scim.patch(
        f"/Users/{user['id']}",
        {
            "op": "Replace",
            "path": 'emails[type eq "work"].value',
            "value": "updatedEmail@microsoft.com",
        },
        {"op": "Replace", "path": "name.familyName", "value": "updatedFamilyName"},
        {"op": "Add", "path": "title", "value": "Engineer"},
        {"op": "Replace", "path": f"{ENTERPRISE}:department", "value": "Ops"},
    )
    assert updated.status_code == 200, updated.get_json()
    body = updated.get_json()
    assert body["emails"] == [
        {"primary": True, "type": "work", "value": "updatedEmail@microsoft.com"}
    ]
    assert body["name"]["familyName"] == "updatedFamilyName"
    assert resolves(scim_app, "test_user_fd0ea19b@testuser.com") is None
    person = resolves(scim_app, "updatedemail@microsoft.com")
    assert person is not None and person["id"] == "100"
    assert person["department"] == "Ops" and person["job_title"] == "Engineer"
    # A manager, as Entra ID sends it: the id as a bare string.
    boss = scim.create_user("boss@contoso.com", **{ENTERPRISE: {"employeeNumber": "1"}})
    managed = scim.patch(
        f"/Users/{user['id']}", {"op": "Add", "path": f"{ENTERPRISE}:manager", "value": boss["id"]}
    )
    assert managed.get_json()[ENTERPRISE]["manager"]["value"] == boss["id"]
    assert resolves(scim_app, "updatedemail@microsoft.com")["manager"] == "1"  # type: ignore[index]
    # Soft delete in Entra ID (before its 2020 fixes: a string) then the hard delete.
    disabled = scim.patch(
        f"/Users/{user['id']}", {"op": "Replace", "path": "active", "value": "False"}
    )
    assert disabled.get_json()["active"] is False
    assert resolves(scim_app, "updatedemail@microsoft.com")["active"] == "false"  # type: ignore[index]
    inactive = scim("GET", "/Users?filter=active eq false").get_json()
    assert [item["id"] for item in inactive["Resources"]] == [user["id"]]
    assert scim("DELETE", f"/Users/{user['id']}").status_code == 204
    assert scim("GET", f"/Users/{user['id']}").status_code == 404
    assert [action for action, _ in actions(scim_app, recorder)] == [
        "person.provisioned",
        "person.updated",
        "person.provisioned",
        "person.updated",
        "person.updated",
        "person.deprovisioned",
    ]


def test_entra_id_group_lifecycle(scim_app: Flask, scim: Scim, recorder: RecordingPlugin) -> None:
    ada = scim.create_user("ada@contoso.com")
    bob = scim.create_user("bob@contoso.com")
    query = '/Groups?excludedAttributes=members&filter=displayName eq "Safety wardens"'
    assert scim("GET", query).get_json()["totalResults"] == 0
    created = scim(
        "POST",
        "/Groups",
        {
            "externalId": "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159",
            "displayName": "Safety wardens",
            "meta": {"resourceType": "Group"},
            "schemas": [GROUP],
        },
    )
    assert created.status_code == 201, created.get_json()
    group = created.get_json()
    shown = scim("GET", f"/Groups/{group['id']}?excludedAttributes=members").get_json()
    assert "members" not in shown and shown["displayName"] == "Safety wardens"
    by_external = scim(
        "GET",
        '/Groups?filter=externalId eq "8aa1a0c0-c4c3-4bc0-b4a5-'
        '2ef676900159"&excludedAttributes=members',
    ).get_json()
    assert [item["id"] for item in by_external["Resources"]] == [group["id"]]
    renamed = scim.patch(
        f"/Groups/{group['id']}", {"op": "Replace", "path": "displayName", "value": "Wardens"}
    )
    assert renamed.get_json()["displayName"] == "Wardens"
    added = scim.patch(
        f"/Groups/{group['id']}",
        {"op": "Add", "path": "members", "value": [{"value": ada["id"]}, {"value": bob["id"]}]},
    )
    assert [m["value"] for m in added.get_json()["members"]] == [ada["id"], bob["id"]]
    member_query = (
        f'/Groups?filter=id eq "{group["id"]}" and members eq "{ada["id"]}"'
        "&excludedAttributes=members"
    )
    assert scim("GET", member_query).get_json()["totalResults"] == 1
    removed = scim.patch(
        f"/Groups/{group['id']}",
        {"op": "Remove", "path": "members", "value": [{"value": ada["id"]}]},
    )
    assert [m["value"] for m in removed.get_json()["members"]] == [bob["id"]]
    assert scim("GET", member_query).get_json()["totalResults"] == 0
    runtime = scim_app.extensions["lrs"]
    assert [p.id for p in runtime.host.group_members(1, "Wardens")] == ["bob@contoso.com"]
    assert scim("DELETE", f"/Groups/{group['id']}").status_code == 204
    assert scim("GET", f"/Groups/{group['id']}").status_code == 404
    assert [a for a in actions(scim_app, recorder) if a[0].startswith("people_group")] == [
        ("people_group.created", "people_group:Safety wardens"),
        ("people_group.renamed", "people_group:Wardens"),
        ("people_group.members_added", "people_group:Wardens"),
        ("people_group.members_removed", "people_group:Wardens"),
        ("people_group.deleted", "people_group:Wardens"),
    ]


def test_okta_user_and_group_push(scim_app: Flask, scim: Scim) -> None:
    found = scim(
        "GET", '/Users?filter=userName eq "test.user@okta.local"&startIndex=1&count=100'
    ).get_json()
    assert found["totalResults"] == 0
    profile = {
        "schemas": [USER],
        "userName": "test.user@okta.local",
        "name": {"givenName": "Test", "familyName": "User"},
        "emails": [{"primary": True, "value": "test.user@okta.local", "type": "work"}],
        "displayName": "Test User",
        "locale": "en-US",
        "externalId": "00ujl29u0le5T6Aj10h7",
        "groups": [],
        "password": "1mz050nq",
        "active": True,
    }
    created = scim("POST", "/Users", profile)
    assert created.status_code == 201
    user = created.get_json()
    assert user[ENTERPRISE] == {"employeeNumber": "00ujl29u0le5T6Aj10h7"}  # externalId
    assert scim("GET", f"/Users/{user['id']}").get_json()["locale"] == "en-US"
    put = scim(
        "PUT",
        f"/Users/{user['id']}",
        {
            **profile,
            "id": user["id"],
            "displayName": "Test Q. User",
            "name": {"givenName": "Test", "familyName": "User", "middleName": "Q"},
        },
    )
    assert put.status_code == 200 and put.get_json()["displayName"] == "Test Q. User"
    for active in (False, True):
        patched = scim(
            "PATCH",
            f"/Users/{user['id']}",
            {"schemas": [PATCH_OP], "Operations": [{"op": "replace", "value": {"active": active}}]},
        )
        assert patched.get_json()["active"] is active
        assert resolves(scim_app, "test.user@okta.local")["active"] == str(active).lower()  # type: ignore[index]
    group = scim(
        "POST", "/Groups", {"schemas": [GROUP], "displayName": "Test SCIMv2", "members": []}
    ).get_json()
    renamed = scim.patch(
        f"/Groups/{group['id']}",
        {"op": "replace", "value": {"id": group["id"], "displayName": "Test SCIMv2 updated"}},
    )
    assert renamed.get_json()["displayName"] == "Test SCIMv2 updated"
    added = scim.patch(
        f"/Groups/{group['id']}",
        {
            "op": "add",
            "path": "members",
            "value": [{"value": user["id"], "display": "test.user@okta.local"}],
        },
    )
    assert added.get_json()["members"][0] == {
        "value": user["id"],
        "$ref": user["meta"]["location"],
        "type": "User",
        "display": "Test Q. User",
    }
    removed = scim.patch(
        f"/Groups/{group['id']}", {"op": "remove", "path": f'members[value eq "{user["id"]}"]'}
    )
    assert removed.get_json()["members"] == []
    replaced = scim(
        "PUT",
        f"/Groups/{group['id']}",
        {
            "schemas": [GROUP],
            "id": group["id"],
            "displayName": "Test SCIMv2 updated",
            "members": [{"value": user["id"], "display": "test.user@okta.local"}],
        },
    )
    assert [m["value"] for m in replaced.get_json()["members"]] == [user["id"]]
    assert scim("DELETE", f"/Groups/{group['id']}").status_code == 204
