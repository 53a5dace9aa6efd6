"""The 1.0.3 Alternate Request Syntax on the document resources (Communication 1.3)."""

from __future__ import annotations

import json
from urllib.parse import urlencode

from flask.testing import FlaskClient

from lrs.store.credentials import IssuedCredential
from tests.conftest import basic_auth
from tests.http.document_helpers import STATE, send, state_params

FORM = "application/x-www-form-urlencoded"


def _form(params: dict, **fields: str) -> str:
    values = {k: json.dumps(v) if isinstance(v, dict) else v for k, v in params.items()}
    return urlencode({**values, **fields})


def test_state_alternate_put_then_get_through_forms(
    client: FlaskClient, credential: IssuedCredential
) -> None:
    params = state_params()
    auth = {"Authorization": basic_auth(credential), "X-Experience-API-Version": "1.0.3"}

    put = client.post(f"{STATE}?method=PUT", content_type=FORM,
                      data=_form(params, content=json.dumps({"a": 1}), **auth))
    got = client.post(f"{STATE}?method=GET", content_type=FORM, data=_form(params, **auth))

    assert put.status_code == 204, put.get_data(as_text=True)
    assert got.status_code == 200
    assert got.get_json() == {"a": 1}
    assert got.headers["ETag"].startswith('"')


def test_state_alternate_form_carries_the_content_type(
    client: FlaskClient, credential: IssuedCredential
) -> None:
    params = state_params()
    headers = {"Authorization": basic_auth(credential), "X-Experience-API-Version": "1.0.3"}
    send(client, "PUT", STATE, params, headers, {"a": 1})

    typed = client.post(f"{STATE}?method=PUT", content_type=FORM, headers=headers,
                        data=_form(params, content="text", **{"Content-Type": "text/plain"}))

    assert typed.status_code == 204
    got = send(client, "GET", STATE, params, headers)
    assert got.get_data() == b"text"
    assert got.headers["Content-Type"] == "text/plain"


def test_state_alternate_delete_honours_if_match_from_the_form(
    client: FlaskClient, credential: IssuedCredential
) -> None:
    params = state_params()
    headers = {"Authorization": basic_auth(credential), "X-Experience-API-Version": "1.0.3"}
    send(client, "PUT", STATE, params, headers, {"a": 1})

    refused = client.post(f"{STATE}?method=DELETE", content_type=FORM, headers=headers,
                          data=_form(params, **{"If-Match": '"0"'}))

    assert refused.status_code == 412
    assert send(client, "GET", STATE, params, headers).status_code == 200


def test_state_alternate_syntax_is_400_in_2_0(
    client: FlaskClient, credential: IssuedCredential
) -> None:
    headers = {"Authorization": basic_auth(credential), "X-Experience-API-Version": "2.0.0"}

    response = client.post(f"{STATE}?method=PUT", content_type=FORM, headers=headers,
                           data=_form(state_params(), content=json.dumps({"a": 1})))

    assert response.status_code == 400
