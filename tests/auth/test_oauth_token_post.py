"""POST /oauth/token: the client credentials grant and its scope limits."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable

from flask.testing import FlaskClient

from lrs.store.credentials import IssuedCredential
from tests.auth.conftest import request_token

MakeClient = Callable[..., IssuedCredential]


def claims(access_token: str) -> dict[str, object]:
    payload = access_token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def test_token_post_issues_short_lived_bearer_jwt(client: FlaskClient, make_client: MakeClient):
    oauth_client = make_client("statements/write", "state")

    response = request_token(client, oauth_client)

    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    body = response.json
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    assert body["scope"] == "statements/write state"
    issued = claims(body["access_token"])
    assert issued["sub"] == oauth_client.key
    assert issued["exp"] - issued["iat"] == 3600
    assert issued["iss"] == "urn:weft"
    assert issued["jti"]


def test_token_post_lifetime_follows_setting(make_settings, make_client_for):
    client, oauth_client = make_client_for(make_settings(oauth_token_ttl_seconds=120))

    body = request_token(client, oauth_client).json

    assert body["expires_in"] == 120
    issued = claims(body["access_token"])
    assert issued["exp"] - issued["iat"] == 120


def test_token_post_grants_requested_subset_of_client_scopes(
    client: FlaskClient, make_client: MakeClient
):
    oauth_client = make_client("all")

    body = request_token(client, oauth_client, scope="statements/read state").json

    assert body["scope"] == "statements/read state"
    assert claims(body["access_token"])["scope"] == "statements/read state"


def test_token_post_more_scope_than_allowed_is_invalid_scope(
    client: FlaskClient, make_client: MakeClient
):
    oauth_client = make_client("statements/read")

    response = request_token(client, oauth_client, scope="statements/read statements/write")

    assert response.status_code == 400
    assert response.json["error"] == "invalid_scope"
    assert "statements/write" in response.json["error_description"]


def test_token_post_broader_read_scope_than_allowed_is_invalid_scope(
    client: FlaskClient, make_client: MakeClient
):
    oauth_client = make_client("statements/read/mine")

    response = request_token(client, oauth_client, scope="all/read")

    assert response.status_code == 400
    assert response.json["error"] == "invalid_scope"


def test_token_post_unknown_scope_is_invalid_scope(client: FlaskClient, make_client: MakeClient):
    response = request_token(client, make_client("all"), scope="admin")

    assert response.status_code == 400
    assert response.json["error"] == "invalid_scope"


def test_token_post_wrong_secret_is_401_invalid_client(
    client: FlaskClient, make_client: MakeClient
):
    oauth_client = make_client("all")

    response = client.post("/oauth/token", data={"grant_type": "client_credentials"},
                           auth=(oauth_client.key, "not-the-secret"))

    assert response.status_code == 401
    assert response.json["error"] == "invalid_client"
    assert "WWW-Authenticate" in response.headers
    assert "access_token" not in response.json


def test_token_post_unknown_client_is_401_invalid_client(client: FlaskClient):
    response = client.post("/oauth/token", data={"grant_type": "client_credentials"},
                           auth=("nobody", "nothing"))

    assert response.status_code == 401
    assert response.json["error"] == "invalid_client"


def test_token_post_basic_only_credential_is_not_a_client(
    client: FlaskClient, credential: IssuedCredential
):
    response = request_token(client, credential)

    assert response.status_code == 401
    assert response.json["error"] == "invalid_client"


def test_token_post_accepts_client_secret_post(client: FlaskClient, make_client: MakeClient):
    oauth_client = make_client("all/read")

    response = client.post("/oauth/token", data={
        "grant_type": "client_credentials", "client_id": oauth_client.key,
        "client_secret": oauth_client.secret,
    })

    assert response.status_code == 200
    assert response.json["scope"] == "all/read"


def test_token_post_other_grant_types_are_unsupported(
    client: FlaskClient, make_client: MakeClient
):
    oauth_client = make_client("all")

    response = client.post("/oauth/token", data={"grant_type": "password", "username": "u",
                                                 "password": "p"},
                           auth=(oauth_client.key, oauth_client.secret))

    assert response.status_code == 400
    assert response.json["error"] == "unsupported_grant_type"


def test_token_post_revoked_client_is_401_invalid_client(
    client: FlaskClient, make_client: MakeClient, revoke_client: Callable[[str], None]
):
    oauth_client = make_client("all")
    revoke_client(oauth_client.key)

    response = request_token(client, oauth_client)

    assert response.status_code == 401
    assert response.json["error"] == "invalid_client"
