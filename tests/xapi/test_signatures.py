"""Signed statements (Data 2.6): which JWS signatures an LRS accepts."""

from __future__ import annotations

import base64
import contextlib
import copy
import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lrs.xapi.errors import BadRequest, XapiError
from lrs.xapi.signatures import decode_compact_jws, verify_signed_statement
from tests.xapi.jws_helpers import Signer, signature_attachment

STATEMENT: dict[str, Any] = {
    "id": "33cff416-e331-4c9d-969e-5373a1756120",
    "actor": {"objectType": "Agent", "mbox": "mailto:learner@example.com"},
    "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced", "display": {"en-US": "x"}},
    "object": {"objectType": "Activity", "id": "http://example.com/activity"},
    "timestamp": "2013-04-01T12:00:00Z",
}


@pytest.fixture(scope="module")
def signer() -> Signer:
    return Signer.generate()


def signed(signer: Signer, payload: dict[str, Any], header: dict[str, Any]) -> tuple[dict, bytes]:
    """``(statement as sent, token)``: ``payload`` signed, then the signature attached."""
    token = signer.sign(json.dumps(payload).encode(), header)
    statement = copy.deepcopy(payload)
    statement["attachments"] = [*payload.get("attachments", []), signature_attachment(token)]
    return statement, token


@pytest.mark.parametrize("alg", ["RS256", "RS384", "RS512"])
def test_verify_accepts_each_rsa_algorithm_with_x5c(signer: Signer, alg: str) -> None:
    statement, token = signed(signer, STATEMENT, {"alg": alg, "x5c": signer.x5c})

    verify_signed_statement(statement, token)


def test_verify_accepts_a_signature_without_certificate_as_the_suite_sends(
    signer: Signer,
) -> None:
    statement, token = signed(signer, STATEMENT, {"alg": "RS256"})

    verify_signed_statement(statement, token)


def test_verify_keeps_attachments_that_were_there_before_signing(signer: Signer) -> None:
    other = {**signature_attachment(b"essay"), "usageType": "http://example.com/essay"}
    statement, token = signed(signer, {**STATEMENT, "attachments": [other]}, {"alg": "RS256"})

    verify_signed_statement(statement, token)


def test_verify_ignores_differences_the_lrs_may_introduce(signer: Signer) -> None:
    statement, token = signed(signer, STATEMENT, {"alg": "RS256"})
    statement = {
        **statement,
        "id": STATEMENT["id"].upper(),
        "timestamp": "2013-04-01T13:00:00+01:00",
        "stored": "2024-01-01T00:00:00Z",
        "authority": {"mbox": "mailto:lrs@example.com"},
        "version": "1.0.3",
    }

    verify_signed_statement(statement, token)


def test_verify_treats_an_empty_attachment_list_as_absent(signer: Signer) -> None:
    statement, token = signed(signer, {**STATEMENT, "attachments": []}, {"alg": "RS256"})

    verify_signed_statement(statement, token)


@pytest.mark.parametrize(
    "change",
    [
        {"verb": {"id": "http://adlnet.gov/expapi/verbs/voided"}},
        {"timestamp": "2013-04-01T12:00:01Z"},
        {"result": {"success": True}},
    ],
    ids=["verb", "timestamp", "added result"],
)
def test_verify_refuses_a_statement_that_differs_from_the_payload(
    signer: Signer, change: dict[str, Any]
) -> None:
    statement, token = signed(signer, STATEMENT, {"alg": "RS256"})

    with pytest.raises(BadRequest, match="does not match"):
        verify_signed_statement({**statement, **change}, token)


def test_verify_refuses_a_signature_that_does_not_verify_with_its_certificate(
    signer: Signer,
) -> None:
    other = Signer.generate()
    statement, token = signed(signer, STATEMENT, {"alg": "RS256", "x5c": other.x5c})

    with pytest.raises(BadRequest, match="x5c"):
        verify_signed_statement(statement, token)


def test_verify_refuses_a_tampered_payload_when_a_certificate_is_given(signer: Signer) -> None:
    statement, token = signed(signer, STATEMENT, {"alg": "RS256", "x5c": signer.x5c})
    header, _, signature = token.split(b".")
    forged = base64.urlsafe_b64encode(json.dumps({**STATEMENT, "verb": {"id": "x:y"}}).encode())
    statement["verb"] = {"id": "x:y"}

    with pytest.raises(BadRequest, match="does not verify"):
        verify_signed_statement(statement, header + b"." + forged.rstrip(b"=") + b"." + signature)


@pytest.mark.parametrize("alg", ["HS256", "none", "ES256", "PS256", None])
def test_decode_refuses_algorithms_other_than_rs(signer: Signer, alg: str | None) -> None:
    token = signer.sign(json.dumps(STATEMENT).encode(), {"alg": alg})

    with pytest.raises(BadRequest, match="alg"):
        decode_compact_jws(token)


def test_verify_refuses_a_payload_that_is_not_json(signer: Signer) -> None:
    broken = json.dumps(STATEMENT).replace('"', "'", 1).encode()  # the suite's "breakJson"
    token = signer.sign(broken, {"alg": "RS256"})

    with pytest.raises(BadRequest, match="not valid JSON"):
        verify_signed_statement({**STATEMENT, "attachments": [signature_attachment(token)]}, token)


def test_verify_refuses_a_payload_that_is_not_an_object(signer: Signer) -> None:
    token = signer.sign(b"[1, 2]", {"alg": "RS256"})

    with pytest.raises(BadRequest, match="not a JSON statement object"):
        verify_signed_statement(STATEMENT, token)


def b64(data: bytes) -> bytes:
    return base64.urlsafe_b64encode(data).rstrip(b"=")


MALFORMED_TOKENS = {
    "two segments": b64(b'{"alg":"RS256"}') + b"." + b64(b"{}"),
    "four segments": b".".join([b64(b'{"alg":"RS256"}'), b64(b"{}"), b"c2ln", b"c2ln"]),
    "header not base64url": b"a+b/." + b64(b"{}") + b".c2ln",
    "header not json": b64(b"{alg") + b"." + b64(b"{}") + b".c2ln",
    "header not an object": b64(b'["RS256"]') + b"." + b64(b"{}") + b".c2ln",
    "payload not base64url": b64(b'{"alg":"RS256"}') + b".*." + b"c2ln",
    "empty signature": b64(b'{"alg":"RS256"}') + b"." + b64(b"{}") + b".",
    "impossible base64 length": b64(b'{"alg":"RS256"}') + b"." + b64(b"{}") + b".abcde",
    "critical extension": b64(b'{"alg":"RS256","crit":["exp"]}') + b"." + b64(b"{}") + b".c2ln",
}


@pytest.mark.parametrize("token", MALFORMED_TOKENS.values(), ids=MALFORMED_TOKENS.keys())
def test_decode_refuses_malformed_compact_serializations(token: bytes) -> None:
    with pytest.raises(BadRequest):
        decode_compact_jws(token)


@pytest.mark.parametrize(
    "x5c",
    [[], "MIIB", [123], ["not base64!"], [base64.b64encode(b"not a certificate").decode()]],
)
def test_verify_refuses_unusable_x5c_headers(signer: Signer, x5c: Any) -> None:
    statement, token = signed(signer, STATEMENT, {"alg": "RS256", "x5c": x5c})

    with pytest.raises(BadRequest, match="x5c"):
        verify_signed_statement(statement, token)


@given(st.binary(max_size=300))
def test_verify_of_random_bytes_raises_only_xapi_errors(token: bytes) -> None:
    with contextlib.suppress(XapiError):
        verify_signed_statement(STATEMENT, token)


@given(st.lists(st.text(alphabet="ABCabc019-_=.+/", max_size=40), min_size=3, max_size=3))
def test_verify_of_random_segments_raises_only_xapi_errors(segments: list[str]) -> None:
    with contextlib.suppress(XapiError):
        verify_signed_statement(STATEMENT, ".".join(segments).encode())


def test_verify_refuses_a_certificate_whose_key_type_is_unknown(signer: Signer) -> None:
    rsa_encryption = bytes.fromhex("06092a864886f70d010101")  # OID 1.2.840.113549.1.1.1
    der = base64.b64decode(signer.x5c[0])
    unknown = der.replace(rsa_encryption, bytes.fromhex("06092a864886f70d01017f"), 1)
    assert unknown != der
    statement, token = signed(signer, STATEMENT,
                              {"alg": "RS256", "x5c": [base64.b64encode(unknown).decode()]})

    with pytest.raises(BadRequest, match="key of an unknown type"):
        verify_signed_statement(statement, token)


def test_verify_refuses_a_payload_nested_deeper_than_a_statement_can_be(signer: Signer) -> None:
    """Deep enough for ``json`` to read, too deep to compare with the statement."""
    token = signer.sign(b'{"actor": ' + b"[" * 900 + b"]" * 900 + b"}", {"alg": "RS256"})
    statement = {**STATEMENT, "attachments": [signature_attachment(token)]}

    with pytest.raises(BadRequest, match="does not match"):
        verify_signed_statement(statement, token)
