"""Signed statements (Data 2.6): checking the JWS a statement carries as an attachment.

A signed statement has an attachment with usageType :data:`SIGNATURE_USAGE` and
contentType ``application/octet-stream`` whose bytes are a JWS (compact
serialization) over the statement as it was before the signature was attached.
The LRS must refuse malformed signatures with 400. "Well formed" means: the JWS
decodes, uses RS256/RS384/RS512, its payload is a statement equivalent to the one
received, and — when the header carries an ``x5c`` certificate chain — the
signature verifies against the first certificate. Without ``x5c`` there is no key
to verify with, and the spec asks for nothing more (authenticating the signer is
out of its scope).

The RSA check uses ``cryptography`` directly: the project does not use authlib's
JOSE module.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from lrs.xapi.equivalence import equivalent
from lrs.xapi.errors import BadRequest

SIGNATURE_USAGE = "http://adlnet.gov/expapi/attachments/signature"
SIGNATURE_CONTENT_TYPE = "application/octet-stream"

#: The only JWS algorithms Data 2.6 allows, with the hash each one signs with.
ALGORITHMS: dict[str, type[hashes.HashAlgorithm]] = {
    "RS256": hashes.SHA256,
    "RS384": hashes.SHA384,
    "RS512": hashes.SHA512,
}

_B64URL = re.compile(rb"[A-Za-z0-9_-]*")


@dataclass(frozen=True)
class CompactJws:
    """A decoded JWS compact serialization (RFC 7515 section 7.1)."""

    header: dict[str, Any]
    payload: bytes
    signing_input: bytes
    signature: bytes


def is_signature(attachment: dict[str, Any]) -> bool:
    """Whether an attachment object claims to be a statement signature."""
    return attachment.get("usageType") == SIGNATURE_USAGE


def verify_signed_statement(statement: dict[str, Any], token: bytes) -> None:
    """Check that ``token`` is a well-formed signature of ``statement`` (Data 2.6).

    ``statement`` is the statement as received, signature attachment included; the
    JWS payload is compared with it minus its signature attachments.

    :raises BadRequest: with a message saying which requirement the signature breaks.
    """
    jws = decode_compact_jws(token)
    if "x5c" in jws.header:
        _verify_with_x5c(jws)
    try:
        signed = json.loads(jws.payload.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise BadRequest("the JWS payload of the signature is not valid JSON") from None
    if not isinstance(signed, dict):
        raise BadRequest("the JWS payload of the signature is not a JSON statement object")
    try:
        matches = equivalent(_without_signatures(signed), _without_signatures(statement))
    except RecursionError:  # nested deeper than a statement may be: it cannot match
        matches = False
    if not matches:
        raise BadRequest(
            "the JWS payload of the signature does not match the statement it is attached to"
        )


def decode_compact_jws(token: bytes) -> CompactJws:
    """Split and decode ``header.payload.signature``; check the header (alg, crit).

    :raises BadRequest: when the token is not a compact JWS with an allowed alg.
    """
    segments = token.strip().split(b".")
    if len(segments) != 3:
        raise BadRequest("the signature is not a JWS in compact serialization (3 segments)")
    header_b64, payload_b64, signature_b64 = segments
    try:
        header = json.loads(_b64url(header_b64, "header").decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise BadRequest("the JWS header of the signature is not valid JSON") from None
    if not isinstance(header, dict):
        raise BadRequest("the JWS header of the signature is not a JSON object")
    alg = header.get("alg")
    if not isinstance(alg, str) or alg not in ALGORITHMS:
        raise BadRequest(
            f"the signature uses JWS alg {alg!r}; only RS256, RS384, RS512 are allowed"
        )
    if "crit" in header:
        raise BadRequest("the JWS header lists critical extensions this LRS does not support")
    signature = _b64url(signature_b64, "signature")
    if not signature:
        raise BadRequest("the JWS signature segment is empty")
    return CompactJws(
        header=header,
        payload=_b64url(payload_b64, "payload"),
        signing_input=header_b64 + b"." + payload_b64,
        signature=signature,
    )


def _verify_with_x5c(jws: CompactJws) -> None:
    """Verify the RSA signature with the key of the first ``x5c`` certificate (RFC 7515 4.1.6).

    Only the signature is checked, not the chain or validity dates: Data 2.6 says
    this step catches mistakes, it is not a security measure.
    """
    chain = jws.header["x5c"]
    if not isinstance(chain, list) or not chain or not isinstance(chain[0], str):
        raise BadRequest("the JWS x5c header must be a non-empty array of base64 certificates")
    try:
        der = base64.b64decode(chain[0], validate=True)
        key = x509.load_der_x509_certificate(der).public_key()
    except (binascii.Error, ValueError):
        raise BadRequest("the first JWS x5c certificate is not a base64 DER certificate") from None
    except UnsupportedAlgorithm:
        raise BadRequest("the first JWS x5c certificate holds a key of an unknown type") from None
    if not isinstance(key, rsa.RSAPublicKey):
        raise BadRequest("the first JWS x5c certificate does not hold an RSA public key")
    algorithm = ALGORITHMS[jws.header["alg"]]()
    try:
        key.verify(jws.signature, jws.signing_input, padding.PKCS1v15(), algorithm)
    except InvalidSignature:
        raise BadRequest("the JWS signature does not verify against its x5c certificate") from None


def _b64url(segment: bytes, what: str) -> bytes:
    """Decode one unpadded base64url JWS segment, refusing any other alphabet."""
    try:
        if _B64URL.fullmatch(segment) is None:
            raise ValueError(segment)
        return base64.urlsafe_b64decode(segment + b"=" * (-len(segment) % 4))
    except (binascii.Error, ValueError):
        raise BadRequest(f"the JWS {what} of the signature is not base64url") from None


def _without_signatures(statement: dict[str, Any]) -> dict[str, Any]:
    """The statement as it was before signing: signature attachments removed.

    An emptied (or empty) ``attachments`` list is dropped, so a payload signed with
    ``"attachments": []`` matches the statement that now lists only its signature.
    """
    unsigned = dict(statement)
    attachments = statement.get("attachments")
    if isinstance(attachments, list):
        kept = [a for a in attachments if not (isinstance(a, dict) and is_signature(a))]
        if kept:
            unsigned["attachments"] = kept
        else:
            del unsigned["attachments"]
    return unsigned
