"""The ``/xapi`` blueprint: version negotiation, authentication and common headers.

Resource modules (statements, documents, about) each own a child blueprint;
everything every xAPI request needs happens here once.
"""

from __future__ import annotations

from flask import Blueprint, Response, g, request

from lrs.auth.protector import authenticate_request
from lrs.http import about, activities, agents, documents, statements
from lrs.http.version import current_version
from lrs.runtime import current_runtime
from lrs.store.credentials import remember_version
from lrs.xapi.versions import XapiVersion, negotiate

#: Endpoints that answer without credentials or version header (xAPI: About is open).
_OPEN_ENDPOINTS = {"xapi.about.about"}


def create_xapi_blueprint() -> Blueprint:
    bp = Blueprint("xapi", __name__, url_prefix="/xapi")
    bp.before_request(_negotiate_and_authenticate)
    bp.after_request(_version_header)
    for child in (statements.bp, documents.bp, agents.bp, activities.bp, about.bp):
        bp.register_blueprint(child)
    return bp


def _negotiate_and_authenticate() -> None:
    if request.method == "OPTIONS":
        return
    if request.endpoint in _OPEN_ENDPOINTS:
        g.xapi_version = _optional_version()
        return
    principal = authenticate_request()
    # Should negotiation fail, the 400 still names a version: the one this client
    # spoke last, so a 1.0.3 client is not told about 2.0.0 and vice versa.
    g.xapi_version = XapiVersion(principal.xapi_version)
    version = negotiate(request.headers.get("X-Experience-API-Version"))
    g.xapi_version = version
    if version.value != principal.xapi_version:
        runtime = current_runtime()
        with runtime.db.write() as session:
            remember_version(session, principal.credential_id, version.value)
        runtime.verified.update_version(principal.credential_id, version.value)


def _optional_version() -> XapiVersion:
    header = request.headers.get("X-Experience-API-Version")
    return negotiate(header) if header else XapiVersion.V2_0_0


def _version_header(response: Response) -> Response:
    response.headers["X-Experience-API-Version"] = current_version().value
    return response
