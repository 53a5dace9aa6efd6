"""Sign-in of people to the web UI through the company's OpenID Connect provider.

Authlib's Flask client does the protocol: discovery from
``LRS_OIDC_METADATA_URL`` (``server_metadata_url``), the authorization code flow
with PKCE (S256), and on return the ``state`` (kept in the signed session) and
the ID token's signature, issuer, audience, expiry and ``nonce``. This module
adds what Weft decides: which roles the person gets from their groups
(:mod:`lrs.auth.roles`), and that a person without any role is refused.

The client is registered on each application (``app.extensions``), never on a
module-level registry, and only when OIDC is configured.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import requests
from authlib.integrations.base_client import OAuthError
from authlib.integrations.flask_client import OAuth
from flask import Flask, Response, current_app
from joserfc.errors import JoseError

from lrs.auth.roles import ADMIN, claimed_groups, parse_role_mapping, roles_for
from lrs.settings import Settings

#: Name of the Authlib client registered for the identity provider.
CLIENT_NAME = "oidc"
#: Seconds to wait for the identity provider before giving up on a sign-in.
IDP_TIMEOUT_SECONDS = 10


@dataclass(frozen=True)
class WebUser:
    """A person signed in to the web UI, as kept in the session cookie."""

    #: Stable identifier: the ID token's ``sub``, or ``local:<email>``.
    subject: str
    email: str | None
    name: str | None
    roles: frozenset[str]
    #: ``"oidc"`` or ``"local"``.
    method: str
    #: When the sign-in happened, seconds since the epoch.
    signed_in_at: int = field(default_factory=lambda: int(time.time()))
    #: The ID token's ``iss`` (``None`` for a local sign-in): with :attr:`subject`, the
    #: directory account ``issuer|subject`` a manager is recognised by.
    issuer: str | None = None

    @property
    def actor(self) -> str:
        """``admin:<email or subject>``: who acted, in admin events and the audit trail."""
        return f"admin:{self.email or self.subject}"

    @property
    def display_name(self) -> str:
        return self.name or self.email or self.subject

    def to_session(self) -> dict[str, Any]:
        return {"sub": self.subject, "email": self.email, "name": self.name,
                "roles": sorted(self.roles), "method": self.method, "at": self.signed_in_at,
                "iss": self.issuer}

    @classmethod
    def from_session(cls, data: Mapping[str, Any]) -> WebUser:
        return cls(subject=data["sub"], email=data.get("email"), name=data.get("name"),
                   roles=frozenset(data["roles"]), method=data["method"],
                   signed_in_at=int(data["at"]), issuer=data.get("iss"))


class SignInRefused(Exception):
    """A sign-in that did not succeed; ``reason`` is recorded, the message shown."""

    def __init__(self, message: str, *, reason: str, user: WebUser | None = None) -> None:
        super().__init__(message)
        self.reason = reason
        #: Who tried, when the identity provider vouched for them (no role, say).
        self.user = user


def init_sso(app: Flask, settings: Settings) -> None:
    """Register the identity provider's client on ``app`` when OIDC is configured."""
    if not settings.oidc_metadata_url:
        return
    oauth = OAuth(app)
    oauth.register(
        CLIENT_NAME,
        client_id=settings.oidc_client_id,
        client_secret=settings.oidc_client_secret or None,
        server_metadata_url=settings.oidc_metadata_url,
        client_kwargs={"scope": settings.oidc_scopes, "code_challenge_method": "S256",
                       "default_timeout": IDP_TIMEOUT_SECONDS},
    )


def sso_enabled() -> bool:
    return _client() is not None


def start_sign_in(redirect_uri: str) -> Response:
    """Redirect to the identity provider; ``state``, ``nonce`` and the PKCE verifier
    are kept in the session for :func:`finish_sign_in`.

    :raises SignInRefused: the identity provider cannot be reached.
    """
    try:
        return _require_client().authorize_redirect(redirect_uri)
    except (requests.RequestException, ValueError) as exc:
        raise SignInRefused("The identity provider cannot be reached; try again later.",
                            reason=f"identity provider unreachable: {type(exc).__name__}") from exc


def finish_sign_in(settings: Settings) -> WebUser:
    """The person the identity provider sent back, with their roles.

    :raises SignInRefused: the provider reported an error, the ``state`` does not
        match this browser's session, the ID token is missing or invalid, or the
        person's groups map to no role.
    """
    client = _require_client()
    try:
        token = client.authorize_access_token()
    except OAuthError as exc:
        raise SignInRefused("Sign-in failed: the identity provider's answer was refused.",
                            reason=f"{exc.error}: {exc.description or ''}".strip(": ")) from exc
    except JoseError as exc:  # the ID token: signature, issuer, audience, expiry, nonce
        raise SignInRefused("Sign-in failed: the identity provider's ID token was not valid.",
                            reason=f"invalid id_token: {exc.error}") from exc
    except (requests.RequestException, ValueError) as exc:
        raise SignInRefused("Sign-in failed: the identity provider's answer could not be checked.",
                            reason=f"token exchange failed: {type(exc).__name__}") from exc
    claims = token.get("userinfo")
    if not claims:
        raise SignInRefused("Sign-in failed: the identity provider sent no ID token.",
                            reason="no id_token")
    claims = dict(claims)
    if not claimed_groups(claims, settings.oidc_roles_claim):
        claims = _with_userinfo(client, token, claims)
    mapping = parse_role_mapping(settings.oidc_role_mapping)
    user = WebUser(
        subject=str(claims["sub"]), email=claims.get("email"),
        name=claims.get("name") or claims.get("preferred_username"),
        roles=roles_for(claimed_groups(claims, settings.oidc_roles_claim), mapping),
        method="oidc", issuer=claims.get("iss"),
    )
    if not user.roles:
        raise SignInRefused(
            "You signed in, but none of your groups gives a role in Weft. Ask an "
            "administrator to add you to a group mapped to admin, compliance officer, "
            "analyst or manager.", reason="no mapped role", user=user)
    return user


def local_user(email: str) -> WebUser:
    """A local bootstrap admin who gave the right password."""
    return WebUser(subject=f"local:{email}", email=email, name=None,
                   roles=frozenset({ADMIN}), method="local")


def _with_userinfo(client: Any, token: dict[str, Any], claims: dict[str, Any]) -> dict[str, Any]:
    """Add the userinfo endpoint's claims (Okta and others send groups only there).

    Kept only when they are about the same ``sub`` as the ID token (OIDC Core §5.3.2).
    """
    if not client.load_server_metadata().get("userinfo_endpoint"):
        return claims
    try:
        extra = dict(client.userinfo(token=token))
    except (requests.RequestException, ValueError):
        return claims
    if extra.get("sub") != claims.get("sub"):
        return claims
    return {**extra, **claims}


def _client() -> Any:
    oauth = current_app.extensions.get("authlib.integrations.flask_client")
    return oauth.create_client(CLIENT_NAME) if oauth is not None else None


def _require_client() -> Any:
    client = _client()
    if client is None:
        raise SignInRefused("Single sign-on is not configured.", reason="oidc not configured")
    return client
