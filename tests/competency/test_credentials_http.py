"""Open Badges 3.0 and CLR 2.0 credentials (both backends): issued for the competencies a
person holds now, signed as VC-JWT with the store's key, and verified here with joserfc
and nothing but the JWKS the server publishes."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from joserfc import jwt
from joserfc.errors import BadSignatureError
from joserfc.jwk import KeySet
from sqlalchemy import select

from lrs.plugin.testing import ApiCredential
from plugins.competency.models import IssuerKey
from tests.competency.situations import Situation, seed
from tests.plugins.conftest import RecordingPlugin, runtime

ISSUER = "http://localhost/api/competency/issuer/1"


@pytest.fixture
def situation(comp_app: Flask) -> Situation:
    return seed(comp_app)


@pytest.fixture
def issuing(comp_app: Flask, lrs_make_credential: Callable[..., ApiCredential]) -> dict[str, str]:
    return lrs_make_credential("competency/issue", app=comp_app, name="badge desk").headers


def published_keys(client: FlaskClient) -> KeySet:
    response = client.get("/api/competency/issuer/1/jwks.json")  # no credentials: public
    assert response.status_code == 200
    return KeySet.import_key_set(response.get_json())


def verified(client: FlaskClient, token: str) -> dict[str, Any]:
    return jwt.decode(token, published_keys(client), algorithms=["ES256"]).claims


def test_credentials_of_held_competencies_verify_with_the_published_jwks(
    comp_app: Flask,
    client: FlaskClient,
    issuing: dict[str, str],
    situation: Situation,
    recorder: RecordingPlugin,
) -> None:
    assert client.get("/api/competency/issuer/1/jwks.json").get_json() == {"keys": []}
    response = client.get("/api/competency/people/E1/credentials", headers=issuing)
    assert response.status_code == 200, response.get_json()
    issued = response.get_json()["credentials"]
    # HS and HS.1 are held; HS.2 lapsed, FA.1 is conflicting, FA.2 not attained
    assert [c["competency"] for c in issued] == [situation.uris["HS"], situation.uris["HS.1"]]
    token = issued[1]["jwt"]
    claims = verified(client, token)
    assert claims == {
        **issued[1]["credential"],
        "iss": ISSUER,
        "jti": claims["id"],
        "nbf": claims["nbf"],
        "exp": claims["exp"],
    }
    assert claims["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert claims["@context"] == [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ]
    assert claims["issuer"]["id"] == ISSUER and claims["validFrom"] == "2026-03-01T10:00:00Z"
    achievement = claims["credentialSubject"]["achievement"]
    assert achievement["id"] == situation.uris["HS.1"] and achievement["humanCode"] == "HS.1"
    assert achievement["alignment"][0]["targetType"] == "CFItem"
    assert achievement["alignment"][0]["targetFramework"] == "Workplace Safety Competencies"
    email, name = claims["credentialSubject"]["identifier"]
    assert (
        email["hashed"]
        and email["identityHash"]
        == "sha256$" + hashlib.sha256(("ada@example.com" + email["salt"]).encode()).hexdigest()
    )
    assert name == {
        "type": "IdentityObject",
        "identityType": "name",
        "hashed": False,
        "identityHash": "Ada Lovelace",
    }
    positive, _against = situation.statements[("E1", "HS.1")]
    assert [e["id"] for e in claims["evidence"]] == [f"urn:uuid:{positive}"]
    # the key named in the header answers the same public key
    header = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
    assert header["alg"] == "ES256" and header["kid"].startswith(f"{ISSUER}/keys/")
    key = client.get(header["kid"].removeprefix("http://localhost"))
    assert key.status_code == 200 and "d" not in key.get_json()
    assert key.get_json() == published_keys(client).keys[0].as_dict(private=False) | {
        "kid": header["kid"],
        "alg": "ES256",
        "use": "sig",
    }
    # a changed payload does not verify
    head, _, signature = token.split(".")
    forged = (
        base64.urlsafe_b64encode(json.dumps({**claims, "name": "Rocket science"}).encode())
        .decode()
        .rstrip("=")
    )
    with pytest.raises(BadSignatureError):
        verified(client, ".".join((head, forged, signature)))
    # issuing again: same key, same credential ids; the key's making was audited once
    again = client.get("/api/competency/people/E1/credentials", headers=issuing).get_json()
    assert [c["credential"]["id"] for c in again["credentials"]] == [
        c["credential"]["id"] for c in issued
    ]
    runtime(comp_app).outbox.process_pending()
    created = [
        c["event"]
        for c in recorder.called("admin_action_taken")
        if c["event"].action == "competency.issuer_key_created"
    ]
    assert len(created) == 1 and created[0].actor == "plugin:competency"


def test_the_signing_key_is_sealed_at_rest(
    comp_app: Flask, client: FlaskClient, issuing: dict[str, str], situation: Situation
) -> None:
    assert client.get("/api/competency/people/E2/credentials", headers=issuing).status_code == 200
    host = comp_app.extensions["lrs"].host
    with host.read() as session:
        row = session.scalar(select(IssuerKey).where(IssuerKey.tenant_id == 1))
    private = json.loads(host.unseal(row.sealed_private_jwk))
    assert private["d"] and private["d"] not in row.sealed_private_jwk
    assert "d" not in json.loads(row.public_jwk)


def test_a_clr_bundles_the_credentials_and_verifies(
    client: FlaskClient, issuing: dict[str, str], situation: Situation
) -> None:
    response = client.get("/api/competency/people/E2/clr", headers=issuing)
    assert response.status_code == 200, response.get_json()
    claims = verified(client, response.get_json()["jwt"])
    assert claims["type"] == ["VerifiableCredential", "ClrCredential"]
    assert "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json" in claims["@context"]
    subject = claims["credentialSubject"]
    assert subject["type"] == ["ClrSubject"]
    bundled = subject["verifiableCredential"]
    assert [c["credentialSubject"]["achievement"]["id"] for c in bundled] == [
        situation.uris["HS.1"],
        situation.uris["FA.2"],
    ]
    assert [a["id"] for a in subject["achievement"]] == [
        situation.uris["HS.1"],
        situation.uris["FA.2"],
    ]
    assert bundled[1]["validUntil"] and claims["iss"] == ISSUER


def test_credential_refusals(
    comp_app: Flask,
    client: FlaskClient,
    issuing: dict[str, str],
    auth: dict[str, str],
    situation: Situation,
) -> None:
    nothing = client.get("/api/competency/people/E3/clr", headers=issuing)
    assert nothing.status_code == 404 and "holds no competency" in nothing.get_json()["message"]
    lapsed = client.get(
        "/api/competency/people/E1/credentials",
        headers=issuing,
        query_string={"competency": situation.uris["HS.2"]},
    )
    assert lapsed.status_code == 404
    assert client.get("/api/competency/people/E9/credentials", headers=issuing).status_code == 404
    # reading competencies does not let one issue credentials
    assert client.get("/api/competency/people/E1/credentials", headers=auth).status_code == 403
    assert client.get("/api/competency/issuer/1/keys/nope").status_code == 404
    huge = "/api/competency/issuer/9223372036854775808"  # no store: past any database id
    assert client.get(huge).status_code == client.get(f"{huge}/jwks.json").status_code == 404
    profile = client.get("/api/competency/issuer/1").get_json()
    assert profile["id"] == ISSUER and profile["type"] == ["Profile"]
