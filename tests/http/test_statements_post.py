"""POST /xapi/statements: batches, LRS-assigned properties, duplicate ids."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import sql_statements
from tests.http.statement_helpers import make_statement, new_id, post, query


def test_statements_post_returns_ids_in_request_order(client: FlaskClient, headers) -> None:
    given = new_id()
    response = client.post("/xapi/statements", headers=headers,
                           json=[make_statement(), make_statement(id=given), make_statement()])
    ids = response.get_json()
    assert len(ids) == 3 and ids[1] == given and len(set(ids)) == 3
    assert response.headers["X-Experience-API-Consistent-Through"].endswith("Z")


def test_statements_post_sets_stored_authority_and_version(
    client: FlaskClient, headers, xapi_version: str
) -> None:
    (statement_id,) = post(client, headers, make_statement(authority={"mbox": "mailto:x@y.z"}))
    stored = client.get(f"/xapi/statements?statementId={statement_id}", headers=headers).get_json()
    assert stored["stored"].endswith("Z") and stored["timestamp"] == stored["stored"]
    assert stored["authority"]["account"]["homePage"] == "urn:weft:credentials"
    assert stored["version"] == ("1.0.0" if xapi_version == "1.0.3" else "2.0.0")


def test_statements_post_keeps_the_version_it_was_sent_with(client: FlaskClient, headers) -> None:
    (statement_id,) = post(client, headers, make_statement(version="1.0.3"))
    stored = client.get(f"/xapi/statements?statementId={statement_id}", headers=headers).get_json()
    assert stored["version"] == "1.0.3"


def test_statements_post_same_id_same_statement_is_a_noop(client: FlaskClient, headers) -> None:
    statement = make_statement(id=new_id())
    assert post(client, headers, statement) == [statement["id"]]
    assert post(client, headers, statement) == [statement["id"]]
    assert len(query(client, headers)) == 1


def test_statements_post_same_id_other_statement_is_409(client: FlaskClient, headers) -> None:
    statement = make_statement(id=new_id())
    post(client, headers, statement)
    changed = {**statement, "verb": {"id": "http://example.com/verbs/other"}}
    response = client.post("/xapi/statements", json=[make_statement(), changed], headers=headers)
    assert response.status_code == 409
    assert len(query(client, headers)) == 1  # the whole batch was refused


def test_statements_post_repeated_id_in_batch_is_400(client: FlaskClient, headers) -> None:
    statement = make_statement(id=new_id())
    response = client.post("/xapi/statements", json=[statement, statement], headers=headers)
    assert response.status_code == 400
    assert query(client, headers) == []


def test_statements_post_refuses_parameters(client: FlaskClient, headers) -> None:
    response = client.post("/xapi/statements?statementId=" + new_id(), json=make_statement(),
                           headers=headers)
    assert response.status_code == 400


def test_statements_post_refuses_other_content_types(client: FlaskClient, headers) -> None:
    response = client.post("/xapi/statements", data="actor=x",
                           content_type="application/x-www-form-urlencoded", headers=headers)
    assert response.status_code == 400


def test_statements_post_needs_write_scope(client: FlaskClient, make_credential) -> None:
    from tests.conftest import basic_auth

    reader = make_credential("statements/read")
    response = client.post("/xapi/statements", json=make_statement(), headers={
        "Authorization": basic_auth(reader), "X-Experience-API-Version": "1.0.3"})
    assert response.status_code == 403


# The verified-credential cache rechecks revocations once a second: on a slow machine
# that recheck would fall into one of the compared requests and not the other.
@pytest.mark.app_settings(auth_cache_seconds=3600)
def test_statements_post_batch_costs_a_constant_number_of_sql_statements(
    app: Flask, client: FlaskClient, headers
) -> None:
    post(client, headers, make_statement())  # warm up: credentials, activities exist

    def count_for(size: int) -> int:
        batch = [
            make_statement(
                mbox=f"mailto:l{i}@example.com", activity=f"http://example.com/a/{i}",
                context={"registration": new_id(),
                         "contextActivities": {"parent": [{"id": "http://example.com/p"}]}},
            )
            for i in range(size)
        ]
        with sql_statements(app) as executed:
            post(client, headers, batch)
        return len(executed)

    small, large = count_for(10), count_for(100)
    assert small == large
    assert large <= 12


def test_statements_post_same_statement_concurrently_is_stored_once(
    app: Flask, headers
) -> None:
    statement = make_statement(id=new_id())

    def send(_: int) -> int:
        return app.test_client().post("/xapi/statements", json=statement,
                                      headers=headers).status_code

    with ThreadPoolExecutor(max_workers=6) as pool:
        statuses = list(pool.map(send, range(12)))
    assert statuses == [200] * 12
    assert len(query(app.test_client(), headers)) == 1
