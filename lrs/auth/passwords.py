"""Passwords of local admins: scrypt, deliberately slow.

Unlike API secrets (:mod:`lrs.auth.secrets`), a password is chosen by a person
and may be guessable, so it gets a memory-hard hash that costs ~100 ms. That is
affordable here: it is checked once per sign-in, never per request.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

#: scrypt cost parameters (RFC 7914): 2**15 iterations of 8-block mixing, 32 MiB.
_N, _R, _P = 2**15, 8, 1
_MAXMEM = 64 * 1024 * 1024
#: Shortest password ``lrs users create-local-admin`` accepts.
MIN_LENGTH = 12


def hash_password(password: str) -> str:
    """``scrypt$N$r$p$salt$hash`` (salt and hash base64) of ``password``."""
    salt = secrets.token_bytes(16)
    digest = _scrypt(password, salt, _N, _R, _P)
    return "$".join(("scrypt", str(_N), str(_R), str(_P), _b64(salt), _b64(digest)))


def password_matches(password: str, stored: str | None) -> bool:
    """Whether ``password`` hashes to ``stored``; ``None`` still costs one hash.

    Checking against nothing as slowly as against something keeps the answer
    time from telling which accounts exist.
    """
    if stored is None:
        hash_password(password)
        return False
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        computed = _scrypt(password, base64.b64decode(salt), int(n), int(r), int(p))
        return hmac.compare_digest(computed, base64.b64decode(digest))
    except ValueError:
        return False


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(password.encode(), salt=salt, n=n, r=r, p=p, maxmem=_MAXMEM, dklen=32)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")
