"""Signing keys: JWKS publication, rotation, and how private keys are stored."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from lrs.auth.tokens import rotate_key
from lrs.models import OAuthSigningKey
from lrs.store.credentials import IssuedCredential
from tests.auth.conftest import bearer, token
from tests.conftest import TEST_SECRET_KEY

MakeClient = Callable[..., IssuedCredential]


def kid_of(access_token: str) -> str:
    header = access_token.split(".")[0]
    return json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))["kid"]


def rotate(app: Flask) -> str:
    with app.extensions["lrs"].db.write() as session:
        return rotate_key(session, TEST_SECRET_KEY)


def published_kids(client: FlaskClient) -> list[str]:
    response = client.get("/oauth/jwks")
    assert response.status_code == 200
    return [key["kid"] for key in response.json["keys"]]


def test_jwks_publishes_public_signing_key(client: FlaskClient, make_client: MakeClient):
    access_token = token(client, make_client("all"))

    keys = client.get("/oauth/jwks").json["keys"]

    assert [key["kid"] for key in keys] == [kid_of(access_token)]
    assert keys[0]["kty"] == "RSA"
    assert keys[0]["alg"] == "RS256"
    assert not {"d", "p", "q", "dp", "dq", "qi"} & keys[0].keys()
    assert client.get("/.well-known/jwks.json").json == {"keys": keys}


def test_rotation_signs_with_new_key_and_keeps_old_tokens_valid(
    app: Flask, client: FlaskClient, make_client: MakeClient
):
    oauth_client = make_client("all")
    before = token(client, oauth_client)

    new_kid = rotate(app)
    after = token(client, oauth_client)

    assert kid_of(after) == new_kid != kid_of(before)
    assert published_kids(client) == [new_kid, kid_of(before)]
    assert client.get("/xapi/statements", headers=bearer(before)).status_code == 200
    assert client.get("/xapi/statements", headers=bearer(after)).status_code == 200


def test_retired_key_leaves_jwks_once_its_tokens_expired(
    app: Flask, client: FlaskClient, make_client: MakeClient, monkeypatch: pytest.MonkeyPatch
):
    old_kid = kid_of(token(client, make_client("all")))
    new_kid = rotate(app)

    real_ns = time.time_ns
    monkeypatch.setattr(time, "time_ns", lambda: real_ns() + 3601 * 1_000_000_000)

    assert published_kids(client) == [new_kid]
    assert old_kid != new_kid


def test_private_keys_are_stored_encrypted(
    app: Flask, client: FlaskClient, make_client: MakeClient
):
    token(client, make_client("all"))

    with app.extensions["lrs"].db.read() as session:
        stored = session.scalars(select(OAuthSigningKey)).one()

    assert stored.private_pem.startswith("-----BEGIN ENCRYPTED PRIVATE KEY-----")
    assert "d" not in json.loads(stored.public_jwk)
