"""Credential secrets: generated with high entropy, stored as HMAC-SHA256.

A password hash (scrypt, bcrypt) costs ~100 ms, and Basic auth checks the secret
on every request. Secrets here are 256-bit random values, so a keyed fast hash is
as strong as a slow one and costs microseconds.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets


def new_key() -> str:
    """A public, URL-safe identifier for a credential (the Basic-auth user name)."""
    return secrets.token_hex(10)


def new_secret() -> str:
    """A 256-bit random secret, shown once to the admin and never stored."""
    return secrets.token_urlsafe(32)


def hash_secret(secret: str, server_key: str) -> str:
    """HMAC-SHA256 of ``secret`` keyed with the server's ``LRS_SECRET_KEY``."""
    return hmac.new(server_key.encode(), secret.encode(), hashlib.sha256).hexdigest()


def secret_matches(secret: str, stored_hash: str, server_key: str) -> bool:
    return hmac.compare_digest(hash_secret(secret, server_key), stored_hash)
