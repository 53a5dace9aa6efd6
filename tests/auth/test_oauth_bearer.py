"""Bearer tokens on the xAPI: the same principal, scopes and 401s as Basic credentials."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable

import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from lrs.store.credentials import IssuedCredential
from tests.auth.conftest import STATEMENT, bearer, token
from tests.conftest import basic_auth

MakeClient = Callable[..., IssuedCredential]


def _b64(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _claims(access_token: str) -> dict[str, object]:
    payload = access_token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def assert_invalid_token(response: TestResponse) -> None:
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith('Bearer error="invalid_token"')
    assert response.json["error"] == "invalid_token"


def test_bearer_token_stores_and_reads_statements(
    client: FlaskClient, make_client: MakeClient, xapi_version: str
):
    oauth_client = make_client("all")
    headers = bearer(token(client, oauth_client), xapi_version)

    stored = client.post("/xapi/statements", json=STATEMENT, headers=headers)
    fetched = client.get("/xapi/statements", query_string={"statementId": stored.json[0]},
                         headers=headers)

    assert stored.status_code == 200
    assert fetched.status_code == 200
    authority = fetched.json["authority"]
    assert authority["account"] == {"homePage": "urn:weft:credentials", "name": oauth_client.key}


def test_bearer_token_lacking_scope_is_403(client: FlaskClient, make_client: MakeClient):
    headers = bearer(token(client, make_client("all"), scope="statements/read"))

    response = client.post("/xapi/statements", json=STATEMENT, headers=headers)

    assert response.status_code == 403


def test_bearer_token_has_only_the_scopes_it_asked_for(
    client: FlaskClient, make_client: MakeClient
):
    oauth_client = make_client("all")
    headers = bearer(token(client, oauth_client, scope="statements/write"))

    assert client.post("/xapi/statements", json=STATEMENT, headers=headers).status_code == 200
    assert client.get("/xapi/statements", headers=headers).status_code == 403


def test_bearer_token_read_mine_sees_only_the_clients_statements(
    client: FlaskClient, make_client: MakeClient, credential: IssuedCredential
):
    oauth_client = make_client("statements/write", "statements/read/mine")
    mine = bearer(token(client, oauth_client))
    other = {"Authorization": basic_auth(credential), "X-Experience-API-Version": "2.0.0"}
    own_id = client.post("/xapi/statements", json=STATEMENT, headers=mine).json[0]
    other_id = client.post("/xapi/statements", json=STATEMENT, headers=other).json[0]

    listed = client.get("/xapi/statements", headers=mine)
    foreign = client.get("/xapi/statements", query_string={"statementId": other_id}, headers=mine)

    assert [s["id"] for s in listed.json["statements"]] == [own_id]
    assert foreign.status_code == 404


def test_bearer_token_read_mine_spans_the_clients_tokens(
    client: FlaskClient, make_client: MakeClient
):
    oauth_client = make_client("statements/write", "statements/read/mine")
    stored = client.post("/xapi/statements", json=STATEMENT,
                         headers=bearer(token(client, oauth_client))).json[0]

    listed = client.get("/xapi/statements", headers=bearer(token(client, oauth_client)))

    assert [s["id"] for s in listed.json["statements"]] == [stored]


def test_bearer_expired_token_is_401(
    client: FlaskClient, make_client: MakeClient, monkeypatch: pytest.MonkeyPatch
):
    oauth_client = make_client("all")
    real_time = time.time
    with monkeypatch.context() as patched:
        patched.setattr(time, "time", lambda: real_time() - 2 * 3600)
        old = token(client, oauth_client)

    response = client.get("/xapi/statements", headers=bearer(old))

    assert_invalid_token(response)
    assert "expired" in response.json["message"]


def test_bearer_tampered_token_is_401(client: FlaskClient, make_client: MakeClient):
    access_token = token(client, make_client("statements/read/mine"), scope="statements/read/mine")
    header, _, signature = access_token.split(".")
    widened = _b64({**_claims(access_token), "scope": "all"})

    response = client.get("/xapi/statements", headers=bearer(f"{header}.{widened}.{signature}"))

    assert_invalid_token(response)


def test_bearer_unsigned_token_is_401(client: FlaskClient, make_client: MakeClient):
    access_token = token(client, make_client("all"))
    header = _b64({"alg": "none", "typ": "JWT"})

    response = client.get(
        "/xapi/statements", headers=bearer(f"{header}.{access_token.split('.')[1]}.")
    )

    assert_invalid_token(response)


@pytest.mark.parametrize("garbage", ["not-a-jwt", "a.b.c", "Zm9v"])
def test_bearer_malformed_token_is_401(client: FlaskClient, garbage: str):
    assert_invalid_token(client.get("/xapi/statements", headers=bearer(garbage)))


def test_bearer_token_of_revoked_client_is_401(
    client: FlaskClient, make_client: MakeClient, revoke_client: Callable[[str], None]
):
    oauth_client = make_client("all")
    access_token = token(client, oauth_client)
    revoke_client(oauth_client.key)

    assert_invalid_token(client.get("/xapi/statements", headers=bearer(access_token)))


def test_bearer_token_from_another_issuer_is_401(make_settings, make_client_for):
    client, oauth_client = make_client_for(make_settings(oauth_issuer="https://other.example"))
    foreign = token(client, oauth_client)
    here, _ = make_client_for(make_settings())

    assert_invalid_token(here.get("/xapi/statements", headers=bearer(foreign)))


def test_basic_auth_unchanged_next_to_bearer(client: FlaskClient, credential: IssuedCredential):
    headers = {"Authorization": basic_auth(credential), "X-Experience-API-Version": "2.0.0"}
    missing = client.get("/xapi/statements", headers={"X-Experience-API-Version": "2.0.0"})

    assert client.get("/xapi/statements", headers=headers).status_code == 200
    assert missing.status_code == 401
    assert missing.headers["WWW-Authenticate"] == 'Basic realm="xAPI"'
