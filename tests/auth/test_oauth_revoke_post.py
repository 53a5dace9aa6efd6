"""POST /oauth/revoke (RFC 7009): a revoked token gets 401 until it would have expired."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.test import TestResponse

from lrs.models import OAuthRevokedToken
from lrs.store.credentials import IssuedCredential
from tests.auth.conftest import bearer, token

MakeClient = Callable[..., IssuedCredential]


def revoke(client: FlaskClient, oauth_client: IssuedCredential, access_token: str) -> TestResponse:
    return client.post("/oauth/revoke", data={"token": access_token},
                       auth=(oauth_client.key, oauth_client.secret))


def test_revoke_post_makes_token_401(client: FlaskClient, make_client: MakeClient):
    oauth_client = make_client("all")
    revoked, kept = token(client, oauth_client), token(client, oauth_client)

    response = revoke(client, oauth_client, revoked)

    assert response.status_code == 200
    denied = client.get("/xapi/statements", headers=bearer(revoked))
    assert denied.status_code == 401
    assert denied.json["error"] == "invalid_token"
    assert client.get("/xapi/statements", headers=bearer(kept)).status_code == 200


def test_revoke_post_twice_is_200(app: Flask, client: FlaskClient, make_client: MakeClient):
    oauth_client = make_client("all")
    access_token = token(client, oauth_client)

    assert revoke(client, oauth_client, access_token).status_code == 200
    assert revoke(client, oauth_client, access_token).status_code == 200
    with app.extensions["lrs"].db.read() as session:
        assert session.scalar(select(func.count()).select_from(OAuthRevokedToken)) == 1


def test_revoke_post_unknown_token_is_200(client: FlaskClient, make_client: MakeClient):
    assert revoke(client, make_client("all"), "not-a-token").status_code == 200


def test_revoke_post_of_another_clients_token_is_refused(
    client: FlaskClient, make_client: MakeClient
):
    owner, intruder = make_client("all"), make_client("all")
    access_token = token(client, owner)

    response = revoke(client, intruder, access_token)

    assert response.status_code == 400
    assert response.json["error"] == "invalid_grant"
    assert client.get("/xapi/statements", headers=bearer(access_token)).status_code == 200


def test_revoke_post_needs_client_authentication(client: FlaskClient, make_client: MakeClient):
    oauth_client = make_client("all")
    access_token = token(client, oauth_client)

    response = client.post("/oauth/revoke", data={"token": access_token},
                           auth=(oauth_client.key, "wrong"))

    assert response.status_code == 401
    assert response.json["error"] == "invalid_client"
    assert client.get("/xapi/statements", headers=bearer(access_token)).status_code == 200
