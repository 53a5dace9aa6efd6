"""The ``Weft-Signature`` header: proof that a webhook call comes from this LRS, now.

``Weft-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>`` where the HMAC, keyed
with the instance's signing secret, covers ``<t>.<body>`` (the body's exact
bytes). The receiver recomputes it and compares in constant time, and refuses
a ``t`` too far from its clock (replays). The scheme is Stripe's, so existing
verification code works with the header name changed.
"""

from __future__ import annotations

import hashlib
import hmac
import time

HEADER = "Weft-Signature"


def signature(secret: str, body: bytes, timestamp: int | None = None) -> str:
    """The header's value for ``body`` sent at ``timestamp`` (now by default)."""
    moment = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{moment}.".encode() + body, hashlib.sha256)
    return f"t={moment},v1={digest.hexdigest()}"


def verify(
    secret: str, body: bytes, header: str, *, tolerance: int = 300, now: int | None = None
) -> bool:
    """Whether ``header`` signs ``body`` with ``secret`` within ``tolerance`` seconds
    (what a receiver does; given for receivers written in Python, and for tests)."""
    parts = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    try:
        moment = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs((int(time.time()) if now is None else now) - moment) > tolerance:
        return False
    expected = signature(secret, body, moment).split("v1=", 1)[1]
    return hmac.compare_digest(expected, parts.get("v1", ""))
