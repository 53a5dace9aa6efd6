"""PUT /xapi/statements?statementId=..."""

from __future__ import annotations

from flask.testing import FlaskClient

from tests.http.statement_helpers import make_statement, new_id


def test_statements_put_stores_under_statement_id(client: FlaskClient, headers) -> None:
    statement_id = new_id()
    response = client.put(f"/xapi/statements?statementId={statement_id}",
                          json=make_statement(), headers=headers)
    assert response.status_code == 204 and response.data == b""
    got = client.get(f"/xapi/statements?statementId={statement_id}", headers=headers)
    assert got.status_code == 200 and got.get_json()["id"] == statement_id


def test_statements_put_without_statement_id_is_400(client: FlaskClient, headers) -> None:
    assert client.put("/xapi/statements", json=make_statement(),
                      headers=headers).status_code == 400
    assert client.put(f"/xapi/statements?StatementId={new_id()}", json=make_statement(),
                      headers=headers).status_code == 400


def test_statements_put_with_other_id_in_body_is_400(client: FlaskClient, headers) -> None:
    response = client.put(f"/xapi/statements?statementId={new_id()}",
                          json=make_statement(id=new_id()), headers=headers)
    assert response.status_code == 400


def test_statements_put_array_is_400(client: FlaskClient, headers) -> None:
    response = client.put(f"/xapi/statements?statementId={new_id()}",
                          json=[make_statement()], headers=headers)
    assert response.status_code == 400


def test_statements_put_again_is_204_unless_different(client: FlaskClient, headers) -> None:
    url = f"/xapi/statements?statementId={new_id()}"
    statement = make_statement(timestamp="2024-01-01T12:00:00+02:00")
    assert client.put(url, json=statement, headers=headers).status_code == 204
    same_instant = {**statement, "timestamp": "2024-01-01T10:00:00Z"}
    assert client.put(url, json=same_instant, headers=headers).status_code == 204
    other = make_statement(verb="http://example.com/verbs/other")
    assert client.put(url, json=other, headers=headers).status_code == 409
