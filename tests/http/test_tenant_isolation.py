"""Two stores (tenants) on one LRS: no read or write crosses from one to the other.

Each store gets its own credentials; both send the same statement ids, document
ids, activity ids and attachment hashes, and every resource is read and written
through the HTTP API, to show that each store only ever sees and changes its own
records. OAuth clients and their tokens act in their client's store only.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from lrs.store.credentials import IssuedCredential, create_credential
from lrs.store.oauth_clients import create_client
from lrs.store.tenants import create_tenant
from lrs.xapi.multipart import AttachmentPart, build_multipart, parse_statement_request
from tests.auth.conftest import bearer, token
from tests.conftest import basic_auth
from tests.http import document_helpers as docs
from tests.http.document_helpers import etag, send
from tests.http.statement_helpers import make_statement, new_id, voiding

VERB = "http://adlnet.gov/expapi/verbs/completed"
ACTIVITY = "http://example.com/activities/shared"
REGISTRATION = "6a4d1b52-2c7c-4e7c-9d0b-6a1f0e0f2b11"
LEARNER = "mailto:shared-learner@example.com"


@dataclass(frozen=True)
class Store:
    tenant_id: int
    credential: IssuedCredential

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": basic_auth(self.credential), "X-Experience-API-Version": "2.0.0"}


@pytest.fixture
def stores(app: Flask) -> tuple[Store, Store]:
    """Stores ``alpha`` and ``beta``, each with an ``all`` credential."""
    runtime = app.extensions["lrs"]
    made = []
    with runtime.db.write() as session:
        for name in ("alpha", "beta"):
            tenant = create_tenant(session, name)
            issued = create_credential(session, runtime.settings.secret_key, name=name,
                                       scopes=["all"], tenant_id=tenant.id)
            made.append(Store(tenant.id, issued))
    return made[0], made[1]


def _statement(**extra: Any) -> dict[str, Any]:
    return make_statement(mbox=LEARNER, verb=VERB, activity=ACTIVITY,
                          context={"registration": REGISTRATION}, **extra)


def _post(client: FlaskClient, store: Store, body: Any) -> list[str]:
    response = client.post("/xapi/statements", json=body, headers=store.headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def _get(client: FlaskClient, store: Store, **params: str) -> Any:
    return client.get("/xapi/statements", query_string=params, headers=store.headers)


def _ids(client: FlaskClient, store: Store, **params: str) -> list[str]:
    response = _get(client, store, **params)
    assert response.status_code == 200, response.get_json()
    return [s["id"] for s in response.get_json()["statements"]]


def test_the_same_statement_id_is_an_independent_statement_in_each_store(
    client: FlaskClient, stores: tuple[Store, Store]
) -> None:
    alpha, beta = stores
    statement_id = new_id()
    for store, name in ((alpha, "alpha"), (beta, "beta")):
        response = client.put("/xapi/statements", query_string={"statementId": statement_id},
                              json=_statement(result={"response": name}), headers=store.headers)
        assert response.status_code == 204, response.get_json()
    # No 409: the conflict check only compares with the caller's own store.
    assert _post(client, beta, [_statement(id=statement_id, result={"response": "beta"})]) == [
        statement_id]
    for store, name in ((alpha, "alpha"), (beta, "beta")):
        found = _get(client, store, statementId=statement_id).get_json()
        assert found["result"] == {"response": name}
        assert found["authority"]["name"] == name


def test_queries_filters_and_single_lookups_see_only_their_own_store(
    client: FlaskClient, stores: tuple[Store, Store]
) -> None:
    alpha, beta = stores
    (alpha_id,) = _post(client, alpha, [_statement()])
    (beta_id,) = _post(client, beta, [make_statement(mbox="mailto:other@example.com")])
    agent = json.dumps({"mbox": LEARNER})
    filters = [{}, {"agent": agent}, {"agent": agent, "related_agents": "true"}, {"verb": VERB},
               {"activity": ACTIVITY}, {"activity": ACTIVITY, "related_activities": "true"},
               {"registration": REGISTRATION}, {"since": "2000-01-01T00:00:00Z"},
               {"ascending": "true"}, {"format": "ids"}]
    for params in filters:
        assert _ids(client, alpha, **params) == [alpha_id], params
        assert alpha_id not in _ids(client, beta, **params), params
    assert _ids(client, beta) == [beta_id]
    for method in ("GET", "HEAD"):
        response = client.open("/xapi/statements", method=method,
                               query_string={"statementId": alpha_id}, headers=beta.headers)
        assert response.status_code == 404
    assert _get(client, beta, voidedStatementId=alpha_id).status_code == 404


def test_more_links_continue_only_in_the_store_that_issued_them(
    client: FlaskClient, stores: tuple[Store, Store]
) -> None:
    alpha, beta = stores
    alpha_ids = _post(client, alpha, [_statement() for _ in range(3)])
    beta_ids = _post(client, beta, [_statement() for _ in range(3)])
    first = _get(client, alpha, limit="1", ascending="true").get_json()
    more = first["more"]
    assert more
    response = client.get(more, headers=beta.headers)
    assert response.status_code == 400
    assert response.get_json()["error"] == "bad_request"
    seen = [s["id"] for s in first["statements"]]
    while more:
        page = client.get(more, headers=alpha.headers).get_json()
        seen += [s["id"] for s in page["statements"]]
        more = page["more"]
    assert seen == alpha_ids
    beta_seen, more = [], "/xapi/statements?limit=2&ascending=true"
    while more:
        page = client.get(more, headers=beta.headers).get_json()
        beta_seen += [s["id"] for s in page["statements"]]
        more = page["more"]
    assert beta_seen == beta_ids


def test_voiding_and_statement_refs_only_reach_statements_of_the_own_store(
    client: FlaskClient, stores: tuple[Store, Store]
) -> None:
    alpha, beta = stores
    (target,) = _post(client, alpha, [_statement()])
    _post(client, beta, [voiding(target)])
    ref = {"actor": {"mbox": "mailto:ref@example.com"}, "verb": {"id": "http://example.com/ref"},
           "object": {"objectType": "StatementRef", "id": target}}
    _post(client, beta, [ref])
    assert _get(client, alpha, statementId=target).status_code == 200
    assert _get(client, alpha, voidedStatementId=target).status_code == 404
    # beta's StatementRef inherits nothing from alpha's statement for filtering.
    assert _ids(client, beta, verb=VERB) == []
    assert _ids(client, beta, activity=ACTIVITY) == []
    assert _ids(client, beta, registration=REGISTRATION) == []
    # beta can later store its own statement under that id, and void it in beta only.
    _post(client, beta, [_statement(id=target)])
    _post(client, beta, [voiding(target, mbox="mailto:admin2@example.com")])
    assert _get(client, beta, voidedStatementId=target).status_code == 200
    assert _get(client, alpha, statementId=target).status_code == 200


def _with_attachment(content: bytes) -> tuple[dict[str, Any], AttachmentPart]:
    sha2 = hashlib.sha256(content).hexdigest()
    attachment = {"usageType": "http://example.com/usage", "display": {"en-US": "file"},
                  "contentType": "text/plain", "length": len(content), "sha2": sha2}
    return _statement(attachments=[attachment]), AttachmentPart(sha2, "text/plain", content)


def _post_multipart(client: FlaskClient, store: Store, statement: dict[str, Any],
                    parts: list[AttachmentPart]) -> Any:
    content_type, body = build_multipart(json.dumps([statement]).encode(), parts)
    return client.post("/xapi/statements", data=body, content_type=content_type,
                       headers=store.headers)


def test_attachment_content_is_never_shared_between_stores(
    app: Flask, client: FlaskClient, stores: tuple[Store, Store]
) -> None:
    alpha, beta = stores
    statement, part = _with_attachment(b"alpha's confidential certificate")
    assert _post_multipart(client, alpha, statement, [part]).status_code == 200
    # beta names the same hash without sending the bytes: alpha's copy does not count.
    response = _post_multipart(client, beta, statement, [])
    assert response.status_code == 400, response.get_json()
    # With a fileUrl beta may store it, but it gets no content back.
    by_url = {**statement["attachments"][0], "fileUrl": "https://example.com/file.txt"}
    (beta_id,) = _post(client, beta, [{**statement, "attachments": [by_url]}])
    response = _get(client, beta, statementId=beta_id, attachments="true")
    assert response.status_code == 200
    _, parts = parse_statement_request(response.content_type, response.data,
                                       max_attachment_bytes=1 << 20)
    assert parts == {}
    # Sending bytes under the same hash stores beta's own copy; alpha reads its own.
    statement_b, part_b = _with_attachment(b"alpha's confidential certificate")
    assert _post_multipart(client, beta, statement_b, [part_b]).status_code == 200
    response = _get(client, alpha, attachments="true")
    _, parts = parse_statement_request(response.content_type, response.data,
                                       max_attachment_bytes=1 << 20)
    assert [p.content for p in parts.values()] == [part.content]
    assert len(_ids(client, alpha)) == 1


DOCUMENTS = [(docs.STATE, docs.state_params, "stateId"),
             (docs.ACTIVITY_PROFILE, docs.activity_profile_params, "profileId"),
             (docs.AGENT_PROFILE, docs.agent_profile_params, "profileId")]


@pytest.mark.parametrize(("path", "make_params", "id_param"), DOCUMENTS,
                         ids=["state", "activity_profile", "agent_profile"])
def test_documents_with_the_same_ids_are_independent_in_each_store(
    client: FlaskClient, stores: tuple[Store, Store], path: str,
    make_params: Any, id_param: str,
) -> None:
    alpha, beta = stores
    params = make_params()
    scope = {k: v for k, v in params.items() if k != id_param}
    created = send(client, "PUT", path, params, alpha.headers, {"owner": "alpha"},
                   If_None_Match="*")
    assert created.status_code == 204
    alpha_etag = etag(send(client, "GET", path, params, alpha.headers))
    # beta sees nothing of alpha's document: not by id, not in the id list.
    assert send(client, "GET", path, params, beta.headers).status_code == 404
    listed = send(client, "GET", path, scope, beta.headers)
    assert listed.status_code == 200 and listed.get_json() == []
    # alpha's ETag opens nothing in beta: If-Match fails there (nothing to match).
    for method in ("PUT", "POST", "DELETE"):
        refused = send(client, method, path, params, beta.headers, {"owner": "beta"},
                       If_Match=alpha_etag)
        assert refused.status_code == 412, (method, refused.get_json())
    # beta creates, merges and deletes its own document under the same id.
    assert send(client, "PUT", path, params, beta.headers, {"owner": "beta"},
                If_None_Match="*").status_code == 204
    assert send(client, "POST", path, params, beta.headers, {"merged": True},
                If_Match=etag(send(client, "GET", path, params, beta.headers))
                ).status_code == 204
    assert send(client, "GET", path, params, beta.headers).get_json() == {
        "owner": "beta", "merged": True}
    assert send(client, "DELETE", path, params, beta.headers).status_code == 204
    # alpha's document is untouched by all of it, and still matches its ETag.
    kept = send(client, "GET", path, params, alpha.headers)
    assert kept.get_json() == {"owner": "alpha"}
    assert etag(kept) == alpha_etag
    assert send(client, "GET", path, scope, alpha.headers).get_json() == [params[id_param]]


def test_deleting_every_state_of_a_scope_leaves_the_other_store_alone(
    client: FlaskClient, stores: tuple[Store, Store]
) -> None:
    alpha, beta = stores
    params = docs.state_params()
    scope = {k: v for k, v in params.items() if k != "stateId"}
    for store in (alpha, beta):
        assert send(client, "PUT", docs.STATE, params, store.headers, {"n": 1},
                    If_None_Match="*").status_code == 204
    assert send(client, "DELETE", docs.STATE, scope, beta.headers).status_code == 204
    assert send(client, "GET", docs.STATE, params, beta.headers).status_code == 404
    assert send(client, "GET", docs.STATE, params, alpha.headers).get_json() == {"n": 1}


def test_canonical_activity_definitions_are_kept_per_store(
    client: FlaskClient, stores: tuple[Store, Store]
) -> None:
    alpha, beta = stores
    statement = _statement()
    statement["object"]["definition"] = {"name": {"en-US": "Alpha's course"}}
    _post(client, alpha, [statement])
    for store, expected in ((alpha, {"name": {"en-US": "Alpha's course"}}), (beta, None)):
        response = client.get("/xapi/activities", query_string={"activityId": ACTIVITY},
                              headers=store.headers)
        assert response.status_code == 200
        assert response.get_json().get("definition") == expected


def test_agents_and_about_answer_every_store_alike(
    client: FlaskClient, stores: tuple[Store, Store]
) -> None:
    alpha, beta = stores
    _post(client, alpha, [_statement()])
    for store in (alpha, beta):
        person = client.get("/xapi/agents", query_string={"agent": json.dumps(docs.AGENT)},
                            headers=store.headers)
        assert person.status_code == 200
        assert person.get_json() == {"objectType": "Person", "account": [docs.AGENT["account"]]}
    assert client.get("/xapi/about").status_code == 200


def test_oauth_clients_and_their_tokens_act_only_in_their_store(
    app: Flask, client: FlaskClient, stores: tuple[Store, Store]
) -> None:
    alpha, beta = stores
    runtime = app.extensions["lrs"]
    with runtime.db.write() as session:
        oauth_client = create_client(session, runtime.settings.secret_key, name="beta-lms",
                                     scopes=["all"], tenant_id=beta.tenant_id)
    (alpha_id,) = _post(client, alpha, [_statement()])
    headers = bearer(token(client, oauth_client))
    response = client.post("/xapi/statements", json=[_statement(id=alpha_id)], headers=headers)
    assert response.status_code == 200, response.get_json()
    response = client.get("/xapi/statements", query_string={"statementId": alpha_id},
                          headers=headers)
    assert response.get_json()["authority"]["account"]["name"] == oauth_client.key
    assert _ids(client, beta) == [alpha_id]
    assert _get(client, alpha, statementId=alpha_id).get_json()["authority"]["name"] == "alpha"
    params = docs.state_params()
    assert send(client, "PUT", docs.STATE, params, headers, {"by": "token"},
                If_None_Match="*").status_code == 204
    assert send(client, "GET", docs.STATE, params, alpha.headers).status_code == 404
    assert send(client, "GET", docs.STATE, params, beta.headers).get_json() == {"by": "token"}
    # Its client_secret works with Basic too, in the same store only.
    basic = {"Authorization": basic_auth(oauth_client), "X-Experience-API-Version": "2.0.0"}
    listed = client.get("/xapi/statements", headers=basic).get_json()["statements"]
    assert [s["id"] for s in listed] == [alpha_id]
    assert listed[0]["authority"]["account"]["name"] == oauth_client.key
