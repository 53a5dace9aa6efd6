"""The OAuth2 authorization server: client credentials grant, token revocation.

Machine clients (an LMS, a reporting job) trade their ``client_id`` and
``client_secret`` for a short-lived JWT access token (:mod:`lrs.auth.tokens`)
and send it as ``Authorization: Bearer`` to the xAPI, where the one protector
(:mod:`lrs.auth.protector`) checks it. Only the client credentials grant exists:
there are no end users to redirect, and no refresh tokens (a client simply asks
again).

Authlib does the protocol (request parsing, client authentication, RFC 6749
error bodies); this module supplies the storage and the scope rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.integrations.flask_oauth2.requests import FlaskOAuth2Payload, FlaskOAuth2Request
from authlib.oauth2.rfc6749 import (
    ClientMixin,
    InsecureTransportError,
    InvalidScopeError,
    OAuth2Request,
)
from authlib.oauth2.rfc6749.grants import ClientCredentialsGrant
from authlib.oauth2.rfc6749.util import scope_to_list
from authlib.oauth2.rfc7009 import RevocationEndpoint
from flask import Flask, Request, current_app, g
from flask import request as flask_request

from lrs.auth import scopes as xapi_scopes
from lrs.auth.secrets import secret_matches
from lrs.auth.tokens import AccessToken, InvalidToken, Keyring
from lrs.http.source import is_loopback
from lrs.runtime import current_runtime
from lrs.store import oauth_clients

#: How clients may authenticate at the token and revocation endpoints.
CLIENT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]


@dataclass(frozen=True)
class Client(ClientMixin):  # type: ignore[misc]
    """What Authlib needs to know of a registered client (a snapshot of its credential)."""

    client_id: str
    secret_hash: str
    #: Scopes as granted (not expanded): the default when a request names none.
    granted_scopes: tuple[str, ...]

    def get_client_id(self) -> str:
        return self.client_id

    def check_client_secret(self, client_secret: str) -> bool:
        """Check the secret; a match is noted on ``g`` for the rate limiter
        (:mod:`lrs.http.rate_limit` tells failures from successes by it)."""
        key = current_runtime().settings.secret_key
        matches = secret_matches(client_secret, self.secret_hash, key)
        if matches:
            g.authenticated_client_id = self.client_id
        return matches

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method in CLIENT_AUTH_METHODS

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == ClientCredentialsGrant.GRANT_TYPE

    def get_allowed_scope(self, scope: str | None) -> str:
        """The scopes a token gets: those asked for, or all the client holds."""
        return scope or " ".join(self.granted_scopes)


class XapiClientCredentialsGrant(ClientCredentialsGrant):  # type: ignore[misc]
    """The client credentials grant, with scopes limited to what the client holds.

    A token may carry any scope of the application's registry, plugin scopes
    included, as long as the client was granted it.
    """

    TOKEN_ENDPOINT_AUTH_METHODS = CLIENT_AUTH_METHODS

    def validate_requested_scope(self) -> None:
        requested = scope_to_list(self.request.payload.scope) or []
        known = current_runtime().scopes
        unknown = [scope for scope in requested if scope not in known]
        if unknown:
            raise InvalidScopeError(f"unknown scope(s): {', '.join(unknown)}; "
                                    f"valid scopes: {', '.join(known.names())}")
        beyond = set(requested) - xapi_scopes.expand(self.request.client.granted_scopes)
        if beyond:
            raise InvalidScopeError(
                f"the client may not request: {', '.join(sorted(beyond))}"
            )


class XapiRevocationEndpoint(RevocationEndpoint):  # type: ignore[misc]
    """RFC 7009 revocation of access tokens (Weft issues no refresh tokens)."""

    CLIENT_AUTH_METHODS = CLIENT_AUTH_METHODS
    SUPPORTED_TOKEN_TYPES = ("access_token",)

    def query_token(self, token_string: str, token_type_hint: str | None) -> AccessToken | None:
        """The token's claims; None for anything unusable (RFC 7009 answers 200 anyway)."""
        with current_runtime().db.read() as session:
            try:
                return current_oauth().keyring.verify(session, token_string)
            except InvalidToken:
                return None

    def revoke_token(self, token: AccessToken, request: Any) -> None:
        runtime = current_runtime()
        with runtime.db.write() as session:
            oauth_clients.revoke_token(session, token.jti, token.expires_at)
        runtime.verified.forget_all()


class PeerCheckedRequest(FlaskOAuth2Request):  # type: ignore[misc]
    """Authlib's request, with plain HTTP judged by the peer address, not the URL.

    Authlib refuses ``http://`` unless the URL's host is loopback, and the URL's
    host is the ``Host`` header: any client can send ``Host: 127.0.0.1``. Here
    plain HTTP is allowed only when the connection itself comes from a loopback
    address (``REMOTE_ADDR``, the peer, rewritten from ``X-Forwarded-For`` only
    for ``LRS_TRUSTED_PROXIES``).

    :raises InsecureTransportError: plain HTTP from another address.
    """

    def __init__(self, request: Request) -> None:
        if not request.is_secure and not is_loopback(request.remote_addr):
            raise InsecureTransportError()
        # The transport is judged above: give Authlib's own check a URL it accepts
        # (the URL is not used otherwise by these endpoints).
        OAuth2Request.__init__(self, method=request.method,
                               uri=request.url.replace("http://", "https://", 1),
                               headers=request.headers)
        self._request = request
        self.payload = FlaskOAuth2Payload(request)


class XapiAuthorizationServer(AuthorizationServer):  # type: ignore[misc]
    """Authlib's server, building :class:`PeerCheckedRequest` requests."""

    def create_oauth2_request(self, request: Any) -> PeerCheckedRequest:
        return PeerCheckedRequest(flask_request)


@dataclass(frozen=True)
class OAuth:
    """The OAuth2 machinery of one application (``app.extensions["lrs.oauth"]``)."""

    server: AuthorizationServer
    keyring: Keyring


def init_oauth(app: Flask) -> OAuth:
    """Build the authorization server and keyring of ``app`` from its settings."""
    settings = app.extensions["lrs"].settings
    keyring = Keyring(
        secret_key=settings.secret_key,
        issuer=settings.oauth_issuer,
        ttl_seconds=settings.oauth_token_ttl_seconds,
    )
    server = XapiAuthorizationServer()
    server.init_app(app, query_client=_query_client, save_token=_tokens_are_self_contained)
    server.register_grant(XapiClientCredentialsGrant)
    server.register_endpoint(XapiRevocationEndpoint)
    server.register_token_generator(
        XapiClientCredentialsGrant.GRANT_TYPE, _token_generator(keyring)
    )
    oauth = OAuth(server=server, keyring=keyring)
    app.extensions["lrs.oauth"] = oauth
    return oauth


def current_oauth() -> OAuth:
    return current_app.extensions["lrs.oauth"]


def _query_client(client_id: str) -> Client | None:
    with current_runtime().db.read() as session:
        row = oauth_clients.find_client(session, client_id)
        if row is None:
            return None
        return Client(row.key, row.secret_hash, tuple(row.scopes.split()))


def _tokens_are_self_contained(token: dict[str, Any], request: Any) -> None:
    """Nothing to save: a JWT carries its own claims; only revocations are stored."""


def _token_generator(keyring: Keyring) -> Any:
    def generate(
        grant_type: str, client: Client, user: Any = None, scope: str | None = None,
        expires_in: int | None = None, include_refresh_token: bool = False,
    ) -> dict[str, Any]:
        scopes = client.get_allowed_scope(scope).split()
        with current_runtime().db.write() as session:
            token = keyring.issue(session, client_key=client.client_id, scopes=scopes)
        return {
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": keyring.ttl_seconds,
            "scope": " ".join(scopes),
        }

    return generate
