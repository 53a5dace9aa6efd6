"""Test-only JWS signing: RSA keys, a self-signed certificate, compact serialization."""

from __future__ import annotations

import base64
import datetime
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

from lrs.xapi.multipart import AttachmentPart
from lrs.xapi.signatures import SIGNATURE_CONTENT_TYPE, SIGNATURE_USAGE

HASHES = {"RS256": hashes.SHA256, "RS384": hashes.SHA384, "RS512": hashes.SHA512}


@dataclass(frozen=True)
class Signer:
    key: rsa.RSAPrivateKey
    certificate_der: bytes

    @classmethod
    def generate(cls) -> Signer:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "weft test signer")])
        now = datetime.datetime.now(datetime.UTC)
        certificate = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now)
            .not_valid_after(now + datetime.timedelta(days=1))
            .sign(key, hashes.SHA256())
        )
        return cls(key, certificate.public_bytes(serialization.Encoding.DER))

    @property
    def x5c(self) -> list[str]:
        return [base64.b64encode(self.certificate_der).decode("ascii")]

    def sign(self, payload: bytes, header: dict[str, Any]) -> bytes:
        """Compact JWS over ``payload``; RS* algs are really signed, others get junk."""
        signing_input = _b64url(json.dumps(header).encode()) + b"." + _b64url(payload)
        alg = HASHES.get(header.get("alg", ""))
        signature = (
            self.key.sign(signing_input, padding.PKCS1v15(), alg())
            if alg is not None
            else hashlib.sha256(signing_input).digest()
        )
        return signing_input + b"." + _b64url(signature)


def _b64url(data: bytes) -> bytes:
    return base64.urlsafe_b64encode(data).rstrip(b"=")


def signature_attachment(token: bytes, content_type: str = SIGNATURE_CONTENT_TYPE) -> dict:
    """The attachment object a client adds to a statement it signed."""
    return {
        "usageType": SIGNATURE_USAGE,
        "display": {"en-US": "Signature"},
        "contentType": content_type,
        "length": len(token),
        "sha2": hashlib.sha256(token).hexdigest(),
    }


def signature_part(token: bytes) -> AttachmentPart:
    return AttachmentPart(hashlib.sha256(token).hexdigest(), SIGNATURE_CONTENT_TYPE, token)
