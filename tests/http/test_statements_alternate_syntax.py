"""The 1.0.3 Alternate Request Syntax: statement calls sent as form POSTs."""

from __future__ import annotations

import json
from urllib.parse import urlencode

from flask.testing import FlaskClient

from tests.conftest import basic_auth
from tests.http.statement_helpers import make_statement, new_id

FORM = "application/x-www-form-urlencoded"


def v103(credential) -> dict[str, str]:
    return {"Authorization": basic_auth(credential), "X-Experience-API-Version": "1.0.3"}


def test_statements_alternate_put_carries_headers_in_the_form(
    client: FlaskClient, credential
) -> None:
    statement_id = new_id()
    form = {"statementId": statement_id, "content": json.dumps(make_statement()),
            "Authorization": basic_auth(credential), "X-Experience-API-Version": "1.0.3"}
    response = client.post("/xapi/statements?method=PUT", data=urlencode(form),
                           content_type=FORM)
    assert response.status_code == 204, response.get_data(as_text=True)
    got = client.get(f"/xapi/statements?statementId={statement_id}", headers={
        "Authorization": basic_auth(credential), "X-Experience-API-Version": "1.0.3"})
    assert got.get_json()["id"] == statement_id


def test_statements_alternate_get_returns_a_statement_result(
    client: FlaskClient, credential
) -> None:
    headers = v103(credential)
    response = client.post("/xapi/statements?method=GET", data=urlencode({"limit": 1}),
                           content_type=FORM, headers=headers)
    assert response.status_code == 200
    assert set(response.get_json()) == {"statements", "more"}


def test_statements_alternate_refuses_malformed_requests(client: FlaskClient, credential) -> None:
    headers = v103(credential)
    form = urlencode({"content": json.dumps(make_statement())})
    extra = client.post(f"/xapi/statements?method=PUT&statementId={new_id()}", data=form,
                        content_type=FORM, headers=headers)
    not_form = client.post("/xapi/statements?method=PUT", data=form,
                           content_type="application/json", headers=headers)
    bad_version = client.post(
        "/xapi/statements?method=PUT", content_type=FORM, headers=headers,
        data=urlencode({"statementId": new_id(), "X-Experience-API-Version": "0.8",
                        "content": json.dumps(make_statement())}))
    not_post = client.put("/xapi/statements?method=POST", data=form, content_type=FORM,
                          headers=headers)
    for response in (extra, not_form, bad_version, not_post):
        assert response.status_code == 400


def test_statements_alternate_syntax_is_refused_in_2_0(client: FlaskClient, credential) -> None:
    form = {"statementId": new_id(), "content": json.dumps(make_statement()),
            "Authorization": basic_auth(credential), "X-Experience-API-Version": "2.0.0"}
    response = client.post("/xapi/statements?method=PUT", data=urlencode(form),
                           content_type=FORM)
    assert response.status_code == 401
    with_headers = client.post("/xapi/statements?method=PUT", data=urlencode(form),
                               content_type=FORM, headers={
                                   "Authorization": basic_auth(credential),
                                   "X-Experience-API-Version": "2.0.0"})
    assert with_headers.status_code == 400
