"""OAuth2 endpoints: ``/oauth/token``, ``/oauth/revoke`` and the JWKS.

They sit outside ``/xapi``: they speak OAuth2 (RFC 6749 error bodies such as
``{"error": "invalid_client"}``), not xAPI, and need no version header. The JWKS
is also served at ``/.well-known/jwks.json`` where generic JWT libraries look.
"""

from __future__ import annotations

from collections.abc import Callable

from authlib.oauth2.rfc6749 import InsecureTransportError
from flask import Blueprint, Response, jsonify, request

from lrs.auth.oauth_server import current_oauth, init_oauth
from lrs.auth.protector import basic_credentials
from lrs.runtime import current_runtime


def create_oauth_blueprint() -> Blueprint:
    """The blueprint; registering it also sets up the app's authorization server."""
    bp = Blueprint("oauth", __name__)
    bp.record_once(lambda state: init_oauth(state.app))
    bp.add_url_rule("/oauth/token", "token", _token, methods=["POST"])
    bp.add_url_rule("/oauth/revoke", "revoke", _revoke, methods=["POST"])
    bp.add_url_rule("/oauth/jwks", "jwks", _jwks, methods=["GET"])
    bp.add_url_rule("/.well-known/jwks.json", "well_known_jwks", _jwks, methods=["GET"])
    return bp


def _token() -> Response:
    return _over_https(lambda: current_oauth().server.create_token_response())


def _revoke() -> Response:
    return _over_https(
        lambda: current_oauth().server.create_endpoint_response("revocation")
    )


def _jwks() -> Response:
    with current_runtime().db.read() as session:
        keys = current_oauth().keyring.jwks(session)
    response = jsonify(keys)
    # Verifiers may cache the set briefly; a rotation is seen within the minute.
    response.headers["Cache-Control"] = "public, max-age=60"
    return response


def _over_https(respond: Callable[[], Response]) -> Response:
    """Run an Authlib endpoint, answering plain HTTP (but loopback) with a 400, and
    Basic credentials it cannot read with a 401 (Authlib raised on a bare ``Basic``
    or on bytes that are not UTF-8: a 500)."""
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "basic" and basic_credentials(value) is None:
        response = jsonify({"error": "invalid_client",
                            "error_description": "the Authorization header holds no "
                                                 "readable Basic client_id:client_secret"})
        response.status_code = 401
        response.headers["WWW-Authenticate"] = 'Basic error="invalid_client"'
        return response
    try:
        return respond()
    except InsecureTransportError as exc:
        response = jsonify(dict(exc.get_body()))
        response.status_code = 400
        return response
