"""``/api/competency/frameworks``: CASE 1.0 and 1.1 imports, re-imports that update in place
with history, retired items, broken packages refused by JSON path with nothing written,
scopes and tenant isolation."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask
from flask.testing import FlaskClient

from lrs.plugin.testing import ApiCredential
from lrs.store.credentials import create_credential
from lrs.store.tenants import create_tenant
from plugins.competency.models import Base
from tests.competency.conftest import CASE_11, package
from tests.conftest import basic_auth
from tests.plugins.conftest import RecordingPlugin, runtime

URL = "/api/competency/frameworks"


def detail(client: FlaskClient, auth: dict[str, str], identifier: str) -> dict[str, Any]:
    response = client.get(f"{URL}/{identifier}", headers=auth)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def by_code(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {item["humanCodingScheme"]: item for item in body["items"]}


def imported(app: Flask, recorder: RecordingPlugin) -> list[Any]:
    runtime(app).outbox.process_pending()
    return [
        call["event"]
        for call in recorder.called("admin_action_taken")
        if call["event"].action == "competency.framework_imported"
    ]


def test_the_migration_matches_the_models(comp_app: Flask) -> None:
    with comp_app.extensions["lrs"].db.engine.connect() as connection:
        diffs = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert [d for d in diffs if "competency_" in repr(d)] == []


def test_a_case_1_0_package_is_imported_with_its_tree_and_prerequisites(
    comp_app: Flask, client: FlaskClient, auth: dict[str, str], recorder: RecordingPlugin
) -> None:
    data = package()
    response = client.post(URL, json=data, headers=auth)
    assert response.status_code == 201, response.get_json()
    summary = response.get_json()
    assert summary["format"] == "1.0"
    assert summary["items"]["added"] == 18
    assert summary["associations"]["added"] == 30

    identifier = data["CFDocument"]["identifier"]
    listed = client.get(URL, headers=auth).get_json()["frameworks"]
    assert [(f["identifier"], f["title"], f["version"]) for f in listed] == [
        (identifier, "Workplace Safety Competencies", "2026.1")
    ]
    body = detail(client, auth, identifier)
    items = by_code(body)
    assert items["FA.2"]["fullStatement"] == "Perform CPR on an adult"
    assert items["FA.2"]["CFItemType"] == "Competency"
    uris = {item["uri"]: code for code, item in items.items()}
    links = {
        (uris.get(a["originNodeURI"]), a["associationType"], uris.get(a["destinationNodeURI"]))
        for a in body["associations"]
    }
    assert ("FA.2", "isChildOf", "FA") in links
    assert ("FA.2", "precedes", "FA.3") in links
    assert ("FA.2", "isRelatedTo", "FA.3") in links
    assert ("FA", "isChildOf", None) in links  # the document itself is the top

    (event,) = imported(comp_app, recorder)
    assert event.target == f"competency_framework:{identifier}"
    assert event.details["items"]["added"] == 18


def test_a_case_1_1_package_is_recognised(client: FlaskClient, auth: dict[str, str]) -> None:
    response = client.post(URL, json=package(CASE_11), headers=auth)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["format"] == "1.1"
    body = detail(client, auth, package(CASE_11)["CFDocument"]["identifier"])
    assert body["format"] == "1.1"
    assert len(body["items"]) == 18


def test_a_reimport_updates_only_the_newer_changed_item_and_keeps_history(
    client: FlaskClient, auth: dict[str, str]
) -> None:
    data = package()
    assert client.post(URL, json=data, headers=auth).status_code == 201
    changed = package()
    cpr = next(i for i in changed["CFItems"] if i["humanCodingScheme"] == "FA.2")
    cpr["fullStatement"] = "Perform CPR on an adult and a child"
    cpr["lastChangeDateTime"] = "2026-06-01T08:00:00Z"
    # A change without a newer lastChangeDateTime is stale and left alone.
    stale = next(i for i in changed["CFItems"] if i["humanCodingScheme"] == "FA.3")
    stale["fullStatement"] = "Use a defibrillator"

    response = client.post(URL, json=changed, headers=auth)
    assert response.status_code == 200
    counts = response.get_json()["items"]
    assert (counts["updated"], counts["stale"], counts["unchanged"]) == (1, 1, 16)

    items = by_code(detail(client, auth, data["CFDocument"]["identifier"]))
    assert items["FA.2"]["fullStatement"] == "Perform CPR on an adult and a child"
    assert items["FA.2"]["version"] == 2
    assert items["FA.2"]["history"] == [
        {
            "change": "updated",
            "fromVersion": 1,
            "fromLastChangeDateTime": "2026-03-02T09:00:00.000000+00:00",
            "toLastChangeDateTime": "2026-06-01T08:00:00.000000+00:00",
            "fields": {
                "full_statement": ["Perform CPR on an adult", "Perform CPR on an adult and a child"]
            },
        }
    ]
    assert items["FA.3"]["fullStatement"] == "Use an AED"
    assert items["FA.3"]["history"] == []


def test_an_item_gone_from_the_package_is_retired_and_restored_when_back(
    client: FlaskClient, auth: dict[str, str]
) -> None:
    data = package()
    client.post(URL, json=data, headers=auth)
    smaller = package()
    gone = next(i for i in smaller["CFItems"] if i["humanCodingScheme"] == "MH.3")
    smaller["CFItems"].remove(gone)
    smaller["CFAssociations"] = [
        a
        for a in smaller["CFAssociations"]
        if gone["uri"] not in (a["originNodeURI"]["uri"], a["destinationNodeURI"]["uri"])
    ]
    body = client.post(URL, json=smaller, headers=auth).get_json()
    assert body["items"]["retired"] == 1
    assert body["associations"]["retired"] == 2  # isChildOf MH, MH.2 precedes MH.3

    item = by_code(detail(client, auth, data["CFDocument"]["identifier"]))["MH.3"]
    assert item["retired"] is True
    assert item["history"][-1]["change"] == "retired"

    body = client.post(URL, json=data, headers=auth).get_json()
    assert body["items"]["restored"] == 1
    item = by_code(detail(client, auth, data["CFDocument"]["identifier"]))["MH.3"]
    assert (item["retired"], item["version"]) == (False, 3)


def test_a_broken_package_names_each_element_and_writes_nothing(
    client: FlaskClient, auth: dict[str, str]
) -> None:
    data = package()
    del data["CFItems"][3]["uri"]
    data["CFItems"][5]["lastChangeDateTime"] = "last tuesday"
    data["CFAssociations"][2]["associationType"] = "isCousinOf"
    del data["CFAssociations"][4]["destinationNodeURI"]
    data["CFItems"][6]["identifier"] = "x" * 201
    response = client.post(URL, json=data, headers=auth)
    assert response.status_code == 400
    body = response.get_json()
    assert body["error"] == "bad_request"
    assert body["errors"] == [
        {"path": "$.CFItems[3].uri", "message": "missing"},
        {
            "path": "$.CFItems[5].lastChangeDateTime",
            "message": "'last tuesday' is not an ISO 8601 date-time",
        },
        {"path": "$.CFItems[6].identifier", "message": "longer than 200 characters"},
        {
            "path": "$.CFAssociations[2].associationType",
            "message": "'isCousinOf' is not a CASE association type",
        },
        {"path": "$.CFAssociations[4].destinationNodeURI", "message": "missing"},
    ]
    assert client.get(URL, headers=auth).get_json()["frameworks"] == []


def test_not_a_package_is_refused(client: FlaskClient, auth: dict[str, str]) -> None:
    for body, path in (([1, 2], "$"), ({"CFItems": []}, "$.CFDocument")):
        response = client.post(URL, json=body, headers=auth)
        assert response.status_code == 400
        assert response.get_json()["errors"][0]["path"] == path
    response = client.post(URL, data="{", headers={**auth, "Content-Type": "application/json"})
    assert response.status_code == 400
    assert client.get(f"{URL}/nope", headers=auth).status_code == 404


def test_a_dry_run_reports_and_stores_nothing(client: FlaskClient, auth: dict[str, str]) -> None:
    response = client.post(URL, json=package(), headers=auth, query_string={"dry_run": "true"})
    assert response.status_code == 200
    assert response.get_json()["items"]["added"] == 18
    assert client.get(URL, headers=auth).get_json()["frameworks"] == []
    assert client.post(URL, json=package(), headers=auth).status_code == 201
    changed = package()
    changed["CFDocument"]["title"] = "Renamed"
    changed["CFDocument"]["lastChangeDateTime"] = "2026-09-01T00:00:00Z"
    changed["CFItems"][0]["fullStatement"] = "Spot hazards"
    changed["CFItems"][0]["lastChangeDateTime"] = "2026-09-01T00:00:00Z"
    del changed["CFItems"][1]
    response = client.post(URL, json=changed, headers=auth, query_string={"dry_run": "1"})
    assert response.status_code == 200
    counts = response.get_json()["items"]
    assert (counts["updated"], counts["retired"], counts["unchanged"]) == (1, 1, 16)
    body = detail(client, auth, changed["CFDocument"]["identifier"])
    assert body["title"] == "Workplace Safety Competencies"
    assert body["items"][0]["fullStatement"] == "Hazard awareness"
    assert not any(item["retired"] or item["history"] for item in body["items"])


def test_scopes_are_required(
    comp_app: Flask, client: FlaskClient, lrs_make_credential: Callable[..., ApiCredential]
) -> None:
    reader = lrs_make_credential("competency/read", app=comp_app, name="reader").headers
    everything = lrs_make_credential("all", app=comp_app, name="all").headers
    assert client.post(URL, json=package(), headers=reader).status_code == 403
    assert client.get(URL, headers=everything).status_code == 403
    assert client.get(URL, headers=reader).status_code == 200


def test_stores_are_isolated(comp_app: Flask, client: FlaskClient, auth: dict[str, str]) -> None:
    data = package()
    client.post(URL, json=data, headers=auth)
    rt = comp_app.extensions["lrs"]
    with rt.db.write() as session:
        tenant = create_tenant(session, "acme")
        other = create_credential(
            session,
            rt.settings.secret_key,
            name="acme desk",
            scopes=["competency/read", "competency/write"],
            tenant_id=tenant.id,
            known_scopes=rt.scopes,
        )
    acme = {"Authorization": basic_auth(other), "X-Experience-API-Version": "2.0.0"}
    identifier = data["CFDocument"]["identifier"]
    assert client.get(URL, headers=acme).get_json()["frameworks"] == []
    assert client.get(f"{URL}/{identifier}", headers=acme).status_code == 404
    # The same framework in another store is another copy, changed on its own.
    changed = package()
    changed["CFItems"][0]["fullStatement"] = "Spot hazards"
    changed["CFItems"][0]["lastChangeDateTime"] = "2026-07-01T00:00:00Z"
    assert client.post(URL, json=changed, headers=acme).status_code == 201
    assert detail(client, auth, identifier)["items"][0]["fullStatement"] == "Hazard awareness"
    assert detail(client, acme, identifier)["items"][0]["fullStatement"] == "Spot hazards"
