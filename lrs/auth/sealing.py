"""Secrets Weft must use again (connector passwords and tokens): encrypted at rest.

Credential secrets are only ever compared, so they are stored as HMACs
(:mod:`lrs.auth.secrets`); a connector's API token must be sent to the remote
system, so it is encrypted instead: Fernet (AES-128-CBC with HMAC-SHA256, from
``cryptography``) under a key derived from ``LRS_SECRET_KEY`` with HKDF, so one
server key protects both and a copy of the database alone reveals nothing.
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from lrs.xapi.errors import Conflict

#: Separates this key from any other derived from ``LRS_SECRET_KEY``.
_PURPOSE = b"weft connector secrets v1"


class UnsealError(Conflict):
    """A sealed value cannot be opened: ``LRS_SECRET_KEY`` changed, or the value was altered."""

    error = "unreadable_secrets"


def _fernet(server_key: str) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
               info=_PURPOSE).derive(server_key.encode())
    return Fernet(base64.urlsafe_b64encode(key))


def seal(plain: str, server_key: str) -> str:
    """``plain`` encrypted and authenticated under ``server_key``."""
    return _fernet(server_key).encrypt(plain.encode()).decode("ascii")


def unseal(sealed: str, server_key: str) -> str:
    """:raises UnsealError: wrong key or altered value."""
    try:
        return _fernet(server_key).decrypt(sealed.encode("ascii")).decode()
    except (InvalidToken, ValueError):
        raise UnsealError("cannot decrypt the connector's secrets: LRS_SECRET_KEY changed "
                          "since they were set, or they were altered; set them again "
                          "(lrs connectors update NAME --set FIELD=VALUE)") from None
