"""Authentication of xAPI requests and the scope each route requires.

Every xAPI route is declared with :func:`requires`, naming the scopes that may call
it; :func:`authenticate_request` runs before every xAPI request and puts the
caller's :class:`~lrs.store.credentials.Principal` on ``flask.g``. HTTP Basic
credentials and OAuth2 Bearer tokens (:mod:`lrs.auth.oauth_server`) both end up
as the same principal: a token acts as the credential it was issued to, with at
most the scopes it was issued for.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import g, request

from lrs.auth.oauth_server import current_oauth
from lrs.auth.tokens import InvalidToken
from lrs.runtime import current_runtime
from lrs.store.credentials import Principal, authenticate
from lrs.store.oauth_clients import token_principal
from lrs.xapi.errors import Forbidden, Unauthorized

F = TypeVar("F", bound=Callable[..., Any])
#: C0 controls and DEL: in no key or secret (``new_key``, ``new_secret``).
_CONTROL_CHARACTER = re.compile(r"[\x00-\x1f\x7f]")


def authenticate_request(*, key_bearer: bool = False) -> Principal:
    """Resolve the ``Authorization`` header (Basic or OAuth2 Bearer) to a principal, or 401.

    A header this process verified lately is trusted without a database look-up
    until a revocation anywhere (:mod:`lrs.auth.verified`).

    :param key_bearer: also accept a credential's ``key:secret`` as a Bearer token
        (SCIM clients such as Entra ID send a static "secret token" that way); a
        route without it never trusts such a header, even one verified elsewhere.
    """
    header = request.headers.get("Authorization", "")
    verified = current_runtime().verified
    cacheable = verified.enabled and (key_bearer or not _is_key_bearer(header))
    proof = verified.proof(header) if cacheable else ""
    principal = verified.principal(proof) if proof else None
    if principal is None:
        principal, expires_at = _verify(header, key_bearer)
        if proof:
            verified.remember(proof, principal, expires_at=expires_at)
    g.principal = principal
    return principal


def _is_key_bearer(header: str) -> bool:
    scheme, _, credentials = header.partition(" ")
    return scheme.lower() == "bearer" and ":" in credentials


def _verify(header: str, key_bearer: bool) -> tuple[Principal, float | None]:
    """The principal ``header`` proves, and when that proof expires (a token's ``exp``)."""
    scheme, _, credentials = header.partition(" ")
    if scheme.lower() == "bearer" and credentials.strip():
        token = credentials.strip()
        if key_bearer and ":" in token:
            key, _, secret = token.partition(":")
            return _key_principal(key, secret), None
        return _bearer_principal(token)
    if scheme.lower() != "basic" or not credentials:
        raise Unauthorized("authentication required: send HTTP Basic credentials")
    pair = basic_credentials(credentials)
    if pair is None:
        raise Unauthorized("malformed Basic credentials")
    return _key_principal(*pair), None


def _key_principal(key: str, secret: str) -> Principal:
    runtime = current_runtime()
    with runtime.db.read() as session:
        principal = authenticate(session, runtime.settings.secret_key, key, secret)
    if principal is None:
        raise Unauthorized("unknown key or wrong secret")
    return principal


def basic_credentials(encoded: str) -> tuple[str, str] | None:
    """``(key, secret)`` from the base64 part of a Basic header; ``None`` when malformed.

    Shared with the rate limiter, which reads the key before authentication.
    """
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    if _CONTROL_CHARACTER.search(decoded):  # no key or secret has one; PostgreSQL refuses NUL
        return None
    key, sep, secret = decoded.partition(":")
    return (key, secret) if sep else None


def _bearer_principal(token: str) -> tuple[Principal, float]:
    """The principal of a valid, unrevoked access token from ``/oauth/token``, and its
    expiry (epoch seconds)."""
    runtime = current_runtime()
    with runtime.db.read() as session:
        claims = current_oauth().keyring.verify(session, token)
        principal = token_principal(session, claims.client_key, claims.jti, claims.scopes)
    if principal is None:
        raise InvalidToken("the access token or its client was revoked")
    return principal, float(claims.expires_at)


def current_principal() -> Principal:
    return g.principal


def requires(*acceptable: str) -> Callable[[F], F]:
    """Allow the view only to principals holding one of ``acceptable`` scopes (else 403)."""

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            principal = current_principal()
            if not principal.allows(*acceptable):
                raise Forbidden(
                    f"this credential lacks the scope for this call (needs one of: "
                    f"{', '.join(acceptable)})"
                )
            return view(*args, **kwargs)

        wrapper.required_scopes = acceptable  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate


def protect(*acceptable: str, key_bearer: bool = False) -> Callable[[F], F]:
    """Authenticate the request (401), then allow one of ``acceptable`` scopes (403).

    For views outside ``/xapi``, whose blueprint authenticates nothing by itself
    (``/api``, ``/scim/v2``, plugin blueprints through :meth:`lrs.plugin.host.Host.requires`).

    :param key_bearer: see :func:`authenticate_request`.
    """

    def decorate(view: F) -> F:
        checked = requires(*acceptable)(view)

        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            authenticate_request(key_bearer=key_bearer)
            return checked(*args, **kwargs)

        wrapper.required_scopes = acceptable  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate
